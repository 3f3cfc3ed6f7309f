import type { WindowResult } from './load';
import { MANAGED_TABLE_SIZE } from './managedTokens';
import type { MemoryResult } from './memory';
import type { MicroResult } from './micro';
import type { Results } from './rounds';
import type { Scenario, Variant } from './scenarios';
import { VARIANTS } from './scenarios';
import {
  formatMiB,
  formatNumber,
  formatRatio,
  markdownTable,
  median,
  sum,
} from './stats';

const MEBIBYTE = 1024 * 1024;

/** Medians over rounds, metric by metric; counts summed. */
export interface Summary {
  cpu: number;
  cpuMin: number;
  cpuMax: number;
  rps: number;
  p50: number;
  p99: number;
  completed: number;
  non2xx: number;
  errors: number;
  jwksFetches?: number[];
}

export function summarize(windows: WindowResult[]): Summary {
  const cpus = windows.map(w => w.cpuMicrosPerRequest);
  const fetches = windows[0].jwksFetches
    ? windows[0].jwksFetches.map((_, i) =>
        sum(windows.map(w => w.jwksFetches![i])),
      )
    : undefined;
  return {
    cpu: median(cpus),
    cpuMin: Math.min(...cpus),
    cpuMax: Math.max(...cpus),
    rps: median(windows.map(w => w.requestsPerSecond)),
    p50: median(windows.map(w => w.p50Ms)),
    p99: median(windows.map(w => w.p99Ms)),
    completed: sum(windows.map(w => w.completed)),
    non2xx: sum(windows.map(w => w.non2xx)),
    errors: sum(windows.map(w => w.errors)),
    jwksFetches: fetches,
  };
}

export type Summaries = Map<string, Record<Variant, Summary>>;

export function summarizeAll(results: Results): Summaries {
  return new Map(
    [...results].map(([id, byVariant]) => [
      id,
      {
        'built-in': summarize(byVariant['built-in']),
        gatehouse: summarize(byVariant.gatehouse),
      },
    ]),
  );
}

/** Valid traffic that got a non-2xx, or invalid traffic that got a 2xx. */
function unexpected(scenario: Scenario, s: Summary): boolean {
  return scenario.valid ? s.non2xx > 0 : s.non2xx < s.completed;
}

export function loadTable(scenarios: Scenario[], summaries: Summaries): string {
  const unauth = summaries.get('unauth');
  const rows = [
    [
      'Scenario',
      'Type',
      'CPU µs/req (median)',
      'CPU min–max',
      '× unauth',
      '× built-in',
      'req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx / requests',
    ],
  ];
  for (const scenario of scenarios) {
    const byVariant = summaries.get(scenario.id)!;
    for (const variant of VARIANTS) {
      const s = byVariant[variant];
      rows.push([
        variant === 'built-in' ? scenario.title : '',
        variant,
        formatNumber(s.cpu),
        `${formatNumber(s.cpuMin)}–${formatNumber(s.cpuMax)}`,
        unauth ? formatRatio(s.cpu / unauth[variant].cpu) : '–',
        variant === 'gatehouse'
          ? formatRatio(s.cpu / byVariant['built-in'].cpu)
          : '',
        formatNumber(s.rps),
        formatNumber(s.p50, 1),
        formatNumber(s.p99, 1),
        `${formatNumber(s.non2xx)} / ${formatNumber(s.completed)}${
          s.errors ? ` (${s.errors} errors)` : ''
        }${unexpected(scenario, s) ? ' (!)' : ''}`,
      ]);
    }
  }
  return markdownTable(rows, [
    'l',
    'l',
    'r',
    'r',
    'r',
    'r',
    'r',
    'r',
    'r',
    'r',
  ]);
}

