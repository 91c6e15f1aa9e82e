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

/** Shortest stretch of cleaning between two looks at the broker's load. */
export const PACE_SLICE_MS = 10;
/** Share of the time the cleaner keeps however busy the broker is, so that it never stalls. */
export const PACE_MIN_DUTY = 0.1;

/**
 * Yields of the cleaner to a busy broker: after each slice of work (at least
 * PACE_SLICE_MS), the cleaner pauses so that its share of the time is
 * 1 - load, at least PACE_MIN_DUTY, where load is the broker event loop's
 * recent utilization (0..1, shared by the main thread). An idle broker gets
 * no pauses, so a quiet machine cleans at full speed.
 */
export class Pacer {
  private sliceStart: number;
  /** Total time paused, for stats and tests. */
  pausedMs = 0;

  constructor(
    private readonly load: () => number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.sliceStart = now();
  }

  async maybeYield(): Promise<void> {
    const worked = this.now() - this.sliceStart;
    if (worked < PACE_SLICE_MS) return;
    const busy = Math.min(1, Math.max(0, this.load()));
    const duty = Math.max(PACE_MIN_DUTY, 1 - busy);
    const pause = (worked * (1 - duty)) / duty;
    if (pause >= 1) {
      this.pausedMs += pause;
      await this.sleep(pause);
    }
    this.sliceStart = this.now();
  }
}
