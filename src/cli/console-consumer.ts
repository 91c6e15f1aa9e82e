// kafka-console-consumer: prints records of topics to standard output —
// Kafka 3.9's ConsoleConsumer options and checks, its consumer settings
// (client.id console-consumer, a random console-consumer-NNNNN group without
// auto-commit when no group is given, auto.offset.reset from --from-beginning),
// its DefaultMessageFormatter (print.key, print.value, print.timestamp,
// print.partition, print.offset, print.headers, key.separator,
// line.separator, headers.separator, null.literal, key/value/headers
// deserializers), and "Processed a total of N messages" on stderr at the end,
// including after Ctrl-C — on the Samsa Consumer. Records handed out by a poll
// but not printed (--max-messages reached) are sought back before the
// consumer closes, so they are not committed, as Kafka's tool does.

import { Consumer } from '../client/consumer.js';
import type { ConsumerRecord } from '../client/consumer.js';
import {
  ArgumentError,
  CommandExit,
  OptionParser,
  OptionSet,
  checkRequiredArgs,
  clientConfig,
  loadProps,
  maybePrintHelpOrVersion,
  parseJavaInteger,
  parseKeyValueArgs,
  parseOrUsage,
  printUsageAndExit,
} from './options.js';
import { debugStack, javaExceptionName, kafkaMessage, logError, stdoutState, writeOut } from './output.js';
import { topicFilter } from './topics.js';

const DEFAULT_FORMATTER = 'org.apache.kafka.tools.consumer.DefaultMessageFormatter';
const COMPONENT = 'org.apache.kafka.tools.consumer.ConsoleConsumer$';

function parser(): OptionParser {
  return new OptionParser()
    .arg('topic', 'The topic to consume on.', { describedAs: 'topic' })
    .arg('whitelist', 'DEPRECATED, use --include instead; ignored if --include specified. Regular expression specifying list of topics to include for consumption.', { describedAs: 'Java regex (String)' })
    .arg('include', 'Regular expression specifying list of topics to include for consumption.', { describedAs: 'Java regex (String)' })
    .arg('partition', "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified.", { describedAs: 'partition', type: 'Integer' })
    .arg('offset', "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end", { describedAs: 'consume offset', defaults: 'latest' })
    .arg('consumer-property', 'A mechanism to pass user-defined properties in the form key=value to the consumer.', { describedAs: 'consumer_prop' })
    .arg('consumer.config', 'Consumer config properties file. Note that [consumer-property] takes precedence over this config.', { describedAs: 'config file' })
    .arg('formatter', 'The name of a class to use for formatting kafka messages for display.', { describedAs: 'class', defaults: DEFAULT_FORMATTER })
    .arg(
      'property',
      'The properties to initialize the message formatter. Default properties include: \n print.timestamp=true|false\n print.key=true|false\n print.offset=true|false\n print.partition=true|false\n print.headers=true|false\n print.value=true|false\n key.separator=<key.separator>\n line.separator=<line.separator>\n headers.separator=<line.separator>\n null.literal=<null.literal>\n key.deserializer=<key.deserializer>\n value.deserializer=<value.deserializer>\n header.deserializer=<header.deserializer>\n' +
        "\nUsers can also pass in customized properties for their formatter; more specifically, users can pass in properties keyed with 'key.deserializer.', 'value.deserializer.' and 'headers.deserializer.' prefixes to configure their deserializers.",
      { describedAs: 'prop' },
    )
    .arg('formatter-config', 'Config properties file to initialize the message formatter. Note that [property] takes precedence over this config.', { describedAs: 'config file' })
    .flag('from-beginning', 'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.')
    .arg('max-messages', 'The maximum number of messages to consume before exiting. If not set, consumption is continual.', { describedAs: 'num_messages', type: 'Integer' })
    .arg('timeout-ms', 'If specified, exit if no message is available for consumption for the specified interval.', { describedAs: 'timeout_ms', type: 'Long' })
    .flag('skip-message-on-error', 'If there is an error when processing a message, skip it instead of halt.')
    .arg('bootstrap-server', 'REQUIRED: The server(s) to connect to.', { describedAs: 'server to connect to' })
    .arg('key-deserializer', '', { describedAs: 'deserializer for key' })
    .arg('value-deserializer', '', { describedAs: 'deserializer for values' })
    .flag('enable-systest-events', 'Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)')
    .arg('isolation-level', 'Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages.', { defaults: 'read_uncommitted' })
    .arg('group', 'The consumer group id of the consumer.', { describedAs: 'consumer group id' });
}

