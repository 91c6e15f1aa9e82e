// One TCP connection to one broker: request framing, correlation ids,
// pipelining up to max.in.flight.requests.per.connection, ApiVersions
// negotiation (each API then speaks the highest version both sides know),
// request deadlines on the shared coarse timer, write backpressure, and a
// close that leaves no socket or timer behind.
//
// Kafka answers the requests of one connection in order, so requests in
// flight are a FIFO: a response must carry the correlation id of the oldest
// one. A request that times out closes the connection (its response could
// still arrive and nothing after it could be matched otherwise), failing the
// others with a retriable NETWORK_EXCEPTION — Kafka's Java client does the same.
//
// Bodies are encoded when they go on the wire, not when queued, because the
// version is only known once ApiVersions has been answered.
//
// Responses are read with `onread`: into a per-connection scratch buffer, and
// a frame too large for it (a Fetch answer of megabytes) straight into a
// buffer of its own size once its length is known, so it is never copied
// together from socket chunks. Frames that fit the scratch buffer are copied
// out of it before decoding (decoded fields are views into their frame).

import net from 'node:net';
import { APIS, encodeRequestFrame } from '../protocol/apis.js';
import { decodeResponseHeader, responseHeaderIsFlexible, API_VERSIONS_KEY } from '../protocol/header.js';
import { Reader } from '../protocol/primitives.js';
import { ErrorCode } from '../protocol/errors.js';
import { RingQueue } from './ring-queue.js';
import { addDeadline, cancelDeadline, Deadline } from './timeouts.js';
import { ClientClosedError, ConnectionError, KafkaError, RequestTimeoutError, UnsupportedVersionError } from './errors.js';

/**
 * The newest version this client uses per API when the definitions know more:
 * Fetch v13+ addresses topics by id, which the consumer does not track yet.
 */
/** The scratch buffer responses are read into (Node reads 64 KiB at a time by default). */
const READ_BUFFER_SIZE = 65536;

export const CLIENT_MAX_VERSION: ReadonlyMap<number, number> = new Map([[1, 12]]);

export const CLIENT_SOFTWARE_NAME = 'samsa-js';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

export interface ConnectionOptions {
  host: string;
  port: number;
  /** The broker's node id, or a negative number for a bootstrap address. */
  nodeId: number;
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxInFlight: number;
}

export interface RequestOptions {
  /** A specific version instead of the highest common one. */
  version?: number;
  /** Produce with acks=0: no response comes; resolves once written. */
  expectResponse?: boolean;
  /** Deadline for this request (default request.timeout.ms), e.g. plus a fetch's max wait. */
  timeoutMs?: number;
}

interface Pending {
  apiKey: number;
  body: unknown;
  version: number;
  correlationId: number;
  expectResponse: boolean;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  deadline: Deadline | null;
  /** ApiVersions during negotiation: its own fallback rule for the body shape. */
  negotiation?: boolean;
}

type State = 'connecting' | 'negotiating' | 'ready' | 'closed';

export class BrokerConnection {
  private socket: net.Socket | null = null;
  private state: State = 'connecting';
  private readonly queued = new RingQueue<Pending>();
  private readonly inFlight = new RingQueue<Pending>();
  private nextCorrelationId = 1;
  private writable = true;
  private versions = new Map<number, { min: number; max: number }>();
  /** Where reads land while no large frame is being filled; `carry` bytes at its start are left from the last read. */
  private readonly scratch = Buffer.allocUnsafe(READ_BUFFER_SIZE);
  private carry = 0;
  /** The body of a frame too large for the scratch buffer, read in place; `frameFilled` bytes are in. */
  private frame: Buffer | null = null;
  private frameFilled = 0;
  private closeError: Error | null = null;
  private readonly closeListeners: ((err: Error | null) => void)[] = [];
  readonly ready: Promise<void>;
  readonly address: string;

