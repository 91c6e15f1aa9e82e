// kafka-get-offsets (GetOffsetShell): "topic:partition:offset" lines for the
// partitions matching --topic/--partitions or --topic-partitions, at --time
// (latest / -1, earliest / -2, max-timestamp / -3, earliest-local / -4,
// latest-tiered / -5, or a timestamp) — Kafka 3.9's options, filters,
// messages and output order, on the Samsa Admin client.

import { Admin } from '../client/admin.js';
import type { OffsetSpec } from '../client/admin.js';
import type { TopicPartition } from '../client/leader-requests.js';
import { CommandExit, OptionException, OptionParser, OptionSet, checkRequiredArgs, clientConfig, loadProps, maybePrintHelpOrVersion, printUsageAndExit, validHostPorts } from './options.js';
import { debugStack, javaExceptionName, kafkaMessage, println } from './output.js';
import { isInternalTopic, topicFilter } from './topics.js';

const USAGE = 'An interactive shell for getting topic-partition offsets.';
const TOPIC_PARTITION_PATTERN = '([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?';

function parser(): OptionParser {
  return new OptionParser()
    .arg('broker-list', 'DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.', { describedAs: 'HOST1:PORT1,...,HOST3:PORT3' })
    .arg('bootstrap-server', 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.', { describedAs: 'HOST1:PORT1,...,HOST3:PORT3' })
    .arg(
      'topic-partitions',
      `Comma separated list of topic-partition patterns to get the offsets for, with the format of '${TOPIC_PARTITION_PATTERN}'. The first group is an optional regex for the topic name, if omitted, it matches any topic name. The section after ':' describes a 'partition' pattern, which can be: a number, a range in the format of 'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions.`,
      { describedAs: 'topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3' },
    )
    .arg('topic', 'The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present.', { describedAs: 'topic' })
    .arg('partitions', 'Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present.', { describedAs: 'partition ids' })
    .arg('time', 'timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.]', {
      describedAs: '<timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered',
      defaults: 'latest',
    })
    .arg('command-config', 'Property file containing configs to be passed to Admin Client.', { describedAs: 'config file' })
    .flag('exclude-internal-topics', 'By default, internal topics are included. If specified, internal topics are excluded.');
}

class TerseError extends Error {}

interface Rule {
  topic: RegExp;
  partition: (p: number) => boolean;
}

/** null: the spec returns no offset (latest-tiered without tiered storage). */
function parseOffsetSpec(time: string): OffsetSpec | null {
  switch (time) {
    case 'earliest':
    case 'earliest-local':
      return 'earliest';
    case 'latest':
      return 'latest';
    case 'max-timestamp':
      return 'max-timestamp';
    case 'latest-tiered':
      return null;
  }
  if (!/^[+-]?\d+$/.test(time) || !Number.isSafeInteger(Number(time))) {
    throw new TerseError(`Malformed time argument ${time}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp`);
  }
  const t = Number(time);
  if (t === -2 || t === -4) return 'earliest';
  if (t === -1) return 'latest';
  if (t === -3) return 'max-timestamp';
  if (t === -5) return null;
  return t;
}

function rules(opts: OptionSet): Rule[] {
  if (opts.has('topic-partitions')) {
    return opts.valueOf('topic-partitions')!.split(',').map((spec) => {
      const m = new RegExp(`^${TOPIC_PARTITION_PATTERN}$`).exec(spec);
      if (!m) throw new TerseError(`Invalid rule specification: ${spec}`);
      const g = (i: number) => (m[i] !== undefined && m[i] !== '' ? m[i] : undefined);
      const topic = topicFilter(g(1) ?? '.*');
      if (g(2) !== undefined) {
        const n = Number(g(2));
        return { topic, partition: (p) => p === n };
      }
      const lower = g(3) !== undefined ? Number(g(3)) : 0;
      const upper = g(4) !== undefined ? Number(g(4)) : 2147483647;
      return { topic, partition: (p) => p >= lower && p < upper };
    });
  }
  const ids = opts.valueOf('partitions');
  let set: Set<number> | null = null;
  if (ids) {
    const parts = ids.split(',');
    if (!parts.every((x) => /^[+-]?\d+$/.test(x))) throw new TerseError(`--partitions expects a comma separated list of numeric partition ids, but received: ${ids}`);
    set = new Set(parts.map(Number));
  }
  return [{ topic: topicFilter(opts.valueOf('topic') ?? '.*'), partition: (p) => set === null || set.has(p) }];
}

export async function main(args: string[]): Promise<number> {
  const p = parser();
  if (args.length === 0) printUsageAndExit(p, USAGE);
  let admin: Admin | undefined;
  try {
    let opts: OptionSet;
    try {
      opts = p.parse(args);
    } catch (err) {
      if (err instanceof OptionException) throw new TerseError(err.message);
      throw err;
    }
    if (!opts.has('help') && !opts.has('version') && !opts.has('bootstrap-server') && !opts.has('broker-list')) throw new TerseError('Missing required option(s) [bootstrap-server]');
    const serverOpt = opts.has('bootstrap-server') ? 'bootstrap-server' : 'broker-list';
    maybePrintHelpOrVersion(opts, USAGE);
    checkRequiredArgs(opts, serverOpt);
    const servers = opts.valueOf(serverOpt)!;
    if (servers.trim() === '') printUsageAndExit(p, 'Error while validating the bootstrap address\n');
    if (!validHostPorts(servers)) printUsageAndExit(p, 'Please provide valid host:port like host1:9091,host2:9092\n');
    if (opts.has('topic-partitions') && (opts.has('topic') || opts.has('partitions'))) throw new TerseError('--topic-partitions cannot be used with --topic or --partitions');
    const exclude = opts.has('exclude-internal-topics');
    const spec = parseOffsetSpec(opts.valueOf('time')!);
    const filters = rules(opts);
    const props = opts.has('command-config') ? loadProps(opts.valueOf('command-config')!) : {};
    admin = new Admin(clientConfig(servers, props, { 'client.id': 'GetOffsetShell' }));

    const topics = (await admin.listTopics({ includeInternal: !exclude })).filter((t) => !(exclude && isInternalTopic(t)) && filters.some((r) => r.topic.test(t)));
    const partitions: TopicPartition[] = [];
    if (topics.length > 0) {
      for (const d of await admin.describeTopics(topics)) {
        for (const part of d.partitions) if (filters.some((r) => r.topic.test(d.name) && r.partition(part.partition))) partitions.push({ topic: d.name, partition: part.partition });
      }
    }
    if (partitions.length === 0) throw new TerseError('Could not match any topic-partitions with the specified filters');
    const offsets = new Map<string, number>();
    if (spec !== null) {
      let listed: { topic: string; partition: number; offset: number }[] | null = null;
      try {
        listed = await admin.listOffsets(partitions.map((tp) => ({ ...tp, spec })));
      } catch {
        // Find which partitions fail, as Kafka reports each of them.
        listed = [];
        for (const tp of partitions) {
          try {
            listed.push(...(await admin.listOffsets([{ ...tp, spec }])));
          } catch (err) {
            process.stderr.write(`Skip getting offsets for topic-partition ${tp.topic}-${tp.partition} due to error: ${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
          }
        }
      }
      for (const l of listed) if (l.offset !== -1) offsets.set(`${l.topic}-${l.partition}`, l.offset);
    }
    // Kafka sorts by TopicPartition.toString(), "topic-partition", as strings.
    const keys = partitions.filter((tp) => offsets.has(`${tp.topic}-${tp.partition}`)).sort((a, b) => {
      const ka = `${a.topic}-${a.partition}`;
      const kb = `${b.topic}-${b.partition}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    for (const tp of keys) println(`${tp.topic}:${tp.partition}:${offsets.get(`${tp.topic}-${tp.partition}`)}`);
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    process.stderr.write(`Error occurred: ${err instanceof TerseError ? err.message : kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  } finally {
    await admin?.close();
  }
}
