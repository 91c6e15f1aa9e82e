// Where a connection's socket reads land, and how they become request frames
// without a Buffer per read or a copy per request.
//
// Node's default socket reads allocate a new 64 KiB ArrayBuffer each, and a
// 65.6 KB Produce request straddles two of them, so it was copied again into
// a third; at a few thousand requests a second that churn of external memory
// kept V8 in major GCs and put the produce p99 at 10-20 ms. Here the socket
// reads straight into slabs (1 MiB, from a shared pool) at the next free
// byte, so a frame is almost always contiguous and handed on as a view.
//
// A slab is written again only when no frame handed out of it is still in
// use: every retained frame holds a reference until its release() runs (for
// a Produce request: once the log has written its batches and the response
// is built). Then the slab is rewound in place, or, when it is no longer the
// connection's current slab, returned to the pool. Frames that are not
// retained are copied out (they are small: every request but Produce), so
// that a handler may keep any part of them as long as it likes.
// A frame larger than a slab gets a buffer of its own, read into directly.

import type { Socket } from 'node:net';
import type { BufferPool } from '../../storage/buffer-pool.js';

/** Read space below which the next read goes to a fresh slab rather than the rest of this one. */
const MIN_READ = 16 * 1024;

interface Slab {
  readonly buf: Buffer;
  /** Frames handed out of this slab and not yet released. */
  refs: number;
  /** Still the reader's current slab (new bytes land here). */
  current: boolean;
  /** From the pool (else a one-off buffer for a frame larger than a slab). */
  readonly pooled: boolean;
}

export interface Frame {
  /** The request bytes after the 4-byte size. */
  body: Buffer;
  /** Ends the frame's hold on its slab (once; a second call is ignored). Null when the frame is a copy. */
  release: (() => void) | null;
}

export class FrameReader {
  private slab: Slab;
  /** Next byte of the current slab not yet taken as a frame. */
  private readPos = 0;
  /** End of the bytes read into the current slab. */
  private writePos = 0;
  private closed = false;
  /** Where reads go after close(): the slabs may be back in the pool and must not be written. */
  private scratch: Buffer | null = null;

  constructor(
    private readonly pool: BufferPool,
    private readonly slabSize: number,
    /** Larger size prefixes are never made room for (the connection refuses them; see socket.request.max.bytes). */
    private readonly maxFrameSize: number,
  ) {
    this.slab = this.newSlab(slabSize);
  }

  /** Bytes read and not yet taken. */
  get buffered(): number {
    return this.writePos - this.readPos;
  }

  /** The API key of the next frame, or -1 before its first 6 bytes have arrived. */
  peekApiKey(): number {
    return this.buffered >= 6 ? this.slab.buf.readInt16BE(this.readPos + 4) : -1;
  }

  /** The size prefix of the next frame, or -1 before 4 bytes have arrived. */
  peekSize(): number {
    return this.buffered >= 4 ? this.slab.buf.readInt32BE(this.readPos) : -1;
  }

  /**
   * Where the next socket read goes: the free space after the bytes read so
   * far, moved first (to the start of this slab if nothing of it is in use,
   * else to a fresh one) when the frame being assembled would not fit.
   */
  nextReadBuffer(): Buffer {
    if (this.closed) return (this.scratch ??= Buffer.allocUnsafe(MIN_READ));
    let slab = this.slab;
    const pending = this.writePos - this.readPos;
    if (slab.refs === 0 && pending === 0 && slab.pooled) {
      // Nothing kept and nothing half-read: start over at the beginning (cheap, keeps the slab's pages hot).
      this.readPos = this.writePos = 0;
    }
    const size = this.peekSize();
    // Room needed from readPos on: the whole frame while one is being assembled, else room for a useful read
    // after what is buffered (complete frames wait there while the connection applies backpressure).
    const need = size >= 0 && size <= this.maxFrameSize && pending < 4 + size ? 4 + size : pending + MIN_READ;
    if (this.readPos + need > slab.buf.length) {
      if (slab.pooled && slab.refs === 0 && need <= slab.buf.length) {
        slab.buf.copyWithin(0, this.readPos, this.writePos);
      } else {
        const next = this.newSlab(Math.max(need, this.slabSize));
        slab.buf.copy(next.buf, 0, this.readPos, this.writePos);
        this.retire(slab);
        this.slab = slab = next;
      }
      this.readPos = 0;
      this.writePos = pending;
    }
    return slab.buf.subarray(this.writePos);
  }

  /** `n` bytes were read into the buffer nextReadBuffer() returned last. */
  onRead(n: number): void {
    if (!this.closed) this.writePos += n;
  }

  /** Copies `chunk` in (for sockets whose reads cannot go to our buffers). */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.closed) {
      const dst = this.nextReadBuffer();
      const n = chunk.copy(dst, 0, at);
      this.onRead(n);
      at += n;
    }
  }

  /**
   * Takes the next frame (its 4 + size bytes must be buffered). A retained
   * frame is a view into the slab, held until release(); otherwise a copy.
   */
  take(size: number, retain: boolean): Frame {
    const slab = this.slab;
    const start = this.readPos + 4;
    const end = start + size;
    this.readPos = end;
    if (!retain) {
      const body = Buffer.allocUnsafe(size);
      slab.buf.copy(body, 0, start, end);
      return { body, release: null };
    }
    slab.refs++;
    let released = false;
    return {
      body: slab.buf.subarray(start, end),
      release: () => {
        if (released) return;
        released = true;
        if (--slab.refs === 0 && !slab.current) this.giveBack(slab);
      },
    };
  }

  /** The connection is gone: unread bytes are dropped; slabs go back to the pool once their frames are released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readPos = this.writePos = 0;
    this.retire(this.slab);
  }

  private newSlab(size: number): Slab {
    if (size <= this.slabSize) return { buf: this.pool.acquire(this.slabSize), refs: 0, current: true, pooled: true };
    return { buf: Buffer.allocUnsafeSlow(size), refs: 0, current: true, pooled: false };
  }

  private retire(slab: Slab): void {
    slab.current = false;
    if (slab.refs === 0) this.giveBack(slab);
  }

  private giveBack(slab: Slab): void {
    if (slab.pooled) this.pool.release(slab.buf);
  }
}

/**
 * Makes `socket` read into the buffers `next` supplies, calling `onRead`
 * with the byte count after each read: what `net.Socket`'s `onread` option
 * does, which Node offers only to sockets it connects, not to accepted ones.
 * It relies on that option's internals in Node 20 (the socket's kBuffer,
 * kBufferGen and kBufferCb slots and the handle's useUserBuffer) and returns
 * false, changing nothing, where they are not found or data was already read
 * the ordinary way; the caller then reads 'data' events.
 */
export function readIntoOwnBuffers(socket: Socket, next: () => Buffer, onRead: (n: number) => void): boolean {
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void } })._handle;
  const slots = Object.getOwnPropertySymbols(socket);
  const kBuffer = slots.find((s) => s.description === 'kBuffer');
  const kBufferGen = slots.find((s) => s.description === 'kBufferGen');
  const kBufferCb = slots.find((s) => s.description === 'kBufferCb');
  if (!handle || typeof handle.useUserBuffer !== 'function' || !kBuffer || !kBufferGen || !kBufferCb) return false;
  const own = socket as unknown as Record<symbol, unknown>;
  if (own[kBuffer] || socket.readableLength > 0 || socket.destroyed) return false;
  const first = next();
  own[kBuffer] = first;
  own[kBufferGen] = next;
  own[kBufferCb] = (n: number) => {
    onRead(n);
  };
  handle.useUserBuffer(first);
  return true;
}
