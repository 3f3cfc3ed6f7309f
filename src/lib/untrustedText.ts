/**
 * Control characters (C0, C1: CR, LF, ESC...), format characters (bidi
 * overrides, zero-width), line and paragraph separators, and lone surrogates.
 * In a log line or a terminal they can forge lines, hide text or reorder it.
 * A character class in one pass: linear whatever the input.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** Printable ASCII only: nothing to escape, the common case, checked cheaply. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Each unsafe character as `\u{hex}`, so that it is seen rather than obeyed. */
export function escapeUnsafe(text: string): string {
  if (PRINTABLE_ASCII.test(text)) {
    return text;
  }
  return text.replace(
    UNSAFE,
    character => `\\u{${character.codePointAt(0)!.toString(16)}}`,
  );
}

/** At most `max` characters of `text`, saying how many were left out. */
export function boundText(text: string, max: number): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/**
 * A value taken from a token (or from a provider's answer) for a message:
 * quoted, at most `max` characters, unsafe characters escaped. Non-strings are
 * shown as JSON.
 */
export function quoteUntrusted(value: unknown, max = 100): string {
  let text: string;
  if (typeof value === 'string') {
    text = value;
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = '(unprintable)';
    }
  }
  return `'${escapeUnsafe(boundText(text, max))}'`;
}
