// @ts-check
/**
 * The notices Gatehouse sent credentials' owners (expiring, expired,
 * unused), one row per credential and kind: a notice is claimed by
 * inserting its row before it is sent, so that however many replicas run
 * the check, and however often the backend restarts, each is sent once.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gatehouse_owner_notices', table => {
    table.string('credential_id', 300).notNullable();
    table.string('kind', 100).notNullable();
    table.string('owner', 255).notNullable();
    table.bigInteger('sent_at').notNullable();
    table.primary(['credential_id', 'kind']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gatehouse_owner_notices');
};
