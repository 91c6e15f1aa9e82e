// I/O throttle of the log cleaner: log.cleaner.io.max.bytes.per.second
// (Kafka's Throttler as the cleaner uses it). Bytes read and written are
// counted; once a check interval (300 ms, Kafka's) has passed, if they came
// faster than the limit, the cleaner sleeps until the average over the
// interval is back at the limit. The default (Double.MAX_VALUE) never sleeps.

export const THROTTLE_CHECK_INTERVAL_MS = 300;

export class Throttler {
  private periodStart: number;
  private observed = 0;
  /** Total time slept, for stats and tests. */
  sleptMs = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.periodStart = now();
  }

  get unlimited(): boolean {
    return !(this.bytesPerSecond > 0) || !Number.isFinite(this.bytesPerSecond) || this.bytesPerSecond >= Number.MAX_VALUE;
  }

  async maybeThrottle(bytes: number): Promise<void> {
    if (this.unlimited) return;
    this.observed += bytes;
    const elapsed = this.now() - this.periodStart;
    if (elapsed <= THROTTLE_CHECK_INTERVAL_MS || this.observed <= 0) return;
    const wait = Math.round((this.observed * 1000) / this.bytesPerSecond - elapsed);
    if (wait > 0) {
      this.sleptMs += wait;
      await this.sleep(wait);
    }
    this.periodStart = this.now();
    this.observed = 0;
  }
}
