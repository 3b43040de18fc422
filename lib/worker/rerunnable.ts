/**
 * A task that runs one at a time: a request while it runs makes it run once more afterwards instead of
 * twice at once. Reactions to the tree arrive in bursts (a reshard rewrites every owner node); each
 * burst must be looked at again after the attempt in flight, and never concurrently with it.
 */
export class Rerunnable {
  #running = false;
  #again = false;

  constructor(private readonly task: () => Promise<void>) {}

  /** Resolves when this request's run (or the one it joined) is over. */
  async request(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        await this.task();
      } while (this.#again);
    } finally {
      this.#running = false;
    }
  }
}
