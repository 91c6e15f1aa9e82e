// Long polling for Fetch: a fetch that has fewer than min.bytes parks here
// until an append to one of its partitions becomes readable, or max.wait.ms
// passes, or the broker shuts down.

import type { Partition } from './replica-manager.js';

export class FetchWaiter {
  private readonly parked = new Set<() => void>();
  private stopped = false;

  /** Set by shutdown: fetches must answer with what they have instead of parking again. */
  get shuttingDown(): boolean {
    return this.stopped;
  }

  wait(partitions: readonly Partition[], maxWaitMs: number): Promise<void> {
    // A fetch for no partitions still waits out max.wait.ms, as Kafka does (and never spins).
    if (maxWaitMs <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const wake = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.parked.delete(wake);
        for (const p of partitions) p.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, maxWaitMs);
      this.parked.add(wake);
      for (const p of partitions) p.waiters.add(wake);
    });
  }

  /** Completes every parked fetch now, and every later one at once (shutdown). */
  wakeAll(): void {
    this.stopped = true;
    for (const w of [...this.parked]) w();
  }
}
