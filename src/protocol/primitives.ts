// Kafka wire primitives: a bounds-checked cursor for decoding and a growable
// writer for encoding. Every length read from the wire is checked against the
// bytes that remain before anything is allocated, so a hostile length prefix
// costs nothing. Byte fields decode to subarray views (no copies); large
// Buffers written with `writeExternal` are passed through by reference so a
// fetch response can hand page-cache slices to the socket without copying.

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const TWO_32 = 4294967296;

/** Cursor over one request or response body. Throws ProtocolError on malformed input. */
export class Reader {
  offset: number;
  readonly end: number;
  constructor(readonly buf: Buffer, offset = 0, end = buf.length) {
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) {
      throw new ProtocolError(`truncated: need ${n} bytes at offset ${at}, have ${this.end - at}`);
    }
    this.offset = at + n;
    return at;
  }

  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  /** int64 as a JS number: exact within ±2^53, which covers offsets, timestamps and ids in practice. */
  int64(): number {
    const at = this.need(8);
    return this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }

  /** Unsigned LEB128 varint (compact lengths, tag numbers). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varint');
      const b = this.buf[this.offset++]!;
      if (shift < 28) result |= (b & 0x7f) << shift;
      else result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new ProtocolError('varint too long');
    }
  }
  /** Zigzag varint (int32 range). */
  varint(): number {
    const v = this.uvarint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
  /** Zigzag varlong, as a JS number. */
  varlong(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varlong');
      if (i >= 10) throw new ProtocolError('varlong too long');
      const b = this.buf[this.offset++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
    }
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }

  uuid(): string {
    const at = this.need(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  private checkedLength(n: number, what: string): number {
    if (n > this.end - this.offset) {
      throw new ProtocolError(`${what} length ${n} exceeds the ${this.end - this.offset} bytes left`);
    }
    return n;
  }

  /** Length of a string/bytes field: -1 means null. */
  length(compact: boolean, what: string): number {
    const n = compact ? this.uvarint() - 1 : what === 'string' ? this.int16() : this.int32();
    if (n < -1) throw new ProtocolError(`negative ${what} length ${n}`);
    return n < 0 ? -1 : this.checkedLength(n, what);
  }

  /** Array element count: -1 means null. Each element takes at least `minElementSize` bytes. */
  arrayLength(compact: boolean, minElementSize = 1): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1) throw new ProtocolError(`negative array length ${n}`);
    if (n > 0 && n * minElementSize > this.end - this.offset) {
      throw new ProtocolError(`array length ${n} exceeds the ${this.end - this.offset} bytes left`);
    }
    return n;
  }

  string(compact: boolean): string | null {
    const n = this.length(compact, 'string');
    if (n < 0) return null;
    const at = this.need(n);
    return this.buf.toString('utf8', at, at + n);
  }

  bytes(compact: boolean): Buffer | null {
    const n = this.length(compact, 'bytes');
    if (n < 0) return null;
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  raw(n: number): Buffer {
    const at = this.need(this.checkedLength(n, 'raw'));
    return this.buf.subarray(at, at + n);
  }

  skip(n: number): void {
    this.need(this.checkedLength(n, 'skip'));
  }
}

/** Buffers at least this large are passed through by reference instead of copied. */
const EXTERNAL_THRESHOLD = 1024;

/**
 * Growable writer. `finish()` returns the encoded bytes as a list of chunks:
 * the writer's own buffer(s) interleaved with external Buffers written by
 * reference, ready for a corked socket write.
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  private chunkStart = 0;
  private readonly chunks: Buffer[] = [];
  private externalBytes = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.pos - this.chunkStart + this.externalBytes + this.flushedOwnBytes;
  }
  private flushedOwnBytes = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Keep what was written so far as a chunk; continue in a fresh buffer.
    if (this.pos > this.chunkStart) {
      this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.flushedOwnBytes += this.pos - this.chunkStart;
    }
    this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    this.pos = 0;
    this.chunkStart = 0;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }
  int8(v: number): this {
    this.ensure(1);
    this.pos = this.buf.writeInt8(v, this.pos);
    return this;
  }
  int16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v | 0, this.pos);
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v >>> 0, this.pos);
    return this;
  }
  int64(v: number | bigint): this {
    this.ensure(8);
    writeInt64(this.buf, this.pos, v);
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
    return this;
  }
  uvarint(v: number): this {
    this.ensure(10);
    this.pos = writeUVarint(this.buf, this.pos, v);
    return this;
  }
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  varlong(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  uuid(v: string | null | undefined): this {
    this.ensure(16);
    if (!v) {
      this.buf.fill(0, this.pos, this.pos + 16);
    } else {
      const n = this.buf.write(v, this.pos, 16, 'base64url');
      if (n !== 16) throw new ProtocolError(`invalid uuid ${v}`);
    }
    this.pos += 16;
    return this;
  }

  length32OrCompact(n: number, compact: boolean, int16Length: boolean): this {
    if (compact) return this.uvarint(n + 1);
    return int16Length ? this.int16(n) : this.int32(n);
  }

  string(v: string | null | undefined, compact: boolean): this {
    if (v == null) return this.length32OrCompact(-1, compact, true);
    const n = Buffer.byteLength(v, 'utf8');
    this.length32OrCompact(n, compact, true);
    this.ensure(n);
    this.pos += this.buf.write(v, this.pos, n, 'utf8');
    return this;
  }

  bytes(v: Buffer | Uint8Array | null | undefined, compact: boolean): this {
    if (v == null) return this.length32OrCompact(-1, compact, false);
    this.length32OrCompact(v.length, compact, false);
    return this.raw(v);
  }

  /** Records field: one Buffer, or several slices that go on the wire back to back. */
  records(v: Buffer | readonly Buffer[] | null | undefined, compact: boolean): this {
    if (v == null) return this.length32OrCompact(-1, compact, false);
    if (Buffer.isBuffer(v)) {
      this.length32OrCompact(v.length, compact, false);
      return this.raw(v);
    }
    let total = 0;
    for (const b of v) total += b.length;
    this.length32OrCompact(total, compact, false);
    for (const b of v) this.raw(b);
    return this;
  }

  /** Raw bytes; large ones are kept by reference rather than copied. */
  raw(v: Buffer | Uint8Array): this {
    if (v.length >= EXTERNAL_THRESHOLD) {
      if (this.pos > this.chunkStart) {
        this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
        this.flushedOwnBytes += this.pos - this.chunkStart;
        this.chunkStart = this.pos;
      }
      this.chunks.push(Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length));
      this.externalBytes += v.length;
      return this;
    }
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** Reserve 4 bytes for a length written later with `patchInt32`; returns a handle. */
  reserveInt32(): { buf: Buffer; at: number } {
    this.ensure(4);
    const handle = { buf: this.buf, at: this.pos };
    this.pos += 4;
    return handle;
  }

  finish(): Buffer[] {
    if (this.pos > this.chunkStart) {
      this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.flushedOwnBytes += this.pos - this.chunkStart;
      this.chunkStart = this.pos;
    }
    return this.chunks;
  }

  /** Convenience: everything as one contiguous Buffer (copies external chunks). */
  toBuffer(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}

export function writeInt64(buf: Buffer, at: number, v: number | bigint): void {
  if (typeof v === 'bigint') {
    buf.writeBigInt64BE(BigInt.asIntN(64, v), at);
    return;
  }
  if (v >= -2147483648 && v <= 2147483647 && Number.isInteger(v)) {
    buf.writeInt32BE(v < 0 ? -1 : 0, at);
    buf.writeInt32BE(v, at + 4);
    return;
  }
  if (v >= 9223372036854775807) {
    buf.writeBigInt64BE(9223372036854775807n, at);
    return;
  }
  if (v <= -9223372036854775808) {
    buf.writeBigInt64BE(-9223372036854775808n, at);
    return;
  }
  v = Math.trunc(v);
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(lo, at + 4);
}

export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

export function writeUVarint(buf: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function varintSize(v: number): number {
  return uvarintSize(v >= 0 ? v * 2 : -v * 2 - 1);
}
