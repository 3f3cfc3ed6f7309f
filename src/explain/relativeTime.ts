/** "40 s", "3 min", "2 h", "5 days": how far apart two instants are, roughly. */
export function durationText(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 120) {
    return `${seconds} s`;
  }
  if (seconds < 7200) {
    return `${Math.round(seconds / 60)} min`;
  }
  if (seconds < 172_800) {
    return `${Math.round(seconds / 3600)} h`;
  }
  return `${Math.round(seconds / 86_400)} days`;
}

/** "40 s ago" or "in 3 min", from `now`. */
export function relativeText(instantMs: number, now: number): string {
  return instantMs <= now
    ? `${durationText(now - instantMs)} ago`
    : `in ${durationText(instantMs - now)}`;
}
