// kafka-consumer-perf-test: Kafka 3.9's ConsumerPerformance — its options
// (jopt-simple: --bootstrap-server or the old --broker-list, --topic,
// --messages, --group with a random perf-consumer-NNNNN default,
// --fetch-size, --from-latest, --timeout, --reporting-interval,
// --show-detailed-stats, --date-format, --hide-header, --consumer.config,
// --print-metrics; --threads and --num-fetch-threads accepted and ignored with
// Kafka's warning), its consumer settings (client.id perf-consumer-client,
// check.crcs=false, auto.offset.reset earliest unless --from-latest) and its
// output:
//
//   start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
//   2024-01-01 10:00:00:000, 2024-01-01 10:00:05:123, 9.5367, 1.8613, 100000, 19516.0031, 3012, 2111, 4.5176, 47370.9143
//
// rebalance.time.ms is the time spent joining the group (the rebalance
// listener's assigned minus revoked times), as Kafka measures it.

import { Consumer } from '../client/consumer.js';
import {
  ArgumentError,
  CommandExit,
  OptionException,
  OptionParser,
  OptionSet,
  checkRequiredArgs,
  clientConfig,
  loadProps,
  maybePrintHelpOrVersion,
  printUsageAndExit,
} from './options.js';
import { debugStack, javaExceptionName, kafkaMessage } from './output.js';
import { fixed, printMetrics } from './producer-perf-test.js';

function parser(defaultGroup: string): OptionParser {
  return new OptionParser()
    .arg('broker-list', 'DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified. The broker list string in the form HOST1:PORT1,HOST2:PORT2.', { describedAs: 'broker-list' })
    .arg('bootstrap-server', 'REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to.', { describedAs: 'server to connect to' })
    .arg('topic', 'REQUIRED: The topic to consume from.', { describedAs: 'topic' })
    .arg('group', 'The group id to consume on.', { describedAs: 'gid', defaults: defaultGroup })
    .arg('fetch-size', 'The amount of data to fetch in a single request.', { describedAs: 'size', type: 'Integer', defaults: String(1024 * 1024) })
    .flag('from-latest', 'If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message.')
    .arg('socket-buffer-size', 'The size of the tcp RECV size.', { describedAs: 'size', type: 'Integer', defaults: String(2 * 1024 * 1024) })
    .arg('threads', 'DEPRECATED AND IGNORED: Number of processing threads.', { describedAs: 'count', type: 'Integer', defaults: '10' })
    .arg('num-fetch-threads', 'DEPRECATED AND IGNORED: Number of fetcher threads.', { describedAs: 'count', type: 'Integer', defaults: '1' })
    .arg('consumer.config', 'Consumer config properties file.', { describedAs: 'config file' })
    .flag('print-metrics', 'Print out the metrics.')
    .flag('show-detailed-stats', 'If set, stats are reported for each reporting interval as configured by reporting-interval')
    .arg('timeout', 'The maximum allowed time in milliseconds between returned records.', { describedAs: 'milliseconds', type: 'Long', defaults: '10000', optional: true })
    .arg('messages', 'REQUIRED: The number of messages to send or consume', { describedAs: 'count', type: 'Long' })
    .arg('reporting-interval', 'Interval in milliseconds at which to print progress info.', { describedAs: 'interval_ms', type: 'Long', defaults: '5000' })
    .arg('date-format', 'The date format to use for formatting the time field. See java.text.SimpleDateFormat for options.', { describedAs: 'date format', defaults: 'yyyy-MM-dd HH:mm:ss:SSS' })
    .flag('hide-header', 'If set, skips printing the header for the stats');
}

