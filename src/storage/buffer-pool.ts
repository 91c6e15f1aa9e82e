// Reusable read buffers for the network fetch path. A Fetch that read into a
// fresh 1 MiB Buffer each time made ~700 new ArrayBuffers a second at full
// speed: each one page-faulted and zeroed by the kernel, and their external
// memory kept V8 in major GCs. Pooled buffers are filled by a read, sliced
// into a response, and handed back only once the socket write carrying the
// response has completed.
//
// Safety rests on two rules: a buffer is back in the free lists only after
// release() of the exact buffer acquire() returned (once: a second release is
// ignored), and the pool keeps no strong reference to buffers it has lent. A
// caller that never releases loses reuse, never correctness: the buffer is
// simply garbage collected.
//
// Only the network fetch path reads into pooled buffers (through ReadLeases);
// everything else that may keep what it read (down-conversion, the cleaner,
// coordinators' replay) reads into fresh Buffers.

/** Smallest size class; smaller requests round up to it. */
const MIN_CLASS = 16 * 1024;
/** Four classes per power of two (x1, x1.25, x1.5, x1.75), so a 1 MiB + 4 KiB read takes 1.25 MiB, not 2. */
const STEPS = 4;

export interface BufferPoolOptions {
  /** Largest size pooled; larger requests get a fresh Buffer that is never pooled. */
  maxBufferSize?: number;
  /** Bytes of free buffers kept at most; a release beyond that lets the buffer go. */
  maxFreeBytes?: number;
  /** Free buffers are dropped after this long without any acquire (0 disables the timer). */
  idleTrimMs?: number;
}

export interface BufferPoolStats {
  /** acquire() answered from the free lists. */
  reused: number;
  /** acquire() that allocated a new pooled buffer. */
  allocated: number;
  /** acquire() too large for the pool (a fresh, unpooled Buffer). */
  oversized: number;
  /** Buffers lent and not yet released. */
  lent: number;
  /** Bytes in the free lists. */
  freeBytes: number;
}

export class BufferPool {
  private readonly maxBufferSize: number;
  private readonly maxFreeBytes: number;
  private readonly free = new Map<number, Buffer[]>();
  /** Lent buffers, weakly: release() checks membership, a lost buffer is collected. */
  private readonly lent = new WeakSet<Buffer>();
  private lentCount = 0;
  private freeBytes = 0;
  private reused = 0;
  private allocated = 0;
  private oversized = 0;
  private usedSinceTrim = false;
  private trimTimer: NodeJS.Timeout | null = null;

  constructor(opts: BufferPoolOptions = {}) {
    this.maxBufferSize = opts.maxBufferSize ?? 16 * 1024 * 1024;
    this.maxFreeBytes = opts.maxFreeBytes ?? 64 * 1024 * 1024;
    const idle = opts.idleTrimMs ?? 10_000;
    if (idle > 0) {
      this.trimTimer = setInterval(() => this.trimIfIdle(), idle);
      this.trimTimer.unref();
    }
  }

  /** The size class holding `size` bytes. */
  static classOf(size: number): number {
    if (size <= MIN_CLASS) return MIN_CLASS;
    const pow = 2 ** Math.floor(Math.log2(size));
    const step = pow / STEPS;
    return Math.ceil(size / step) * step;
  }

  /** A buffer of at least `size` bytes (its length is the size class); release() it exactly once when done. */
  acquire(size: number): Buffer {
    this.usedSinceTrim = true;
    if (size > this.maxBufferSize) {
      this.oversized++;
      return Buffer.allocUnsafeSlow(size);
    }
    const cls = BufferPool.classOf(size);
    const list = this.free.get(cls);
    let buf = list?.pop();
    if (buf) {
      this.freeBytes -= cls;
      this.reused++;
    } else {
      buf = Buffer.allocUnsafeSlow(cls);
      this.allocated++;
    }
    this.lent.add(buf);
    this.lentCount++;
    return buf;
  }

  /** Gives back a buffer from acquire(); anything else, or a second release, is ignored. */
  release(buf: Buffer): void {
    if (!this.lent.delete(buf)) return;
    this.lentCount--;
    const cls = buf.length;
    if (this.freeBytes + cls > this.maxFreeBytes) return;
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(buf);
    this.freeBytes += cls;
  }

  stats(): BufferPoolStats {
    return { reused: this.reused, allocated: this.allocated, oversized: this.oversized, lent: this.lentCount, freeBytes: this.freeBytes };
  }

  /** Drops every free buffer (lent ones are unaffected and still come back). */
  trim(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  /** Stops the idle-trim timer and drops the free buffers. */
  close(): void {
    if (this.trimTimer) clearInterval(this.trimTimer);
    this.trimTimer = null;
    this.trim();
  }

  private trimIfIdle(): void {
    if (!this.usedSinceTrim) this.trim();
    this.usedSinceTrim = false;
  }
}

/**
 * The pooled buffers one request read into. Everything it holds goes back to
 * the pool together, once nothing of the request's response can be in use any
 * more (for a Fetch: its socket write completed, or the connection closed).
 */
export class ReadLeases {
  private bufs: Buffer[] = [];

  constructor(private readonly pool: BufferPool) {}

  /** An allocator for storage reads: a pooled buffer of at least `size` bytes, recorded here. */
  readonly alloc = (size: number): Buffer => {
    const b = this.pool.acquire(size);
    this.bufs.push(b);
    return b;
  };

  get count(): number {
    return this.bufs.length;
  }

  /** Returns every buffer to the pool; the lease set can be used again afterwards. */
  releaseAll(): void {
    const bufs = this.bufs;
    this.bufs = [];
    for (const b of bufs) this.pool.release(b);
  }
}

/** The pool the broker's fetch path reads into. */
export const fetchReadPool = new BufferPool();
