// One client connection: splits the byte stream into size-prefixed frames,
// hands each to the request processor, and writes responses back in request
// order (Kafka clients rely on that). Requests from one connection may be in
// flight concurrently; their responses are released in order as they finish.
//
// Protection: a frame size is checked against socket.request.max.bytes before
// any allocation; reading pauses while too many requests are in flight or
// while the socket's write buffer is over its high-water mark (a client that
// never reads its responses stops being read, instead of growing memory).

import type { Socket } from 'node:net';
import { Logger } from '../../logger.js';

const log = new Logger('SocketServer');

export interface ConnectionLimits {
  maxRequestSize: number;
  /** Requests processed concurrently before reading pauses. */
  maxInFlight: number;
  /** Bytes queued for writing before reading pauses. */
  maxQueuedResponseBytes: number;
  idleTimeoutMs: number;
}

export interface ConnectionInfo {
  readonly id: string;
  readonly listenerName: string;
  readonly securityProtocol: string;
  /** The local address and port this client dialed (for advertising ourselves back). */
  readonly localHost: string;
  readonly localPort: number;
  readonly remote: string;
}

/** Returns response chunks, or null when the request gets no response (acks=0). */
export type FrameProcessor = (frame: Buffer, conn: Connection) => Promise<Buffer[] | null> | Buffer[] | null;

interface Slot {
  done: boolean;
  response: Buffer[] | null;
}

export class Connection implements ConnectionInfo {
  readonly id: string;
  readonly localHost: string;
  readonly localPort: number;
  readonly remote: string;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly slots: Slot[] = [];
  private slotHead = 0;
  private inFlight = 0;
  private paused = false;
  private closed = false;
  /** Set when the connection should close once every queued response is written. */
  private closing = false;

