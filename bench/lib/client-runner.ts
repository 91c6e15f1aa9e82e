// One client run of the client benchmark (bench/client.ts), in a process of
// its own: `node client-runner.js '<json args>'`. Produces `count` records of
// `recordSize` bytes as fast as the client allows, or consumes `count` records
// from the beginning of a topic, and prints one JSON line with the time from
// the client's construction to the last acknowledgement (or the last record
// received), the bytes of record values, and this process's CPU time over
// that window. Closing the client afterwards is not timed.
//
// Clients and their settings (batching made as comparable as each allows):
//  - samsa: our Producer with linger.ms=5, batch.size=65536, one send() per
//    record; at most 64 × 1,000 records and 16 MiB of record values
//    unacknowledged (half of buffer.memory), the loop resuming once 1,000
//    more are acknowledged. By default the callback form, send(record, cb),
//    with one shared callback counting acknowledgements (what kcat does
//    with librdkafka's produce() and delivery reports); with form 'promise',
//    send(record) with the promises gathered per 1,000 records. With
//    noWindow, every send() at once, most of them waiting in the producer's
//    queue for buffer.memory. Our Consumer: assign() of every partition,
//    auto.offset.reset=earliest, poll() in a loop.
//  - kafkajs: has no linger or batch.size; the application batches: one
//    producer.send() per `partitions × 64 KiB` of record values (round-robin
//    over the partitions, so ~64 KiB per partition per request), at most 5
//    sends in flight (Kafka's max.in.flight.requests.per.connection);
//    consumer in a group (it has no assign()), eachBatch, autoCommit off.
//  - platformatic (@platformatic/kafka 1.x): the same application batching
//    and 5 sends in flight (its connection's maxInflights default is 5);
//    consumer stream in a group, mode earliest, autocommit off.
// No keys, no headers, no compression. Values come from a pool of 256
// random buffers made before the clock starts.

import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type * as KafkaJS from 'kafkajs';
import type * as Platformatic from '@platformatic/kafka';
import type * as Samsa from '../../src/index.js';

// Each process loads only the client it runs (so the others' module loading
// stays out of its profile).
const loadSamsa = () => import('../../src/index.js') as Promise<typeof Samsa>;
const loadKafkaJS = async () => ((await import('kafkajs')) as unknown as { default: typeof KafkaJS }).default;
const loadPlatformatic = () => import('@platformatic/kafka') as Promise<typeof Platformatic>;

export type ClientName = 'samsa' | 'kafkajs' | 'platformatic';

export interface RunnerArgs {
  client: ClientName;
  op: 'produce' | 'consume';
  port: number;
  topic: string;
  partitions: number;
  count: number;
  recordSize: number;
  /** 1 or -1 (all); produce only. */
  acks: number;
  /** A consumer group id for the clients that need one to consume. */
  groupId: string;
  /** Extra configuration for our Producer / Consumer (diagnostic variants). */
  samsaConfig?: Record<string, unknown>;
  /** Our client only: count its Produce / Fetch requests (a wrapper around BrokerConnection.request) and report them in `note`. */
  trace?: boolean;
  /** Our producer only: send() every record without waiting for earlier ones (no window), as the simplest application does. */
  noWindow?: boolean;
  /** Our producer only: send(record, callback) (default) or send(record) returning a promise. */
  form?: 'callback' | 'promise';
}

export interface RunnerResult {
  seconds: number;
  records: number;
  valueBytes: number;
  /** CPU seconds of this process between the clock's start and stop. */
  cpuSeconds: number;
  /** Produce requests or fetches the client made, when it tells. */
  note?: string;
}

const LINGER_MS = 5;
const BATCH_BYTES = 65536;
const MAX_SENDS_IN_FLIGHT = 5;
const SAMSA_GROUP = 1000;
const SAMSA_WINDOW = 64;
const SAMSA_WINDOW_BYTES = 16 * 2 ** 20;

function valuePool(recordSize: number): Buffer[] {
  const pool: Buffer[] = [];
  for (let i = 0; i < 256; i++) pool.push(randomFillSync(Buffer.allocUnsafe(recordSize)));
  return pool;
}

/**
 * Wraps our BrokerConnection.request to count Produce requests (batches,
 * bytes, how many were in flight when each was sent) and Fetch requests (how
 * many came back with no records at all, and the time those took).
 */
