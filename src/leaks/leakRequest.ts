import { z } from 'zod';
import { parse, readableText } from '../managed/managedTokenRequests';

/** What `POST /api/gatehouse/leaks` takes: one credential, named one way. */
export type LeakRequest = (
  | {
      /** The leaked token itself: a static, managed or JWT token. */
      token: string;
    }
  | {
      /** An inventory id: `gatehouse-static:<key>`, `gatehouse-managed:<id>`, `gatehouse-jwks:<entry>`. */
      credential: string;
      /** For a JWT entry: the subject to refuse. */
      subject?: string;
    }
  | {
      /** A token's source and fingerprint, as logs and the inventory show them. */
      source: 'gatehouse-static' | 'gatehouse-managed';
      fingerprint: string;
    }
) & {
  /** For a JWT subject: refused until then (epoch ms). */
  until?: number;
  reason?: string;
};

const MAX_TOKEN = 8192;

const schema = z
  .strictObject({
    token: z.string().min(1).max(MAX_TOKEN).optional(),
    credential: z
      .string()
      .max(300)
      .regex(
        /^gatehouse-(static|managed|jwks):[\w.:-]+$/,
        "must be a Gatehouse credential's inventory id, such as gatehouse-static:ab12cd34",
      )
      .optional(),
    source: z.enum(['gatehouse-static', 'gatehouse-managed']).optional(),
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{8}$/, 'must be 8 lower-case hex digits')
      .optional(),
    subject: z.string().min(1).max(1000).optional(),
    until: z.iso
      .datetime({ offset: true })
      .transform(text => Date.parse(text))
      .optional(),
    reason: readableText(500).optional(),
  })
  .refine(
    r =>
      [r.token, r.credential, r.fingerprint].filter(v => v !== undefined)
        .length === 1,
    "must name the credential one way: 'token', 'credential', or 'source' and 'fingerprint'",
  )
  .refine(
    r => (r.fingerprint === undefined) === (r.source === undefined),
    "'source' and 'fingerprint' go together",
  )
  .refine(
    r => r.subject === undefined || r.credential?.startsWith('gatehouse-jwks:'),
    "'subject' is for a gatehouse-jwks entry's credential",
  );

/** A leak report, checked: a 400 names each problem. */
export function parseLeakRequest(body: unknown): LeakRequest {
  const request = parse(schema, body);
  const extra = {
    ...(request.until !== undefined ? { until: request.until } : {}),
    ...(request.reason ? { reason: request.reason } : {}),
  };
  if (request.token !== undefined) return { token: request.token, ...extra };
  if (request.credential !== undefined) {
    return {
      credential: request.credential,
      ...(request.subject !== undefined ? { subject: request.subject } : {}),
      ...extra,
    };
  }
  return {
    source: request.source!,
    fingerprint: request.fingerprint!,
    ...extra,
  };
}
