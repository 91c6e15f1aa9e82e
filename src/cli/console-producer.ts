// kafka-console-producer: reads lines from standard input and publishes each
// as a record — Kafka 3.9's ConsoleProducer options, producer settings (the
// tool's defaults: linger.ms 1000, acks -1, request.timeout.ms 1500,
// retries 3, client.id console-producer) and its LineMessageReader
// (parse.key, key.separator, parse.headers, headers.delimiter,
// headers.separator, headers.key.separator, null.marker, ignore.error), on
// the Samsa Producer. The ">" prompt appears only when both stdin and stdout
// are terminals, as Kafka's tool checks System.console(). Unlike Kafka's
// tool, Ctrl-C sends what was already read before exiting.

import { createInterface } from 'node:readline';
import { Producer } from '../client/producer.js';
import type { HeadersInput } from '../client/producer.js';
import {
  ArgumentError,
  CommandExit,
  OptionParser,
  OptionSet,
  checkRequiredArgs,
  clientConfig,
  loadProps,
  maybePrintHelpOrVersion,
  parseKeyValueArgs,
  parseOrUsage,
  printUsageAndExit,
  validHostPorts,
} from './options.js';
import { debugStack, javaExceptionName, kafkaMessage, logError } from './output.js';

const DEFAULT_READER = 'kafka.tools.ConsoleProducer$LineMessageReader';
const KNOWN_READERS = new Set([DEFAULT_READER, 'kafka.tools.LineMessageReader', 'org.apache.kafka.tools.LineMessageReader']);

function parser(): OptionParser {
  return new OptionParser()
    .arg('topic', 'REQUIRED: The topic id to produce messages to.', { describedAs: 'topic' })
    .arg('broker-list', 'DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  The broker list string in the form HOST1:PORT1,HOST2:PORT2.', { describedAs: 'broker-list' })
    .arg('bootstrap-server', 'REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2.', { describedAs: 'server to connect to' })
    .flag('sync', 'If set message send requests to the brokers are synchronously, one at a time as they arrive.')
    .arg('compression-codec', "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'.If specified without value, then it defaults to 'gzip'", { describedAs: 'compression-codec', optional: true })
    .arg('batch-size', 'Number of messages to send in a single batch if they are not being sent synchronously. please note that this option will be replaced if max-partition-memory-bytes is also set', { describedAs: 'size', type: 'Integer', defaults: '16384' })
    .arg('message-send-max-retries', 'Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. This is the option to control `retries` in producer configs.', { type: 'Integer', defaults: '3' })
    .arg('retry-backoff-ms', 'Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. This is the option to control `retry.backoff.ms` in producer configs.', { type: 'Long', defaults: '100' })
    .arg('timeout', 'If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. This is the option to control `linger.ms` in producer configs.', { describedAs: 'timeout_ms', type: 'Long', defaults: '1000' })
    .arg('request-required-acks', 'The required `acks` of the producer requests', { describedAs: 'request required acks', defaults: '-1' })
    .arg('request-timeout-ms', 'The ack timeout of the producer requests. Value must be non-negative and non-zero.', { describedAs: 'request timeout ms', type: 'Integer', defaults: '1500' })
    .arg('metadata-expiry-ms', "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. This is the option to control `metadata.max.age.ms` in producer configs.", { describedAs: 'metadata expiration interval', type: 'Long', defaults: '300000' })
    .arg('max-block-ms', 'The max time that the producer will block for during a send request.', { describedAs: 'max block on send', type: 'Long', defaults: '60000' })
    .arg('max-memory-bytes', 'The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs.', { describedAs: 'total memory in bytes', type: 'Long', defaults: '33554432' })
    .arg('max-partition-memory-bytes', 'The buffer size allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control `batch.size` in producer configs.', { describedAs: 'memory in bytes per partition', type: 'Integer', defaults: '16384' })
    .arg('line-reader', 'The class name of the class to use for reading lines from standard in. By default each line is read as a separate message.', { describedAs: 'reader_class', defaults: DEFAULT_READER })
    .arg('socket-buffer-size', 'The size of the tcp RECV size. This is the option to control `send.buffer.bytes` in producer configs.', { describedAs: 'size', type: 'Integer', defaults: '102400' })
    .arg(
      'property',
      'A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader.\n' +
        'Default properties include:\n parse.key=false\n parse.headers=false\n ignore.error=false\n key.separator=\\t\n headers.delimiter=\\t\n headers.separator=,\n headers.key.separator=:\n' +
        ' null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null\n' +
        'Default parsing pattern when:\n parse.headers=true and parse.key=true:\n  "h1:v1,h2:v2...\\tkey\\tvalue"\n parse.key=true:\n  "key\\tvalue"\n parse.headers=true:\n  "h1:v1,h2:v2...\\tvalue"\n',
      { describedAs: 'prop' },
    )
    .arg('reader-config', 'Config properties file for the message reader. Note that [property] takes precedence over this config.', { describedAs: 'config file' })
    .arg('producer-property', 'A mechanism to pass user-defined properties in the form key=value to the producer. ', { describedAs: 'producer_prop' })
    .arg('producer.config', 'Producer config properties file. Note that [producer-property] takes precedence over this config.', { describedAs: 'config file' });
}

