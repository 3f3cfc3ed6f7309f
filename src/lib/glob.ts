/**
 * A matcher for a pattern in which `*` stands for any run of characters, `.`
 * and `/` included (`catalog.*` matches `catalog.entity.read`, `my-org/*`
 * every repository). Without `*` it is an exact comparison.
 *
 * Claim patterns run on unverified tokens, so the matcher must cost no more
 * than a scan of the value whatever the pattern: no regular expression (a
 * pattern with three stars made a backtracking one take seconds on a few KB).
 * With only `*` as a wildcard, taking each literal part at its leftmost
 * occurrence after the previous one is always right: a later occurrence
 * leaves less room for the parts after it, never more. So the value is
 * scanned once per part, O(value × pattern) at worst, without backtracking.
 */
export function compileGlob(pattern: string): (text: string) => boolean {
  if (!pattern.includes('*')) {
    return text => text === pattern;
  }
  const parts = pattern.split('*');
  const head = parts[0];
  const tail = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter(part => part.length > 0);
  const fixedLength = head.length + tail.length;
  return text => {
    if (
      text.length < fixedLength ||
      !text.startsWith(head) ||
      !text.endsWith(tail)
    ) {
      return false;
    }
    // The middle parts must fit between head and tail, in order.
    const end = text.length - tail.length;
    let position = head.length;
    for (const part of middle) {
      const found = text.indexOf(part, position);
      if (found === -1 || found + part.length > end) {
        return false;
      }
      position = found + part.length;
    }
    return true;
  };
}
