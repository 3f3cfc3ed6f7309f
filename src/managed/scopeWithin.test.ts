import fc from 'fast-check';
import { compileGlob } from '../lib/glob';
import { scopeNotWithin } from './scopeWithin';

describe('scopeNotWithin', () => {
  const own = new Map([
    [
      'catalog',
      { permissionNames: ['catalog.entity.*', 'catalog.location.read'] },
    ],
    ['search', {}],
  ]);

  it('never lets a granted scope reach a permission name the creator could not', () => {
    const segment = fc.constantFrom(
      'catalog',
      'entity',
      'location',
      'read',
      'e',
      '*',
      'x',
    );
    const pattern = fc
      .array(segment, { minLength: 1, maxLength: 4 })
      .map(parts => parts.join('.'));
    const name = fc
      .array(
        segment.filter(s => s !== '*'),
        { minLength: 1, maxLength: 4 },
      )
      .map(parts => parts.join('.'));
    fc.assert(
      fc.property(
        pattern,
        fc.array(name, { maxLength: 20 }),
        (requested, names) => {
          const within =
            scopeNotWithin(
              [{ plugin: 'catalog', permission: [requested] }],
              own,
            ) === undefined;
          if (!within) return;
          for (const n of names) {
            if (compileGlob(requested)(n)) {
              expect(
                own
                  .get('catalog')!
                  .permissionNames!.some(g => compileGlob(g)(n)),
              ).toBe(true);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts what is plainly within, and any scope on a plugin without limits', () => {
    expect(
      scopeNotWithin(
        [
          {
            plugin: 'catalog',
            permission: ['catalog.entity.read', 'catalog.entity.*'],
          },
          { plugin: 'search', permission: ['anything.*'] },
          { plugin: 'search' },
        ].slice(0, 2),
        own,
      ),
    ).toBeUndefined();
  });
});