  constructor(readonly opts: ConnectionOptions) {
    this.address = `${opts.host}:${opts.port}`;
    this.ready = this.open().catch((err: Error) => {
      this.fail(err);
      throw err;
    });
    this.ready.catch(() => {}); // observed through request() and onClose
  }

  get nodeId(): number {
    return this.opts.nodeId;
  }
  get isClosed(): boolean {
    return this.state === 'closed';
  }
  get isReady(): boolean {
    return this.state === 'ready';
  }
  /** Requests written and awaiting an answer. */
  get inFlightCount(): number {
    return this.inFlight.length;
  }
  /** Requests accepted but not yet written. */
  get queuedCount(): number {
    return this.queued.length;
  }
  /** True when another request would be written now rather than queued. */
  get hasCapacity(): boolean {
    return this.state === 'ready' && this.writable && this.inFlight.length < this.opts.maxInFlight && this.queued.length === 0;
  }

  onClose(listener: (err: Error | null) => void): void {
    if (this.state === 'closed') queueMicrotask(() => listener(this.closeError));
    else this.closeListeners.push(listener);
  }

  /** The highest version of `apiKey` both sides speak; throws UnsupportedVersionError when there is none. */
  versionFor(apiKey: number): number {
    const api = APIS.get(apiKey);
    if (!api) throw new UnsupportedVersionError(`no definition for API key ${apiKey}`);
    const theirs = this.versions.get(apiKey);
    if (!theirs) throw new UnsupportedVersionError(`broker ${this.address} does not support ${api.def.name}`);
    const ourMax = Math.min(api.request.maxVersion, CLIENT_MAX_VERSION.get(apiKey) ?? Infinity);
    const v = Math.min(ourMax, theirs.max);
    if (v < Math.max(api.request.minVersion, theirs.min)) {
      throw new UnsupportedVersionError(
        `broker ${this.address} supports ${api.def.name} v${theirs.min}-${theirs.max}, this client v${api.request.minVersion}-${ourMax}`,
      );
    }
    return v;
  }

  /** The broker's version range for an API, once negotiated. */
  brokerVersions(apiKey: number): { min: number; max: number } | undefined {
    return this.versions.get(apiKey);
  }