/** java.text.SimpleDateFormat for the common pattern letters (local time), with quoted literals. */
export function simpleDateFormat(pattern: string): (ms: number) => string {
  const tokens: ((d: Date) => string)[] = [];
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      let j = i + 1;
      let lit = '';
      for (;;) {
        if (j >= pattern.length) throw new ArgumentError('Unterminated quote');
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            lit += "'";
            j += 2;
            continue;
          }
          break;
        }
        lit += pattern[j++];
      }
      tokens.push(() => (lit === '' ? "'" : lit));
      i = j + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      tokens.push(() => c);
      i++;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    i += n;
    const tz = (d: Date) => {
      const off = -d.getTimezoneOffset();
      const s = off >= 0 ? '+' : '-';
      return `${s}${pad(Math.floor(Math.abs(off) / 60), 2)}${pad(Math.abs(off) % 60, 2)}`;
    };
    const f: { [k: string]: (d: Date) => string } = {
      y: (d) => (n === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), n)),
      Y: (d) => (n === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), n)),
      M: (d) => (n >= 4 ? MONTHS[d.getMonth()]! : n === 3 ? MONTHS[d.getMonth()]!.slice(0, 3) : pad(d.getMonth() + 1, n)),
      d: (d) => pad(d.getDate(), n),
      H: (d) => pad(d.getHours(), n),
      k: (d) => pad(d.getHours() === 0 ? 24 : d.getHours(), n),
      K: (d) => pad(d.getHours() % 12, n),
      h: (d) => pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12, n),
      m: (d) => pad(d.getMinutes(), n),
      s: (d) => pad(d.getSeconds(), n),
      S: (d) => pad(d.getMilliseconds(), n),
      a: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
      E: (d) => (n >= 4 ? DAYS[d.getDay()]! : DAYS[d.getDay()]!.slice(0, 3)),
      Z: tz,
      X: (d) => (d.getTimezoneOffset() === 0 ? 'Z' : tz(d)),
    };
    const fn = f[c];
    if (!fn) throw new ArgumentError(`Illegal pattern character '${c}'`);
    tokens.push(fn);
  }
  return (ms) => {
    const d = new Date(ms);
    return tokens.map((t) => t(d)).join('');
  };
}

const HEADER_EXTRA = ', rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';

