// Kafka's ThroughputThrottler (used by kafka-verifiable-producer and
// kafka-producer-perf-test): keeps a loop near a target rate of "things" per
// second by sleeping off an accumulated deficit of 1/rate seconds per thing
// once it exceeds 2 ms. A target below 0 disables throttling; 0 waits until
// wakeup(). The sleeps are timers, so the event loop keeps serving the
// producer's I/O meanwhile.

const NS_PER_MS = 1_000_000;
const NS_PER_SEC = 1000 * NS_PER_MS;
const MIN_SLEEP_NS = 2 * NS_PER_MS;

export class ThroughputThrottler {
  private readonly sleepTimeNs: number;
  private sleepDeficitNs = 0;
  private wakeupRequested = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly targetThroughput: number,
    readonly startMs: number,
  ) {
    this.sleepTimeNs = targetThroughput > 0 ? NS_PER_SEC / targetThroughput : Number.MAX_SAFE_INTEGER;
  }

  /** True when `amountSoFar` things since startMs is above the target rate. */
  shouldThrottle(amountSoFar: number, sendStartMs: number): boolean {
    if (this.targetThroughput < 0) return false;
    const elapsedSec = (sendStartMs - this.startMs) / 1000;
    return elapsedSec > 0 && amountSoFar / elapsedSec > this.targetThroughput;
  }

  /** Sleeps off the deficit (or, for a target of 0, until wakeup()). */
  async throttle(): Promise<void> {
    if (this.targetThroughput === 0) {
      if (!this.wakeupRequested) await new Promise<void>((resolve) => (this.wake = resolve));
      return;
    }
    this.sleepDeficitNs += this.sleepTimeNs;
    if (this.sleepDeficitNs < MIN_SLEEP_NS) return;
    const start = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      if (this.wakeupRequested) return resolve();
      timer = setTimeout(resolve, Math.max(1, Math.round(this.sleepDeficitNs / NS_PER_MS)));
    });
    clearTimeout(timer);
    this.wake = null;
    if (this.wakeupRequested) {
      // Cut short: keep the part of the deficit not slept.
      const slept = Number(process.hrtime.bigint() - start);
      if (slept <= this.sleepDeficitNs) this.sleepDeficitNs -= slept;
      this.wakeupRequested = false;
    } else {
      this.sleepDeficitNs = 0;
    }
  }

  /** Ends a sleep in progress (shutdown). */
  wakeup(): void {
    this.wakeupRequested = true;
    this.wake?.();
  }
}
