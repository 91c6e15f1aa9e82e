// kafka-dump-log: prints what Kafka-format partition files hold — Kafka 3.9's
// DumpLogSegments options, output lines and error reports, reading the files
// directly (no broker):
//
//   .log         "Log starting offset: N", then one line per batch:
//                "baseOffset: … lastOffset: … count: … baseSequence: … lastSequence: …
//                 producerId: … producerEpoch: … partitionLeaderEpoch: … isTransactional: …
//                 isControl: … deleteHorizonMs: … position: … CreateTime: … size: … magic: 2
//                 compresscodec: none crc: … isvalid: true"
//                (magic 0/1 message sets: "offset: … position: …"), and with --deep-iteration
//                (implied by --print-data-log and the decoders) one line per record:
//                "| offset: … CreateTime: … keySize: … valueSize: … sequence: … headerKeys: [] key: … payload: …";
//                "Found N invalid bytes at the end of <name>" for a torn tail
//   .index       "offset: N position: P" (batch last offset -> batch position), mismatches on stderr
//   .timeindex   "timestamp: T offset: N", checked against the log, errors on stderr
//   .snapshot    producer-state snapshot entries
//   .txnindex    aborted transactions
//   .checkpoint  a KRaft snapshot's batches
//
// Decoders: StringDecoder (default), LongDecoder, IntegerDecoder for keys and
// values; --offsets-decoder prints __consumer_offsets records as Kafka 3.9's
// JSON converters do (key {"type":…,"data":…}, value {"version":…,"data":…},
// a group's consumer subscriptions and assignments decoded, "<DELETE>" for
// tombstones); --transaction-log-decoder prints __transaction_state records.
// KIP-848 consumer-group records (key types 3-8) are reported as unknown
// record types. Files are read through a window, so a segment of any size is
// dumped in bounded memory.

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { MessageCodec } from '../protocol/codec.js';
import { Reader } from '../protocol/primitives.js';
import type { FieldDef, MessageDef } from '../protocol/schema.js';
import { inVersions } from '../protocol/schema.js';
import {
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  GroupMetadataKey,
  GroupMetadataValue,
  OffsetCommitKey,
  OffsetCommitValue,
} from '../protocol/messages/consumer-protocol.js';
import { TransactionLogKey, TransactionLogValue } from '../protocol/messages/transaction-log.js';
import { CompressionType, DELETE_HORIZON_FLAG, MAGIC_V2, TimestampType } from '../protocol/records/batch-header.js';
import { decodeBatch, isCrcValid, readBatchInfo } from '../protocol/records/batch.js';
import { decompress } from '../protocol/records/compression.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { fixLz4HeaderChecksum, readLegacyEntries } from '../protocol/records/legacy.js';
import type { LegacyEntry } from '../protocol/records/legacy.js';
import { readInt64 } from '../protocol/primitives.js';
import { CommandExit, OptionParser, OptionSet, checkRequiredArgs, maybePrintHelpOrVersion, parseOrExit } from './options.js';
import { debugStack, writeOut } from './output.js';

const RECORD_INDENT = '|';
const LOG_OVERHEAD = 12;
const HEADER_SIZE_UP_TO_MAGIC = 17;
const MIN_RECORD_OVERHEAD = 14;
const INT_MAX = 2147483647;

function parser(): OptionParser {
  return new OptionParser()
    .flag('print-data-log', 'If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified.')
    .flag('verify-index-only', 'If set, just verify the index log without printing its content.')
    .flag('index-sanity-check', 'If set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not.')
    .arg('files', 'REQUIRED: The comma separated list of data and index log files to be dumped.', { describedAs: 'file1, file2, ...' })
    .arg('max-message-size', 'Size of largest message.', { describedAs: 'size', type: 'Integer', defaults: String(5 * 1024 * 1024) })
    .arg('max-bytes', 'Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).', { describedAs: 'size', type: 'Integer', defaults: String(INT_MAX) })
    .flag('deep-iteration', 'If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.')
    .arg('value-decoder-class', 'If set, used to deserialize the messages. This class should implement org.apache.kafka.tools.api.Decoder trait. Custom jar should be available in kafka/libs directory.', {
      optional: true,
      defaults: 'org.apache.kafka.tools.api.StringDecoder',
    })
    .arg('key-decoder-class', 'If set, used to deserialize the keys. This class should implement org.apache.kafka.tools.api.Decoder trait. Custom jar should be available in kafka/libs directory.', {
      optional: true,
      defaults: 'org.apache.kafka.tools.api.StringDecoder',
    })
    .flag('offsets-decoder', 'If set, log data will be parsed as offset data from the __consumer_offsets topic.')
    .flag('transaction-log-decoder', 'If set, log data will be parsed as transaction metadata from the __transaction_state topic.')
    .flag('cluster-metadata-decoder', 'If set, log data will be parsed as cluster metadata records.')
    .flag('remote-log-metadata-decoder', 'If set, log data will be parsed as TopicBasedRemoteLogMetadataManager (RLMM) metadata records. Instead, the value-decoder-class option can be used if a custom RLMM implementation is configured.')
    .flag('skip-record-metadata', 'Whether to skip printing metadata for each record.');
}

