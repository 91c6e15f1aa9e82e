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
import { BufferPool } from '../../storage/buffer-pool.js';
import { FrameReader, readIntoOwnBuffers } from './frame-reader.js';

const log = new Logger('SocketServer');

const SLAB_SIZE = 1 << 20;
/** The slabs every connection's socket reads go into (see frame-reader.ts). */
export const socketSlabPool = new BufferPool({ maxBufferSize: SLAB_SIZE, maxFreeBytes: 32 * SLAB_SIZE });

/**
 * Produce frames are handed to the processor as views of the read slab (their
 * batches go to the log as they are), held until the request settles, which is
 * after the log wrote them. Every other request is small and copied out, so its
 * handler may keep any part of it, and a parked Fetch does not pin a slab.
 */
const retainsFrame = (apiKey: number) => apiKey === 0;

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
  correlationId: number;
  /** Ends the request frame's hold on the read slab, once the request has settled. */
  frameRelease: (() => void) | null;
  done: boolean;
  response: Buffer[] | null;
  /** Run once nothing of this request's response can be in use: its socket write completed, or the socket closed. */
  releases: (() => void)[] | null;
}

export class Connection implements ConnectionInfo {
  readonly id: string;
  readonly localHost: string;
  readonly localPort: number;
  readonly remote: string;
  private readonly reader: FrameReader;
  private readonly slots: Slot[] = [];
  private slotHead = 0;
  private inFlight = 0;
  private paused = false;
  private closed = false;
  /** Set when the connection should close once every queued response is written. */
  private closing = false;
  /** Slots whose response went to the socket with releases waiting for the write to complete. */
  private readonly writing = new Set<Slot>();

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
    this.reader = new FrameReader(socketSlabPool, SLAB_SIZE, limits.maxRequestSize);
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs);
    if (!readIntoOwnBuffers(socket, () => this.reader.nextReadBuffer(), (n) => this.onRead(n))) {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
    }
    socket.on('drain', () => {
      this.maybeResume();
      // Frames already read stay queued while the output is full; pick them up again.
      if (this.reader.buffered >= 4) this.drainFrames();
    });
    socket.on('timeout', () => {
      log.debug(`Closing idle connection ${this.id}`);
      this.close();
    });
    socket.on('error', (err) => log.debug(`Connection ${this.id} error: ${err.message}`));
    socket.on('close', () => {
      this.teardown();
      // The handle is closed: no write can still be reading a response's buffers.
      for (const slot of this.writing) runReleases(slot);
      this.writing.clear();
    });
  }

  private onRead(n: number): void {
    // While closing, reads only wait for the client's FIN: their bytes are dropped (not counted).
    if (this.closed || this.closing) return;
    this.reader.onRead(n);
    this.drainFrames();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.closing) return;
    this.reader.push(chunk);
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
    const reader = this.reader;
    while (
      reader.buffered >= 4 &&
      !this.closing &&
      !this.closed &&
      this.inFlight < this.limits.maxInFlight &&
      // Pausing the socket stops new reads only: requests already read must wait too while
      // the client is not reading its responses, or a pipelining client grows our memory.
      this.socket.writableLength <= this.limits.maxQueuedResponseBytes
    ) {
      const size = reader.peekSize();
      if (size < 0 || size > this.limits.maxRequestSize) {
        log.warn(
          `Closing connection ${this.id}: invalid request size ${size} ` +
            `(socket.request.max.bytes is ${this.limits.maxRequestSize})`,
        );
        this.close();
        return;
      }
      if (reader.buffered < 4 + size) break;
      const { body, release } = reader.take(size, size >= 8 && retainsFrame(reader.peekApiKey()));
      this.dispatch(body, release);
    }
    this.applyBackpressure();
  }

  private dispatch(frame: Buffer, frameRelease: (() => void) | null): void {
    const slot: Slot = {
      correlationId: frame.length >= 8 ? frame.readInt32BE(4) : -1,
      frameRelease,
      done: false,
      response: null,
      releases: null,
    };
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

  /**
   * Runs `release` once the response to request `correlationId` has been
   * written (its socket write completed), or the connection closed without
   * writing it. A request's handler calls this before returning, for buffers
   * its response refers to. Should a client reuse a correlation id while
   * requests are in flight, the latest request with that id is taken: its
   * response is written no earlier than any earlier one's.
   */
  releaseAfterResponse(correlationId: number, release: () => void): void {
    if (!this.closed) {
      for (let i = this.slots.length - 1; i >= this.slotHead; i--) {
        const slot = this.slots[i]!;
        if (slot.correlationId === correlationId) {
          (slot.releases ??= []).push(release);
          return;
        }
      }
    }
    release();
  }

  private fail(slot: Slot, err: unknown): void {
    log.warn(`Closing connection ${this.id} after a request failed: ${(err as Error)?.message ?? err}`);
    // The failed request gets no response, but its slot must be settled: an unsettled slot
    // (and inFlight > 0) would keep closeAfterWrites from ever ending the socket.
    slot.done = true;
    slot.response = null;
    settleFrame(slot);
    this.inFlight--;
    this.closeAfterWrites();
  }

  private complete(slot: Slot, response: Buffer[] | null): void {
    slot.done = true;
    slot.response = response;
    settleFrame(slot);
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
    if (this.reader.buffered >= 4) this.drainFrames();
  };

  private flushSlots(): void {
    if (this.closed) return;
    const slots = this.slots;
    let wrote = false;
    while (this.slotHead < slots.length && slots[this.slotHead]!.done) {
      const slot = slots[this.slotHead]!;
      const r = slot.response;
      slots[this.slotHead] = undefined as unknown as Slot;
      this.slotHead++;
      if (r && r.length > 0) {
        if (!wrote) this.socket.cork();
        wrote = true;
        const last = r.length - 1;
        for (let i = 0; i < last; i++) this.socket.write(r[i]!);
        if (slot.releases) {
          // Writes complete in order: the last chunk's callback means the whole response is out.
          this.writing.add(slot);
          this.socket.write(r[last]!, () => {
            if (this.writing.delete(slot)) runReleases(slot);
          });
        } else {
          this.socket.write(r[last]!);
        }
      } else {
        runReleases(slot);
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
    this.reader.close();
    // Responses never handed to the socket will not be written: their buffers are free now.
    // Those in `writing` wait for their write callbacks or for 'close'.
    for (let i = this.slotHead; i < this.slots.length; i++) runReleases(this.slots[i]!);
    this.onClose(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }
  get requestsInFlight(): number {
    return this.inFlight;
  }
}

function settleFrame(slot: Slot): void {
  const release = slot.frameRelease;
  slot.frameRelease = null;
  release?.();
}

function runReleases(slot: Slot): void {
  const releases = slot.releases;
  if (!releases) return;
  slot.releases = null;
  for (const release of releases) release();
}

export function normaliseHost(h: string): string {
  return h.startsWith('::ffff:') ? h.slice(7) : h;
}
