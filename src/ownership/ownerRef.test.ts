import { isOwnedBy, normalizeOwnerRef } from './ownerRef';

describe('owner refs', () => {
  it.each([
    ['group:default/payments', 'group:default/payments'],
    ['payments', 'group:default/payments'],
    ['Group:Default/Payments', 'group:default/payments'],
    ['user:jane', 'user:default/jane'],
    ['group:finance/payments', 'group:finance/payments'],
    [' group:default/payments ', 'group:default/payments'],
  ])('reads %j as the catalog writes it: %j', (text, ref) => {
    expect(normalizeOwnerRef(text)).toBe(ref);
  });

  it.each([
    'component:default/web',
    'system:default/gatehouse',
    'group:default/',
    'group:/payments',
    'group:default/pay ments',
    'group:default/payments\u0007',
    'group:default/\u202epayments',
    '',
    `group:default/${'a'.repeat(64)}`,
    'g'.repeat(300),
  ])('refuses %j', text => {
    expect(normalizeOwnerRef(text)).toBeUndefined();
  });

  it('matches an owner among ownership refs without regard to case, and never an unowned credential', () => {
    const claims = ['user:default/jane', 'group:default/payments'];
    expect(isOwnedBy('group:default/Payments', claims)).toBe(true);
    expect(isOwnedBy('group:default/payroll', claims)).toBe(false);
    expect(isOwnedBy(undefined, claims)).toBe(false);
    expect(isOwnedBy('group:default/payments', [])).toBe(false);
  });
});
