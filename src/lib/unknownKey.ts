import leven from 'leven';

/**
 * The candidate a word is a likely misspelling of, if any: within a third of
 * the word's length, so "acessRestrictions" and "subjectPrefx" get a
 * suggestion and "foo" does not get "type".
 */
export function likelyMeant(
  word: string,
  candidates: readonly string[],
): string | undefined {
  const [closest] = [...candidates].sort(
    (a, b) => leven(word, a) - leven(word, b),
  );
  return closest !== undefined &&
    leven(word.toLowerCase(), closest.toLowerCase()) <=
      Math.max(2, Math.floor(word.length / 3))
    ? closest
    : undefined;
}

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
  const closest = likelyMeant(key, validKeys);
  if (closest) {
    return `unknown key '${key}'; did you mean '${closest}'?`;
  }
  return validKeys.length
    ? `unknown key '${key}'; the valid keys are ${validKeys.map(k => `'${k}'`).join(', ')}`
    : `unknown key '${key}'`;
}
