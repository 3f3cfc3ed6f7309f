// @ts-check
/**
 * Credentials marked compromised (leaked): every Gatehouse handler on every
 * replica refuses them once its next read of this table has seen them. A
 * mark is never deleted: a leaked secret stays leaked. `mark_key` is the
 * token's SHA-256 for a static or managed token, and a SHA-256 of the entry
 * and subject for a JWT subject (refused until `until`).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gatehouse_compromised_credentials', table => {
    table.string('mark_key', 64).primary().notNullable();
    table.string('credential_id', 300).notNullable();
    table.string('source', 50).notNullable();
    table.string('fingerprint', 16).nullable();
    table.string('subject', 1000).nullable();
    table.bigInteger('until').nullable();
    table.string('reason', 500).nullable();
    table.string('marked_by', 300).notNullable();
    table.bigInteger('marked_at').notNullable();
    table.bigInteger('updated_at').notNullable().index();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gatehouse_compromised_credentials');
};
