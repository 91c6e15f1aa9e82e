// kafka-producer-perf-test: Kafka 3.9's ProducerPerformance — the same
// options (argparse4j's syntax, help and errors), payloads (--record-size
// random upper-case letters, --payload-file lines picked at random,
// --payload-monotonic counters), throttling (--throughput), producer settings
// (--producer-props over --producer.config, client.id perf-producer-client)
// and report lines:
//
//   51238 records sent, 10245.6 records/sec (10.01 MB/sec), 3.2 ms avg latency, 120.0 ms max latency.
//   100000 records sent, 10050.251256 records/sec (9.81 MB/sec), 3.02 ms avg latency, 120.00 ms max latency, 2 ms 50th, 8 ms 95th, 15 ms 99th, 110 ms 99.9th.
//
// (a window line every 5 s, then the total with latency percentiles sampled
// as Kafka samples them). --print-metrics prints the producer-metrics this
// tool measures in Kafka's metric table layout. Transactions
// (--transaction-duration-ms > 0) need a transactional producer, which the
// Samsa client does not have yet: the tool says so and exits 1.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { Producer } from '../client/producer.js';
import { ArgumentParser, ArgumentParserException, Namespace } from './argparse.js';
import { clientConfig, loadProps } from './options.js';
import { debugStack, javaExceptionName, kafkaMessage } from './output.js';
import { ThroughputThrottler } from './throughput-throttler.js';
import { argumentFailure } from './verifiable-producer.js';

export function argParser(): ArgumentParser {
  const p = new ArgumentParser('producer-performance', 'This tool is used to verify the producer performance.');
  const payload = p.addMutuallyExclusiveGroup('', 'either --record-size or --payload-file must be specified but not both.', true);
  p.addArgument({ flags: ['--topic'], dest: 'topic', required: true, metavar: 'TOPIC', help: 'produce messages to this topic' });
  p.addArgument({ flags: ['--num-records'], dest: 'numRecords', type: 'Long', required: true, metavar: 'NUM-RECORDS', help: 'number of messages to produce' });
  p.addArgument(
    { flags: ['--record-size'], dest: 'recordSize', type: 'Integer', metavar: 'RECORD-SIZE', help: 'message size in bytes. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.' },
    payload,
  );
  p.addArgument(
    {
      flags: ['--payload-file'],
      dest: 'payloadFile',
      metavar: 'PAYLOAD-FILE',
      help: 'file to read the message payloads from. This works only for UTF-8 encoded text files. Payloads will be read from this file and a payload will be randomly selected when sending messages. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.',
    },
    payload,
  );
  p.addArgument(
    {
      flags: ['--payload-monotonic'],
      dest: 'payloadMonotonic',
      action: 'storeTrue',
      type: 'Boolean',
      metavar: 'PAYLOAD-MONOTONIC',
      help: 'payload is monotonically increasing integer. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.',
    },
    payload,
  );
  p.addArgument({
    flags: ['--payload-delimiter'],
    dest: 'payloadDelimiter',
    default: '\\n',
    metavar: 'PAYLOAD-DELIMITER',
    help: 'provides delimiter to be used when --payload-file is provided. Defaults to new line. Note that this parameter will be ignored if --payload-file is not provided.',
  });
  p.addArgument({
    flags: ['--throughput'],
    dest: 'throughput',
    type: 'Double',
    required: true,
    metavar: 'THROUGHPUT',
    help: 'throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling.',
  });
  p.addArgument({
    flags: ['--producer-props'],
    dest: 'producerConfig',
    nargs: '+',
    metavar: 'PROP-NAME=PROP-VALUE',
    help: 'kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take precedence over those passed via --producer.config.',
  });
  p.addArgument({ flags: ['--producer.config'], dest: 'producerConfigFile', metavar: 'CONFIG-FILE', help: 'producer config properties file.' });
  p.addArgument({ flags: ['--print-metrics'], dest: 'printMetrics', action: 'storeTrue', type: 'Boolean', metavar: 'PRINT-METRICS', help: 'print out metrics at the end of the test.' });
  p.addArgument({
    flags: ['--transactional-id'],
    dest: 'transactionalId',
    default: 'performance-producer-default-transactional-id',
    metavar: 'TRANSACTIONAL-ID',
    help: 'The transactionalId to use if transaction-duration-ms is > 0. Useful when testing the performance of concurrent transactions.',
  });
  p.addArgument({
    flags: ['--transaction-duration-ms'],
    dest: 'transactionDurationMs',
    type: 'Long',
    default: 0,
    metavar: 'TRANSACTION-DURATION',
    help: 'The max age of each transaction. The commitTransaction will be called after this time has elapsed. Transactions are only enabled if this value is positive.',
  });
  return p;
}

