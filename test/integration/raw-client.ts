// A minimal request/response client over our own protocol definitions, for
// tests that need exact control of what goes on the wire (durability checks,
// bad input). Compatibility itself is proven with third-party clients.

import net from 'node:net';
import { APIS, encodeRequestFrame } from '../../src/protocol/apis.js';
import { decodeResponseHeader, responseHeaderIsFlexible } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/primitives.js';

export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, { apiKey: number; version: number; resolve: (v: any) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closedError: Error | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    const fail = (err: Error) => {
      this.closedError = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => {
        s.off('error', reject);
        resolve(new RawClient(s));
      });
      s.once('error', reject);
    });
  }

  /** Encodes a request with our definitions; resolves with the decoded response body. */
  request<T = any>(apiKey: number, version: number, body: unknown, opts: { expectResponse?: boolean } = {}): Promise<T> {
    const correlationId = this.nextId++;
    const chunks = encodeRequestFrame({ apiKey, apiVersion: version, correlationId, clientId: 'samsa-test' }, body);
    if (this.closedError) return Promise.reject(this.closedError);
    for (const c of chunks) this.socket.write(c);
    if (opts.expectResponse === false) return Promise.resolve(undefined as T);
    return new Promise((resolve, reject) => this.waiting.set(correlationId, { apiKey, version, resolve, reject }));
  }

  /** Sends raw bytes as they are. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 4) {
      const size = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + size) return;
      const frame = this.buf.subarray(4, 4 + size);
      this.buf = this.buf.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const w = this.waiting.get(correlationId);
      if (!w) continue;
      this.waiting.delete(correlationId);
      try {
        const codec = APIS.get(w.apiKey)!.response.forVersion(w.version);
        const r = new Reader(frame);
        decodeResponseHeader(r, responseHeaderIsFlexible(w.apiKey, codec.flexible));
        w.resolve(codec.decode(r));
      } catch (err) {
        w.reject(err as Error);
      }
    }
  }

  /** Resolves when the broker closes the connection. */
  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }
}
