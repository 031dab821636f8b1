/**
 * One run per key while it is under way: callers arriving meanwhile share its promise instead
 * of starting their own (one token fetch, one certificate fetch, one capture, one buyer query
 * for many concurrent callers). Forgotten as soon as it settles, so a failure is not kept.
 */
export class SharedRuns<V> {
  readonly #running = new Map<string, Promise<V>>();

  /** The run under way for `key`, if any. */
  get(key: string): Promise<V> | undefined {
    return this.#running.get(key);
  }

  /** Joins the run under way for `key`, or starts one with `start`. */
  run(key: string, start: () => Promise<V>): Promise<V> {
    const running = this.#running.get(key);
    if (running) return running;
    // Registered before the first await, so every caller arriving meanwhile joins this one.
    const p = start().finally(() => this.#running.delete(key));
    this.#running.set(key, p);
    return p;
  }
}
