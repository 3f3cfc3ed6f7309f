// @ts-check
/**
 * Every managed token has an owner: the catalog entity ref (a group or a
 * user) of whoever looks after it, which conditional permission policies
 * and notifications go by. Tokens made before this have none ("unowned" in
 * the inventory) until someone who may manage them names one.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('gatehouse_managed_tokens', table => {
    table.string('owner', 255).nullable().index();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('gatehouse_managed_tokens', table => {
    table.dropIndex(['owner']);
    table.dropColumn('owner');
  });
};
