import leven from 'leven';

/**
 * The sentence for a key a config object does not have, with the valid key
 * it is closest to when that one is a likely misspelling.
 */
export function unknownKeySentence(
  key: string,
  validKeys: readonly string[],
): string {
  if (key === 'accessRestrictions') {
    return "unknown key 'accessRestrictions': it belongs one level up, beside 'type' and 'options' of the externalAccess entry; here Backstage ignores it, and the token would have no restrictions";
  }
  const [closest] = [...validKeys].sort(
    (a, b) => leven(key, a) - leven(key, b),
  );
  // A third of the key's length: "acessRestrictions" and "subjectPrefx"
  // get a suggestion, "foo" does not get "type".
  const likely =
    closest !== undefined &&
    leven(key.toLowerCase(), closest.toLowerCase()) <=
      Math.max(2, Math.floor(key.length / 3));
  if (likely) {
    return `unknown key '${key}'; did you mean '${closest}'?`;
  }
  return validKeys.length
    ? `unknown key '${key}'; the valid keys are ${validKeys.map(k => `'${k}'`).join(', ')}`
    : `unknown key '${key}'`;
}