export function fetchTable(
  scenarios: Scenario[],
  summaries: Summaries,
  measuredSeconds: number,
): string {
  const rows = [
    ['Scenario', 'Type', 'JWKS requests at providers 1 / 2 / 3 / 4 / 5'],
  ];
  for (const scenario of scenarios) {
    for (const variant of VARIANTS) {
      const fetches = summaries.get(scenario.id)![variant].jwksFetches;
      if (fetches) {
        rows.push([
          variant === 'built-in' ? scenario.title : '',
          variant,
          fetches
            .slice(0, scenario.backend.startsWith('jwks-1') ? 1 : 5)
            .join(' / '),
        ]);
      }
    }
  }
  return `${markdownTable(rows)}\n\nCounted over the measured windows only (${formatNumber(
    measuredSeconds,
  )} s per scenario and type), by the providers' control API.`;
}

interface Target {
  name: string;
  measured: string;
  limit: string;
  met: boolean;
}

function ratioTarget(
  summaries: Summaries,
  name: string,
  numerator: [string, Variant],
  denominator: [string, Variant],
  limit: number,
): Target | undefined {
  const a = summaries.get(numerator[0])?.[numerator[1]];
  const b = summaries.get(denominator[0])?.[denominator[1]];
  if (!a || !b) {
    return undefined;
  }
  const ratio = a.cpu / b.cpu;
  return {
    name,
    measured: `${formatRatio(ratio)} (${formatNumber(a.cpu)} / ${formatNumber(b.cpu)} µs)`,
    limit: `≤ ${formatRatio(limit)}`,
    met: ratio <= limit,
  };
}

export function targets(
  summaries: Summaries,
  settings: { seconds: number; rounds: number },
  memory?: MemoryResult,
): Target[] {
  const ratio = (
    name: string,
    numerator: [string, Variant],
    denominator: [string, Variant],
    limit: number,
  ) => ratioTarget(summaries, name, numerator, denominator, limit);
  const list: Array<Target | undefined> = [
    ratio(
      'Gatehouse static, 10,000 tokens ÷ built-in static, 1 token',
      ['static-10k', 'gatehouse'],
      ['static-1', 'built-in'],
      1.05,
    ),
    ratio(
      `Gatehouse managed token (1 of ${MANAGED_TABLE_SIZE.toLocaleString('en')}) ÷ Gatehouse static, 1 token (another backend)`,
      ['managed', 'gatehouse'],
      ['static-1', 'gatehouse'],
      1.05,
    ),
    ratio(
      'Gatehouse managed token ÷ Gatehouse static token, same backend',
      ['managed', 'gatehouse'],
      ['managed-static', 'gatehouse'],
      1.05,
    ),
    ratio(
      'Gatehouse repeated JWT (ES256) ÷ built-in static, 1 token',
      ['jwt-es256-same', 'gatehouse'],
      ['static-1', 'built-in'],
      1.05,
    ),
    ratio(
      'Gatehouse repeated JWT (RS256) ÷ built-in static, 1 token',
      ['jwt-rs256-same', 'gatehouse'],
      ['static-1', 'built-in'],
      1.05,
    ),
    ratio(
      'Gatehouse repeated JWT (ES256), busy backend ÷ built-in static, 1 token',
      ['jwt-es256-same-busy', 'gatehouse'],
      ['static-1', 'built-in'],
      1.05,
    ),
    ratio(
      'Gatehouse distinct JWTs (ES256) ÷ built-in jwks',
      ['jwt-es256-distinct', 'gatehouse'],
      ['jwt-es256-distinct', 'built-in'],
      1.0,
    ),
    ratio(
      'Gatehouse distinct JWTs (RS256) ÷ built-in jwks',
      ['jwt-rs256-distinct', 'gatehouse'],
      ['jwt-rs256-distinct', 'built-in'],
      1.0,
    ),
    ratio(
      'Gatehouse 5th of 5 providers ÷ 1 provider (ES256, same token)',
      ['jwt-5th-same', 'gatehouse'],
      ['jwt-es256-same', 'gatehouse'],
      1.05,
    ),
    ratio(
      'Gatehouse 5th of 5 providers ÷ 1 provider (ES256, same token, busy backends)',
      ['jwt-5th-same-busy', 'gatehouse'],
      ['jwt-es256-same-busy', 'gatehouse'],
      1.05,
    ),
    ratio(
      'Gatehouse 5th of 5 providers ÷ 1 provider (ES256, distinct tokens)',
      ['jwt-5th-distinct', 'gatehouse'],
      ['jwt-es256-distinct', 'gatehouse'],
      1.05,
    ),
  ];

  for (const id of ['jwt-5th-same', 'jwt-5th-same-busy', 'jwt-5th-distinct']) {
    const fetches = summaries.get(id)?.gatehouse.jwksFetches;
    if (fetches) {
      const others = sum(fetches.slice(0, 4));
      list.push({
        name: `Valid traffic for provider 5 (${id}): key fetches at providers 1–4`,
        measured: String(others),
        limit: '0',
        met: others === 0,
      });
    }
  }

  const flood = summaries.get('jwt-random-kid')?.gatehouse.jwksFetches;
  if (flood) {
    // Each window may start just after a cooldown ended: one fetch at its
    // start, then one per full cooldown.
    const perWindow = Math.floor(settings.seconds / 5) + 1;
    const allowed = perWindow * settings.rounds;
    const worst = Math.max(...flood);
    list.push({
      name: `Random-kid flood (${settings.rounds} windows of ${settings.seconds} s): fetches per provider`,
      measured: flood.join(' / '),
      limit: `≤ ${allowed} each (1 per 5 s cooldown per window)`,
      met: worst <= allowed,
    });
  }
  if (memory) {
    const allowed = Math.ceil(memory.seconds / memory.cooldownSeconds) + 1;
    list.push({
      name: `Memory-step flood (${formatNumber(memory.seconds)} s): fetches per provider`,
      measured: memory.jwksFetches.join(' / '),
      limit: `≤ ${allowed} each`,
      met: Math.max(...memory.jwksFetches) <= allowed,
    });
    const growth = memory.endAfterGc.rss - memory.start.rss;
    list.push({
      name: `RSS after ${formatNumber(memory.tokens)} random tokens − at the start (after GC)`,
      measured: formatMiB(growth),
      limit: '≤ 50 MiB',
      met: growth <= 50 * MEBIBYTE,
    });
  }
  return list.filter((t): t is Target => t !== undefined);
}

