/**
 * The new-token form's checks, as the backend makes them (its
 * src/lib/subjects.ts and managedTokenRequests.ts), so that a mistake is
 * shown at its field before anything is sent. The backend stays the judge:
 * it also refuses look-alikes of the reserved prefixes (`рlugin:` with a
 * Cyrillic `р`), which the form does not try to recognise.
 */

/** The form's fields, as errors are keyed. */
export type Field =
  'subject' | 'owner' | 'description' | 'lifetime' | 'restrictions';

export type FieldErrors = Partial<Record<Field, string>>;

/** White space, control and format characters, lone surrogates. */
const UNSAFE_SUBJECT_CHARACTER = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** Control and format characters, separators, lone surrogates; spaces are fine. */
const HIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const RESERVED_SUBJECT_PREFIXES = ['plugin:', 'external:', 'user:'];
/** Backstage plugin ids: lower-case letters, digits and dashes. */
const PLUGIN_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function subjectProblem(subject: string): string | undefined {
  if (!subject) return 'Required: who will use the token, such as ci-pipeline';
  if (UNSAFE_SUBJECT_CHARACTER.test(subject)) {
    return 'Must be a name without white space, control or format characters, such as ci-pipeline';
  }
  const folded = subject.normalize('NFKC').toLowerCase();
  const prefix = RESERVED_SUBJECT_PREFIXES.find(p => folded.startsWith(p));
  if (prefix) {
    return `Must not start with '${prefix}': that is how Backstage's own plugins, JWT callers and users begin`;
  }
  if (subject.length > 100) return 'At most 100 characters';
  return undefined;
}

export function descriptionProblem(description: string): string | undefined {
  if (!description.trim()) return 'Required: what the token is for';
  if (HIDDEN_CHARACTER.test(description)) {
    return 'Must not contain control characters, line breaks, bidi or zero-width characters';
  }
  if (description.length > 500) return 'At most 500 characters';
  return undefined;
}

/** The restriction lines' problems: a plugin id that is not one, a plugin named twice. */
export function restrictionsProblem(
  plugins: string[] | undefined,
): string | undefined {
  if (!plugins) return undefined;
  const problems: string[] = [];
  plugins.forEach((plugin, index) => {
    if (!PLUGIN_ID.test(plugin)) {
      problems.push(
        `line ${index + 1}: '${plugin}' is not a plugin id (lower-case letters, digits and dashes)`,
      );
    } else if (plugins.indexOf(plugin) !== index) {
      problems.push(
        `line ${index + 1}: '${plugin}' is named twice; name each plugin once`,
      );
    }
  });
  if (problems.length > 50) problems.push('at most 50 plugins');
  return problems.length ? problems.join('; ') : undefined;
}

const FIELDS: Record<string, Field> = {
  subject: 'subject',
  owner: 'owner',
  description: 'description',
  expiresAt: 'lifetime',
  expiresIn: 'lifetime',
  accessRestrictions: 'restrictions',
};
const FIELD_NAMES = Object.keys(FIELDS).join('|');
/** Where one problem of a 400 starts: "; subject: ..." or "; accessRestrictions[1].plugin: ...". */
const NEXT_PROBLEM = new RegExp(`; (?=(?:${FIELD_NAMES})[[.:])`);
const PROBLEM = new RegExp(
  `^(${FIELD_NAMES})(?:\\[(\\d+)\\])?(?:\\.([\\w.\\[\\]]+))?: ([^]*)$`,
);

/**
 * A 400's message, `Invalid request: <field>: <problem>; <field>: ...`, as
 * errors at the form's fields; what names no field of the form stays
 * `general`.
 */
export function serverProblems(message: string): {
  fields: FieldErrors;
  general?: string;
} {
  const PREFIX = 'Invalid request: ';
  if (!message.startsWith(PREFIX)) return { fields: {}, general: message };
  const fields: FieldErrors = {};
  const general: string[] = [];
  for (const problem of message.slice(PREFIX.length).split(NEXT_PROBLEM)) {
    const match = PROBLEM.exec(problem);
    if (!match) {
      general.push(problem);
      continue;
    }
    const [, name, index, path, words] = match;
    const field = FIELDS[name];
    const where = [
      index !== undefined ? `line ${Number(index) + 1}` : '',
      path ?? '',
    ]
      .filter(Boolean)
      .join(', ');
    const text = where ? `${where}: ${words}` : words;
    fields[field] = fields[field] ? `${fields[field]}; ${text}` : text;
  }
  return {
    fields,
    general: general.length ? `${PREFIX}${general.join('; ')}` : undefined,
  };
}
