import { escapeOutput, escapeUnsafe } from './untrustedText';

/** Every control and format character, separator and lone surrogate. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

describe('escapeUnsafe', () => {
  it('shows control and format characters as \\u{hex}', () => {
    expect(escapeUnsafe('a\u001b[2Jb\r\n\u009b\u202e\u200b')).toBe(
      'a\\u{1b}[2Jb\\u{d}\\u{a}\\u{9b}\\u{202e}\\u{200b}',
    );
    expect(escapeUnsafe('plain text, ünïcode')).toBe('plain text, ünïcode');
  });
});

describe('escapeOutput', () => {
  it('leaves printable text and the line structure (\\n, CRLF, \\t) as it is', () => {
    const text = 'a\tb\nc,d\r\ne "é" 漢字 😀 …\n';
    expect(escapeOutput(text)).toBe(text);
  });

  it('escapes controls, bidi and zero-width characters, separators and a lone CR', () => {
    expect(
      escapeOutput(
        'x\u001b[2J\u001b]0;title\u0007\u009b31m\u202eevil\u200b\u2028\u2029\u00ad\ufeff\ry\r',
      ),
    ).toBe(
      'x\\u001b[2J\\u001b]0;title\\u0007\\u009b31m\\u202eevil\\u200b\\u2028\\u2029\\u00ad\\ufeff\\u000dy\\u000d',
    );
    expect(escapeOutput('\u0000\u007f\u0085\r\r\n')).toBe(
      '\\u0000\\u007f\\u0085\\u000d\r\n',
    );
  });

  it('escapes an astral format character as its surrogate pair, and lone surrogates', () => {
    // U+E0001 LANGUAGE TAG, a format character outside the BMP.
    expect(escapeOutput('a\u{e0001}b')).toBe('a\\udb40\\udc01b');
    expect(escapeOutput('\ud800 and \udfff')).toBe('\\ud800 and \\udfff');
  });

  it('keeps JSON valid and reading back as the original text', () => {
    const value = {
      description:
        '\u001b[2J\u001b]0;pwned\u0007\u009b\u202e\u200b\u2028\u{e0041}\ud800 "q" \\ é 😀',
      '\u202ekey': ['\u0085', 1, null],
    };
    for (const json of [
      JSON.stringify(value),
      JSON.stringify(value, null, 2),
    ]) {
      const escaped = escapeOutput(json);
      expect(escaped.replace(/\n/g, '')).not.toMatch(UNSAFE);
      expect(JSON.parse(escaped)).toEqual(value);
    }
  });

  it('changes nothing when applied twice', () => {
    const once = escapeOutput('\u009b\u{e0001}\ud800\r\u202e\r\n');
    expect(escapeOutput(once)).toBe(once);
  });

  it('takes time linear in its input, whatever the input', () => {
    const hostile = '\r\u009b\u{e0001}é'.repeat(250_000);
    const started = Date.now();
    const escaped = escapeOutput(hostile);
    expect(escaped).toHaveLength(
      250_000 * ('\\u000d\\u009b\\udb40\\udc01'.length + 1),
    );
    // A million characters: a quadratic escape would take minutes.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
