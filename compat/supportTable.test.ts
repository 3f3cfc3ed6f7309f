import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { supportTable, TABLE_END, TABLE_START } from './supportTable';

describe('the README table of supported versions', () => {
  it('is the one compat/releaseLines.ts generates (npx tsx compat/supportTable.ts)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start).toBeGreaterThan(-1);
    expect(readme.slice(start, end + TABLE_END.length)).toBe(supportTable());
  });
});
