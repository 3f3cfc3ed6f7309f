import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REJECTION_REASONS } from '../lib/rejectionReasons';
import { SIGNAL_KINDS } from './SignalStore';

const ROOT = join(__dirname, '../..');
const ALERTS = join(ROOT, 'docs/alerts');
const RULES = join(ALERTS, 'gatehouse.rules.yaml');

/** Debian's promtool: on PATH, in PROMTOOL, or where scripts/promtool.sh puts it. */
function findPromtool(): string | undefined {
  const candidates = [
    process.env.PROMTOOL,
    join(ROOT, 'node_modules/.cache/gatehouse-promtool/usr/bin/promtool'),
  ];
  for (const candidate of candidates) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  const onPath = spawnSync('sh', ['-c', 'command -v promtool'], {
    encoding: 'utf8',
  });
  return onPath.status === 0 ? onPath.stdout.trim() : undefined;
}

const promtool = findPromtool();
// CI installs it (scripts/promtool.sh) and requires these tests; elsewhere
// they run when it is there.
const required = process.env.GATEHOUSE_REQUIRE_PROMTOOL === '1';
const withPromtool = promtool || required ? it : it.skip;

/** The metric names and label values the rules' expressions use. */
function rulesExpressions(): string[] {
  const rules = parse(readFileSync(RULES, 'utf8')) as {
    groups: Array<{ rules: Array<{ expr: string }> }>;
  };
  return rules.groups.flatMap(g => g.rules.map(r => r.expr));
}

/** Every source file's text, for the instruments Gatehouse creates. */
function sources(dir = join(ROOT, 'src')): string {
  return readdirSync(dir, { withFileTypes: true })
    .map(entry => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')
        ? readFileSync(path, 'utf8')
        : '';
    })
    .join('\n');
}

describe('the Prometheus alerting rules of docs/alerts', () => {
  withPromtool('pass promtool check rules', () => {
    expect(promtool).toBeDefined();
    const output = execFileSync(promtool!, ['check', 'rules', RULES], {
      encoding: 'utf8',
    });
    expect(output).toContain('SUCCESS: 6 rules found');
  });

  withPromtool(
    'fire for the series of their tests, and stay quiet for the others (promtool test rules)',
    () => {
      const result = spawnSync(
        promtool!,
        ['test', 'rules', 'gatehouse.rules.test.yaml'],
        { cwd: ALERTS, encoding: 'utf8' },
      );
      expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
      expect(result.status).toBe(0);
    },
  );

  it('test every rule, firing and quiet', () => {
    const tests = parse(
      readFileSync(join(ALERTS, 'gatehouse.rules.test.yaml'), 'utf8'),
    ) as {
      tests: Array<{
        alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }>;
      }>;
    };
    const cases = tests.tests.flatMap(t => t.alert_rule_test);
    const rules = parse(readFileSync(RULES, 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string }> }>;
    };
    for (const { alert } of rules.groups.flatMap(g => g.rules)) {
      const mine = cases.filter(c => c.alertname === alert);
      expect({ alert, fires: mine.some(c => c.exp_alerts.length > 0) }).toEqual(
        { alert, fires: true },
      );
      expect({
        alert,
        quiet: mine.some(c => c.exp_alerts.length === 0),
      }).toEqual({ alert, quiet: true });
    }
  });

  it('name only instruments Gatehouse creates, as a Prometheus exporter prints them, and only its reason codes and signals', () => {
    const code = sources();
    const expressions = rulesExpressions().join('\n');
    const metrics = new Set(expressions.match(/\bgatehouse_[a-z_]+\b/g));
    expect(metrics.size).toBeGreaterThanOrEqual(4);
    for (const metric of metrics) {
      // OpenTelemetry to Prometheus: a counter gains _total, dots become _.
      const counter = metric.endsWith('_total');
      const instrument = metric.replace(/_total$/, '').replace(/_/g, '.');
      const created = counter
        ? code.includes(`createCounter('${instrument}'`)
        : new RegExp(
            `createObservableGauge<[^>]*>\\('${instrument.replace(/\./g, '\\.')}'`,
          ).test(code);
      expect({ metric, instrument, created }).toEqual({
        metric,
        instrument,
        created: true,
      });
    }
    for (const [, values] of expressions.matchAll(/reason=~?"([^"]+)"/g)) {
      for (const reason of values.split('|')) {
        expect(REJECTION_REASONS).toContain(reason);
      }
    }
    const tests = readFileSync(
      join(ALERTS, 'gatehouse.rules.test.yaml'),
      'utf8',
    );
    for (const [, signal] of tests.matchAll(/signal="([^"]+)"/g)) {
      expect(SIGNAL_KINDS).toContain(signal);
    }
  });
});
