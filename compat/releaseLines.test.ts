import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  matrixCells,
  NODE_LINES,
  RELEASE_LINES,
  type ReleaseLine,
} from './releaseLines';

const pkg = JSON.parse(
  readFileSync(join(__dirname, '..', 'package.json'), 'utf8'),
) as { peerDependencies: Record<string, string> };

const EXACT = /^\d+\.\d+\.\d+$/;

/** Whether `version` is in `range`, a `||` of caret ranges as package.json's peers are. */
function inCaretRanges(version: string, range: string): boolean {
  const [major, minor, patch] = version.split('.').map(Number);
  return range.split('||').some(part => {
    const match = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(part.trim());
    if (!match) throw new Error(`not a caret range: ${part}`);
    const [lowMajor, lowMinor, lowPatch] = match.slice(1).map(Number);
    if (major !== lowMajor) return false;
    if (lowMajor === 0) {
      return minor === lowMinor && patch >= lowPatch;
    }
    return minor > lowMinor || (minor === lowMinor && patch >= lowPatch);
  });
}

const each = RELEASE_LINES.map(line => [line.line, line] as const);

describe('compat/releaseLines.ts', () => {
  it('has one primary line, the newest, and the lines in order', () => {
    expect(RELEASE_LINES.filter(line => line.primary)).toHaveLength(1);
    expect(RELEASE_LINES[RELEASE_LINES.length - 1].primary).toBe(true);
    const minors = RELEASE_LINES.map(line => Number(line.line.split('.')[1]));
    expect(minors).toEqual([...minors].sort((a, b) => a - b));
  });

  it.each(each)(
    '%s: tested on Node.js lines of NODE_LINES',
    (_, line: ReleaseLine) => {
      expect(line.nodes.length).toBeGreaterThan(0);
      expect(NODE_LINES.map(node => node.line)).toEqual(
        expect.arrayContaining(line.nodes),
      );
    },
  );

  it.each(each)(
    '%s: exact versions of the packages the primary line has',
    (_, line: ReleaseLine) => {
      const primary = RELEASE_LINES.find(l => l.primary)!;
      expect(Object.keys(line.packages).sort()).toEqual(
        Object.keys(primary.packages).sort(),
      );
      expect(line.packages['@backstage/backend-defaults']).toMatch(
        new RegExp(`^${line.line.replace('.', '\\.')}\\.\\d+$`),
      );
      for (const version of [
        ...Object.values(line.packages),
        ...Object.values(line.stack ?? {}),
      ]) {
        expect(version).toMatch(EXACT);
      }
      for (const name of Object.keys(line.stack ?? {})) {
        expect(line.packages).not.toHaveProperty([name]);
      }
    },
  );

  it.each(each)(
    "%s: package.json's peer dependencies accept its versions",
    (_, line: ReleaseLine) => {
      for (const [name, range] of Object.entries(pkg.peerDependencies)) {
        const version = line.packages[name];
        expect({
          name,
          version,
          inRange: inCaretRanges(version, range),
        }).toEqual({ name, version, inRange: true });
      }
    },
  );

  it("runs, in CI (.ci/run's main test run on Node.js 20), each line on the Node.js lines it lists", () => {
    const cells = (options: Parameters<typeof matrixCells>[0]) =>
      matrixCells(options).flatMap(({ line, nodes }) =>
        nodes.map(node => `${line.line}@${node.line}`),
      );
    expect(cells({ skipPrimaryNode: '20' })).toEqual([
      '0.16@24',
      '0.17@24',
      '0.18@22',
      '0.19@22',
      '0.19@24',
    ]);
    expect(cells({ only: ['0.18@20', '0.16@24'] })).toEqual([
      '0.16@24',
      '0.18@20',
    ]);
    expect(() => cells({ only: ['0.18@21'] })).toThrow(
      'COMPAT_ONLY: no cell 0.18@21',
    );
  });

  it('the caret check itself', () => {
    expect(inCaretRanges('0.16.0', '^0.16.0 || ^0.17.0')).toBe(true);
    expect(inCaretRanges('0.18.0', '^0.16.0 || ^0.17.0')).toBe(false);
    expect(inCaretRanges('0.10.10', '^0.10.11')).toBe(false);
    expect(inCaretRanges('1.12.0', '^1.8.0')).toBe(true);
    expect(inCaretRanges('1.7.9', '^1.8.0')).toBe(false);
    expect(inCaretRanges('2.0.0', '^1.8.0')).toBe(false);
  });
});