/** Kafka's KafkaException from the reader (a line it cannot parse). */
class ReaderError extends Error {
  override name = 'KafkaException';
}

export interface ParsedLine {
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[] | null;
}

/** Kafka's LineMessageReader: one line → key, value and headers, per the reader properties. */
export class LineMessageReader {
  parseKey = false;
  keySeparator = '\t';
  parseHeaders = false;
  headersDelimiter = '\t';
  headersSeparator = ',';
  headersKeySeparator = ':';
  ignoreError = false;
  nullMarker: string | undefined;
  lineNumber = 0;
  private headersSeparatorPattern!: RegExp;

  constructor(props: Record<string, string>) {
    const bool = (k: string) => props[k]!.trim().toLowerCase() === 'true';
    if ('parse.key' in props) this.parseKey = bool('parse.key');
    if ('key.separator' in props) this.keySeparator = props['key.separator']!;
    if ('parse.headers' in props) this.parseHeaders = bool('parse.headers');
    if ('headers.delimiter' in props) this.headersDelimiter = props['headers.delimiter']!;
    if ('headers.separator' in props) this.headersSeparator = props['headers.separator']!;
    this.headersSeparatorPattern = new RegExp(this.headersSeparator);
    if ('headers.key.separator' in props) this.headersKeySeparator = props['headers.key.separator']!;
    if ('ignore.error' in props) this.ignoreError = bool('ignore.error');
    if (this.headersDelimiter === this.headersSeparator) throw new ReaderError('headers.delimiter and headers.separator may not be equal');
    if (this.headersDelimiter === this.headersKeySeparator) throw new ReaderError('headers.delimiter and headers.key.separator may not be equal');
    if (this.headersSeparator === this.headersKeySeparator) throw new ReaderError('headers.separator and headers.key.separator may not be equal');
    if ('null.marker' in props) this.nullMarker = props['null.marker'];
    const nm = this.nullMarker;
    if (nm === this.keySeparator) throw new ReaderError('null.marker and key.separator may not be equal');
    if (nm === this.headersSeparator) throw new ReaderError('null.marker and headers.separator may not be equal');
    if (nm === this.headersDelimiter) throw new ReaderError('null.marker and headers.delimiter may not be equal');
    if (nm === this.headersKeySeparator) throw new ReaderError('null.marker and headers.key.separator may not be equal');
  }

  private parse(enabled: boolean, line: string, start: number, demarcation: string, name: string): string | null {
    if (!enabled) return null;
    const i = line.indexOf(demarcation, start);
    if (i < 0) {
      if (this.ignoreError) return null;
      throw new ReaderError(`No ${name} found on line number ${this.lineNumber}: '${line}'`);
    }
    return line.slice(start, i);
  }