export function targetTable(list: Target[]): string {
  return markdownTable([
    ['Target', 'Measured', 'Limit', 'Met'],
    ...list.map(t => [t.name, t.measured, t.limit, t.met ? 'yes' : '**no**']),
  ]);
}

export function memoryTable(memory: MemoryResult): string {
  const row = (name: string, s: { rss: number; heapUsed: number }) => [
    name,
    formatMiB(s.rss),
    formatMiB(s.heapUsed),
  ];
  return `${markdownTable([
    ['Instant', 'RSS', 'JS heap used'],
    row('start (after warm-up and GC)', memory.start),
    row(`after ${formatNumber(memory.tokens)} random tokens`, memory.end),
    row('after that and a GC', memory.endAfterGc),
    [
      'peak during the flood (sampled every second)',
      formatMiB(memory.peakRss),
      '',
    ],
  ])}\n\n${formatNumber(memory.tokens)} requests in ${formatNumber(memory.seconds)} s (${formatNumber(
    memory.tokens / memory.seconds,
  )} req/s), ${formatNumber(memory.non2xx)} non-2xx; JWKS requests at providers 1–5: ${memory.jwksFetches.join(' / ')}.`;
}

export function microTable(results: MicroResult[]): string {
  return markdownTable(
    [
      ['Case', 'CPU ns/op', 'Compared with', 'Ratio'],
      ...results.map(r => [
        r.name,
        formatNumber(r.nsPerOp),
        r.floor ?? '(floor)',
        r.ratio === undefined ? '' : formatRatio(r.ratio),
      ]),
    ],
    ['l', 'r', 'l', 'r'],
  );
}
