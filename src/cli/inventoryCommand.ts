import {
  type Credential,
  NEVER,
  NO_OWNER,
  restrictionsText,
  sourceText,
  statusText,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import { parseArgs } from 'node:util';
import { boundText, escapeUnsafe } from '../lib/untrustedText';
import { backendUrl, call } from './backendApi';
import { CliIo } from './io';

export const INVENTORY_USAGE = `  gatehouse inventory --backend-url <url> [--unused <duration>] [--expiring <duration>]
                      [--unrestricted] [--source <type>[,<type>]] [--subject <pattern>]
                      [--owner <entity ref>|mine|none[,...]] [--json | --csv]
      Every credential the backend accepts (static and managed tokens, JWT
      entries, Backstage's built-in ones) with its status, restrictions and
      last use, as the caller in GATEHOUSE_TOKEN (needs gatehouse.token.read).
      --unused 30d: not used for 30 days; --expiring 14d: expiring within 14 days;
      --owner group:default/payments: that team's; none: credentials nobody owns.
`;

/** A cell of text from the backend, which may come from a token: escaped and bounded. */
const cell = (text: string | undefined, max = 40) =>
  escapeUnsafe(boundText(text ?? '', max));

function lastUse(row: Credential): string {
  if (!row.usage) return 'not recorded';
  if (!row.usage.lastUsedAt) return NEVER;
  return `${row.usage.lastUsedAt.slice(0, 16).replace('T', ' ')} ${row.usage.lastUsedBy ?? ''}`.trim();
}

/** Columns padded to their widest cell: readable in a terminal, greppable in a script. */
export function inventoryTable(rows: Credential[]): string {
  const header = [
    'SOURCE',
    'SUBJECT',
    'OWNER',
    'STATUS',
    'EXPIRES',
    'LAST USED',
    'USES 30D',
    'RESTRICTED TO',
    'FINGERPRINT',
    'LAST REJECTION',
  ];
  const body = rows.map(row => [
    cell(sourceText(row.source)),
    cell(row.subject),
    cell(row.owner ?? NO_OWNER),
    cell(statusText(row.status)),
    cell(row.expiresAt?.slice(0, 10) ?? NEVER),
    cell(lastUse(row)),
    row.usage ? String(row.usage.uses30d) : '-',
    cell(restrictionsText(row.accessRestrictions), 50),
    cell(row.fingerprint ?? '-'),
    cell(row.usage?.lastRejection?.reason ?? ''),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map(r => r[i].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}

/** `gatehouse inventory`: the review questions from a terminal. */
export async function inventoryCommand(
  args: string[],
  io: CliIo,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'backend-url': { type: 'string' },
      unused: { type: 'string' },
      expiring: { type: 'string' },
      unrestricted: { type: 'boolean' },
      source: { type: 'string' },
      subject: { type: 'string' },
      owner: { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
    },
  });
  const base = backendUrl(values['backend-url'], 'inventory');
  const query = new URLSearchParams();
  if (values.unused) query.set('unusedFor', values.unused);
  if (values.expiring) query.set('expiringWithin', values.expiring);
  if (values.unrestricted) query.set('unrestricted', 'true');
  if (values.source) query.set('source', values.source);
  if (values.subject) query.set('subject', values.subject);
  if (values.owner) query.set('owner', values.owner);
  if (values.csv) query.set('format', 'csv');
  const answer = await call(base, 'GET', `/inventory?${query}`);
  // CSV and JSON are written as received: main() escapes every write, which
  // keeps both valid while no control or format character reaches the terminal.
  if (values.csv) {
    io.stdout.write(answer.text);
  } else if (values.json) {
    io.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
  } else {
    const items = answer.body.items as Credential[];
    io.stdout.write(
      items.length ? inventoryTable(items) : 'No credential matches.\n',
    );
    const total = Number(answer.body.total);
    if (total > items.length) {
      // The API answers at most 10,000 rows at a time; CSV has them all.
      io.stderr.write(
        `The first ${items.length} of ${total} credentials: narrow them (--owner, --subject, --source) or use --csv for all.\n`,
      );
    }
  }
  return 0;
}