// ------------------------------------------------------------------ formatting

type ToText = (bytes: Buffer, topic: string) => string | Buffer;

/** Kafka's deserializers by class name, producing what their toString() prints. */
const DESERIALIZERS: Record<string, ToText> = {
  'org.apache.kafka.common.serialization.StringDeserializer': (b) => b.toString('utf8'),
  'org.apache.kafka.common.serialization.ByteArrayDeserializer': (b) => b,
  'org.apache.kafka.common.serialization.ByteBufferDeserializer': (b) => b,
  'org.apache.kafka.common.serialization.BytesDeserializer': (b) => bytesToString(b),
  'org.apache.kafka.common.serialization.IntegerDeserializer': (b) => fixed(b, 4, () => String(b.readInt32BE(0))),
  'org.apache.kafka.common.serialization.ShortDeserializer': (b) => fixed(b, 2, () => String(b.readInt16BE(0))),
  'org.apache.kafka.common.serialization.LongDeserializer': (b) => fixed(b, 8, () => b.readBigInt64BE(0).toString()),
  'org.apache.kafka.common.serialization.FloatDeserializer': (b) => fixed(b, 4, () => javaFloat(b.readFloatBE(0))),
  'org.apache.kafka.common.serialization.DoubleDeserializer': (b) => fixed(b, 8, () => javaFloat(b.readDoubleBE(0))),
  'org.apache.kafka.common.serialization.UUIDDeserializer': (b) => b.toString('utf8'),
  'org.apache.kafka.common.serialization.VoidDeserializer': () => 'null',
};

function fixed(b: Buffer, n: number, f: () => string): string {
  if (b.length !== n) throw new Error(`Size of data received by ${n === 8 ? 'Long' : n === 4 ? 'Integer' : 'Short'}Deserializer is not ${n}`);
  return f();
}

function javaFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e7) return `${n}.0`;
  return String(n);
}

