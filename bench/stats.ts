/** Median of a non-empty list; the mean of the middle two for an even count. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** 12345.6 -> "12,346"; fixed decimals below 100 so columns stay readable. */
export function formatNumber(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

export function formatRatio(value: number): string {
  return `${value.toFixed(2)}x`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A Markdown table; the first row is the header. */
export function markdownTable(rows: string[][], align?: string[]): string {
  const [header, ...body] = rows;
  const separator = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [header, separator, ...body]
    .map(cells => `| ${cells.join(' | ')} |`)
    .join('\n');
}
