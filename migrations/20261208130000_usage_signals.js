// @ts-check
/**
 * Unusual use, noticed from the usage each replica writes:
 * - gatehouse_credential_plugins: each plugin a credential has called, and
 *   when first; a row inserted after the credential's learning period is a
 *   plugin it never called before.
 * - gatehouse_rejection_counts: rejections per reason and per fingerprint in
 *   windows of the database's time, added up across replicas.
 * - gatehouse_signals: each signal raised, claimed by inserting its key (a
 *   SHA-256 of what makes it one signal), so that however many replicas see
 *   it, it is raised once.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gatehouse_credential_plugins', table => {
    table.string('credential_id', 512).notNullable();
    table.string('plugin', 255).notNullable();
    table.bigInteger('first_seen_at').notNullable();
    table.primary(['credential_id', 'plugin']);
  });
  await knex.schema.createTable('gatehouse_rejection_counts', table => {
    table.bigInteger('window_start').notNullable().index();
    table.string('count_key', 120).notNullable();
    table.bigInteger('count').notNullable();
    table.primary(['window_start', 'count_key']);
  });
  await knex.schema.createTable('gatehouse_signals', table => {
    table.string('signal_key', 64).primary().notNullable();
    table.string('kind', 50).notNullable();
    table.string('credential_id', 512).nullable().index();
    table.string('detail', 1000).notNullable();
    table.bigInteger('raised_at').notNullable().index();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gatehouse_signals');
  await knex.schema.dropTable('gatehouse_rejection_counts');
  await knex.schema.dropTable('gatehouse_credential_plugins');
};
