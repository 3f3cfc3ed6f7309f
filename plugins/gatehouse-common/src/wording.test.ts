import fc from 'fast-check';
import type { AccessRestriction } from './types';
import { CREDENTIAL_SOURCES, CREDENTIAL_STATUSES } from './types';
import {
  durationText,
  EVERY_PLUGIN,
  NO_OWNER,
  ownerText,
  parseRestrictionLine,
  restrictionLine,
  restrictionLines,
  restrictionsText,
  sourceText,
  statusText,
} from './wording';

describe('durationText', () => {
  it('says a duration in the largest unit that says it exactly', () => {
    expect(durationText(30 * 86_400_000)).toBe('30 days');
    expect(durationText(86_400_000)).toBe('1 day');
    expect(durationText(12 * 3_600_000)).toBe('12 hours');
    expect(durationText(36 * 3_600_000)).toBe('36 hours');
    expect(durationText(90 * 60_000)).toBe('90 minutes');
    expect(durationText(1000)).toBe('1 second');
    expect(durationText(1500)).toBe('2 seconds');
    expect(durationText(10)).toBe('less than a second');
  });
});

describe('restrictions in words', () => {
  it("writes each shape of restriction in the form's syntax", () => {
    expect(restrictionLine({ plugin: 'catalog' })).toBe('catalog: everything');
    expect(
      restrictionLine({
        plugin: 'catalog',
        permissionAttribute: { action: ['read'] },
      }),
    ).toBe('catalog (read)');
    expect(
      restrictionLine({
        plugin: 'catalog',
        permission: ['catalog.entity.read', 'catalog.location.*'],
      }),
    ).toBe('catalog: catalog.entity.read, catalog.location.*');
    expect(
      restrictionLine({
        plugin: 'scaffolder',
        permission: ['scaffolder.task.*'],
        permissionAttribute: { action: ['create', 'read'] },
      }),
    ).toBe('scaffolder: scaffolder.task.* (create, read)');
    // Empty lists say nothing: the whole plugin.
    expect(
      restrictionLine({
        plugin: 'search',
        permission: [],
        permissionAttribute: { action: [] },
      }),
    ).toBe('search: everything');
  });

  it('says "every plugin" for a credential without restrictions, and joins lines', () => {
    expect(restrictionLines(null)).toEqual([EVERY_PLUGIN]);
    expect(restrictionsText(undefined)).toBe('every plugin');
    expect(
      restrictionsText([
        { plugin: 'catalog', permissionAttribute: { action: ['read'] } },
        { plugin: 'search' },
      ]),
    ).toBe('catalog (read); search: everything');
    expect(restrictionsText([])).toBe('');
  });

  it('reads back every line it writes', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9.*-]{0,12}$/);
    const restriction: fc.Arbitrary<AccessRestriction> = fc.record(
      {
        plugin: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
        permission: fc.array(
          word.filter(w => w !== 'everything'),
          { minLength: 1, maxLength: 3 },
        ),
        permissionAttribute: fc.record({
          action: fc.subarray(['create', 'read', 'update', 'delete'], {
            minLength: 1,
          }),
        }),
      },
      { requiredKeys: ['plugin'] },
    );
    fc.assert(
      fc.property(restriction, r => {
        expect(parseRestrictionLine(restrictionLine(r))).toEqual(r);
      }),
    );
  });

  it('reads a plugin alone as the whole plugin, and drops unknown actions', () => {
    expect(parseRestrictionLine('  catalog ')).toEqual({ plugin: 'catalog' });
    expect(parseRestrictionLine('catalog (read, launch)')).toEqual({
      plugin: 'catalog',
      permissionAttribute: { action: ['read'] },
    });
    expect(parseRestrictionLine('catalog (launch)')).toEqual({
      plugin: 'catalog',
    });
  });
});

describe('sources, statuses and owners in words', () => {
  it('has words for every source and status', () => {
    for (const source of CREDENTIAL_SOURCES) {
      expect(sourceText(source)).not.toBe(source);
    }
    expect(sourceText('gatehouse-static')).toBe('static token');
    for (const status of CREDENTIAL_STATUSES) {
      expect(statusText(status)).not.toMatch(/-/);
    }
    expect(statusText('not-yet-valid')).toBe('not yet valid');
  });

  it('says an owner as people say it', () => {
    expect(ownerText('group:default/payments')).toBe('payments');
    expect(ownerText('user:default/jane')).toBe('user:jane');
    expect(ownerText('group:finance/payments')).toBe('group:finance/payments');
    expect(ownerText(null)).toBe(NO_OWNER);
    expect(ownerText(undefined)).toBe('no owner');
  });
});
