// Deterministic fuzzing of the wire decoders and of the broker's request path.
//
// Valid requests (and responses) of every API at every version are built from
// sample values, then mutated with a seeded PRNG: bit flips, byte
// replacement, truncation, length/count inflation, insertion, deletion. Every
// mutated frame goes through decodeRequestHeader + the API's decoder, the way
// the broker reads it. The only acceptable outcomes are a decoded value or a
// ProtocolError: any other exception type is a decoder bug (an unchecked read
// or allocation), and memory must stay bounded throughout.
//
// Then a few thousand mutated frames are sent over sockets to an in-process
// broker, which must still serve a well-behaved client afterwards.
//
// A failure prints the seed, API, version, mutation and frame bytes, so it can
// be replayed with FUZZ_SEED=<seed>.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProtocolError, Reader } from '../../src/protocol/primitives.js';
import { Rng, baseFrames, brokerFrames, decodeRequestFrame, decodeResponseFrame, mutate } from './fuzz-frames.js';
import { startBroker } from '../../src/broker/broker.js';
import { setLogLevel } from '../../src/logger.js';
import { RawClient } from '../integration/raw-client.js';
import { createTopic, wellBehavedRoundTrip } from '../integration/roundtrip.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5a45a);
const REQUEST_MUTATIONS = 320_000;
const RESPONSE_MUTATIONS = 80_000;
const BROKER_FRAMES = 4_000;
const RSS_HEADROOM = 384 * 1024 * 1024;

// ---------------------------------------------------------------- the decoder fuzz

interface Failure {
  label: string;
  iteration: number;
  mutation: string;
  error: string;
  hex: string;
}

function fuzzDecoders(kind: 'request' | 'response', iterations: number, seed: number) {
  const bases = baseFrames(kind);
  // Every unmutated frame decodes.
  for (const b of bases) {
    assert.ok(kind === 'request' ? decodeRequestFrame(b.frame) : decodeResponseFrame(b.frame, b.apiKey, b.version), b.label);
  }
  const rng = new Rng(seed);
  const rssLimit = process.memoryUsage().rss + RSS_HEADROOM;
  let maxRss = 0;
  const failures: Failure[] = [];
  const outcomes = { decoded: 0, protocolError: 0, unknownApi: 0 };
  for (let i = 0; i < iterations; i++) {
    const base = bases[i % bases.length]!;
    const { buf, what } = mutate(rng, base);
    try {
      const decoded = kind === 'request' ? decodeRequestFrame(buf) : decodeResponseFrame(buf, base.apiKey, base.version);
      if (decoded) outcomes.decoded++;
      else outcomes.unknownApi++;
    } catch (err) {
      if (err instanceof ProtocolError) outcomes.protocolError++;
      else if (failures.length < 20) {
        failures.push({
          label: base.label,
          iteration: i,
          mutation: what,
          error: `${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack?.split('\n').slice(1, 4).join('\n')}`,
          hex: buf.subarray(0, 256).toString('hex'),
        });
      }
    }
    if ((i & 4095) === 0) {
      const rss = process.memoryUsage().rss;
      maxRss = Math.max(maxRss, rss);
      assert.ok(rss < rssLimit, `RSS ${(rss / 1048576).toFixed(0)} MiB after ${i} ${kind} mutations (limit ${(rssLimit / 1048576).toFixed(0)} MiB)`);
    }
  }
  return { bases: bases.length, outcomes, failures, maxRss };
}

function report(kind: string, r: ReturnType<typeof fuzzDecoders>): string {
  return (
    `${r.failures.length} ${kind} mutations threw something other than ProtocolError (seed ${SEED}):\n` +
    r.failures.map((f) => `- ${f.label}, iteration ${f.iteration}, ${f.mutation}\n  ${f.error}\n  frame ${f.hex}`).join('\n')
  );
}

test(`request decoders: ${REQUEST_MUTATIONS} mutated requests of every API and version decode or throw ProtocolError`, { timeout: 120_000 }, (t) => {
  const r = fuzzDecoders('request', REQUEST_MUTATIONS, SEED);
  t.diagnostic(`${r.bases} valid frames; outcomes ${JSON.stringify(r.outcomes)}; max RSS ${(r.maxRss / 1048576).toFixed(0)} MiB`);
  assert.equal(r.failures.length, 0, report('request', r));
  // The mutations reach the decoders: both outcomes occur in quantity.
  assert.ok(r.outcomes.protocolError > REQUEST_MUTATIONS / 10);
  assert.ok(r.outcomes.decoded > REQUEST_MUTATIONS / 10);
});

test(`response decoders: ${RESPONSE_MUTATIONS} mutated responses of every API and version decode or throw ProtocolError`, { timeout: 120_000 }, (t) => {
  const r = fuzzDecoders('response', RESPONSE_MUTATIONS, SEED + 1);
  t.diagnostic(`${r.bases} valid frames; outcomes ${JSON.stringify(r.outcomes)}; max RSS ${(r.maxRss / 1048576).toFixed(0)} MiB`);
  assert.equal(r.failures.length, 0, report('response', r));
  assert.ok(r.outcomes.protocolError > RESPONSE_MUTATIONS / 10);
});

