// The load generator, run as a worker thread so that the orchestrating thread
// stays out of its way. Everything it sends is encoded before the clock
// starts; on the hot path it only writes Buffers and counts response frames
// (decoding one response in 16 to check for errors).
//
// Messages: { id, op, args } in, { id, result } or { id, error } out.

import net from 'node:net';
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { randomFillSync } from 'node:crypto';
import {
  FrameScanner,
  PRODUCE,
  PRODUCE_VERSION,
  FETCH,
  FETCH_VERSION,
  buildProducePool,
  decodeResponse,
  encodeFetch,
  percentile,
} from './wire.js';

export interface SinkArgs {
  port: number;
  conns: number;
  bytesPerConn: number;
}
export interface SourceArgs {
  port: number;
  conns: number;
}
export interface ThroughputResult {
  bytes: number;
  seconds: number;
  loadgenCpu: number;
}

export interface ProduceArgs {
  port: number;
  topic: string;
  partitions: number;
  recordSize: number;
  acks: number;
  conns: number;
  depth: number;
  warmupMs: number;
  durationMs: number;
  /** Instead of a duration: send exactly this many requests, timed from first send to last answer. */
  requests?: number;
}
export interface ProduceResult {
  /** Requests answered inside the measured window, and its length. */
  requests: number;
  seconds: number;
  /** Record-batch bytes and records acknowledged per second. */
  bytesPerSec: number;
  recordsPerSec: number;
  requestsPerSec: number;
  /** Every request sent (all were answered): batches per partition in the log. */
  totalRequests: number;
  recordsPerBatch: number;
  batchSize: number;
  requestBytes: number;
  errors: number;
  firstError: string | null;
  loadgenCpu: number;
}

export interface FetchArgs {
  port: number;
  topic: string;
  partitions: number;
  batchesPerPartition: number;
  recordsPerBatch: number;
  batchSize: number;
  batchesPerFetch: number;
  depth: number;
}

