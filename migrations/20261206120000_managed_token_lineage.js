// @ts-check
/**
 * Managed tokens remember who made them and what replaced them, so that a
 * revocation reaches everything a token led to:
 * - `created_by_credential`: the credential that made the request (an
 *   inventory id such as `gatehouse-managed:<id>` or `gatehouse-static:<key>`,
 *   or `fingerprint:<8 hex>`); `created_by` names only its subject or user.
 * - `minted_by`: the managed token that made this one, if one did.
 * - `rotated_to`: the one successor a rotation gave this token.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gatehouse_managed_tokens', table => {
    table.string('created_by_credential', 300).nullable();
    table.string('minted_by', 36).nullable().index();
    table.string('rotated_to', 36).nullable().index();
    table.index(['rotated_from']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gatehouse_managed_tokens', table => {
    table.dropIndex(['rotated_from']);
    table.dropIndex(['rotated_to']);
    table.dropIndex(['minted_by']);
    table.dropColumn('rotated_to');
    table.dropColumn('minted_by');
    table.dropColumn('created_by_credential');
  });
};