test('primitives refuse hostile lengths without allocating', () => {
  // Each of these would ask for gigabytes if a length were trusted.
  const cases: [string, Buffer, (r: Reader) => unknown][] = [
    ['int32 bytes length', Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2]), (r) => r.bytes(false)],
    ['int16 string length', Buffer.from([0x7f, 0xff, 0x41]), (r) => r.string(false)],
    ['compact bytes length', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1]), (r) => r.bytes(true)],
    ['compact string length', Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]), (r) => r.string(true)],
    ['array count', Buffer.from([0x7f, 0xff, 0xff, 0xff]), (r) => r.arrayLength(false, 1)],
    ['compact array count', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), (r) => r.arrayLength(true, 1)],
    ['negative length', Buffer.from([0xff, 0xff, 0xff, 0xfe]), (r) => r.bytes(false)],
    ['endless varint', Buffer.alloc(20, 0xff), (r) => r.uvarint()],
    ['endless varlong', Buffer.alloc(20, 0xff), (r) => r.varlong()],
    ['raw beyond the end', Buffer.alloc(4), (r) => r.raw(5)],
    ['skip beyond the end', Buffer.alloc(4), (r) => r.skip(0x7fffffff)],
    ['negative raw', Buffer.alloc(4), (r) => r.raw(-1)],
  ];
  for (const [what, buf, read] of cases) {
    assert.throws(() => read(new Reader(buf)), ProtocolError, what);
  }
});

// ---------------------------------------------------------------- through a running broker

/**
 * A broker bug that loops synchronously (or on microtasks) blocks this thread's event loop,
 * so no test timeout can fire. A worker thread watches a heartbeat and, when it stops for
 * `limitMs`, writes why to stderr and kills the process: a clear failure instead of a hang.
 */
function startWatchdog(limitMs: number, what: string): { stop(): void } {
  const beat = new Int32Array(new SharedArrayBuffer(4));
  const heartbeat = setInterval(() => Atomics.add(beat, 0, 1), 100);
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    const beat = new Int32Array(workerData.buf);
    let last = -1, since = Date.now();
    setInterval(() => {
      const now = Atomics.load(beat, 0);
      if (now !== last) { last = now; since = Date.now(); return; }
      if (Date.now() - since > workerData.limitMs) {
        writeSync(2, 'FUZZ WATCHDOG: the event loop has been blocked for ' + workerData.limitMs + ' ms during ' + workerData.what + '; killing the test process\\n');
        process.kill(process.pid, 'SIGKILL');
      }
    }, 250);`,
    { eval: true, workerData: { buf: beat.buffer, limitMs, what } },
  );
  worker.unref();
  return {
    stop() {
      clearInterval(heartbeat);
      void worker.terminate();
    },
  };
}


test(`a running broker survives ${BROKER_FRAMES} mutated request frames and keeps serving`, { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samsa-fuzz-'));
  setLogLevel('error');
  const errorsLogged: string[] = [];
  const stderrWrite = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: any, ...rest: any[]) => {
    const s = String(chunk);
    if (/\] ERROR /.test(s)) errorsLogged.push(s);
    return stderrWrite(chunk, ...rest);
  }) as typeof process.stderr.write;
  const watchdog = startWatchdog(30_000, `the broker fuzz (seed ${SEED})`);
  const broker = await startBroker({ port: 0, logDirs: dir });
  try {
    const admin = await RawClient.connect(broker.port);
    await createTopic(admin, 'healthy', 1);
    admin.close();

    const { frames } = brokerFrames(SEED + 2, BROKER_FRAMES);

    // A connection is closed at its first undecodable frame, so few frames go on each one:
    // 2 frames per connection, 16 connections at a time; each connection ends after its frames.
    let answered = 0;
    let connections = 0;
    const perConnection = 2;
    const send = (chunk: Buffer[]) =>
      new Promise<void>((resolve, reject) => {
        connections++;
        const s = net.connect({ port: broker.port, host: '127.0.0.1' }, () => {
          s.end(Buffer.concat(chunk));
        });
        let pending = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          pending = Buffer.concat([pending, d]);
          while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
            answered++;
            pending = pending.subarray(4 + pending.readInt32BE(0));
          }
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve());
        s.setTimeout(20000, () => {
          s.destroy();
          reject(new Error('a fuzz connection was neither answered nor closed in 20 s'));
        });
      });
    let next = 0;
    const workers = Array.from({ length: 16 }, async () => {
      while (next < frames.length) {
        const chunk = frames.slice(next, next + perConnection);
        next += perConnection;
        await send(chunk);
      }
    });
    // A well-behaved client is served while the fuzzing runs...
    const during = (async () => {
      for (let i = 0; i < 5; i++) await wellBehavedRoundTrip(broker.port, 'healthy');
    })();
    await Promise.all([...workers, during]);
    t.diagnostic(`${connections} connections, ${answered} of ${BROKER_FRAMES} mutated frames answered`);
    // ...and after it.
    await wellBehavedRoundTrip(broker.port, 'healthy');
    assert.deepEqual(errorsLogged, [], 'the broker logged errors');
  } finally {
    watchdog.stop();
    await broker.close();
    process.stderr.write = stderrWrite;
    setLogLevel('info');
    rmSync(dir, { recursive: true, force: true });
  }
});