  /** Parses the next line (the caller counts lines by calling this once per line read). */
  read(line: string): ParsedLine {
    const headers = this.parse(this.parseHeaders, line, 0, this.headersDelimiter, 'headers delimiter');
    const headerOffset = headers === null ? 0 : headers.length + this.headersDelimiter.length;
    const key = this.parse(this.parseKey, line, headerOffset, this.keySeparator, 'key separator');
    const keyOffset = key === null ? 0 : key.length + this.keySeparator.length;
    const value = line.slice(headerOffset + keyOffset);
    return {
      key: key !== null && key !== this.nullMarker ? key : null,
      value: value !== this.nullMarker ? value : null,
      headers: headers !== null && headers !== this.nullMarker ? this.splitHeaders(headers) : null,
    };
  }

  private splitHeaders(headers: string): { key: string; value: string | null }[] {
    const pairs = headers.split(this.headersSeparatorPattern);
    while (pairs.length > 1 && pairs[pairs.length - 1] === '') pairs.pop(); // Java's split drops trailing empty strings
    return pairs.map((pair) => {
      const i = pair.indexOf(this.headersKeySeparator);
      if (i < 0) {
        if (this.ignoreError) return { key: pair, value: null };
        throw new ReaderError(`No header key separator found in pair '${pair}' on line number ${this.lineNumber}`);
      }
      const k = pair.slice(0, i);
      if (k === this.nullMarker) throw new ReaderError(`Header keys should not be equal to the null marker '${this.nullMarker}' as they can't be null`);
      const v = pair.slice(i + this.headersKeySeparator.length);
      return { key: k, value: v === this.nullMarker ? null : v };
    });
  }
}

/** Kafka's maybeMergeOptions: the option's value (or default) unless the properties set the key and the option was not given. */
function merge(props: Record<string, string>, key: string, opts: OptionSet, option: string): void {
  if (opts.has(option) || !(key in props)) {
    const v = opts.valueOf(option);
    if (v === undefined) delete props[key];
    else props[key] = v;
  }
}

function producerProps(opts: OptionSet, bootstrap: string): Record<string, string> {
  const props: Record<string, string> = opts.has('producer.config') ? loadProps(opts.valueOf('producer.config')!) : {};
  Object.assign(props, parseKeyValueArgs(opts.valuesOf('producer-property')));
  let codec = 'none';
  if (opts.has('compression-codec')) codec = opts.valueOf('compression-codec') || 'gzip';
  props['compression.type'] = codec;
  if (props['client.id'] === undefined) props['client.id'] = 'console-producer';
  merge(props, 'linger.ms', opts, 'timeout');
  merge(props, 'acks', opts, 'request-required-acks');
  merge(props, 'request.timeout.ms', opts, 'request-timeout-ms');
  merge(props, 'retries', opts, 'message-send-max-retries');
  merge(props, 'retry.backoff.ms', opts, 'retry-backoff-ms');
  // send.buffer.bytes: the Samsa client leaves socket buffers to the OS; passed on only when asked for.
  if (opts.has('socket-buffer-size')) props['send.buffer.bytes'] = opts.valueOf('socket-buffer-size')!;
  merge(props, 'buffer.memory', opts, 'max-memory-bytes');
  merge(props, 'batch.size', opts, 'batch-size');
  merge(props, 'batch.size', opts, 'max-partition-memory-bytes');
  merge(props, 'metadata.max.age.ms', opts, 'metadata-expiry-ms');
  merge(props, 'max.block.ms', opts, 'max-block-ms');
  return clientConfig(bootstrap, props);
}

const MAX_OUTSTANDING = 10_000;