// ------------------------------------------------------------------ output

/** Buffered stdout: lines are gathered and handed over in 64 KiB pieces, honouring backpressure. */
class Out {
  private buf = '';
  print(s: string): void {
    this.buf += s;
  }
  println(s = ''): void {
    this.buf += `${s}\n`;
  }
  async maybeFlush(): Promise<void> {
    if (this.buf.length >= 65536) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const b = this.buf;
    this.buf = '';
    await writeOut(b);
  }
}

/** Java's OptionalLong.toString(). */
const optionalLong = (v: number | null) => (v === null ? 'OptionalLong.empty' : `OptionalLong[${v}]`);
/** Kafka's TimestampType names. */
const tsTypeName = (t: TimestampType | -1) => (t === -1 ? 'NoTimestampType' : t === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime');
const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const codecName = (c: number) => CODEC_NAMES[c] ?? `unknown(${c})`;
/** DefaultRecordBatch.incrementSequence: sequences wrap at Integer.MAX_VALUE. */
const incrementSequence = (seq: number, inc: number) => (seq > INT_MAX - inc ? inc - (INT_MAX - seq) - 1 : seq + inc);

// ------------------------------------------------------------------ files

/** Reads a file through a window of at least 1 MiB, so batches are not read one small read at a time. */
class FileWindow {
  private start = 0;
  private data = Buffer.alloc(0);
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  static async open(file: string): Promise<FileWindow> {
    const fh = await open(file, 'r');
    const st = await fh.stat();
    return new FileWindow(fh, st.size);
  }

  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, position + length);
    if (position >= this.start && end <= this.start + this.data.length) return this.data.subarray(position - this.start, end - this.start);
    const want = Math.max(end - position, 1 << 20);
    const buf = Buffer.allocUnsafe(Math.min(want, Math.max(0, this.size - position)));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.fh.read(buf, got, buf.length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.start = position;
    this.data = buf.subarray(0, got);
    return this.data.subarray(0, Math.min(got, end - position));
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

class CorruptRecordException extends Error {
  override name = 'org.apache.kafka.common.errors.CorruptRecordException';
}

interface FileBatch {
  position: number;
  magic: number;
  bytes: Buffer;
}

/** Kafka's FileLogInputStream over [start, end): stops quietly at a torn batch, throws on an impossible size. */
async function* fileBatches(w: FileWindow, file: string, start: number, end: number): AsyncGenerator<FileBatch> {
  let pos = start;
  for (;;) {
    if (pos + HEADER_SIZE_UP_TO_MAGIC >= end) return;
    const head = await w.read(pos, HEADER_SIZE_UP_TO_MAGIC);
    const size = head.readInt32BE(8);
    if (size < MIN_RECORD_OVERHEAD) throw new CorruptRecordException(`Found record size ${size} smaller than minimum record overhead (${MIN_RECORD_OVERHEAD}) in file ${file}.`);
    if (pos > end - LOG_OVERHEAD - size) return;
    const bytes = Buffer.from(await w.read(pos, size + LOG_OVERHEAD));
    yield { position: pos, magic: head.readInt8(16), bytes };
    pos += size + LOG_OVERHEAD;
  }
}

/** The base offset in a segment file name ("00000000000000000042.log" → 42), as Kafka's `split("\\.")(0).toLong`. */
function baseOffsetOf(file: string): number {
  const name = path.basename(file).split('.')[0]!;
  if (!/^-?\d+$/.test(name)) throw new Error(`For input string: "${name}"`);
  return Number(name);
}

// ------------------------------------------------------------------ message parsers

type Parsed = [key: string | null, payload: string | null];

interface Record {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

type MessageParser = (r: Record) => Parsed;

type Decoder = (b: Buffer) => string;

const DECODERS: { [cls: string]: Decoder } = {
  'org.apache.kafka.tools.api.StringDecoder': (b) => b.toString('utf8'),
  'org.apache.kafka.tools.api.LongDecoder': (b) => (b.length === 8 ? b.readBigInt64BE(0).toString() : failDecode(`Size of data received by LongDeserializer is not 8`)),
  'org.apache.kafka.tools.api.IntegerDecoder': (b) => (b.length === 4 ? String(b.readInt32BE(0)) : failDecode(`Size of data received by IntegerDeserializer is not 4`)),
  'org.apache.kafka.tools.api.DefaultDecoder': (b) => `[B@${(crc32c(b) >>> 0).toString(16)}`,
};
const DEPRECATED_DECODERS: { [cls: string]: string } = {
  'kafka.serializer.StringDecoder': 'StringDecoder',
  'kafka.serializer.LongDecoder': 'LongDecoder',
  'kafka.serializer.IntegerDecoder': 'IntegerDecoder',
  'kafka.serializer.DefaultDecoder': 'DefaultDecoder',
};

function failDecode(message: string): never {
  throw new Error(message);
}

class ClassNotFound extends Error {
  override name = 'java.lang.ClassNotFoundException';
}

/** Kafka's newDecoder(): the deprecated kafka.serializer names are mapped (with Kafka's notice on stdout). */
function decoderFor(cls: string, out: Out): Decoder {
  const old = DEPRECATED_DECODERS[cls];
  if (old) {
    out.println(`kafka.serializer.${old} is deprecated. Please use org.apache.kafka.tools.api.${old} instead`);
    cls = `org.apache.kafka.tools.api.${old}`;
  }
  const d = DECODERS[cls];
  if (!d) throw new ClassNotFound(cls);
  return d;
}

/** Kafka's generated JsonConverter.write: fields of that version in schema order, tagged ones only when not default. */
export function kafkaJson(fields: readonly FieldDef[], version: number, value: any): unknown {
  const out: { [k: string]: unknown } = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    const v = value?.[f.name];
    if (f.taggedVersions && inVersions(f.taggedVersions, version)) {
      const def = f.default ?? (f.type.startsWith('[]') ? [] : undefined);
      if (v === def || v === undefined || (Array.isArray(v) && v.length === 0 && Array.isArray(def))) continue;
    }
    out[f.name] = jsonValue(f, version, v);
  }
  return out;
}

function jsonValue(f: FieldDef, version: number, v: any): unknown {
  if (v === null || v === undefined) return null;
  if (f.type === 'struct') return kafkaJson(f.fields!, version, v);
  if (f.type === '[]struct') return (v as any[]).map((e) => kafkaJson(f.fields!, version, e));
  if (f.type === 'bytes' || f.type === 'records') return Buffer.from(v).toString('base64');
  if (f.type === '[]bytes') return (v as Buffer[]).map((b) => (b === null ? null : Buffer.from(b).toString('base64')));
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/** Decodes a version-prefixed message body; lenient about newer versions (read with the newest known). */
function decodeVersioned(def: MessageDef, codec: MessageCodec, buf: Buffer, what: string): { version: number; message: any } {
  if (buf.length < 2) throw new Error(`Could not read version from ${what}'s buffer.`);
  const version = buf.readInt16BE(0);
  try {
    const r = new Reader(buf.subarray(2));
    const message = codec.forVersion(Math.min(version, codec.maxVersion)).decode(r);
    return { version, message };
  } catch (err) {
    throw new Error(`Could not read record with version ${version} from ${what}'s buffer due to: ${(err as Error).message}.`);
  }
}

const codecs = new Map<MessageDef, MessageCodec>();
const codecOf = (def: MessageDef) => {
  let c = codecs.get(def);
  if (!c) codecs.set(def, (c = new MessageCodec(def)));
  return c;
};

class UnknownRecordType extends Error {
  constructor(readonly type: number) {
    super(`Unknown record type ${type}`);
  }
}

/** GroupMetadataValue JSON with each consumer member's subscription and assignment decoded, as Kafka's OffsetsMessageParser does. */
function groupMetadataJson(version: number, message: any): unknown {
  const json = kafkaJson(GroupMetadataValue.fields, version, message) as any;
  if (json.protocolType === 'consumer' && Array.isArray(json.members)) {
    message.members.forEach((m: any, i: number) => {
      const replace = (field: 'subscription' | 'assignment', def: MessageDef) => {
        const bytes: Buffer | null = m[field];
        if (!bytes || bytes.length < 2) return;
        try {
          const v = bytes.readInt16BE(0);
          const codec = codecOf(def);
          const r = new Reader(bytes.subarray(2));
          const decoded = codec.forVersion(Math.min(Math.max(v, codec.minVersion), codec.maxVersion)).decode(r);
          json.members[i][field] = kafkaJson(def.fields, v, decoded);
        } catch {
          // Kafka keeps the original bytes when they do not decode.
        }
      };
      replace('subscription', ConsumerProtocolSubscription);
      replace('assignment', ConsumerProtocolAssignment);
    });
  }
  return json;
}

/** --offsets-decoder: Kafka 3.9's OffsetsMessageParser for __consumer_offsets records. */
function offsetsParser(r: Record): Parsed {
  if (r.key === null) throw new Error(`Failed to decode message at offset ${r.offset} using offset topic decoder (message had a missing key)`);
  try {
    if (r.key.length < 2) throw new Error("Could not read version from key's buffer.");
    const type = r.key.readInt16BE(0);
    if (type < 0 || type > 2) throw new UnknownRecordType(type);
    const keyDef = type === 2 ? GroupMetadataKey : OffsetCommitKey;
    const key = decodeVersioned(keyDef, codecOf(keyDef), r.key, 'key');
    const keyJson = JSON.stringify({ type: String(type), data: kafkaJson(keyDef.fields, type, key.message) });
    if (r.value === null) return [keyJson, '<DELETE>'];
    const valueDef = type === 2 ? GroupMetadataValue : OffsetCommitValue;
    const value = decodeVersioned(valueDef, codecOf(valueDef), r.value, 'value');
    const data = type === 2 ? groupMetadataJson(value.version, value.message) : kafkaJson(valueDef.fields, value.version, value.message);
    return [keyJson, JSON.stringify({ version: String(value.version), data })];
  } catch (err) {
    if (err instanceof UnknownRecordType) return [`Unknown record type ${err.type} at offset ${r.offset}, skipping.`, null];
    return [`Error at offset ${r.offset}, skipping. ${(err as Error).message}`, null];
  }
}

const TXN_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

/** --transaction-log-decoder: Kafka 3.9's TransactionLog.formatRecordKeyAndValue. */
function transactionLogParser(r: Record): Parsed {
  if (r.key === null || r.key.length < 2) throw new Error(`Failed to decode message at offset ${r.offset}: the record has no key`);
  const version = r.key.readInt16BE(0);
  if (version !== 0) return [`unknown::version=${version}`, null];
  const key = decodeVersioned(TransactionLogKey, codecOf(TransactionLogKey), r.key, 'key').message;
  const keyString = `transaction_metadata::transactionalId=${key.transactionalId}`;
  if (r.value === null) return [keyString, '<DELETE>'];
  const v = decodeVersioned(TransactionLogValue, codecOf(TransactionLogValue), r.value, 'value').message;
  const partitions: string[] = [];
  for (const t of v.transactionPartitions ?? []) for (const p of t.partitionIds) partitions.push(`${t.topic}-${p}`);
  return [
    keyString,
    `producerId:${v.producerId},producerEpoch:${v.producerEpoch},state=${TXN_STATES[v.transactionStatus] ?? v.transactionStatus},` +
      `partitions=[${partitions.join(',')}],txnLastUpdateTimestamp=${v.transactionLastUpdateTimestampMs},txnTimeoutMs=${v.transactionTimeoutMs}`,
  ];
}

function messageParser(opts: OptionSet, out: Out): MessageParser {
  if (opts.has('offsets-decoder')) return offsetsParser;
  if (opts.has('transaction-log-decoder')) return transactionLogParser;
  if (opts.has('cluster-metadata-decoder')) return (r) => [null, `Error at ${r.offset}, skipping. KRaft cluster metadata records are not decoded by Samsa's kafka-dump-log`];
  if (opts.has('remote-log-metadata-decoder')) return (r) => [null, `Error at offset ${r.offset}, skipping. remote log metadata records are not decoded by Samsa's kafka-dump-log`];
  const valueDecoder = decoderFor(opts.valueOf('value-decoder-class') ?? 'org.apache.kafka.tools.api.StringDecoder', out);
  const keyDecoder = decoderFor(opts.valueOf('key-decoder-class') ?? 'org.apache.kafka.tools.api.StringDecoder', out);
  return (r) => [r.key === null ? null : keyDecoder(r.key), r.value === null ? null : valueDecoder(r.value)];
}

// ------------------------------------------------------------------ the dump

interface Settings {
  printData: boolean;
  deep: boolean;
  skipMetadata: boolean;
  verifyOnly: boolean;
  sanityOnly: boolean;
  maxMessageSize: number;
  maxBytes: number;
}

/** Errors gathered while dumping, printed on stderr at the end as Kafka does. */
class Reports {
  indexMismatches = new Map<string, [number, number][]>();
  nonConsecutive = new Map<string, [number, number][]>();
  timeMismatches = new Map<string, [number, number][]>();
  outOfOrder = new Map<string, [number, number][]>();
  shallowNotFound = new Map<string, [number, number][]>();

  static add(m: Map<string, [number, number][]>, file: string, pair: [number, number]): void {
    let l = m.get(file);
    if (!l) m.set(file, (l = []));
    l.push(pair);
  }

  print(): void {
    const err = (s: string) => process.stderr.write(`${s}\n`);
    // Kafka prepends to these two lists, so they come out newest first.
    for (const [file, l] of this.indexMismatches) {
      err(`Mismatches in :${file}`);
      for (const [i, o] of [...l].reverse()) err(`  Index offset: ${i}, log offset: ${o}`);
    }
    for (const [file, l] of this.timeMismatches) {
      err(`Found timestamp mismatch in :${file}`);
      for (const [i, o] of l) err(`  Index timestamp: ${i}, log timestamp: ${o}`);
    }
    for (const [file, l] of this.outOfOrder) {
      err(`Found out of order timestamp in :${file}`);
      for (const [i, o] of l) err(`  Index timestamp: ${i}, Previously indexed timestamp: ${o}`);
    }
    for (const l of this.shallowNotFound.values()) {
      err('The following indexed offsets are not found in the log.');
      for (const [i, o] of l) err(`Indexed offset: ${i}, found log offset: ${o}`);
    }
    for (const [file, l] of this.nonConsecutive) {
      err(`Non-consecutive offsets in ${file}`);
      for (const [a, b] of [...l].reverse()) err(`  ${a} is followed by ${b}`);
    }
  }
}

interface LegacyInner {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  crc: number;
  crcValid: boolean;
}

/** The messages of a legacy entry as Kafka's deep iterator yields them (each with its own CRC). */
async function legacyInner(e: LegacyEntry): Promise<LegacyInner[]> {
  if (e.compression === CompressionType.None) return [{ offset: e.offset, timestamp: e.timestamp, key: e.key, value: e.value, crc: e.crc, crcValid: e.crcValid }];
  if (e.value === null) throw new Error(`Found invalid compressed record set with null value (magic = ${e.magic})`);
  const payload = e.compression === CompressionType.Lz4 && e.magic === 0 ? fixLz4HeaderChecksum(Buffer.from(e.value)) : e.value;
  const inner = readLegacyEntries(await decompress(e.compression, payload), { verifyCrc: false, allowTruncatedTail: true });
  let base = 0;
  if (e.magic === 1 && e.offset !== 0 && inner.length > 0) base = e.offset - inner[inner.length - 1]!.offset;
  const logAppend = e.magic === 1 && e.timestampType === TimestampType.LogAppendTime;
  return inner.map((i) => ({
    offset: e.magic === 1 ? base + i.offset : i.offset,
    timestamp: logAppend ? e.timestamp : i.timestamp,
    key: i.key,
    value: i.value,
    crc: i.crc,
    crcValid: i.crcValid,
  }));
}

async function dumpLog(file: string, s: Settings, parse: () => MessageParser, out: Out, reports: Reports): Promise<void> {
  const parser = s.printData ? parse() : null;
  const name = path.basename(file);
  if (name.endsWith('.log')) {
    out.println(`Log starting offset: ${baseOffsetOf(file)}`);
  } else if (name.endsWith('.checkpoint')) {
    if (name === 'bootstrap.checkpoint') out.println('KRaft bootstrap snapshot');
    else {
      const m = /^(\d{20})-(\d{10})\.checkpoint$/.exec(name);
      if (m) out.println(`Snapshot end offset: ${Number(m[1])}, epoch: ${Number(m[2])}`);
    }
  }
  const w = await FileWindow.open(file);
  try {
    const end = Math.min(w.size, s.maxBytes);
    let validBytes = 0;
    let lastOffset = -1;
    const consecutive = (offset: number) => {
      if (lastOffset !== -1 && offset !== lastOffset + 1) Reports.add(reports.nonConsecutive, path.resolve(file), [lastOffset, offset]);
      lastOffset = offset;
    };
    const data = (r: Record, prefix: string, control: boolean) => {
      if (!parser || control) return;
      const [key, payload] = parser(r);
      if (key !== null) {
        out.print(`${prefix}key: ${key}`);
        prefix = ' ';
      }
      if (payload !== null) out.print(` payload: ${payload}`);
    };
    for await (const b of fileBatches(w, file, 0, end)) {
      if (b.magic >= MAGIC_V2) {
        const h = readBatchInfo(b.bytes, 0);
        const attributes = b.bytes.readInt16BE(21);
        const lastOffset = h.baseOffset + h.lastOffsetDelta;
        const lastSeq = h.baseSequence === -1 ? -1 : incrementSequence(h.baseSequence, h.lastOffsetDelta);
        out.println(
          `baseOffset: ${h.baseOffset} lastOffset: ${lastOffset} count: ${h.recordsCount} baseSequence: ${h.baseSequence} lastSequence: ${lastSeq}` +
            ` producerId: ${h.producerId} producerEpoch: ${h.producerEpoch} partitionLeaderEpoch: ${h.partitionLeaderEpoch}` +
            ` isTransactional: ${h.isTransactional} isControl: ${h.isControl} deleteHorizonMs: ${optionalLong(attributes & DELETE_HORIZON_FLAG ? h.baseTimestamp : null)}` +
            ` position: ${validBytes} ${tsTypeName(h.timestampType)}: ${h.maxTimestamp} size: ${b.bytes.length} magic: ${b.magic}` +
            ` compresscodec: ${codecName(h.compression)} crc: ${b.bytes.readUInt32BE(17)} isvalid: ${isCrcValid(b.bytes, 0)}`,
        );
        if (s.deep) {
          const decoded = await decodeBatch(b.bytes, 0, { verifyCrc: false });
          for (const r of decoded.records) {
            consecutive(r.offset);
            let prefix = `${RECORD_INDENT} `;
            if (!s.skipMetadata) {
              const seq = h.baseSequence === -1 ? -1 : incrementSequence(h.baseSequence, r.offsetDelta);
              out.print(
                `${prefix}offset: ${r.offset} ${tsTypeName(h.timestampType)}: ${r.timestamp} keySize: ${r.key === null ? -1 : r.key.length} valueSize: ${r.value === null ? -1 : r.value.length}` +
                  ` sequence: ${seq} headerKeys: [${r.headers.map((x) => x.key).join(',')}]`,
              );
              prefix = ' ';
              if (h.isControl) {
                const typeId = r.key && r.key.length >= 4 ? r.key.readInt16BE(2) : -1;
                if ((typeId === 0 || typeId === 1) && r.value && r.value.length >= 6) {
                  out.print(` endTxnMarker: ${typeId === 1 ? 'COMMIT' : 'ABORT'} coordinatorEpoch: ${r.value.readInt32BE(2)}`);
                } else {
                  const names = ['ABORT', 'COMMIT', 'SNAPSHOT_HEADER', 'SNAPSHOT_FOOTER', 'KRAFT_VERSION', 'KRAFT_VOTERS'];
                  out.print(` controlType: ${names[typeId] ?? 'UNKNOWN'}(${typeId})`);
                }
              }
            }
            data(r, prefix, h.isControl);
            out.println();
            await out.maybeFlush();
          }
        }
      } else {
        const [entry] = readLegacyEntries(b.bytes, { verifyCrc: false });
        const e = entry!;
        out.println(
          `offset: ${e.offset} position: ${validBytes} ${tsTypeName(e.timestampType)}: ${e.timestamp} size: ${b.bytes.length} magic: ${e.magic}` +
            ` compresscodec: ${codecName(e.compression)} crc: ${e.crc} isvalid: ${e.crcValid}`,
        );
        if (s.deep) {
          for (const r of await legacyInner(e)) {
            consecutive(r.offset);
            let prefix = `${RECORD_INDENT} `;
            if (!s.skipMetadata) {
              out.print(
                `${prefix}offset: ${r.offset} ${tsTypeName(e.timestampType)}: ${r.timestamp} keySize: ${r.key === null ? -1 : r.key.length} valueSize: ${r.value === null ? -1 : r.value.length}` +
                  ` isValid: ${r.crcValid} crc: ${r.crc}}`,
              );
              prefix = ' ';
            }
            data(r, prefix, false);
            out.println();
            await out.maybeFlush();
          }
        }
      }
      validBytes += b.bytes.length;
      await out.maybeFlush();
    }
    const trailing = w.size - validBytes;
    if (trailing > 0 && s.maxBytes === INT_MAX) out.println(`Found ${trailing} invalid bytes at the end of ${name}`);
  } finally {
    await w.close();
  }
}

class CorruptIndexException extends Error {
  override name = 'org.apache.kafka.storage.internals.log.CorruptIndexException';
}

/** The segment's .log next to an index file (Kafka resolves it from the absolute path). */
function logFileOf(file: string): string {
  const abs = path.resolve(file);
  return path.join(path.dirname(abs), `${path.basename(abs).split('.')[0]}.log`);
}

interface IndexEntries {
  count: number;
  size: number;
  at(i: number): [number, number];
}

async function readIndex(file: string, entrySize: number, parse: (b: Buffer, at: number) => [number, number]): Promise<IndexEntries> {
  const fh = await open(file, 'r');
  try {
    const buf = await fh.readFile();
    const count = Math.floor(buf.length / entrySize);
    return { count, size: buf.length, at: (i) => parse(buf, i * entrySize) };
  } finally {
    await fh.close();
  }
}

async function dumpIndex(file: string, s: Settings, out: Out, reports: Reports): Promise<void> {
  const base = baseOffsetOf(file);
  const log = await FileWindow.open(logFileOf(file));
  try {
    const index = await readIndex(file, 8, (b, at) => [base + b.readInt32BE(at), b.readInt32BE(at + 4)]);
    if (index.count === 0) {
      out.println(`${file} is empty.`);
      return;
    }
    if (s.sanityOnly) {
      const last = index.at(index.count - 1)[0];
      if (last < base) throw new CorruptIndexException(`Corrupt index found, index file (${path.resolve(file)}) has non-zero size but the last offset is ${last} which is less than the base offset ${base}.`);
      if (index.size % 8 !== 0) throw new CorruptIndexException(`Index file ${path.resolve(file)} is corrupt, found ${index.size} bytes which is neither positive nor a multiple of 8.`);
      out.println(`${file} passed sanity check.`);
      return;
    }
    for (let i = 0; i < index.count; i++) {
      const [offset, position] = index.at(i);
      // A sparse (preallocated) file ends in zero entries: stop at the first one.
      if (offset === base && i > 0) return;
      const end = Math.min(log.size, position + s.maxMessageSize);
      let firstLast: number | undefined;
      for await (const b of fileBatches(log, logFileOf(file), position, end)) {
        firstLast = b.magic >= MAGIC_V2 ? readInt64(b.bytes, 0) + b.bytes.readInt32BE(23) : readInt64(b.bytes, 0);
        break;
      }
      if (firstLast === undefined) throw new Error('java.util.NoSuchElementException');
      if (firstLast !== offset) Reports.add(reports.indexMismatches, path.resolve(file), [offset, firstLast]);
      if (!s.verifyOnly) out.println(`offset: ${offset} position: ${position}`);
      await out.maybeFlush();
    }
  } finally {
    await log.close();
  }
}

async function dumpTimeIndex(file: string, s: Settings, out: Out, reports: Reports): Promise<void> {
  const base = baseOffsetOf(file);
  const abs = path.resolve(file);
  const log = await FileWindow.open(logFileOf(file));
  try {
    const indexFile = path.join(path.dirname(abs), `${path.basename(abs).split('.')[0]}.index`);
    const offsetIndex = await readIndex(indexFile, 8, (b, at) => [base + b.readInt32BE(at), b.readInt32BE(at + 4)]).catch(() => ({ count: 0, size: 0, at: () => [base, 0] as [number, number] }));
    const timeIndex = await readIndex(file, 12, (b, at) => [readInt64(b, at), base + b.readInt32BE(at + 8)]);
    if (s.sanityOnly) {
      if (timeIndex.count > 0) {
        const [lastTs, lastOffset] = timeIndex.at(timeIndex.count - 1);
        const [firstTs] = timeIndex.at(0);
        if (lastOffset < base) throw new CorruptIndexException(`Corrupt time index found, time index file (${abs}) has non-zero size but the last offset is ${lastOffset} which is less than the first offset ${base}`);
        if (lastTs < firstTs) throw new CorruptIndexException(`Corrupt time index found, time index file (${abs}) has non-zero size but the last timestamp is ${lastTs} which is less than the first timestamp ${firstTs}`);
      }
      if (timeIndex.size % 12 !== 0) throw new CorruptIndexException(`Time index file ${abs} is corrupt, found ${timeIndex.size} bytes which is neither positive nor a multiple of 12.`);
      out.println(`${file} passed sanity check.`);
      return;
    }
    /** OffsetIndex.lookup: the position of the largest entry at or below the offset, else the segment start. */
    const lookup = (target: number): number => {
      let lo = 0;
      let hi = offsetIndex.count - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (offsetIndex.at(mid)[0] <= target) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found < 0 ? 0 : offsetIndex.at(found)[1];
    };
    let prevTimestamp = -1;
    for (let i = 0; i < timeIndex.count; i++) {
      const [timestamp, offset] = timeIndex.at(i);
      if (offset === base && i > 0) return;
      let batch: FileBatch | undefined;
      for await (const b of fileBatches(log, logFileOf(file), lookup(offset), log.size)) {
        const last = b.magic >= MAGIC_V2 ? readInt64(b.bytes, 0) + b.bytes.readInt32BE(23) : readInt64(b.bytes, 0);
        if (last >= offset) {
          batch = b;
          break;
        }
      }
      if (!batch) Reports.add(reports.shallowNotFound, abs, [offset, -1]);
      else {
        const last = batch.magic >= MAGIC_V2 ? readInt64(batch.bytes, 0) + batch.bytes.readInt32BE(23) : readInt64(batch.bytes, 0);
        if (last !== offset) Reports.add(reports.shallowNotFound, abs, [offset, last]);
        else {
          let max = -1;
          if (batch.magic >= MAGIC_V2) for (const r of (await decodeBatch(batch.bytes, 0, { verifyCrc: false })).records) max = Math.max(max, r.timestamp);
          else for (const r of await legacyInner(readLegacyEntries(batch.bytes, { verifyCrc: false })[0]!)) max = Math.max(max, r.timestamp);
          if (max !== timestamp) Reports.add(reports.timeMismatches, abs, [timestamp, max]);
          if (prevTimestamp >= timestamp) Reports.add(reports.outOfOrder, abs, [timestamp, prevTimestamp]);
        }
      }
      if (!s.verifyOnly) out.println(`timestamp: ${timestamp} offset: ${offset}`);
      prevTimestamp = timestamp;
      await out.maybeFlush();
    }
  } finally {
    await log.close();
  }
}

/** A producer-state snapshot (Kafka's ProducerStateManager.readSnapshot layout). */
async function dumpProducerSnapshot(file: string, out: Out): Promise<void> {
  const fh = await open(file, 'r');
  let buf: Buffer;
  try {
    buf = await fh.readFile();
  } finally {
    await fh.close();
  }
  const fail = (m: string): void => {
    process.stderr.write(`${m}\n`);
  };
  if (buf.length < 10) return fail('Snapshot failed schema validation: Error reading field \'version\': java.nio.BufferUnderflowException');
  const version = buf.readInt16BE(0);
  if (version !== 1) return fail(`Snapshot contained an unknown file version ${version}`);
  const crc = buf.readUInt32BE(2);
  const computed = crc32c(buf, 6, buf.length);
  if (crc !== computed) return fail(`Snapshot is corrupt (CRC is no longer valid). Stored crc: ${crc}. Computed crc: ${computed}`);
  const count = buf.readInt32BE(6);
  if (count < 0 || 10 + count * 46 > buf.length) return fail('Snapshot failed schema validation: Error reading array of size ' + count + ', only ' + (buf.length - 10) + ' bytes available');
  for (let i = 0, at = 10; i < count; i++, at += 46) {
    const producerId = readInt64(buf, at);
    const epoch = buf.readInt16BE(at + 8);
    const lastSeq = buf.readInt32BE(at + 10);
    const lastOffset = readInt64(buf, at + 14);
    const offsetDelta = buf.readInt32BE(at + 22);
    const timestamp = readInt64(buf, at + 26);
    const coordinatorEpoch = buf.readInt32BE(at + 34);
    const txnFirst = readInt64(buf, at + 38);
    out.print(
      `producerId: ${producerId} producerEpoch: ${epoch} coordinatorEpoch: ${coordinatorEpoch} currentTxnFirstOffset: ${optionalLong(txnFirst >= 0 ? txnFirst : null)} lastTimestamp: ${timestamp} `,
    );
    if (lastOffset >= 0) {
      const firstSeq = lastSeq - offsetDelta < 0 ? INT_MAX - (offsetDelta - lastSeq) + 1 : lastSeq - offsetDelta;
      out.print(`firstSequence: ${firstSeq} lastSequence: ${lastSeq} lastOffset: ${lastOffset} offsetDelta: ${offsetDelta} timestamp: ${timestamp}`);
    }
    out.println();
  }
}

/** A transaction index: 34-byte aborted-transaction entries. */
async function dumpTxnIndex(file: string, out: Out): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const buf = await fh.readFile();
    for (let at = 0; at + 34 <= buf.length; at += 34) {
      // Kafka's AbortedTxn.version() reads the first byte of the int16 version.
      out.println(
        `version: ${buf.readInt8(at)} producerId: ${readInt64(buf, at + 2)} firstOffset: ${readInt64(buf, at + 10)} lastOffset: ${readInt64(buf, at + 18)} lastStableOffset: ${readInt64(buf, at + 26)}`,
      );
    }
  } finally {
    await fh.close();
  }
}

/** How Kafka's tool ends on an exception: its class and message (the stack only when asked for). */
function exceptionLine(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return `java.nio.file.NoSuchFileException: ${e.path ?? ''}`;
  if (e?.code === 'EISDIR') return `java.io.IOException: Is a directory: ${e.path ?? ''}`;
  if (e?.code === 'EACCES') return `java.nio.file.AccessDeniedException: ${e.path ?? ''}`;
  if (err instanceof Error && err.name.includes('.')) return `${err.name}: ${err.message}`;
  return `org.apache.kafka.common.KafkaException: ${err instanceof Error ? err.message : String(err)}`;
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOrExit(parser(), args);
  maybePrintHelpOrVersion(opts, 'This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.');
  checkRequiredArgs(opts, 'files');
  const printData = ['print-data-log', 'offsets-decoder', 'transaction-log-decoder', 'cluster-metadata-decoder', 'remote-log-metadata-decoder', 'value-decoder-class', 'key-decoder-class'].some((o) => opts.has(o));
  const out = new Out();
  const reports = new Reports();
  try {
    const s: Settings = {
      printData,
      deep: opts.has('deep-iteration') || printData,
      skipMetadata: opts.has('skip-record-metadata'),
      verifyOnly: opts.has('verify-index-only'),
      sanityOnly: opts.has('index-sanity-check'),
      maxMessageSize: opts.number('max-message-size')!,
      maxBytes: opts.number('max-bytes')!,
    };
    const files = opts.valueOf('files')!.split(',').map((f) => f.trim()).filter((f) => f !== '');
    for (const file of files) {
      out.println(`Dumping ${file}`);
      const name = path.basename(file);
      const dot = name.lastIndexOf('.');
      const suffix = dot < 0 ? '' : name.slice(dot);
      switch (suffix) {
        case '.log':
        case '.checkpoint':
          await dumpLog(file, s, () => messageParser(opts, out), out, reports);
          break;
        case '.index':
          await dumpIndex(file, s, out, reports);
          break;
        case '.timeindex':
          await dumpTimeIndex(file, s, out, reports);
          break;
        case '.snapshot':
          await dumpProducerSnapshot(file, out);
          break;
        case '.txnindex':
          await dumpTxnIndex(file, out);
          break;
        default:
          await out.flush();
          process.stderr.write(`Ignoring unknown file ${file}\n`);
      }
      await out.flush();
    }
    reports.print();
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    await out.flush().catch(() => {});
    reports.print();
    process.stderr.write(`${exceptionLine(err)}\n`);
    debugStack(err);
    return 1;
  }
}
