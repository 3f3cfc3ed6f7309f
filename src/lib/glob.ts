function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A matcher for a pattern in which `*` stands for any run of characters, `.`
 * and `/` included (`catalog.*` matches `catalog.entity.read`, `my-org/*`
 * every repository). Without `*` it is an exact comparison.
 */
export function compileGlob(pattern: string): (text: string) => boolean {
  if (!pattern.includes('*')) {
    return text => text === pattern;
  }
  const regexp = new RegExp(
    `^${pattern.split('*').map(escapeRegExp).join('[\\s\\S]*')}$`,
  );
  return text => regexp.test(text);
}
