/**
 * White space, control and format characters (bidi overrides, zero-width
 * characters) and lone surrogates. In a subject they make two callers look
 * alike in audit logs, or forge and hide text where the subject is shown.
 */
const UNSAFE_SUBJECT_CHARACTER = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** Visible ASCII: the common case, decided without Unicode tables. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** Non-empty, and none of {@link UNSAFE_SUBJECT_CHARACTER}. */
export function isSafeSubjectText(text: string): boolean {
  return (
    VISIBLE_ASCII.test(text) ||
    (text.length > 0 && !UNSAFE_SUBJECT_CHARACTER.test(text))
  );
}

export const UNSAFE_SUBJECT_MESSAGE =
  'must be a non-empty string without white space, control or format characters';

/**
 * How Backstage's own principals' subjects begin: plugin tokens
 * (`plugin:catalog`), JWT entries (`external:...`) and users
 * (`user:default/jane`). A static token's subject that starts like them
 * would pass for one of them in audit logs and policies.
 */
export const RESERVED_SUBJECT_PREFIXES = ['plugin:', 'external:', 'user:'];

/** The reserved prefix `subject` starts with, in any letter case; else undefined. */
export function reservedSubjectPrefix(subject: string): string | undefined {
  const lower = subject.toLowerCase();
  return RESERVED_SUBJECT_PREFIXES.find(prefix => lower.startsWith(prefix));
}
