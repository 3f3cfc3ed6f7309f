import {
  KubernetesValidatorFunctions,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { z } from 'zod';

/** The kinds that own credentials: a team, or one person. */
const OWNER_KINDS = ['group', 'user'];

export const OWNER_REF_MESSAGE =
  "must be a catalog entity ref of a group or a user, such as 'group:default/payments' or 'user:default/jane' ('payments' alone means group:default/payments)";

/**
 * A credential's owner as the catalog writes entity refs:
 * `kind:namespace/name`, kind and namespace in lower case. A bare name is a
 * group in the default namespace, as the catalog reads `spec.owner`.
 *
 * @returns the ref, or undefined if `text` is not one of a group or user
 */
export function normalizeOwnerRef(text: string): string | undefined {
  if (text.length > 255) return undefined;
  let ref;
  try {
    ref = parseEntityRef(text.trim(), {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
  } catch {
    return undefined;
  }
  // The catalog compares kinds and namespaces without regard to case.
  const kind = ref.kind.toLocaleLowerCase('en-US');
  const namespace = ref.namespace.toLocaleLowerCase('en-US');
  if (
    !OWNER_KINDS.includes(kind) ||
    !KubernetesValidatorFunctions.isValidNamespace(namespace) ||
    !KubernetesValidatorFunctions.isValidObjectName(ref.name)
  ) {
    return undefined;
  }
  return stringifyEntityRef({ kind, namespace, name: ref.name });
}

/** An `owner` in config or a request body, normalised; a readable issue if it is not one. */
export const ownerRefSchema = z.string().transform((text, ctx) => {
  const ref = normalizeOwnerRef(text);
  if (!ref) {
    ctx.addIssue({ code: 'custom', message: OWNER_REF_MESSAGE });
    return z.NEVER;
  }
  return ref;
});

/**
 * Whether `owner` is one of `claims` (a user's ownership refs, as
 * `coreServices.userInfo` gives them): entity refs are compared as the
 * catalog compares them, without regard to case.
 */
export function isOwnedBy(
  owner: string | undefined,
  claims: readonly string[],
): boolean {
  if (owner === undefined) return false;
  const wanted = owner.toLocaleLowerCase('en-US');
  return claims.some(claim => claim.toLocaleLowerCase('en-US') === wanted);
}