/** Java's String.format("%.Nf"). */
export const fixed = (x: number, n: number): string => (Number.isFinite(x) ? x.toFixed(n) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity');

/** Kafka's ProducerPerformance.Stats: totals, 5 s windows, sampled latencies for the percentiles. */
export class Stats {
  private readonly start = Date.now();
  private windowStart = Date.now();
  private readonly latencies: Int32Array;
  private readonly sampling: number;
  iteration = 0;
  private index = 0;
  count = 0;
  bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;

  constructor(
    numRecords: number,
    private readonly reportingInterval: number,
    private readonly print: (line: string) => void,
  ) {
    this.sampling = Math.trunc(numRecords / Math.min(numRecords, 500000));
    this.latencies = new Int32Array(Math.trunc(numRecords / this.sampling) + 1);
  }

  record(latency: number, bytes: number, time: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latency;
    this.maxLatency = Math.max(this.maxLatency, latency);
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latency;
    this.windowMaxLatency = Math.max(this.windowMaxLatency, latency);
    if (this.iteration % this.sampling === 0) this.latencies[this.index++] = latency;
    if (time - this.windowStart >= this.reportingInterval) {
      this.printWindow();
      this.newWindow();
    }
  }

  printWindow(): void {
    const elapsed = Date.now() - this.windowStart;
    const recsPerSec = (1000.0 * this.windowCount) / elapsed;
    const mbPerSec = (1000.0 * this.windowBytes) / elapsed / (1024.0 * 1024.0);
    this.print(
      `${this.windowCount} records sent, ${fixed(recsPerSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ${fixed(this.windowTotalLatency / this.windowCount, 1)} ms avg latency, ${fixed(this.windowMaxLatency, 1)} ms max latency.`,
    );
  }

  private newWindow(): void {
    this.windowStart = Date.now();
    this.windowCount = 0;
    this.windowMaxLatency = 0;
    this.windowTotalLatency = 0;
    this.windowBytes = 0;
  }

  printTotal(): void {
    const elapsed = Date.now() - this.start;
    const recsPerSec = (1000.0 * this.count) / elapsed;
    const mbPerSec = (1000.0 * this.bytes) / elapsed / (1024.0 * 1024.0);
    const size = Math.min(this.index, this.latencies.length);
    const sorted = this.latencies.subarray(0, size).sort();
    const perc = (p: number) => (size === 0 ? this.latencies[0]! : sorted[Math.trunc(p * size)]!);
    this.print(
      `${this.count} records sent, ${fixed(recsPerSec, 6)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ${fixed(this.totalLatency / this.count, 2)} ms avg latency, ${fixed(this.maxLatency, 2)} ms max latency, ` +
        `${perc(0.5)} ms 50th, ${perc(0.95)} ms 95th, ${perc(0.99)} ms 99th, ${perc(0.999)} ms 99.9th.`,
    );
  }
}

/** Kafka's ToolsUtils.printMetrics layout: "\nMetric Name   Value", then "group:name:{tags} : value". */
export function printMetrics(metrics: [string, number | string][]): void {
  const width = Math.max(...metrics.map(([n]) => n.length));
  let out = `\n${'Metric Name'.padEnd(width)}   Value\n`;
  for (const [name, value] of [...metrics].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    out += `${name.padEnd(width)} : ${typeof value === 'number' ? value.toFixed(3) : value}\n`;
  }
  process.stdout.write(out);
}

class ToolFailure extends Error {}

/** 26 KiB-periodic pool of random upper-case letters: --record-size payloads are slices of it at random offsets. */
function letterPool(size: number): Buffer {
  const pool = Buffer.allocUnsafe(Math.max(1 << 16, size * 2));
  randomFillSync(pool);
  for (let i = 0; i < pool.length; i++) pool[i] = 65 + (pool[i]! % 26);
  return pool;
}

export async function main(args: string[]): Promise<number> {
  const parser = argParser();
  let res: Namespace;
  try {
    res = parser.parse(args);
    if (res.producerConfig === null && res.producerConfigFile === null) throw new ArgumentParserException('Either --producer-props or --producer.config must be specified.');
  } catch (err) {
    if (args.length === 0) {
      process.stdout.write(parser.formatHelp());
      return 0;
    }
    argumentFailure(parser, err);
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const topic = res.topic as string;
  const numRecords = res.numRecords as number;
  const recordSize = res.recordSize as number | null;
  const throughput = res.throughput as number;
  const monotonic = res.payloadMonotonic as boolean;
  const transactionsEnabled = (res.transactionDurationMs as number) > 0;
  const delimiter = (res.payloadDelimiter as string) === '\\n' ? '\n' : (res.payloadDelimiter as string);

  let producer: Producer;
  let payloads: Buffer[] = [];
  let props: Record<string, string>;
  try {
    const file = res.payloadFile as string | null;
    if (file !== null) {
      log(`Reading payloads from: ${path.resolve(file)}`);
      let size = 0;
      try {
        size = statSync(file).size;
      } catch {
        size = 0;
      }
      if (size === 0) throw new ToolFailure('java.lang.IllegalArgumentException: File does not exist or empty file provided.');
      // Java's String.split(regex) drops trailing empty strings.
      const parts = readFileSync(file, 'utf8').split(new RegExp(delimiter));
      while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
      log(`Number of messages read: ${parts.length}`);
      payloads = parts.map((s) => Buffer.from(s, 'utf8'));
    }
    props = res.producerConfigFile !== null ? loadProps(res.producerConfigFile as string) : {};
    for (const prop of (res.producerConfig as string[] | null) ?? []) {
      const pieces = prop.split('=');
      while (pieces.length > 0 && pieces[pieces.length - 1] === '') pieces.pop();
      if (pieces.length !== 2) throw new ToolFailure(`java.lang.IllegalArgumentException: Invalid property: ${prop}`);
      props[pieces[0]!] = pieces[1]!;
    }
    if (transactionsEnabled) props['transactional.id'] = res.transactionalId as string;
    props['client.id'] ??= 'perf-producer-client';
    if (!props['bootstrap.servers']) throw new ToolFailure('org.apache.kafka.common.config.ConfigException: Missing required configuration "bootstrap.servers" which has no default value.');
    producer = new Producer(clientConfig(props['bootstrap.servers'], props));
    if (transactionsEnabled) await producer.initTransactions();
  } catch (err) {
    process.stderr.write(`${err instanceof ToolFailure ? err.message : `${javaExceptionName(err)}: ${kafkaMessage(err)}`}\n`);
    debugStack(err);
    return 1;
  }

  if (numRecords <= 0) {
    // Kafka's Stats divides by min(numRecords, 500000).
    process.stderr.write('java.lang.ArithmeticException: / by zero\n');
    await producer.close();
    return 1;
  }
  const pool = recordSize !== null ? letterPool(recordSize) : null;
  const stats = new Stats(numRecords, 5000, log);
  const startMs = Date.now();
  const throttler = new ThroughputThrottler(throughput, startMs);
  let stopping = false;
  const onSignal = () => {
    stopping = true;
    throttler.wakeup();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const transactionDurationMs = res.transactionDurationMs as number;
  let currentTransactionSize = 0;
  let transactionStartTime = 0;
  let errors = 0;
  let outstanding = 0;
  let drained: (() => void) | null = null;
  // Java's send() blocks on a full buffer.memory; here the loop waits while this many sends are outstanding.
  const maxOutstanding = Math.max(1000, Math.floor(producer.config.bufferMemory / Math.max(64, recordSize ?? 64)));
  for (let i = 0; i < numRecords && !stopping; i++) {
    let payload: Buffer;
    if (payloads.length > 0) payload = payloads[Math.floor(Math.random() * payloads.length)]!;
    else if (pool !== null) {
      const off = Math.floor(Math.random() * (pool.length - recordSize!));
      payload = pool.subarray(off, off + recordSize!);
    } else if (monotonic) payload = Buffer.from(String(i), 'utf8');
    else throw new Error('no payload File Path or record Size or payload-monotonic option provided');
    if (transactionsEnabled && currentTransactionSize === 0) {
      producer.beginTransaction();
      transactionStartTime = Date.now();
    }
    const sendStartMs = Date.now();
    const bytes = payload.length;
    outstanding++;
    producer.send({ topic, value: payload }).then(
      () => {
        const now = Date.now();
        stats.record(now - sendStartMs, bytes, now);
        stats.iteration++;
        if (--outstanding < maxOutstanding && drained) drained();
      },
      (err) => {
        errors++;
        process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
        debugStack(err);
        if (--outstanding < maxOutstanding && drained) drained();
      },
    );
    currentTransactionSize++;
    if (transactionsEnabled && transactionDurationMs <= sendStartMs - transactionStartTime) {
      await producer.commitTransaction();
      currentTransactionSize = 0;
    }
    if (throttler.shouldThrottle(i, sendStartMs)) await throttler.throttle();
    if (outstanding >= maxOutstanding) await new Promise<void>((r) => (drained = r));
    else if (i % 512 === 511) await new Promise<void>((r) => setImmediate(r));
    drained = null;
  }

  if (transactionsEnabled && currentTransactionSize !== 0) await producer.commitTransaction();
  if (!res.printMetrics) {
    await producer.close();
    stats.printTotal();
  } else {
    await producer.flush();
    stats.printTotal();
    const tags = `{client-id=${props['client.id']}}`;
    const elapsedSec = (Date.now() - startMs) / 1000;
    printMetrics([
      [`producer-metrics:record-send-total:${tags}`, stats.count],
      [`producer-metrics:record-send-rate:${tags}`, stats.count / elapsedSec],
      [`producer-metrics:record-error-total:${tags}`, errors],
      [`producer-metrics:record-error-rate:${tags}`, errors / elapsedSec],
      [`producer-metrics:byte-total:${tags}`, stats.bytes],
      [`producer-metrics:byte-rate:${tags}`, stats.bytes / elapsedSec],
    ]);
    await producer.close();
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return 0;
}