  constructor(
    readonly socket: Socket,
    readonly listenerName: string,
    readonly securityProtocol: string,
    private readonly limits: ConnectionLimits,
    private readonly process: FrameProcessor,
    private readonly onClose: (c: Connection) => void,
  ) {
    this.localHost = normaliseHost(socket.localAddress ?? '127.0.0.1');
    this.localPort = socket.localPort ?? 0;
    this.remote = `${normaliseHost(socket.remoteAddress ?? '?')}:${socket.remotePort ?? 0}`;
    this.id = `${this.localHost}:${this.localPort}-${this.remote}`;
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.maybeResume();
      // Frames already read stay queued while the output is full; pick them up again.
      if (this.pendingBytes >= 4) this.drainFrames();
    });
    socket.on('timeout', () => {
      log.debug(`Closing idle connection ${this.id}`);
      this.close();
    });
    socket.on('error', (err) => log.debug(`Connection ${this.id} error: ${err.message}`));
    socket.on('close', () => this.teardown());
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.closing) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.drainFrames();
  }

  private draining = false;

  private drainFrames(): void {
    // Re-entered from complete() when a request finishes synchronously: the loop below picks that up.
    if (this.draining) return;
    this.draining = true;
    try {
      this.drainFramesLoop();
    } finally {
      this.draining = false;
    }
  }

  private drainFramesLoop(): void {
    while (
      this.pendingBytes >= 4 &&
      !this.closing &&
      !this.closed &&
      this.inFlight < this.limits.maxInFlight &&
      // Pausing the socket stops new reads only: requests already read must wait too while
      // the client is not reading its responses, or a pipelining client grows our memory.
      this.socket.writableLength <= this.limits.maxQueuedResponseBytes
    ) {
      const size = this.peekInt32();
      if (size < 0 || size > this.limits.maxRequestSize) {
        log.warn(
          `Closing connection ${this.id}: invalid request size ${size} ` +
            `(socket.request.max.bytes is ${this.limits.maxRequestSize})`,
        );
        this.close();
        return;
      }
      if (this.pendingBytes < 4 + size) break;
      this.dispatch(this.take(4 + size).subarray(4));
    }
    this.applyBackpressure();
  }

  private peekInt32(): number {
    const first = this.pending[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.concat(this.pending, Math.min(4, this.pendingBytes));
    return head.readInt32BE(0);
  }

  /** Removes n bytes from the pending chunks; zero-copy when they lie in one chunk. */
  private take(n: number): Buffer {
    const first = this.pending[0]!;
    this.pendingBytes -= n;
    if (first.length >= n) {
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const c = this.pending[0]!;
      const want = n - copied;
      if (c.length <= want) {
        c.copy(out, copied);
        copied += c.length;
        this.pending.shift();
      } else {
        c.copy(out, copied, 0, want);
        this.pending[0] = c.subarray(want);
        copied += want;
      }
    }
    return out;
  }

  private dispatch(frame: Buffer): void {
    const slot: Slot = { done: false, response: null };
    this.slots.push(slot);
    this.inFlight++;
    let result: Promise<Buffer[] | null> | Buffer[] | null;
    try {
      result = this.process(frame, this);
    } catch (err) {
      this.fail(slot, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => this.complete(slot, r),
        (err) => this.fail(slot, err),
      );
    } else {
      this.complete(slot, result);
    }
  }

  private fail(slot: Slot, err: unknown): void {
    log.warn(`Closing connection ${this.id} after a request failed: ${(err as Error)?.message ?? err}`);
    // The failed request gets no response, but its slot must be settled: an unsettled slot
    // (and inFlight > 0) would keep closeAfterWrites from ever ending the socket.
    slot.done = true;
    slot.response = null;
    this.inFlight--;
    this.closeAfterWrites();
  }

  private complete(slot: Slot, response: Buffer[] | null): void {
    slot.done = true;
    slot.response = response;
    this.inFlight--;
    // Responses that finish in the same burst of callbacks (appends coalesced into one writev
    // resolve together) leave in one corked write instead of one syscall each.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.scheduledFlush);
    }
  }

  private flushScheduled = false;
  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false;
    this.flushSlots();
    if (this.pendingBytes >= 4) this.drainFrames();
  };

  private flushSlots(): void {
    if (this.closed) return;
    const slots = this.slots;
    let wrote = false;
    while (this.slotHead < slots.length && slots[this.slotHead]!.done) {
      const r = slots[this.slotHead]!.response;
      slots[this.slotHead] = undefined as unknown as Slot;
      this.slotHead++;
      if (r) {
        if (!wrote) this.socket.cork();
        wrote = true;
        for (const chunk of r) this.socket.write(chunk);
      }
    }
    if (wrote) this.socket.uncork();
    if (this.slotHead > 1024 && this.slotHead * 2 > slots.length) {
      slots.splice(0, this.slotHead);
      this.slotHead = 0;
    }
    if (this.closing && this.inFlight === 0 && this.slotHead >= slots.length) {
      // Read (and discard, see onData) until the client's FIN: a paused socket never sees it,
      // and would stay half-open after our end() until the idle timeout.
      this.socket.resume();
      this.socket.end();
      return;
    }
    this.applyBackpressure();
  }

  private applyBackpressure(): void {
    if (this.closed) return;
    const overloaded =
      this.inFlight >= this.limits.maxInFlight || this.socket.writableLength > this.limits.maxQueuedResponseBytes;
    if (overloaded && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!overloaded) {
      this.maybeResume();
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closed || this.closing) return;
    if (this.inFlight < this.limits.maxInFlight && this.socket.writableLength <= this.limits.maxQueuedResponseBytes) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Stop reading, write what is queued, then close. */
  closeAfterWrites(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.socket.pause();
    this.flushSlots();
  }

  close(): void {
    if (this.closed) return;
    this.socket.destroy();
    this.teardown();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.onClose(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }
  get requestsInFlight(): number {
    return this.inFlight;
  }
}

export function normaliseHost(h: string): string {
  return h.startsWith('::ffff:') ? h.slice(7) : h;
}
