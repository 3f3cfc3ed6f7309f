// @ts-check
/**
 * Usage of every credential, for the inventory. Each replica adds its counts
 * once per flush interval: uses per credential and hour (added up across
 * replicas by the upsert), and the latest use and rejection per credential
 * (the later one wins). Credential ids are `source:key` (a static token's
 * usage key, a managed token's id, a JWT entry's key, `#subject` for a JWT
 * subject); never a token. Times are milliseconds since the epoch.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gatehouse_usage_counts', table => {
    table.comment(
      'Gatehouse credential usage: requests per credential and hour',
    );
    table.string('credential_id', 512).notNullable();
    table.bigInteger('hour').notNullable().index();
    table.bigInteger('uses').notNullable();
    table.primary(['credential_id', 'hour']);
  });
  await knex.schema.createTable('gatehouse_usage_last', table => {
    table.comment('Gatehouse credential usage: latest use and rejection');
    table.string('credential_id', 512).primary().notNullable();
    table.bigInteger('last_used_at').nullable();
    table.string('last_plugin', 255).nullable();
    table.string('last_rejection', 64).nullable();
    table.bigInteger('last_rejection_at').nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gatehouse_usage_last');
  await knex.schema.dropTable('gatehouse_usage_counts');
};
