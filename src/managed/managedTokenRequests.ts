import { InputError } from '@backstage/errors';
import { z } from 'zod';
import { describeIssues } from '../lib/configIssues';
import { durationSchema } from '../lib/durationSchema';
import { durationText } from '@gatehouse/backstage-plugin-gatehouse-common';
import {
  isReadableText,
  isSafeSubjectText,
  reservedPrefixMessage,
  reservedSubjectPrefix,
  UNREADABLE_TEXT_MESSAGE,
  UNSAFE_SUBJECT_MESSAGE,
} from '../lib/subjects';
import {
  ManagedEntryOptions,
  MIN_ROTATION_OVERLAP_MS,
  ROTATION_OVERLAP_MESSAGE,
} from './managedOptions';
import type { ManagedAccessRestriction } from './ManagedTokenStore';
import { ownerRefSchema } from '../ownership/ownerRef';

/** Backstage plugin ids: lower-case letters, digits and dashes. */
const pluginId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be a plugin id');

const restrictionSchema = z.strictObject({
  plugin: pluginId,
  permission: z
    .array(z.string().min(1).max(200))
    .min(1, 'must name at least one permission, or be left out')
    .max(100)
    .optional(),
  permissionAttribute: z
    .strictObject({
      action: z
        .array(z.enum(['create', 'read', 'update', 'delete']))
        .min(1, 'must name at least one action, or be left out'),
    })
    .optional(),
});

const subjectSchema = z
  .string()
  .max(100)
  .refine(isSafeSubjectText, UNSAFE_SUBJECT_MESSAGE)
  .superRefine((subject, ctx) => {
    const prefix = reservedSubjectPrefix(subject);
    if (prefix) {
      ctx.addIssue({ code: 'custom', message: reservedPrefixMessage(prefix) });
    }
  });

/** Text shown to people: the inventory, the page, audit logs, terminals. */
export const readableText = (max: number) =>
  z.string().max(max).refine(isReadableText, UNREADABLE_TEXT_MESSAGE);

const createSchema = z.strictObject({
  subject: subjectSchema,
  description: readableText(500).refine(
    text => text.trim().length > 0,
    'must say what the token is for',
  ),
  owner: ownerRefSchema.optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  expiresIn: durationSchema.optional(),
  accessRestrictions: z
    .array(restrictionSchema)
    .min(1, 'must name at least one plugin, or be left out for no restriction')
    .max(50)
    .optional(),
});

export interface CreateRequest {
  subject: string;
  description: string;
  /** As asked; the router defaults it to the creating user. */
  owner?: string;
  expiresAt: number;
  /** Whether the caller asked for this lifetime (else it is the default). */
  lifetimeGiven: boolean;
  accessRestrictions?: ManagedAccessRestriction[];
}

/** A request body checked against `schema`; a 400 naming every field otherwise. */
export function parse<T extends z.ZodType>(
  schema: T,
  body: unknown,
): z.output<T> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new InputError(
      `Invalid request: ${describeIssues('', result.error.issues, schema).join('; ')}`,
    );
  }
  return result.data;
}

/**
 * A token creation request, checked: every field named in the message of a
 * 400, lifetimes within the entry's maximum, each plugin named once.
 */
export function parseCreateRequest(
  body: unknown,
  options: ManagedEntryOptions,
  now: number,
): CreateRequest {
  const request = parse(createSchema, body);
  if (request.expiresAt !== undefined && request.expiresIn !== undefined) {
    throw new InputError(
      "Invalid request: give 'expiresAt' or 'expiresIn', not both",
    );
  }
  const expiresAt =
    request.expiresAt !== undefined
      ? Date.parse(request.expiresAt)
      : now + (request.expiresIn ?? options.defaultLifetimeMs);
  if (expiresAt <= now) {
    throw new InputError('Invalid request: expiresAt: must be in the future');
  }
  if (expiresAt - now > options.maxLifetimeMs) {
    throw new InputError(
      `Invalid request: ${request.expiresAt !== undefined ? 'expiresAt' : 'expiresIn'}: the lifetime may be at most ${durationText(options.maxLifetimeMs)} (maxLifetime of the gatehouse-managed entry)`,
    );
  }
  const plugins = request.accessRestrictions?.map(r => r.plugin) ?? [];
  const twice = plugins.find((p, i) => plugins.indexOf(p) !== i);
  if (twice) {
    throw new InputError(
      `Invalid request: accessRestrictions: plugin '${twice}' is named twice; give each plugin once`,
    );
  }
  return {
    subject: request.subject,
    description: request.description,
    owner: request.owner,
    expiresAt,
    lifetimeGiven:
      request.expiresAt !== undefined || request.expiresIn !== undefined,
    accessRestrictions: request.accessRestrictions,
  };
}

const revokeSchema = z.strictObject({
  reason: readableText(500).optional(),
});

export function parseRevokeRequest(body: unknown): { reason?: string } {
  return parse(revokeSchema, body);
}

const updateSchema = z
  .strictObject({
    owner: ownerRefSchema.optional(),
    description: readableText(500)
      .refine(text => text.trim().length > 0, 'must say what the token is for')
      .optional(),
  })
  .refine(
    change => change.owner !== undefined || change.description !== undefined,
    "must change 'owner' or 'description'",
  );

/** A change to what a token says of itself: its owner, its description. */
export function parseUpdateRequest(body: unknown): {
  owner?: string;
  description?: string;
} {
  return parse(updateSchema, body);
}

const rotateSchema = z.strictObject({
  overlap: durationSchema
    .refine(ms => ms >= MIN_ROTATION_OVERLAP_MS, ROTATION_OVERLAP_MESSAGE)
    .optional(),
});

export function parseRotateRequest(body: unknown): { overlapMs?: number } {
  return { overlapMs: parse(rotateSchema, body).overlap };
}
