/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms`. The work
 * behind `promise` is not cancelled; the caller just stops waiting for it, so
 * that one stuck file system call cannot hold up everything queued after it.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