export interface LatencyArgs {
  port: number;
  topic: string;
  partitions: number;
  recordSize: number;
  conns: number;
  /** Requests per second, over all connections. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  /** Decode sampled answers as Produce responses (false against the ceiling server's bare acks). */
  check: boolean;
  /** Also return every measured request's send lag and latency (latency-probe --timeline). */
  timeline?: boolean;
  /**
   * Also send what is due whenever answers are read, not only on the 1 ms timer
   * (default false). The timer fires every 1–2 ms, so its requests leave in
   * bursts of up to 2 ms' worth; the reads wake this thread anyway, so checking
   * the clock there keeps the sender close to schedule at no extra wake-up
   * (smooth arrivals, one request per broker read). Still open loop: a silent
   * broker gets the timer's sends all the same.
   */
  sendOnReads?: boolean;
}
export interface LatencyResult {
  samples: number;
  sent: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Most any request was sent behind its schedule (the sender's own lag), ms. */
  maxLagMs: number;
  /** 99th percentile of how far behind its schedule each request was sent, ms. */
  lagP99: number;
  /** With `timeline`: per measured request, [ms since the end of warm-up at scheduled send, lag ms, latency ms]. */
  timeline?: number[];
  achievedRate: number;
  errors: number;
  loadgenCpu: number;
}

/**
 * A loopback connection; with `onBytes`, reads go into one reused buffer (net's
 * `onread`) instead of a new Buffer per read, so the load generator's own
 * garbage collections do not add to the latencies it measures.
 */
function connect(port: number, onBytes?: (bytes: Buffer) => void): Promise<net.Socket> {
  const onread = onBytes && {
    buffer: Buffer.alloc(256 * 1024),
    callback: (n: number, buf: Uint8Array) => {
      onBytes((buf as Buffer).subarray(0, n));
      return true;
    },
  };
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', ...(onread ? { onread } : {}) }, () => {
      s.off('error', reject);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** Socket → file ceiling: each connection streams bytesPerConn and waits for the sink's "written" byte. */
async function ceilingSink(a: SinkArgs): Promise<ThroughputResult> {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  const pool = Array.from({ length: 16 }, () => randomFillSync(Buffer.allocUnsafe(chunk.length)));
  const sockets = await Promise.all(Array.from({ length: a.conns }, () => connect(a.port)));
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<void>((resolve, reject) => {
          s.on('error', reject);
          s.on('data', () => resolve());
          s.write(int32(i));
          let sent = 0;
          let k = 0;
          const pump = () => {
            while (sent < a.bytesPerConn) {
              const b = pool[k++ & 15]!;
              sent += b.length;
              s.write(b);
              // Keep up to 4 MiB queued (write() says false above 16 KiB, which would starve the socket).
              if (s.writableLength >= 4 << 20) {
                s.once('drain', pump);
                return;
              }
            }
            s.end();
          };
          pump();
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const s of sockets) s.destroy();
  return { bytes: a.bytesPerConn * a.conns, seconds, loadgenCpu: (cpuSeconds() - cpu0) / seconds };
}

/** File → socket ceiling: each connection asks for file i and reads it to the end. */
async function ceilingSource(a: SourceArgs): Promise<ThroughputResult> {
  const sockets = await Promise.all(Array.from({ length: a.conns }, () => connect(a.port)));
  let bytes = 0;
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<void>((resolve, reject) => {
          s.on('error', reject);
          s.on('data', (d: Buffer) => (bytes += d.length));
          s.on('end', () => resolve());
          s.write(int32(i));
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const s of sockets) s.destroy();
  return { bytes, seconds, loadgenCpu: (cpuSeconds() - cpu0) / seconds };
}

/** Checks a sampled Produce response; returns the first error found, or null. */
function produceError(body: Buffer): string | null {
  const r = decodeResponse(PRODUCE, PRODUCE_VERSION, body);
  for (const t of r.responses) {
    for (const p of t.partitionResponses) {
      if (p.errorCode !== 0) return `partition ${p.index}: error ${p.errorCode} ${p.errorMessage ?? ''}`;
    }
  }
  return null;
}

/** Closed loop: `depth` Produce requests in flight on each of `conns` connections. */
async function produce(a: ProduceArgs): Promise<ProduceResult> {
  const { requests: pool, shape } = await buildProducePool(a.topic, a.partitions, a.recordSize, a.acks, 8);
  const sockets = await Promise.all(Array.from({ length: a.conns }, () => connect(a.port)));
  const fixed = a.requests !== undefined;
  let sent = 0;
  let done = 0;
  let inFlight = 0;
  let errors = 0;
  let firstError: string | null = null;
  let stop = false;
  let t0 = 0;
  let c0 = 0;
  let t1 = 0;
  let c1 = 0;
  let poolAt = 0;
  const cpu0 = cpuSeconds();
  const start = performance.now();
  const warmEnd = start + (fixed ? 0 : a.warmupMs);
  const deadline = warmEnd + a.durationMs;
  if (fixed) {
    t0 = start;
    c0 = 0;
  }
  const result = new Promise<void>((resolve, reject) => {
    const send = (s: net.Socket) => {
      sent++;
      inFlight++;
      s.write(pool[poolAt++ & 7]!);
    };
    sockets.forEach((s) => {
      let n = 0;
      const scanner = new FrameScanner(
        (_size, body) => {
          done++;
          inFlight--;
          if (body) {
            const e = produceError(body);
            if (e) {
              errors++;
              firstError ??= e;
            }
          }
          const now = performance.now();
          if (fixed) {
            if (sent < a.requests!) send(s);
            else if (inFlight === 0) {
              t1 = now;
              c1 = done;
              resolve();
            }
            return;
          }
          if (t0 === 0 && now >= warmEnd) {
            t0 = now;
            c0 = done;
          }
          if (!stop && now >= deadline) {
            t1 = now;
            c1 = done;
            stop = true;
          }
          if (!stop) send(s);
          else if (inFlight === 0) resolve();
        },
        () => (n++ & 15) === 0,
      );
      s.on('data', (d: Buffer) => scanner.push(d));
      s.on('error', reject);
      s.on('close', () => {
        if (inFlight > 0) reject(new Error('broker closed the connection'));
      });
    });
    for (let d = 0; d < a.depth; d++) {
      for (const s of sockets) if (!fixed || sent < a.requests!) send(s);
    }
  });
  await result;
  const seconds = (t1 - t0) / 1000;
  const loadgenCpu = (cpuSeconds() - cpu0) / ((performance.now() - start) / 1000);
  for (const s of sockets) s.destroy();
  const requests = c1 - c0;
  const perReqBytes = a.partitions * shape.batchSize;
  const perReqRecords = a.partitions * shape.recordsPerBatch;
  return {
    requests,
    seconds,
    bytesPerSec: (requests * perReqBytes) / seconds,
    recordsPerSec: (requests * perReqRecords) / seconds,
    requestsPerSec: requests / seconds,
    totalRequests: sent,
    recordsPerBatch: shape.recordsPerBatch,
    batchSize: shape.batchSize,
    requestBytes: pool[0]!.length,
    errors,
    firstError,
    loadgenCpu,
  };
}

/**
 * Reads a topic written by produce() back with pre-encoded Fetch requests:
 * one connection per partition, `depth` fetches in flight, each asking for
 * exactly `batchesPerFetch` batches at offsets known in advance.
 */
async function fetchAll(a: FetchArgs): Promise<ThroughputResult & { fetches: number; expectedBytes: number }> {
  const perFetch = a.batchesPerFetch * a.batchSize;
  const nFetches = Math.floor(a.batchesPerPartition / a.batchesPerFetch);
  const reqs: Buffer[][] = [];
  for (let p = 0; p < a.partitions; p++) {
    const list: Buffer[] = [];
    for (let k = 0; k < nFetches; k++) list.push(encodeFetch(a.topic, p, k * a.batchesPerFetch * a.recordsPerBatch, perFetch, k + 1));
    reqs.push(list);
  }
  const sockets = await Promise.all(Array.from({ length: a.partitions }, () => connect(a.port)));
  let bytes = 0;
  let checkError: Error | null = null;
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await Promise.all(
    sockets.map(
      (s, p) =>
        new Promise<void>((resolve, reject) => {
          let next = 0;
          let answered = 0;
          let first = true;
          const scanner = new FrameScanner(
            (size, body) => {
              bytes += size + 4;
              answered++;
              if (body) {
                const r = decodeResponse(FETCH, FETCH_VERSION, body);
                const part = r.responses[0]?.partitions[0];
                const got = part?.records?.length ?? 0;
                if (r.errorCode !== 0 || !part || part.errorCode !== 0 || got !== perFetch) {
                  checkError ??= new Error(
                    `fetch check failed on partition ${p}: error ${r.errorCode}/${part?.errorCode}, ${got} record bytes (expected ${perFetch})`,
                  );
                }
              }
              if (next < nFetches) s.write(reqs[p]![next++]!);
              else if (answered === nFetches) resolve();
            },
            () => {
              const want = first;
              first = false;
              return want;
            },
          );
          s.on('data', (d: Buffer) => scanner.push(d));
          s.on('error', reject);
          for (; next < Math.min(a.depth, nFetches); next++) s.write(reqs[p]![next]!);
          if (nFetches === 0) resolve();
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const s of sockets) s.destroy();
  if (checkError) throw checkError;
  return {
    bytes,
    seconds,
    fetches: nFetches * a.partitions,
    expectedBytes: nFetches * a.partitions * perFetch,
    loadgenCpu: (cpuSeconds() - cpu0) / seconds,
  };
}

/** Open loop: requests go out on schedule (rate per second), whatever the answers do. */
async function latency(a: LatencyArgs): Promise<LatencyResult> {
  const { requests: pool } = await buildProducePool(a.topic, a.partitions, a.recordSize, 1, 8);
  const scanners: FrameScanner[] = [];
  const sendOnReads = a.sendOnReads === true;
  const sockets = await Promise.all(
    Array.from({ length: a.conns }, (_, i) =>
      connect(a.port, (bytes) => {
        scanners[i]!.push(bytes);
        if (sendOnReads && sent < total) sendDue();
      }),
    ),
  );
  const total = Math.ceil((a.rate * (a.warmupMs + a.durationMs)) / 1000);
  const samples = new Float64Array(total);
  let nSamples = 0;
  let sent = 0;
  let done = 0;
  let errors = 0;
  let maxLag = 0;
  const cpu0 = cpuSeconds();
  const start = performance.now();
  const warmEnd = start + a.warmupMs;
  const fifos = sockets.map(() => ({ ts: new Float64Array(total), head: 0, tail: 0 }));
  const lags = new Float64Array(total);
  const timeline: number[] | null = a.timeline ? [] : null;
  let sendDue = () => {};
  await new Promise<void>((resolve, reject) => {
    sockets.forEach((s, i) => {
      const fifo = fifos[i]!;
      let n = 0;
      const scanner = new FrameScanner(
        (_size, body) => {
          const now = performance.now();
          // Request k goes to connection k % conns: this is request i + j * conns for the j-th answer here.
          const id = i + fifo.head * sockets.length;
          const t = fifo.ts[fifo.head++]!;
          if (t >= warmEnd) {
            samples[nSamples++] = now - t;
            if (timeline) timeline.push(start + (id * 1000) / a.rate - warmEnd, lags[id]!, now - t);
          }
          if (body && a.check && produceError(body)) errors++;
          done++;
          if (done === total) resolve();
        },
        () => (n++ & 15) === 0,
        // The read buffer is reused: a body spanning reads must be copied out.
        true,
      );
      scanners[i] = scanner;
      s.on('error', reject);
    });
    sendDue = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * a.rate) / 1000) + 1);
      while (sent < due) {
        const scheduled = start + (sent * 1000) / a.rate;
        if (now - scheduled > maxLag) maxLag = now - scheduled;
        lags[sent] = now - scheduled;
        const k = sent % sockets.length;
        const fifo = fifos[k]!;
        fifo.ts[fifo.tail++] = performance.now();
        sockets[k]!.write(pool[sent & 7]!);
        sent++;
      }
    };
    const tick = () => {
      sendDue();
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const wall = (performance.now() - start) / 1000;
  for (const s of sockets) s.destroy();
  const sorted = samples.subarray(0, nSamples).sort();
  return {
    samples: nSamples,
    sent,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[nSamples - 1] ?? NaN,
    maxLagMs: maxLag,
    lagP99: percentile(lags.subarray(0, sent).sort(), 99),
    ...(timeline ? { timeline } : {}),
    achievedRate: sent / ((a.warmupMs + a.durationMs) / 1000),
    errors,
    loadgenCpu: (cpuSeconds() - cpu0) / wall,
  };
}

const ops: Record<string, (args: any) => Promise<unknown>> = {
  ceilingSink,
  ceilingSource,
  produce,
  fetch: fetchAll,
  latency,
};

parentPort!.on('message', async (m: { id: number; op: string; args: unknown }) => {
  try {
    const result = await ops[m.op]!(m.args);
    parentPort!.postMessage({ id: m.id, result });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error)?.stack ?? String(err) });
  }
});
