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

/**
 * The UNSAFE characters less the tab and the line feed, which are the layout
 * of tables, CSV and JSON (C0 and C1 controls spelled out as ranges to leave
 * \t and \n out). A carriage return is in the class: the replacer keeps it
 * before a line feed (CSV's CRLF) and escapes it elsewhere, where it would
 * let a later text overwrite the line. Still one character class: linear.
 */
const UNSAFE_OUTPUT = /[\x00-\x08\x0b-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** Printable ASCII, tabs and line feeds: nothing to escape, checked cheaply. */
const PLAIN_OUTPUT = /^[\x20-\x7e\t\n]*$/;

/**
 * Text the CLI writes, with each unsafe character (see UNSAFE_OUTPUT) as a
 * JSON escape, `\u009b`, an astral one as its surrogate pair `\udb40\udc01`.
 * Unlike escapeUnsafe's `\u{9b}`, that is valid inside a JSON string and reads
 * back as the original character, so JSON output stays JSON; outside strings
 * JSON is ASCII, and in a table or CSV the escape reads as well as any. The
 * escapes are themselves plain ASCII, so escaping twice changes nothing.
 */
export function escapeOutput(text: string): string {
  if (PLAIN_OUTPUT.test(text)) {
    return text;
  }
  return text.replace(UNSAFE_OUTPUT, (character: string, offset: number) => {
    if (character === '\r' && text.charCodeAt(offset + 1) === 0x0a) {
      return character;
    }
    let escaped = '';
    for (let i = 0; i < character.length; i++) {
      escaped += `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`;
    }
    return escaped;
  });
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
