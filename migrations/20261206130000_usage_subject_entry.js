// @ts-check
/**
 * A JWT subject's usage row names its gatehouse-jwks entry in `entry_id`
 * (the entry's credential id, `gatehouse-jwks:<key>`; null on a credential's
 * own row), indexed, so that the inventory reads an entry's latest subjects
 * and the store caps and prunes them with an equality on one column.
 *
 * Why not a range on the primary key (`>= '<entry>#' AND < '<entry>$'`): it
 * depends on the database's collation. Under PostgreSQL's `en_US.UTF-8`
 * (glibc; the default of many clusters, RDS's among them) it matches no row
 * at all, since '#' and '$' are ignored at the first level of comparison.
 * Equality on a deterministic collation is the same everywhere.
 *
 * Rows that a replica of an older version writes during a rolling upgrade
 * have no `entry_id` until a newer replica writes the same subject; the age
 * prune finds them by their id.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gatehouse_usage_last', table => {
    table.string('entry_id', 512).nullable().index();
  });
  const client = String(knex.client.config.client);
  // The position of the first '#': strpos on PostgreSQL, instr on SQLite.
  const hash = ['pg', 'postgres', 'postgresql'].includes(client)
    ? "strpos(credential_id, '#')"
    : "instr(credential_id, '#')";
  await knex('gatehouse_usage_last')
    .where('credential_id', 'like', '%#%')
    .update({ entry_id: knex.raw(`substr(credential_id, 1, ${hash} - 1)`) });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gatehouse_usage_last', table => {
    table.dropIndex(['entry_id']);
    table.dropColumn('entry_id');
  });
};