export async function main(args: string[]): Promise<number> {
  const p = parser();
  const opts = parseOrUsage(p, args);
  if (!opts.has('help') && !opts.has('version') && !opts.has('bootstrap-server') && !opts.has('broker-list')) {
    printUsageAndExit(p, 'Missing required option(s) [bootstrap-server]');
  }
  maybePrintHelpOrVersion(opts, 'This tool helps to read data from standard input and publish it to Kafka.');
  checkRequiredArgs(opts, 'topic');
  const topic = opts.valueOf('topic')!;
  const bootstrap = opts.valueOf(opts.has('bootstrap-server') ? 'bootstrap-server' : 'broker-list')!;
  if (!validHostPorts(bootstrap)) printUsageAndExit(p, 'Please provide valid host:port like host1:9091,host2:9092\n ');
  const readerClass = opts.valueOf('line-reader')!;
  const sync = opts.has('sync');

  let producer: Producer;
  let reader: LineMessageReader;
  try {
    for (const n of ['batch-size', 'message-send-max-retries', 'retry-backoff-ms', 'timeout', 'request-timeout-ms', 'metadata-expiry-ms', 'max-block-ms', 'max-memory-bytes', 'max-partition-memory-bytes', 'socket-buffer-size']) opts.number(n);
    if (!KNOWN_READERS.has(readerClass)) throw Object.assign(new Error(readerClass), { name: 'ClassNotFoundException' });
    const readerProps: Record<string, string> = opts.has('reader-config') ? loadProps(opts.valueOf('reader-config')!) : {};
    readerProps['topic'] = topic;
    Object.assign(readerProps, parseKeyValueArgs(opts.valuesOf('property')));
    reader = new LineMessageReader(readerProps);
    producer = new Producer(producerProps(opts, bootstrap));
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    const name = err instanceof Error && err.name === 'ClassNotFoundException' ? 'java.lang.ClassNotFoundException' : err instanceof ReaderError ? 'org.apache.kafka.common.KafkaException' : err instanceof ArgumentError || err instanceof TypeError ? 'org.apache.kafka.common.config.ConfigException' : javaExceptionName(err);
    process.stderr.write(`${name}: ${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  }

  const prompt = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let outstanding = 0;
  let wake: (() => void) | null = null;
  let syncError: unknown = null;
  const onSent = () => {
    outstanding--;
    if (wake && outstanding < MAX_OUTSTANDING / 2) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const send = (line: ParsedLine): Promise<unknown> => {
    const headers: HeadersInput | undefined = line.headers ? line.headers.map((h) => ({ key: h.key, value: h.value })) : undefined;
    const value = line.value;
    outstanding++;
    return producer.send({ topic, key: line.key, value, headers }).then(onSent, (err: unknown) => {
      onSent();
      if (sync) throw err;
      const keyString = line.key === null ? 'null' : `${Buffer.byteLength(line.key)} bytes`;
      const valueString = value === null ? 'null' : `${Buffer.byteLength(value)} bytes`;
      logError('org.apache.kafka.clients.producer.internals.ErrorLoggingCallback', `Error when sending message to topic ${topic} with key: ${keyString}, value: ${valueString} with error:`);
      process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
    });
  };

  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    rl.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let failure: unknown = null;
  try {
    reader.lineNumber++;
    if (prompt) process.stdout.write('>');
    for await (const line of rl) {
      const parsed = reader.read(line);
      if (sync) {
        await send(parsed).catch((err: unknown) => {
          syncError = err;
        });
        if (syncError) break;
      } else {
        void send(parsed);
        if (outstanding >= MAX_OUTSTANDING) await new Promise<void>((r) => (wake = r));
      }
      if (interrupted) break;
      reader.lineNumber++;
      if (prompt) process.stdout.write('>');
    }
  } catch (err) {
    failure = err;
  } finally {
    rl.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await producer.close({ timeoutMs: interrupted ? 5000 : undefined });
  }
  const err = failure ?? syncError;
  if (err) {
    const wrapped = syncError ? 'java.util.concurrent.ExecutionException: ' : '';
    process.stderr.write(`${wrapped}${err instanceof ReaderError ? 'org.apache.kafka.common.KafkaException' : javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  }
  return interrupted ? 130 : 0;
}
