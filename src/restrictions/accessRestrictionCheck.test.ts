import { createPermission } from '@backstage/plugin-permission-common';
import fc from 'fast-check';
import { checkAccessRestrictions } from './accessRestrictionCheck';

/** Backstage's rule as a plain model, with `*` read as "any run of characters". */
function referenceAllows(
  restrictions:
    | {
        permissionNames?: string[];
        permissionAttributes?: { action?: string[] };
      }
    | undefined,
  name: string,
  action: string | undefined,
): boolean {
  const glob = (pattern: string, text: string): boolean =>
    pattern === ''
      ? text === ''
      : pattern[0] === '*'
        ? glob(pattern.slice(1), text) ||
          (text !== '' && glob(pattern, text.slice(1)))
        : text !== '' &&
          pattern[0] === text[0] &&
          glob(pattern.slice(1), text.slice(1));
  if (
    restrictions?.permissionNames &&
    !restrictions.permissionNames.some(p => glob(p, name))
  ) {
    return false;
  }
  const actions = restrictions?.permissionAttributes?.action;
  return !actions || (action !== undefined && actions.includes(action));
}

const segment = fc.constantFrom(
  'catalog',
  'entity',
  'location',
  'read',
  'create',
  'scaffolder',
  'x',
  'a.b',
);
const permissionName = fc
  .array(segment, { minLength: 1, maxLength: 4 })
  .map(s => s.join('.'));
const pattern = fc.oneof(
  permissionName,
  fc.constant('*'),
  permissionName.map(n => `${n}.*`),
  permissionName.map(n => `*${n.slice(n.length / 2)}`),
);
const actions = ['create', 'read', 'update', 'delete'] as const;
const restrictions = fc.option(
  fc.record(
    {
      permissionNames: fc.array(pattern, { minLength: 1, maxLength: 4 }),
      permissionAttributes: fc.record({
        action: fc.subarray([...actions], { minLength: 1 }),
      }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

describe('checkAccessRestrictions', () => {
  it('decides as Backstage does, with wildcards, for any restrictions and permission', () => {
    fc.assert(
      fc.property(
        restrictions,
        permissionName,
        fc.option(fc.constantFrom(...actions), { nil: undefined }),
        (r, name, action) => {
          const permission = createPermission({
            name,
            attributes: action ? { action } : {},
          });
          const failure = checkAccessRestrictions(r, permission);
          expect(failure === undefined).toBe(referenceAllows(r, name, action));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('says which restriction failed', () => {
    const read = createPermission({
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
    });
    const create = createPermission({
      name: 'catalog.location.create',
      attributes: { action: 'create' },
    });
    expect(
      checkAccessRestrictions({ permissionNames: ['catalog.entity.*'] }, read),
    ).toBeUndefined();
    expect(
      checkAccessRestrictions(
        { permissionNames: ['catalog.entity.*'] },
        create,
      ),
    ).toEqual({
      restriction: 'permission',
      allowed: ['catalog.entity.*'],
    });
    expect(
      checkAccessRestrictions(
        { permissionAttributes: { action: ['read'] } },
        create,
      ),
    ).toEqual({
      restriction: 'action',
      allowed: ['read'],
      action: 'create',
    });
    // A permission without an action fails an action restriction, as in Backstage.
    expect(
      checkAccessRestrictions(
        { permissionAttributes: { action: ['read'] } },
        createPermission({ name: 'x', attributes: {} }),
      ),
    ).toMatchObject({ restriction: 'action' });
  });
});
