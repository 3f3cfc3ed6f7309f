// @ts-check
/**
 * Managed tokens (`gatehouse-managed`): one row per token, kept after
 * revocation or expiry for the inventory. Times are milliseconds since the
 * epoch (bigint), the same on SQLite and PostgreSQL; `updated_at` drives the
 * sync of every replica's in-memory table.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gatehouse_managed_tokens', table => {
    table.comment(
      'Gatehouse managed tokens: metadata and SHA-256 hashes, never a token',
    );
    table.string('id', 36).primary().notNullable();
    table.string('token_hash', 64).notNullable().unique();
    table.string('fingerprint', 8).notNullable();
    table.string('subject', 255).notNullable();
    table.text('description').notNullable();
    table.string('created_by', 255).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('expires_at').notNullable();
    table.text('access_restrictions').nullable();
    table.string('rotated_from', 36).nullable();
    table.bigInteger('revoked_at').nullable();
    table.string('revoked_by', 255).nullable();
    table.text('revoke_reason').nullable();
    table.bigInteger('updated_at').notNullable().index();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gatehouse_managed_tokens');
};