export async function main(args: string[]): Promise<number> {
  const p = parser(`perf-consumer-${Math.floor(Math.random() * 100_000)}`);
  let opts: OptionSet;
  try {
    opts = p.parse(args);
    // jopt-simple's requiredUnless("broker-list") is checked while parsing.
    if (!opts.has('help') && !opts.has('version') && args.length > 0 && !opts.has('bootstrap-server') && !opts.has('broker-list')) {
      throw new OptionException('Missing required option(s) [bootstrap-server]');
    }
  } catch (err) {
    if (err instanceof OptionException) printUsageAndExit(p, err.message);
    throw err;
  }
  if (opts.has('threads') || opts.has('num-fetch-threads')) process.stdout.write('WARNING: option [threads] and [num-fetch-threads] have been deprecated and will be ignored by the test\n');
  maybePrintHelpOrVersion(opts, 'This tool is used to verify the consumer performance.');
  checkRequiredArgs(opts, 'topic', 'messages');

  let consumer: Consumer;
  let numMessages: number;
  let timeoutMs: number;
  let reportingIntervalMs: number;
  let dateFormat: (ms: number) => string;
  const detailed = opts.has('show-detailed-stats');
  try {
    numMessages = opts.number('messages')!;
    timeoutMs = opts.number('timeout')!;
    reportingIntervalMs = opts.number('reporting-interval')!;
    dateFormat = simpleDateFormat(opts.valueOf('date-format')!);
    const props = opts.has('consumer.config') ? loadProps(opts.valueOf('consumer.config')!) : {};
    const bootstrap = opts.valueOf(opts.has('bootstrap-server') ? 'bootstrap-server' : 'broker-list')!;
    const overrides: Record<string, string> = {
      'group.id': opts.valueOf('group')!,
      'max.partition.fetch.bytes': String(opts.number('fetch-size')),
      'auto.offset.reset': opts.has('from-latest') ? 'latest' : 'earliest',
      'check.crcs': 'false',
    };
    const merged = { ...props, ...overrides };
    merged['client.id'] ??= 'perf-consumer-client';
    consumer = new Consumer(clientConfig(bootstrap, merged));
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    // Kafka's tool prints the message of what it caught (a value jopt-simple could not convert, a bad date format).
    process.stderr.write(`${err instanceof ArgumentError || err instanceof OptionException ? err.message : `${javaExceptionName(err)}: ${kafkaMessage(err)}`}\n`);
    debugStack(err);
    return 1;
  }

  const out = (s: string) => process.stdout.write(s);
  if (!opts.has('hide-header')) {
    out(detailed ? `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${HEADER_EXTRA}\n` : `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${HEADER_EXTRA}\n`);
  }

  let stopping = false;
  const onSignal = () => {
    stopping = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startMs = Date.now();
  let joinStartMs = startMs;
  let joinTimeMs = 0;
  let joinTimeMsInSingleRound = 0;
  let bytesRead = 0;
  let messagesRead = 0;
  let lastBytesRead = 0;
  let lastMessagesRead = 0;
  let exitCode = 0;
  try {
    if (reportingIntervalMs <= 0) throw new ArgumentError('Reporting interval must be greater than 0.');
    consumer.subscribe([opts.valueOf('topic')!], {
      onPartitionsRevoked: () => {
        joinStartMs = Date.now();
      },
      onPartitionsAssigned: () => {
        const elapsed = Date.now() - joinStartMs;
        joinTimeMs += elapsed;
        joinTimeMsInSingleRound += elapsed;
      },
    });
    let currentTimeMs = Date.now();
    let lastReportTimeMs = currentTimeMs;
    let lastConsumedTimeMs = currentTimeMs;
    while (!stopping && messagesRead < numMessages && currentTimeMs - lastConsumedTimeMs <= timeoutMs) {
      const records = await consumer.poll(100);
      currentTimeMs = Date.now();
      if (records.length > 0) lastConsumedTimeMs = currentTimeMs;
      for (const r of records) {
        messagesRead++;
        if (r.key !== null) bytesRead += r.key.length;
        if (r.value !== null) bytesRead += r.value.length;
        if (currentTimeMs - lastReportTimeMs >= reportingIntervalMs) {
          if (detailed) {
            const elapsedMs = currentTimeMs - lastReportTimeMs;
            const totalMb = bytesRead / (1024 * 1024);
            const intervalMb = (bytesRead - lastBytesRead) / (1024 * 1024);
            const fetchTimeMs = elapsedMs - joinTimeMsInSingleRound;
            out(
              `${dateFormat(currentTimeMs)}, 0, ${fixed(totalMb, 4)}, ${fixed((1000.0 * intervalMb) / elapsedMs, 4)}, ${messagesRead}, ${fixed(((messagesRead - lastMessagesRead) / elapsedMs) * 1000.0, 4)}` +
                `, ${joinTimeMsInSingleRound}, ${fetchTimeMs}, ${fixed(fetchTimeMs <= 0 ? 0 : (1000.0 * intervalMb) / fetchTimeMs, 4)}, ${fixed(fetchTimeMs <= 0 ? 0 : (1000.0 * (messagesRead - lastMessagesRead)) / fetchTimeMs, 4)}\n`,
            );
          }
          joinTimeMsInSingleRound = 0;
          lastReportTimeMs = currentTimeMs;
          lastMessagesRead = messagesRead;
          lastBytesRead = bytesRead;
        }
      }
    }
    if (messagesRead < numMessages && !stopping) {
      out(`WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
    }
  } catch (err) {
    process.stderr.write(`${err instanceof ArgumentError ? err.message : `${javaExceptionName(err)}: ${kafkaMessage(err)}`}\n`);
    debugStack(err);
    exitCode = 1;
  }
  const endMs = Date.now();
  await consumer.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (exitCode !== 0) return exitCode;

  const elapsedSec = (endMs - startMs) / 1000.0;
  const fetchTimeInMs = endMs - startMs - joinTimeMs;
  if (!detailed) {
    const totalMb = bytesRead / (1024 * 1024);
    out(
      `${dateFormat(startMs)}, ${dateFormat(endMs)}, ${fixed(totalMb, 4)}, ${fixed(totalMb / elapsedSec, 4)}, ${messagesRead}, ${fixed(messagesRead / elapsedSec, 4)}, ` +
        `${joinTimeMs}, ${fetchTimeInMs}, ${fixed(totalMb / (fetchTimeInMs / 1000.0), 4)}, ${fixed(messagesRead / (fetchTimeInMs / 1000.0), 4)}\n`,
    );
  }
  if (opts.has('print-metrics')) {
    const tags = `{client-id=${consumer.config.clientId}}`;
    printMetrics([
      [`consumer-fetch-manager-metrics:records-consumed-total:${tags}`, messagesRead],
      [`consumer-fetch-manager-metrics:records-consumed-rate:${tags}`, messagesRead / elapsedSec],
      [`consumer-fetch-manager-metrics:bytes-consumed-total:${tags}`, bytesRead],
      [`consumer-fetch-manager-metrics:bytes-consumed-rate:${tags}`, bytesRead / elapsedSec],
      [`consumer-coordinator-metrics:rebalance-latency-total:${tags}`, joinTimeMs],
    ]);
  }
  return stopping ? 130 : 0;
}
