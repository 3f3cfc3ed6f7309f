/**
 * Runs `read` when asked and every interval once started, one run at a
 * time: a run asked for while one is under way joins it. For the replicas'
 * in-memory copies of database tables (managed tokens, compromised
 * credentials), whose reads log their own failures.
 */
export class SingleFlightPoller {
  readonly #read: () => Promise<void>;
  #running?: Promise<void>;
  #timer?: NodeJS.Timeout;

  constructor(read: () => Promise<void>) {
    this.#read = read;
  }

  run(): Promise<void> {
    this.#running ??= this.#read().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Runs every `intervalMs`, without keeping the process alive. */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.run().catch(() => {}); // the read logs its own failures
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
