// Exponential backoff with jitter (Kafka's ExponentialBackoff: base * 2^n,
// capped, ±20% jitter) and cancellable sleeps, so a closed client leaves no
// timer behind.

export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  if (attempts <= 0) return 0;
  const term = baseMs * 2 ** Math.min(attempts - 1, 30);
  const jitter = 1 + (Math.random() * 0.4 - 0.2);
  return Math.max(0, Math.min(maxMs, Math.round(term * jitter)));
}

/** Sleeps that a close() can cut short all at once. */
export class Sleeper {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  /** Resolves after `ms` (or at once, when closed or cancelled). */
  sleep(ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
  }
}
