// Bad input against one broker process: garbage, truncated and oversized
// frames, lying array counts, unknown APIs and versions, idle and
// never-reading clients, a thousand connections at once, and produce/create
// requests Kafka refuses with specific error codes. After every case (and
// during it, where the bad connection stays open) a second, well-behaved
// client must be served normally, and the broker process must still be up.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startBrokerProcess, type BrokerProcess } from './harness.js';
import { RawClient } from './raw-client.js';
import { createTopic, fetchOnce, waitFor, wellBehavedRoundTrip } from './roundtrip.js';
import { APIS, encodeRequestFrame } from '../../src/protocol/apis.js';
import { Reader, Writer } from '../../src/protocol/primitives.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/protocol/records/batch.js';

const MAX_REQUEST = 1024 * 1024;
const IDLE_MS = 8000;
/** How long the broker may take to close a connection it should close at once: well below IDLE_MS,
 * so that a connection left open by mistake is not closed by the idle timeout in time to pass. */
const PROMPT_CLOSE_MS = 5000;
const HEALTHY = 'healthy';

let broker: BrokerProcess;

before(async () => {
  broker = await startBrokerProcess({
    overrides: { 'socket.request.max.bytes': String(MAX_REQUEST), 'connections.max.idle.ms': String(IDLE_MS) },
  });
  const c = await RawClient.connect(broker.port);
  await createTopic(c, HEALTHY, 1);
  c.close();
});

after(async () => {
  await broker?.destroy();
});

/** The broker process is running and a well-behaved client gets its full round trip. */
async function assertServing(): Promise<void> {
  assert.equal(broker.proc.exitCode, null, `broker exited:\n${broker.output()}`);
  assert.equal(broker.proc.signalCode, null, `broker was killed:\n${broker.output()}`);
  await wellBehavedRoundTrip(broker.port, HEALTHY);
}

// ---------------------------------------------------------------- a socket we fully control

