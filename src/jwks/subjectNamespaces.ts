import type { Config } from '@backstage/config';
import { EXTERNAL_ACCESS_KEY } from '../lib/externalAccessEntries';

/** What makes the subjects of one JWT entry (`jwks` or `gatehouse-jwks`). */
interface JwtEntrySubjects {
  path: string;
  /** `external:<prefix>:` or `external:` */
  namespace: string;
  prefix?: string;
  /** The key set's URL or the issuers, to tell providers apart. */
  keySource: string;
}

function jwtEntries(config: Config): JwtEntrySubjects[] {
  const entries = config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [];
  return entries.flatMap((entry, index) => {
    const type = entry.getOptional('type');
    if (type !== 'jwks' && type !== 'gatehouse-jwks') {
      return [];
    }
    const options = entry.getOptional('options') as
      { subjectPrefix?: unknown; url?: unknown; issuer?: unknown } | undefined;
    const prefix =
      typeof options?.subjectPrefix === 'string' && options.subjectPrefix
        ? options.subjectPrefix
        : undefined;
    return [
      {
        path: `${EXTERNAL_ACCESS_KEY}[${index}]`,
        namespace: prefix ? `external:${prefix}:` : 'external:',
        prefix,
        keySource: JSON.stringify(options?.url ?? options?.issuer ?? null),
      },
    ];
  });
}

/**
 * JWT entries make subjects `external:<prefix>:<claim>`, or `external:<claim>`
 * without a prefix. Two entries must not be able to make the same subject
 * for different callers, or audit logs and policies could not tell them
 * apart: an entry without a prefix whose claim is `github:x` would make
 * `external:github:x`, the subject of claim `x` at an entry with prefix
 * `github`; prefix `a:b` collides with prefix `a` the same way. Those are
 * errors. Entries that share a namespace on purpose (one provider, several
 * entries with different claim bindings) are fine; sharing one across
 * different key sets is allowed with a warning.
 */
export function subjectNamespaceProblems(config: Config): {
  problems: string[];
  warnings: string[];
} {
  const entries = jwtEntries(config);
  const problems: string[] = [];
  const warnings: string[] = [];
  const prefixed = entries.find(e => e.prefix !== undefined);
  for (const entry of entries) {
    if (entry.prefix === undefined && prefixed) {
      problems.push(
        `${entry.path}.options.subjectPrefix: is missing while ${prefixed.path} has '${prefixed.prefix}', so a token here whose claim is '${prefixed.prefix}:<name>' would get the subject 'external:${prefixed.prefix}:<name>' of that entry's callers; give every JWT entry a subjectPrefix`,
      );
    }
  }
  for (const [j, b] of entries.entries()) {
    const earlier = entries.slice(0, j);
    const sharing = earlier.find(
      a => a.namespace === b.namespace && a.keySource !== b.keySource,
    );
    if (sharing) {
      warnings.push(
        `${b.path}: has the same subjectPrefix as ${sharing.path} (${b.prefix === undefined ? 'none' : `'${b.prefix}'`}) but other keys, so the callers of two identity providers share one namespace of subjects; give each provider its own subjectPrefix unless they issue the same identities`,
      );
    }
    for (const a of earlier) {
      const [outer, inner] =
        a.namespace.length < b.namespace.length ? [a, b] : [b, a];
      // Entries without a prefix are reported above.
      if (
        outer.prefix !== undefined &&
        inner.namespace !== outer.namespace &&
        inner.namespace.startsWith(outer.namespace)
      ) {
        problems.push(
          `${inner.path}.options.subjectPrefix: '${inner.prefix}' starts with '${outer.prefix}:', the prefix of ${outer.path}, so the two entries can make the same subjects; choose prefixes that are not '<other prefix>:...'`,
        );
      }
    }
  }
  return { problems, warnings };
}
