// Time as the coordinator sees it: a clock and timers behind one interface,
// so that tests drive every timeout (sessions, rebalances, initial delay,
// offset expiry) deterministically with MockTime, and the broker uses one
// coarse shared Node timer (SystemTime) instead of a setTimeout per member.

export interface Timer {
  /** Stops the timer; harmless when it already fired or was cancelled. */
  cancel(): void;
}

export interface Time {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once, `delayMs` from now (never synchronously). */
  schedule(delayMs: number, fn: () => void): Timer;
}

interface Entry {
  deadline: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A binary min-heap of timer entries by (deadline, insertion order); cancelled entries are dropped lazily. */
class TimerHeap {
  private readonly a: Entry[] = [];
  private seq = 0;
  live = 0;

  push(deadline: number, fn: () => void): Entry {
    const e: Entry = { deadline, seq: this.seq++, fn, cancelled: false };
    this.a.push(e);
    this.up(this.a.length - 1);
    this.live++;
    return e;
  }

  cancel(e: Entry): void {
    if (e.cancelled) return;
    e.cancelled = true;
    this.live--;
  }

  /** The earliest live entry, after dropping cancelled ones from the top. */
  peek(): Entry | undefined {
    while (this.a.length > 0 && this.a[0]!.cancelled) this.pop();
    return this.a[0];
  }

  pop(): Entry | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  clear(): void {
    for (const e of this.a) e.cancelled = true;
    this.a.length = 0;
    this.live = 0;
  }

  private less(i: number, j: number): boolean {
    const x = this.a[i]!;
    const y = this.a[j]!;
    return x.deadline < y.deadline || (x.deadline === y.deadline && x.seq < y.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.a[i]!;
    this.a[i] = this.a[j]!;
    this.a[j] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.a.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/**
 * Wall-clock time with one Node timer armed for the earliest deadline. Timers
 * fire in deadline order; the Node timer is unref'd so that pending
 * coordinator timers never keep a process alive.
 */
export class SystemTime implements Time {
  private readonly heap = new TimerHeap();
  private armed: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private stopped = false;

  now(): number {
    return Date.now();
  }

  schedule(delayMs: number, fn: () => void): Timer {
    const e = this.heap.push(Date.now() + Math.max(0, delayMs), fn);
    this.arm();
    return { cancel: () => this.heap.cancel(e) };
  }

  /** Cancels every timer; later schedules are ignored. */
  stop(): void {
    this.stopped = true;
    this.heap.clear();
    if (this.armed) clearTimeout(this.armed);
    this.armed = null;
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peek();
    if (!next) return;
    if (this.armed && next.deadline >= this.armedFor) return;
    if (this.armed) clearTimeout(this.armed);
    this.armedFor = next.deadline;
    // Node caps timeouts at 2^31-1 ms; a longer deadline re-arms when that fires.
    const delay = Math.min(Math.max(0, next.deadline - Date.now()), 0x7fffffff);
    this.armed = setTimeout(() => this.fire(), delay);
    this.armed.unref();
  }

  private fire(): void {
    this.armed = null;
    this.armedFor = Infinity;
    const now = Date.now();
    for (let e = this.heap.peek(); e && e.deadline <= now; e = this.heap.peek()) {
      this.heap.pop();
      this.heap.cancel(e);
      try {
        e.fn();
      } catch (err) {
        // A timer callback must never take the broker down; report and go on.
        process.emitWarning(`coordinator timer failed: ${(err as Error)?.stack ?? err}`);
      }
    }
    this.arm();
  }
}

/**
 * A clock that moves only when told to. `advance(ms)` fires every timer due
 * in that span in deadline order, with `now()` equal to each timer's deadline
 * while it runs (timers scheduled by callbacks fire too when they fall within
 * the span).
 */
export class MockTime implements Time {
  private readonly heap = new TimerHeap();

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  schedule(delayMs: number, fn: () => void): Timer {
    const e = this.heap.push(this.current + Math.max(0, delayMs), fn);
    return { cancel: () => this.heap.cancel(e) };
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (let e = this.heap.peek(); e && e.deadline <= target; e = this.heap.peek()) {
      this.heap.pop();
      this.heap.cancel(e);
      this.current = Math.max(this.current, e.deadline);
      e.fn();
    }
    this.current = target;
  }

  /** Live (not yet fired, not cancelled) timers. */
  get pending(): number {
    return this.heap.live;
  }
}