/** Kafka's Bytes.toString: printable ASCII as is, everything else as \xHH. */
function bytesToString(b: Buffer): string {
  let out = '';
  for (const c of b) out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

export class DefaultMessageFormatter {
  printTimestamp = false;
  printKey = false;
  printValue = true;
  printPartition = false;
  printOffset = false;
  printHeaders = false;
  keySeparator = Buffer.from('\t');
  lineSeparator = Buffer.from('\n');
  headersSeparator = Buffer.from(',');
  nullLiteral = Buffer.from('null');
  keyDeserializer: ToText | null = null;
  valueDeserializer: ToText | null = null;
  headersDeserializer: ToText | null = null;

  constructor(configs: Record<string, string>) {
    const bool = (k: string) => configs[k]!.trim().toLowerCase() === 'true';
    if ('print.timestamp' in configs) this.printTimestamp = bool('print.timestamp');
    if ('print.key' in configs) this.printKey = bool('print.key');
    if ('print.offset' in configs) this.printOffset = bool('print.offset');
    if ('print.partition' in configs) this.printPartition = bool('print.partition');
    if ('print.headers' in configs) this.printHeaders = bool('print.headers');
    if ('print.value' in configs) this.printValue = bool('print.value');
    if ('key.separator' in configs) this.keySeparator = Buffer.from(configs['key.separator']!);
    if ('line.separator' in configs) this.lineSeparator = Buffer.from(configs['line.separator']!);
    if ('headers.separator' in configs) this.headersSeparator = Buffer.from(configs['headers.separator']!);
    if ('null.literal' in configs) this.nullLiteral = Buffer.from(configs['null.literal']!);
    const deser = (k: string): ToText | null => {
      const name = configs[k];
      if (name === undefined) return null;
      const d = DESERIALIZERS[name];
      if (!d) logError('org.apache.kafka.tools.consumer.DefaultMessageFormatter', `Unable to instantiate a deserializer from ${name}`);
      return d ?? null;
    };
    this.keyDeserializer = deser('key.deserializer');
    this.valueDeserializer = deser('value.deserializer');
    this.headersDeserializer = deser('headers.deserializer');
  }

  private field(bytes: Buffer | null, d: ToText | null, topic: string): Buffer {
    const b = bytes ?? this.nullLiteral;
    if (!d) return b;
    const t = d(b, topic);
    return typeof t === 'string' ? Buffer.from(t) : t;
  }

  /** The bytes Kafka's formatter writes for one record. */
  format(r: ConsumerRecord, out: Buffer[]): void {
    const sep = (more: boolean) => out.push(more ? this.keySeparator : this.lineSeparator);
    if (this.printTimestamp) {
      // As Kafka's DefaultMessageFormatter: NO_TIMESTAMP only for records without a timestamp type (magic 0).
      out.push(Buffer.from(r.timestampType !== 'NoTimestampType' ? `${r.timestampType}:${r.timestamp}` : 'NO_TIMESTAMP'));
      sep(this.printOffset || this.printPartition || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printPartition) {
      out.push(Buffer.from(`Partition:${r.partition}`));
      sep(this.printOffset || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printOffset) {
      out.push(Buffer.from(`Offset:${r.offset}`));
      sep(this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printHeaders) {
      if (r.headers.length === 0) out.push(Buffer.from('NO_HEADERS'));
      r.headers.forEach((h, i) => {
        out.push(Buffer.from(`${h.key}:`), this.field(h.value, this.headersDeserializer, r.topic));
        if (i < r.headers.length - 1) out.push(this.headersSeparator);
      });
      sep(this.printKey || this.printValue);
    }
    if (this.printKey) {
      out.push(this.field(r.key, this.keyDeserializer, r.topic));
      sep(this.printValue);
    }
    if (this.printValue) {
      out.push(this.field(r.value, this.valueDeserializer, r.topic), this.lineSeparator);
    }
  }
}

interface Formatter {
  format(r: ConsumerRecord, out: Buffer[]): void;
}

function buildFormatter(opts: OptionSet): Formatter {
  let name = opts.valueOf('formatter')!;
  const deprecated: Record<string, string> = {
    'kafka.tools.DefaultMessageFormatter': DEFAULT_FORMATTER,
    'kafka.tools.NoOpMessageFormatter': 'org.apache.kafka.tools.consumer.NoOpMessageFormatter',
  };
  if (deprecated[name]) {
    process.stderr.write(`WARNING: ${name} is deprecated and will be removed in the next major release. Please use ${deprecated[name]} instead\n`);
    name = deprecated[name]!;
  }
  const args: Record<string, string> = opts.has('formatter-config') ? loadProps(opts.valueOf('formatter-config')!) : {};
  if (opts.valueOf('key-deserializer')) args['key.deserializer'] = opts.valueOf('key-deserializer')!;
  if (opts.valueOf('value-deserializer')) args['value.deserializer'] = opts.valueOf('value-deserializer')!;
  Object.assign(args, parseKeyValueArgs(opts.valuesOf('property')));
  if (name === DEFAULT_FORMATTER) return new DefaultMessageFormatter(args);
  if (name === 'org.apache.kafka.tools.consumer.NoOpMessageFormatter') return { format() {} };
  // Kafka prints the exception's message: for a class it cannot load, the class name.
  printUsageAndExit(opts.parser, name);
}

// ------------------------------------------------------------------ options

interface Settings {
  props: Record<string, string>;
  topic?: string;
  include?: string;
  partition?: number;
  /** -2 earliest, -1 latest, else an offset. */
  offset: number;
  maxMessages: number;
  timeoutMs: number;
  formatter: Formatter;
  skipOnError: boolean;
}

function settings(opts: OptionSet): Settings {
  maybePrintHelpOrVersion(opts, 'This tool helps to read data from Kafka topics and outputs it to standard output.');
  const topic = opts.valueOf('topic');
  const include = opts.has('include') ? opts.valueOf('include') : opts.valueOf('whitelist');
  if ([topic, include].filter((x) => x !== undefined).length !== 1) {
    printUsageAndExit(opts.parser, `Exactly one of --include/--topic is required. ${opts.has('whitelist') ? '--whitelist is DEPRECATED use --include instead; ignored if --include specified.' : ''}`);
  }
  const partition = opts.number('partition');
  if (partition !== undefined) {
    if (!opts.has('topic')) printUsageAndExit(opts.parser, 'The topic is required when partition is specified.');
    if (opts.has('from-beginning') && opts.has('offset')) printUsageAndExit(opts.parser, 'Options from-beginning and offset cannot be specified together.');
  } else if (opts.has('offset')) {
    printUsageAndExit(opts.parser, 'The partition is required when offset is specified.');
  }
  checkRequiredArgs(opts, 'bootstrap-server');

  const fromFile = opts.has('consumer.config') ? loadProps(opts.valueOf('consumer.config')!) : {};
  const extra = parseKeyValueArgs(opts.valuesOf('consumer-property'));
  const groups = new Set<string>();
  if (opts.has('group')) groups.add(opts.valueOf('group')!);
  if (fromFile['group.id'] !== undefined) groups.add(fromFile['group.id']);
  if (extra['group.id'] !== undefined) groups.add(extra['group.id']);
  if (groups.size > 1) {
    printUsageAndExit(
      opts.parser,
      `The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: ${[...groups].map((g) => `'${g}'`).join(', ')}`,
    );
  }
  if (groups.size > 0 && partition !== undefined) printUsageAndExit(opts.parser, 'Options group and partition cannot be specified together.');

  const props: Record<string, string> = { ...fromFile, ...extra };
  if ('auto.offset.reset' in props) {
    if (opts.has('from-beginning') && props['auto.offset.reset'] !== 'earliest') {
      process.stderr.write(`Can't simultaneously specify --from-beginning and 'auto.offset.reset=${props['auto.offset.reset']}', please remove one option\n`);
      throw new CommandExit(1);
    }
  } else {
    props['auto.offset.reset'] = opts.has('from-beginning') ? 'earliest' : 'latest';
  }
  if (props['client.id'] === undefined) props['client.id'] = 'console-consumer';
  if (opts.has('isolation-level') || !('isolation.level' in props)) props['isolation.level'] = opts.valueOf('isolation-level')!;
  if (groups.size === 0) {
    props['group.id'] = `console-consumer-${Math.floor(Math.random() * 100000)}`;
    if (!('enable.auto.commit' in props)) props['enable.auto.commit'] = 'false';
  } else {
    props['group.id'] = [...groups][0]!;
  }

  let offset = -1;
  if (opts.has('offset')) {
    const o = opts.valueOf('offset')!;
    const invalid = () => printUsageAndExit(opts.parser, `The provided offset value '${o}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
    if (o.toLowerCase() === 'earliest') offset = -2;
    else if (o.toLowerCase() === 'latest') offset = -1;
    else {
      try {
        offset = parseJavaInteger(o, 'long', () => new ArgumentError('invalid'));
      } catch {
        invalid();
      }
      if (offset < 0) invalid();
    }
  } else if (opts.has('from-beginning')) offset = -2;
  const timeout = opts.has('timeout-ms') ? opts.number('timeout-ms')! : -1;
  return {
    props: clientConfig(opts.valueOf('bootstrap-server')!, props),
    topic,
    include,
    partition,
    offset,
    maxMessages: opts.has('max-messages') ? opts.number('max-messages')! : -1,
    timeoutMs: timeout >= 0 ? timeout : Number.POSITIVE_INFINITY,
    formatter: buildFormatter(opts),
    skipOnError: opts.has('skip-message-on-error'),
  };
}

// ------------------------------------------------------------------ running

const POLL_SLICE_MS = 200;

export async function main(args: string[]): Promise<number> {
  const opts = parseOrUsage(parser(), args);
  let s: Settings;
  try {
    s = settings(opts);
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    if (err instanceof Error && err.name === 'OptionException') printUsageAndExit(opts.parser, err.message);
    process.stderr.write(`${kafkaMessage(err)}\n`);
    return 1;
  }

  let consumer: Consumer;
  try {
    consumer = new Consumer(s.props);
    if (s.topic !== undefined && s.partition !== undefined) {
      const tp = { topic: s.topic, partition: s.partition };
      consumer.assign([tp]);
      if (s.offset === -2) consumer.seekToBeginning([tp]);
      else if (s.offset === -1) consumer.seekToEnd([tp]);
      else consumer.seek(tp, s.offset);
    } else if (s.topic !== undefined) {
      consumer.subscribe([s.topic]);
    } else {
      consumer.subscribe(topicFilter(s.include!));
    }
  } catch (err) {
    process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  }

  let count = 0;
  let stopping = false;
  let exitCode = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    exitCode = signal === 'SIGINT' ? 130 : 143;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  /** Records a poll returned that were not printed, so that they are not committed. */
  const unconsumed = new Map<string, { topic: string; partition: number; offset: number }>();
  try {
    let lastRecordAt = Date.now();
    outer: while (!stopping && (s.maxMessages < 0 || count < s.maxMessages)) {
      let batch: ConsumerRecord[];
      try {
        batch = await consumer.poll(Math.max(1, Math.min(POLL_SLICE_MS, s.timeoutMs)));
      } catch (err) {
        logError(COMPONENT, 'Error processing message, terminating consumer process: ');
        process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
        debugStack(err);
        exitCode = 1;
        break;
      }
      if (batch.length === 0) {
        if (Date.now() - lastRecordAt > s.timeoutMs) {
          logError(COMPONENT, 'Error processing message, terminating consumer process: ');
          process.stderr.write('org.apache.kafka.common.errors.TimeoutException\n');
          break;
        }
        continue;
      }
      lastRecordAt = Date.now();
      const out: Buffer[] = [];
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        if ((s.maxMessages >= 0 && count >= s.maxMessages) || stopping) {
          for (const u of batch.slice(i)) {
            const k = `${u.topic}\0${u.partition}`;
            if (!unconsumed.has(k)) unconsumed.set(k, { topic: u.topic, partition: u.partition, offset: u.offset });
          }
          break;
        }
        count++;
        try {
          s.formatter.format(r, out);
        } catch (err) {
          if (!s.skipOnError) {
            await flushOut(out);
            logError(COMPONENT, 'Error processing message, terminating consumer process: ');
            process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
            exitCode = 1;
            break outer;
          }
          logError(COMPONENT, 'Error processing message, skipping this message: ');
          process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
        }
      }
      if (!(await flushOut(out))) {
        process.stderr.write('Unable to write to standard out, closing consumer.\n');
        break;
      }
    }
  } finally {
    for (const u of unconsumed.values()) {
      try {
        consumer.seek({ topic: u.topic, partition: u.partition }, u.offset);
      } catch {
        // the partition was revoked meanwhile: nothing of it will be committed by us
      }
    }
    try {
      await consumer.close();
    } catch (err) {
      debugStack(err);
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stderr.write(`Processed a total of ${count} messages\n`);
  }
  return exitCode;
}

/** Writes the pieces to stdout; false when stdout is gone. */
async function flushOut(out: Buffer[]): Promise<boolean> {
  if (stdoutState.closed) return false;
  if (out.length === 0) return true;
  try {
    await writeOut(Buffer.concat(out));
  } catch {
    return false;
  }
  return !stdoutState.closed;
}