/** A raw socket that records what the broker sends back and when it closes. */
class Probe {
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private readonly received: Buffer[] = [];
  /** Correlation ids of every response frame, in arrival order. */
  readonly correlationIds: number[] = [];
  /** performance.now() at the arrival of each response frame. */
  readonly arrivals: number[] = [];
  private consumed = 0;
  closedByPeer = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket, private readonly keepFrames: boolean) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => undefined);
    socket.on('end', () => (this.closedByPeer = true));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** With keepFrames false only correlation ids are kept (for clients that receive gigabytes). */
  static connect(port: number, keepFrames = true): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', reject);
        resolve(new Probe(s, keepFrames));
      });
      s.once('error', reject);
    });
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.chunkBytes += d.length;
    for (;;) {
      if (this.chunkBytes < 4) return;
      if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
      const n = this.chunks[0]!.readInt32BE(0);
      if (this.chunkBytes < 4 + n) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const frame = all.subarray(4, 4 + n);
      this.correlationIds.push(frame.readInt32BE(0));
      this.arrivals.push(performance.now());
      if (this.keepFrames) this.received.push(Buffer.from(frame));
      const rest = all.subarray(4 + n);
      this.chunks = rest.length ? [rest] : [];
      this.chunkBytes = rest.length;
    }
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  /** Complete response frames received so far (without their size prefix). */
  frames(): Buffer[] {
    return this.received;
  }

  /** The next response frame not returned before. */
  async next(timeoutMs = 10000): Promise<Buffer> {
    const f = await waitFor('a response frame', () => this.frames()[this.consumed], timeoutMs);
    this.consumed++;
    return f;
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  async waitClosed(what: string, timeoutMs = PROMPT_CLOSE_MS): Promise<void> {
    let timer!: NodeJS.Timeout;
    await Promise.race([
      this.closed,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: connection still open after ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A complete request frame (size prefix included) encoded with our definitions. */
function encodeRequest(apiKey: number, version: number, correlationId: number, body: unknown): Buffer {
  return Buffer.concat(encodeRequestFrame({ apiKey, apiVersion: version, correlationId, clientId: 'bad-input' }, body));
}

/** A frame from a hand-written header (request header v1, or v2 when `flexible`) and body bytes. */
function handFrame(apiKey: number, version: number, correlationId: number, body: Buffer, flexible = false): Buffer {
  const w = new Writer(64);
  w.int16(apiKey).int16(version).int32(correlationId).string('bad-input', false);
  if (flexible) w.uvarint(0);
  const header = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return Buffer.concat([size, header, body]);
}

function sizePrefix(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

const API_VERSIONS_V0 = (corr: number) => encodeRequest(18, 0, corr, {});

function decodeApiVersionsV0(frame: Buffer, correlationId: number) {
  const r = new Reader(frame);
  assert.equal(r.int32(), correlationId);
  const body = APIS.get(18)!.response.forVersion(0).decode(r);
  assert.equal(r.remaining, 0, 'an ApiVersions v0 response has nothing after its API table');
  return body as { errorCode: number; apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[] };
}

/** xorshift32: deterministic bytes for "garbage". */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function randomBytes(next: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

function brokerRssBytes(): number {
  const status = readFileSync(`/proc/${broker.proc.pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  assert.ok(m, 'VmRSS not found');
  return Number(m[1]) * 1024;
}

async function waitForLog(re: RegExp, what: string): Promise<void> {
  await waitFor(`broker log line: ${what}`, () => re.test(broker.output()), 10000);
}

// ---------------------------------------------------------------- framing

test('garbage bytes: a nonsense size prefix closes the connection with a log line', async () => {
  const next = prng(0x5eed);
  const p = await Probe.connect(broker.port);
  // 0x9e... as the first byte makes the size prefix negative.
  const garbage = Buffer.concat([Buffer.from([0x9e, 0x37, 0x79, 0xb9]), randomBytes(next, 64 * 1024)]);
  p.write(garbage);
  await p.waitClosed('garbage');
  assert.equal(p.frames().length, 0);
  await waitForLog(/invalid request size -1640531527/, 'negative size from garbage');
  await assertServing();
});

test('garbage bytes inside well-formed frames: each is answered or its connection closed; the broker stays up', async () => {
  const next = prng(42);
  const probes: Probe[] = [];
  for (let c = 0; c < 20; c++) {
    const p = await Probe.connect(broker.port);
    probes.push(p);
    const frames: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const body = randomBytes(next, 8 + (next() % 300));
      frames.push(sizePrefix(body.length), body);
    }
    p.write(Buffer.concat(frames));
  }
  // While those are being handled, a good client is served.
  await assertServing();
  for (const p of probes) {
    // Every connection ends up either answered for all 20 frames, or closed by the broker.
    await waitFor('garbage frames answered or connection closed', () => p.isClosed || p.frames().length === 20, PROMPT_CLOSE_MS);
    p.destroy();
  }
  await assertServing();
});

test('a truncated request (size says N, fewer bytes, then close) is dropped quietly', async () => {
  const p = await Probe.connect(broker.port);
  const full = encodeRequest(3, 9, 1, { topics: [{ name: HEALTHY }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const padded = Buffer.concat([sizePrefix(1000), full.subarray(4), Buffer.alloc(1000 - (full.length - 4) - 500)]);
  p.write(padded);
  // Half a request sits in the broker while a good client is served.
  await assertServing();
  p.socket.end();
  await p.waitClosed('truncated request');
  assert.equal(p.frames().length, 0);
  await assertServing();
});

test('a size prefix above socket.request.max.bytes closes the connection before anything is allocated', async () => {
  const before = brokerRssBytes();
  const p = await Probe.connect(broker.port);
  p.write(sizePrefix(MAX_REQUEST + 1));
  await p.waitClosed('oversized frame');
  assert.equal(p.frames().length, 0);
  await waitForLog(new RegExp(`invalid request size ${MAX_REQUEST + 1} \\(socket.request.max.bytes is ${MAX_REQUEST}\\)`), 'oversized frame');

  const q = await Probe.connect(broker.port);
  q.write(sizePrefix(0x7fffffff));
  q.write(Buffer.alloc(64 * 1024, 1));
  await q.waitClosed('2 GiB frame');
  await waitForLog(/invalid request size 2147483647/, '2 GiB frame');
  // Nothing close to the announced 2 GiB was allocated.
  assert.ok(brokerRssBytes() - before < 64 * 1024 * 1024, `broker RSS grew from ${before} to ${brokerRssBytes()}`);

  // A frame of exactly the limit is read (and answered).
  const ok = await Probe.connect(broker.port);
  const av = API_VERSIONS_V0(5);
  const exact = Buffer.alloc(4 + MAX_REQUEST);
  av.copy(exact);
  exact.writeInt32BE(MAX_REQUEST, 0);
  ok.write(exact);
  const res = decodeApiVersionsV0(await ok.next(), 5);
  assert.equal(res.errorCode, 0);
  ok.destroy();
  await assertServing();
});

test('a negative size prefix closes the connection with a log line', async () => {
  const p = await Probe.connect(broker.port);
  p.write(sizePrefix(-5));
  await p.waitClosed('negative size');
  await waitForLog(/invalid request size -5 /, 'negative size');
  await assertServing();
});

test('array counts and lengths larger than the bytes left: decode error, connection closed with a log line', async () => {
  const cases: [string, Buffer][] = [
    // Metadata v1: topics array of 2^31-1 elements, no bytes after it.
    ['int32 array count', handFrame(3, 1, 11, sizePrefix(0x7fffffff))],
    // Metadata v1: one topic whose name says 30000 bytes, 5 present.
    ['string length', handFrame(3, 1, 12, Buffer.concat([sizePrefix(1), Buffer.from([0x75, 0x30]), Buffer.from('short')]))],
    // Metadata v9 (flexible): compact array count 2^28 as a varint.
    ['compact array count', handFrame(3, 9, 13, Buffer.from([0x81, 0x80, 0x80, 0x80, 0x01, 0x00, 0x00]), true)],
    // Produce v9: one topic, one partition, records length 1 MiB with 10 bytes present.
    [
      'compact bytes length',
      handFrame(0, 9, 14, Buffer.concat([Buffer.from([0x00, 0x00, 0x01, 0x00, 0x00, 0x27, 0x10, 0x02, 0x02, 0x41, 0x02, 0, 0, 0, 0, 0x81, 0x80, 0x40]), Buffer.alloc(10)]), true),
    ],
    // Metadata v9: varint that never ends.
    ['endless varint', handFrame(3, 9, 15, Buffer.alloc(40, 0xff), true)],
  ];
  for (const [what, frame] of cases) {
    const p = await Probe.connect(broker.port);
    // A valid request first: its answer still goes out before the connection is closed.
    p.write(Buffer.concat([API_VERSIONS_V0(10), frame]));
    const first = decodeApiVersionsV0(await p.next(), 10);
    assert.equal(first.errorCode, 0, what);
    await p.waitClosed(what);
    assert.equal(p.frames().length, 1, `${what}: no answer to the malformed request`);
  }
  await waitFor('one log line per malformed request', () => (broker.output().match(/after a request failed/g) ?? []).length >= cases.length);
  await assertServing();
});

// ---------------------------------------------------------------- unknown APIs and versions

test('an unknown API key gets an UNSUPPORTED_VERSION answer and the connection stays open', async () => {
  const p = await Probe.connect(broker.port);
  for (const [apiKey, corr] of [
    [999, 4242],
    [32767, 4243],
    [-3, 4244],
  ] as const) {
    p.write(handFrame(apiKey, 0, corr, Buffer.from([1, 2, 3])));
    const f = await p.next();
    assert.equal(f.length, 6, `api key ${apiKey}: response header v0 + error code`);
    assert.equal(f.readInt32BE(0), corr);
    assert.equal(f.readInt16BE(4), ErrorCode.UNSUPPORTED_VERSION);
  }
  // Same connection, a normal request.
  p.write(API_VERSIONS_V0(4245));
  assert.equal(decodeApiVersionsV0(await p.next(), 4245).errorCode, 0);
  assert.ok(!p.isClosed);
  p.destroy();
  await waitForLog(/Unsupported request api key 999 version 0/, 'unknown api key');
  await assertServing();
});

test('ApiVersions above what we support gets the v0-shaped answer with error 35 and the API table (KIP-511)', async () => {
  const p = await Probe.connect(broker.port);
  // As a newer client would send it: flexible header and body (compact strings, tagged fields).
  const body = Buffer.concat([Buffer.from([4]), Buffer.from('new'), Buffer.from([2]), Buffer.from('9'), Buffer.from([0])]);
  p.write(handFrame(18, 99, 777, body, true));
  const res = decodeApiVersionsV0(await p.next(), 777);
  assert.equal(res.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const byKey = new Map(res.apiKeys.map((k) => [k.apiKey, k]));
  assert.deepEqual(byKey.get(18), { apiKey: 18, minVersion: 0, maxVersion: 4 });
  assert.ok(byKey.has(0) && byKey.has(1) && byKey.has(3), 'Produce, Fetch and Metadata are listed');
  // The client retries with the highest version we listed, on the same connection.
  p.write(encodeRequest(18, 4, 778, { clientSoftwareName: 'new', clientSoftwareVersion: '9' }));
  const f = await p.next();
  const r = new Reader(f);
  assert.equal(r.int32(), 778);
  const v4 = APIS.get(18)!.response.forVersion(4).decode(r);
  assert.equal(v4.errorCode, 0);
  assert.deepEqual(v4.apiKeys, res.apiKeys);
  p.destroy();
  await assertServing();
});

test('another API at an unsupported version gets UNSUPPORTED_VERSION and the connection stays open', async () => {
  const p = await Probe.connect(broker.port);
  // Versions beyond anything defined (Kafka 3.9 serves every old version, so only newer ones are refused),
  // and a negative one.
  p.write(handFrame(3, 100, 901, Buffer.from([0, 0]), true));
  p.write(handFrame(0, 200, 902, Buffer.from([0, 0, 1, 0, 0, 0x27, 0x10, 1, 0])));
  p.write(handFrame(1, -1, 903, Buffer.alloc(30)));
  for (const corr of [901, 902, 903]) {
    const f = await p.next();
    assert.equal(f.length, 6);
    assert.equal(f.readInt32BE(0), corr);
    assert.equal(f.readInt16BE(4), ErrorCode.UNSUPPORTED_VERSION);
  }
  p.write(API_VERSIONS_V0(904));
  assert.equal(decodeApiVersionsV0(await p.next(), 904).errorCode, 0);
  p.destroy();
  await assertServing();
});

// ---------------------------------------------------------------- clients that misbehave in time

test('a client that connects and sends nothing does not disturb others, and is closed after connections.max.idle.ms', async () => {
  const idle = await Probe.connect(broker.port);
  const opened = Date.now();
  await assertServing();
  await idle.waitClosed('idle connection', IDLE_MS * 4);
  assert.ok(Date.now() - opened >= IDLE_MS - 500, `closed after ${Date.now() - opened} ms, before the idle timeout`);
  assert.equal(idle.frames().length, 0);
  await assertServing();
});

test('a client that pipelines requests and never reads cannot grow the broker\'s memory', async (t) => {
  const topic = 'pipeline';
  const c = await RawClient.connect(broker.port);
  await createTopic(c, topic, 1);
  // 2 MiB of incompressible data, so that each Fetch below is answered with 1 MiB.
  const next = prng(7);
  for (let i = 0; i < 16; i++) {
    const batch = await buildBatch(Array.from({ length: 4 }, () => ({ value: randomBytes(next, 32 * 1024) })));
    const res = await c.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 10000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
    assert.equal(res.responses[0].partitionResponses[0].errorCode, 0);
  }
  c.close();

  const baseline = brokerRssBytes();
  const p = await Probe.connect(broker.port, false);
  p.socket.pause(); // never read
  const fetch = (corr: number) =>
    encodeRequest(1, 11, corr, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
  const metadata = (corr: number) => encodeRequest(3, 9, corr, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  // 1,000 Fetches of 1 MiB each (and as many Metadata requests): 1 GiB of answers if the broker kept them all.
  const requests: Buffer[] = [];
  for (let i = 0; i < 1000; i++) requests.push(fetch(2 * i), metadata(2 * i + 1));
  p.write(Buffer.concat(requests));

  // Watch the broker's RSS until it settles: it must stop reading and stay bounded.
  const limit = baseline + 256 * 1024 * 1024;
  let peak = baseline;
  const samples: number[] = [];
  const started = Date.now();
  await waitFor(
    'broker RSS to settle',
    () => {
      const rss = brokerRssBytes();
      peak = Math.max(peak, rss);
      assert.ok(rss < limit, `broker RSS ${(rss / 1048576).toFixed(0)} MiB exceeds ${(limit / 1048576).toFixed(0)} MiB (baseline ${(baseline / 1048576).toFixed(0)} MiB)`);
      samples.push(rss);
      const last = samples.slice(-10);
      return Date.now() - started > 1500 && last.length === 10 && Math.max(...last) - Math.min(...last) < 4 * 1024 * 1024;
    },
    IDLE_MS * 3,
  );
  t.diagnostic(`broker RSS baseline ${(baseline / 1048576).toFixed(0)} MiB, peak ${(peak / 1048576).toFixed(0)} MiB, settled after ${Date.now() - started} ms`);
  // Meanwhile other clients are served normally.
  await assertServing();
  assert.ok(peak < limit);
  // When the client finally reads, every answer arrives, in request order.
  p.socket.resume();
  await waitFor('all 2,000 responses', () => p.correlationIds.length === requests.length || p.isClosed, 60000);
  assert.equal(p.correlationIds.length, requests.length, 'responses lost after the client started reading');
  p.correlationIds.forEach((id, i) => assert.equal(id, i, 'responses out of order'));
  p.destroy();
  await assertServing();
});

test('a Fetch for no partitions long-polls without blocking other clients', async () => {
  // min.bytes can never be reached, so the broker waits max.wait.ms (as Kafka does) and answers
  // with no data; meanwhile it must go on serving everyone else.
  const p = await Probe.connect(broker.port);
  p.write(
    encodeRequest(1, 11, 61, {
      replicaId: -1,
      maxWaitMs: 3000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [],
      forgottenTopicsData: [],
      rackId: '',
    }),
  );
  await assertServing();
  const served = performance.now();
  const f = await p.next(15000);
  assert.ok(served < p.arrivals[0]!, 'the other client was served only after the empty fetch was answered');
  const r = new Reader(f);
  assert.equal(r.int32(), 61);
  const res = APIS.get(1)!.response.forVersion(11).decode(r);
  assert.equal(res.errorCode, 0);
  assert.deepEqual(res.responses, []);
  p.destroy();
  await assertServing();
});

test('a thousand connections opened at once are all answered', async () => {
  const N = 1000;
  const clients = await Promise.all(Array.from({ length: N }, () => RawClient.connect(broker.port)));
  try {
    const answers = await Promise.all(clients.map((c) => c.request(18, 3, { clientSoftwareName: 'many', clientSoftwareVersion: '1' })));
    assert.equal(answers.length, N);
    for (const a of answers) {
      assert.equal(a.errorCode, 0);
      assert.ok(a.apiKeys.length > 5);
    }
    // Still served with all of them open.
    await assertServing();
    const md = await Promise.all(clients.slice(0, 100).map((c) => c.request(3, 9, { topics: [{ name: HEALTHY }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })));
    for (const m of md) assert.equal(m.topics[0].errorCode, 0);
  } finally {
    for (const c of clients) c.close();
  }
  await assertServing();
});

// ---------------------------------------------------------------- requests Kafka refuses

async function produce(c: RawClient, topic: string, partition: number, records: Buffer) {
  const res = await c.request(0, 9, { transactionalId: null, acks: -1, timeoutMs: 10000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  assert.equal(res.responses.length, 1);
  assert.equal(res.responses[0].name, topic);
  return res.responses[0].partitionResponses[0] as { index: number; errorCode: number; baseOffset: number; errorMessage: string | null };
}

test('Produce with a corrupted CRC is refused with CORRUPT_MESSAGE and nothing is appended', async () => {
  const c = await RawClient.connect(broker.port);
  try {
    await createTopic(c, 'crc', 1);
    const batch = await buildBatch([{ key: Buffer.from('k'), value: Buffer.from('a value that will be damaged') }]);
    batch[batch.length - 3] ^= 0x55;
    const pr = await produce(c, 'crc', 0, batch);
    assert.equal(pr.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(pr.baseOffset, -1);
    assert.equal((await fetchOnce(c, 'crc', 0, 0)).highWatermark, 0);
    // The same connection goes on: an intact batch is accepted at offset 0.
    const good = await produce(c, 'crc', 0, await buildBatch([{ value: Buffer.from('intact') }]));
    assert.equal(good.errorCode, 0);
    assert.equal(good.baseOffset, 0);
  } finally {
    c.close();
  }
  await assertServing();
});

test('Produce of a batch larger than max.message.bytes is refused with MESSAGE_TOO_LARGE', async () => {
  const c = await RawClient.connect(broker.port);
  try {
    await createTopic(c, 'small-messages', 1, { 'max.message.bytes': '10000' });
    const big = await buildBatch([{ value: randomBytes(prng(9), 20000) }]);
    const pr = await produce(c, 'small-messages', 0, big);
    assert.equal(pr.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    assert.equal((await fetchOnce(c, 'small-messages', 0, 0)).highWatermark, 0);
    const fits = await produce(c, 'small-messages', 0, await buildBatch([{ value: Buffer.alloc(5000, 1) }]));
    assert.equal(fits.errorCode, 0);
  } finally {
    c.close();
  }
  await assertServing();
});

test('Produce to an invalid topic name or an unknown partition is UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const c = await RawClient.connect(broker.port);
  try {
    const batch = await buildBatch([{ value: Buffer.from('x') }]);
    // Kafka's handleProduceRequest answers any topic-partition missing from its metadata cache,
    // invalid names included, with UNKNOWN_TOPIC_OR_PARTITION.
    for (const name of ['bad name!', '..', 'x'.repeat(300), '']) {
      const pr = await produce(c, name, 0, batch);
      assert.equal(pr.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${JSON.stringify(name.slice(0, 20))}`);
    }
    for (const partition of [1, 99, -1]) {
      const pr = await produce(c, HEALTHY, partition, batch);
      assert.equal(pr.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${partition}`);
      assert.equal(pr.index, partition);
    }
    const md = await c.request(3, 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const names: string[] = md.topics.map((t: any) => t.name);
    assert.ok(!names.includes('bad name!') && !names.includes('..'), `topics: ${names}`);
    const healthy = md.topics.find((t: any) => t.name === HEALTHY);
    assert.equal(healthy.partitions.length, 1);
  } finally {
    c.close();
  }
  await assertServing();
});

test('CreateTopics with an invalid name, non-positive partitions or replication factor 3 on one broker: Kafka\'s codes 17/37/38', async () => {
  const c = await RawClient.connect(broker.port);
  try {
    const topic = (name: string, numPartitions: number, replicationFactor: number) => ({ name, numPartitions, replicationFactor, assignments: [], configs: [] });
    const res = await c.request(19, 5, {
      topics: [
        topic('bad name!', 1, 1),
        topic('y'.repeat(250), 1, 1),
        topic('negative-partitions', -2, 1),
        topic('zero-partitions', 0, 1),
        topic('rf-three', 1, 3),
      ],
      timeoutMs: 10000,
      validateOnly: false,
    });
    const by = new Map<string, { errorCode: number; errorMessage: string | null }>(res.topics.map((t: any) => [t.name, t]));
    assert.equal(by.get('bad name!')?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(
      by.get('bad name!')?.errorMessage,
      'Topic name "bad name!" is illegal, it contains a character other than ASCII alphanumerics, \'.\', \'_\' and \'-\'',
    );
    assert.equal(by.get('y'.repeat(250))?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(by.get('negative-partitions')?.errorCode, ErrorCode.INVALID_PARTITIONS);
    assert.equal(by.get('zero-partitions')?.errorCode, ErrorCode.INVALID_PARTITIONS);
    assert.equal(by.get('rf-three')?.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
    assert.match(by.get('rf-three')?.errorMessage ?? '', /replication factor of 3 cannot be reached because only 1 broker\(s\) are registered/);
    const md = await c.request(3, 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const names: string[] = md.topics.map((t: any) => t.name);
    for (const n of ['negative-partitions', 'zero-partitions', 'rf-three']) assert.ok(!names.includes(n), `${n} was created`);
  } finally {
    c.close();
  }
  await assertServing();
});

test('after all of the above the broker is up and logged no errors', async () => {
  await assertServing();
  assert.doesNotMatch(broker.output(), /\] ERROR /, 'the broker logged an error');
  assert.doesNotMatch(broker.output(), /Uncaught|unhandled/i);
});