  /** Sends a request (queued until the connection is ready and has an in-flight slot). */
  request<T = any>(apiKey: number, body: unknown, opts: RequestOptions = {}): Promise<T> {
    if (this.state === 'closed') return Promise.reject(this.closeError ?? new ClientClosedError('connection'));
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        apiKey,
        body,
        version: opts.version ?? -1,
        correlationId: 0,
        expectResponse: opts.expectResponse ?? true,
        resolve,
        reject,
        deadline: null,
      };
      const timeout = opts.timeoutMs ?? this.opts.requestTimeoutMs;
      p.deadline = addDeadline(timeout, () => this.onTimeout(p, timeout));
      this.queued.push(p);
      if (this.state === 'ready') this.flush();
    });
  }

  /** Closes the socket now; whatever is outstanding fails with ClientClosedError. */
  close(): void {
    this.fail(new ClientClosedError('connection'), true);
  }

  // ---------------------------------------------------------------- internals

  private async open(): Promise<void> {
    const { host, port } = this.opts;
    const socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: () => this.readTarget(), callback: (n: number) => this.onRead(n) },
    });
    this.socket = socket;
    socket.on('drain', () => {
      this.writable = true;
      this.flush();
    });
    socket.on('error', (err) => this.fail(new ConnectionError(`connection to ${this.address} failed: ${err.message}`, this.address)));
    socket.on('close', () => this.fail(new ConnectionError(`connection to ${this.address} closed`, this.address)));
    await new Promise<void>((resolve, reject) => {
      const d = addDeadline(this.opts.connectTimeoutMs, () => {
        const err = new ConnectionError(`connection to ${this.address} timed out after ${this.opts.connectTimeoutMs} ms`, this.address);
        this.fail(err);
        reject(err);
      });
      socket.once('connect', () => {
        cancelDeadline(d);
        resolve();
      });
      this.closeListeners.push((err) => {
        cancelDeadline(d);
        reject(err ?? new ClientClosedError('connection'));
      });
    });
    this.state = 'negotiating';
    await this.negotiate();
    if (this.state !== 'negotiating') throw this.closeError ?? new ClientClosedError('connection');
    this.state = 'ready';
    this.flush();
  }

  /** ApiVersions at our newest version; on UNSUPPORTED_VERSION, again at the newest the broker names (KIP-511). */
  private async negotiate(): Promise<void> {
    const codec = APIS.get(API_VERSIONS_KEY)!.request;
    let version = codec.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await this.sendNow<any>(API_VERSIONS_KEY, version, {
        clientSoftwareName: CLIENT_SOFTWARE_NAME,
        clientSoftwareVersion: CLIENT_SOFTWARE_VERSION,
      });
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const theirs = (res.apiKeys as any[]).find((k) => k.apiKey === API_VERSIONS_KEY);
        version = Math.min(version - 1, theirs ? theirs.maxVersion : 0);
        if (version < 0) break;
        continue;
      }
      if (res.errorCode !== 0) throw new KafkaError(res.errorCode, `ApiVersions to ${this.address} failed`);
      for (const k of res.apiKeys as any[]) this.versions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
      return;
    }
    throw new UnsupportedVersionError(`broker ${this.address} accepts no ApiVersions version this client speaks`);
  }

  /** Writes one request immediately (negotiation), bypassing the queue. */
  private sendNow<T>(apiKey: number, version: number, body: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { apiKey, body, version, correlationId: 0, expectResponse: true, resolve, reject, deadline: null, negotiation: true };
      const timeout = this.opts.requestTimeoutMs;
      p.deadline = addDeadline(timeout, () => this.onTimeout(p, timeout));
      this.socket!.cork();
      this.write(p);
      this.socket!.uncork();
    });
  }

  private flush(): void {
    if (this.state !== 'ready' || !this.socket) return;
    let corked = false;
    while (this.queued.length > 0 && this.writable && this.inFlight.length < this.opts.maxInFlight) {
      const p = this.queued.shift()!;
      if (p.version < 0) {
        try {
          p.version = this.versionFor(p.apiKey);
        } catch (err) {
          cancelDeadline(p.deadline);
          p.reject(err as Error);
          continue;
        }
      }
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      this.write(p);
    }
    if (corked) this.socket.uncork();
  }

  private write(p: Pending): void {
    let chunks: Buffer[];
    try {
      p.correlationId = this.nextCorrelationId;
      this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff || 1;
      chunks = encodeRequestFrame({ apiKey: p.apiKey, apiVersion: p.version, correlationId: p.correlationId, clientId: this.opts.clientId }, p.body);
    } catch (err) {
      cancelDeadline(p.deadline);
      p.reject(err as Error);
      return;
    }
    const socket = this.socket!;
    let ok = true;
    if (p.expectResponse) {
      this.inFlight.push(p);
      for (const c of chunks) ok = socket.write(c);
    } else {
      for (let i = 0; i < chunks.length - 1; i++) socket.write(chunks[i]!);
      ok = socket.write(chunks[chunks.length - 1]!, (err) => {
        cancelDeadline(p.deadline);
        if (err) p.reject(new ConnectionError(`write to ${this.address} failed: ${err.message}`, this.address));
        else p.resolve(undefined);
      });
    }
    if (!ok) this.writable = false;
  }

  /** Where the next read goes: the rest of the large frame being filled, else the scratch buffer after the carried bytes. */
  private readTarget(): Uint8Array {
    if (this.frame !== null) return this.frame.subarray(this.frameFilled);
    return this.scratch.subarray(this.carry);
  }

  /** A read of `n` bytes into readTarget(); true: keep reading. */
  private onRead(n: number): boolean {
    this.take(n);
    return true;
  }

  private take(n: number): void {
    if (this.state === 'closed' || n <= 0) return;
    if (this.frame !== null) {
      this.frameFilled += n;
      if (this.frameFilled < this.frame.length) return;
      const frame = this.frame;
      this.frame = null;
      this.frameFilled = 0;
      this.onFrame(frame);
      return;
    }
    const buf = this.scratch;
    const end = this.carry + n;
    let at = 0;
    this.carry = 0;
    while (end - at >= 4) {
      const size = buf.readInt32BE(at);
      if (size < 4) {
        this.fail(new ConnectionError(`invalid response size ${size} from ${this.address}`, this.address));
        return;
      }
      const have = end - at - 4;
      if (have >= size) {
        const body = Buffer.allocUnsafe(size);
        buf.copy(body, 0, at + 4, at + 4 + size);
        at += 4 + size;
        this.onFrame(body);
        if ((this.state as State) === 'closed') return;
        continue;
      }
      if (4 + size <= buf.length) break; // the rest comes into the scratch buffer behind it
      this.frame = Buffer.allocUnsafe(size);
      buf.copy(this.frame, 0, at + 4, end);
      this.frameFilled = have;
      return;
    }
    if (at < end) buf.copyWithin(0, at, end);
    this.carry = end - at;
  }

  private onFrame(frame: Buffer): void {
    const p = this.inFlight.shift();
    const correlationId = frame.readInt32BE(0);
    if (!p || p.correlationId !== correlationId) {
      if (p) this.inFlight.unshift(p);
      this.fail(new ConnectionError(`unexpected correlation id ${correlationId} from ${this.address}${p ? ` (expected ${p.correlationId})` : ''}`, this.address));
      return;
    }
    cancelDeadline(p.deadline);
    let body: unknown;
    try {
      const codec = APIS.get(p.apiKey)!.response;
      let vc = codec.forVersion(p.version);
      const r = new Reader(frame);
      decodeResponseHeader(r, responseHeaderIsFlexible(p.apiKey, vc.flexible));
      // A broker that does not speak our ApiVersions version answers in the v0 shape (KIP-511).
      if (p.apiKey === API_VERSIONS_KEY && r.remaining >= 2 && frame.readInt16BE(r.offset) === ErrorCode.UNSUPPORTED_VERSION) vc = codec.forVersion(0);
      body = vc.decode(r);
    } catch (err) {
      p.reject(new ConnectionError(`cannot decode ${APIS.get(p.apiKey)!.def.name} v${p.version} response from ${this.address}: ${(err as Error).message}`, this.address));
      this.fail(new ConnectionError(`undecodable response from ${this.address}`, this.address));
      return;
    }
    p.resolve(body);
    if (this.queued.length > 0) this.flush();
  }

  private onTimeout(p: Pending, ms: number): void {
    p.deadline = null;
    const name = APIS.get(p.apiKey)?.def.name ?? `api ${p.apiKey}`;
    const err = new RequestTimeoutError(`${name} request to ${this.address} got no response within ${ms} ms`);
    // Queued and never written: drop it alone. Written: the connection cannot continue.
    if (this.removeQueued(p)) {
      p.reject(err);
      return;
    }
    p.reject(err);
    p.reject = () => {};
    this.fail(new ConnectionError(`connection to ${this.address} closed after a request timed out`, this.address));
  }

  private removeQueued(p: Pending): boolean {
    const n = this.queued.length;
    let found = false;
    for (let i = 0; i < n; i++) {
      const q = this.queued.shift()!;
      if (q === p) found = true;
      else this.queued.push(q);
    }
    return found;
  }

  private fail(err: Error, byUs = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeError = err;
    const socket = this.socket;
    if (socket && !socket.destroyed) socket.destroy();
    for (const q of [this.inFlight, this.queued]) {
      for (let p = q.shift(); p; p = q.shift()) {
        cancelDeadline(p.deadline);
        p.reject(err);
      }
    }
    this.frame = null;
    this.frameFilled = 0;
    this.carry = 0;
    for (const l of this.closeListeners.splice(0)) l(byUs ? null : err);
  }
}