function traceSamsa(samsa: typeof Samsa): () => string {
  const proto = samsa.BrokerConnection.prototype as unknown as { request: (api: number, body: any, opts?: unknown) => Promise<any> };
  const orig = proto.request;
  let inFlight = 0;
  let produces = 0;
  let batches = 0;
  let bytes = 0;
  const sentWith = new Map<number, number>();
  let fetches = 0;
  let emptyFetches = 0;
  let emptyMs = 0;
  let fetchMs = 0;
  proto.request = async function (this: unknown, api: number, body: any, opts?: unknown) {
    if (api === 0) {
      produces++;
      for (const t of body.topicData) for (const p of t.partitionData) {
        batches++;
        bytes += p.records.length;
      }
      sentWith.set(inFlight, (sentWith.get(inFlight) ?? 0) + 1);
      inFlight++;
      try {
        return await orig.call(this, api, body, opts);
      } finally {
        inFlight--;
      }
    }
    if (api === 1) {
      const t = performance.now();
      const r = await orig.call(this, api, body, opts);
      const ms = performance.now() - t;
      fetches++;
      fetchMs += ms;
      let any = false;
      for (const tr of r.responses) for (const p of tr.partitions) if (p.records?.length) any = true;
      if (!any) {
        emptyFetches++;
        emptyMs += ms;
      }
      return r;
    }
    return orig.call(this, api, body, opts);
  };
  return () => {
    const parts: string[] = [];
    if (produces) {
      const hist = [...sentWith].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${v}`).join(', ');
      parts.push(
        `${produces} Produce requests, ${fmt(batches / produces, 1)} batches of ${fmt(bytes / batches / 1024, 1)} KiB on average per request; ` +
          `requests already in flight when one was sent: {${hist}}`,
      );
    }
    if (fetches) {
      parts.push(
        `${fetches} Fetch requests taking ${fmt(fetchMs)} ms in all; ${emptyFetches} of them returned no records, ` +
          `and those took ${fmt(emptyMs)} ms (waiting out fetch.max.wait.ms)`,
      );
    }
    return parts.join('; ');
  };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Runs `send(chunk)` for chunks of `perSend` records with at most MAX_SENDS_IN_FLIGHT outstanding. */
async function appBatched(count: number, perSend: number, make: (i: number) => unknown, send: (msgs: any[]) => Promise<unknown>): Promise<void> {
  let next = 0;
  const inFlight = new Set<Promise<unknown>>();
  let failure: unknown = null;
  while (next < count) {
    if (failure) throw failure;
    if (inFlight.size >= MAX_SENDS_IN_FLIGHT) {
      await Promise.race(inFlight);
      continue;
    }
    const n = Math.min(perSend, count - next);
    const msgs = new Array(n);
    for (let i = 0; i < n; i++) msgs[i] = make(next + i);
    next += n;
    const p: Promise<unknown> = send(msgs).then(
      () => inFlight.delete(p),
      (err) => {
        failure ??= err;
        inFlight.delete(p);
      },
    );
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
}

async function produce(a: RunnerArgs): Promise<RunnerResult> {
  const pool = valuePool(a.recordSize);
  const bootstrap = `127.0.0.1:${a.port}`;
  const perSend = Math.max(1, Math.floor((a.partitions * BATCH_BYTES) / a.recordSize));
  let close: () => Promise<void> = async () => {};
  const samsa = a.client === 'samsa' ? await loadSamsa() : null;
  const traced = samsa && a.trace ? traceSamsa(samsa) : null;
  const kafkajs = a.client === 'kafkajs' ? await loadKafkaJS() : null;
  const platformatic = a.client === 'platformatic' ? await loadPlatformatic() : null;
  const cpu0 = cpuNow();
  const t0 = performance.now();
  let note: string | undefined;
  if (samsa) {
    const p = new samsa.Producer({
      bootstrapServers: bootstrap,
      acks: a.acks === -1 ? 'all' : 1,
      lingerMs: LINGER_MS,
      batchSize: BATCH_BYTES,
      clientId: 'bench-samsa',
      ...a.samsaConfig,
    });
    close = () => p.close();
    const topic = a.topic;
    const maxGroups = a.noWindow ? Infinity : Math.max(1, Math.min(SAMSA_WINDOW, Math.floor(SAMSA_WINDOW_BYTES / (SAMSA_GROUP * a.recordSize))));
    if (a.form === 'promise') {
      const window: Promise<unknown>[] = [];
      for (let i = 0; i < a.count; ) {
        const n = Math.min(SAMSA_GROUP, a.count - i);
        const group = new Array<Promise<unknown>>(n);
        for (let k = 0; k < n; k++, i++) group[k] = p.send({ topic, value: pool[i & 255]! });
        window.push(Promise.all(group));
        if (window.length >= maxGroups) await window.shift();
      }
      await Promise.all(window);
    } else {
      let acked = 0;
      let failure: Error | null = null;
      let resumeAt = 0;
      let resume: (() => void) | null = null;
      const onDelivery = (err: Error | null) => {
        if (err) failure ??= err;
        acked++;
        if (resume !== null && acked >= resumeAt) {
          const r = resume;
          resume = null;
          r();
        }
      };
      const until = (n: number) =>
        new Promise<void>((r) => {
          resumeAt = n;
          resume = r;
        });
      const maxUnacked = maxGroups * SAMSA_GROUP;
      for (let i = 0; i < a.count; i++) {
        if (i - acked >= maxUnacked) {
          await until(i - maxUnacked + SAMSA_GROUP);
          if (failure) throw failure;
        }
        p.send({ topic, value: pool[i & 255]! }, onDelivery);
      }
      if (acked < a.count) await until(a.count);
      if (failure) throw failure;
    }
  } else if (kafkajs) {
    const kafka = new kafkajs.Kafka({ clientId: 'bench-kafkajs', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    const p = kafka.producer({ allowAutoTopicCreation: false });
    close = () => p.disconnect();
    await p.connect();
    const topic = a.topic;
    await appBatched(
      a.count,
      perSend,
      (i) => ({ value: pool[i & 255]! }),
      (messages) => p.send({ topic, messages, acks: a.acks }),
    );
    note = `${perSend} records per send()`;
  } else {
    const p = new platformatic!.Producer({ clientId: 'bench-platformatic', bootstrapBrokers: [bootstrap], acks: a.acks, autocreateTopics: false });
    close = () => p.close();
    const topic = a.topic;
    await appBatched(
      a.count,
      perSend,
      (i) => ({ topic, value: pool[i & 255]! }),
      (messages) => p.send({ messages }),
    );
    note = `${perSend} records per send()`;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuNow() - cpu0;
  await close();
  if (traced) note = traced();
  return { seconds, records: a.count, valueBytes: a.count * a.recordSize, cpuSeconds, note };
}

async function consume(a: RunnerArgs): Promise<RunnerResult> {
  const bootstrap = `127.0.0.1:${a.port}`;
  let records = 0;
  let valueBytes = 0;
  let close: () => Promise<void> = async () => {};
  const samsa = a.client === 'samsa' ? await loadSamsa() : null;
  const traced = samsa && a.trace ? traceSamsa(samsa) : null;
  const kafkajs = a.client === 'kafkajs' ? await loadKafkaJS() : null;
  const platformatic = a.client === 'platformatic' ? await loadPlatformatic() : null;
  const cpu0 = cpuNow();
  const t0 = performance.now();
  if (samsa) {
    const c = new samsa.Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', clientId: 'bench-samsa', ...a.samsaConfig });
    close = () => c.close();
    c.assign(Array.from({ length: a.partitions }, (_, partition) => ({ topic: a.topic, partition })));
    while (records < a.count) {
      const batch = await c.poll(5000);
      if (batch.length === 0) throw new Error(`no records for 5 s after ${records}`);
      records += batch.length;
      for (const r of batch) valueBytes += r.value!.length;
    }
  } else if (kafkajs) {
    const kafka = new kafkajs.Kafka({ clientId: 'bench-kafkajs', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    const c = kafka.consumer({ groupId: a.groupId, allowAutoTopicCreation: false });
    close = () => c.disconnect();
    await c.connect();
    await c.subscribe({ topic: a.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      c.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            records++;
            valueBytes += m.value!.length;
          }
          if (records >= a.count) resolve();
        },
      }).catch(reject);
    });
  } else {
    const c = new platformatic!.Consumer({ clientId: 'bench-platformatic', groupId: a.groupId, bootstrapBrokers: [bootstrap], autocreateTopics: false });
    close = async () => {
      await c.close(true);
    };
    const stream = await c.consume({ topics: [a.topic], mode: 'earliest', autocommit: false });
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (m: { value: Buffer }) => {
        records++;
        valueBytes += m.value.length;
        if (records === a.count) resolve();
      });
      stream.on('error', reject);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuNow() - cpu0;
  await close();
  return { seconds, records, valueBytes, cpuSeconds, note: traced?.() };
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]!) as RunnerArgs;
  const r = a.op === 'produce' ? await produce(a) : await consume(a);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
