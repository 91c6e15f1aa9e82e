// kafka-leader-election: Kafka 3.9's LeaderElectionCommand options, checks
// and messages (--bootstrap-server, --admin.config, --election-type
// preferred|unclean, one of --topic with --partition, --all-topic-partitions
// or --path-to-json-file).
//
// A Samsa cluster has one broker until cluster mode exists: every partition
// has a single replica, that broker, which is its leader whenever the
// partition is online. There is never another replica to elect, so the tool
// answers from the cluster's metadata what Kafka's controller answers for
// such a cluster — "Valid replica already elected for partitions …" for the
// partitions named, nothing for --all-topic-partitions (Kafka lists only
// partitions it changed), Kafka's errors for unknown topics and partitions and
// for offline partitions — and says on stderr that leader elections need
// several brokers. Against several brokers (which would need the ElectLeaders
// request, not sent by Samsa's tools yet) it stops with an error.

import { readFileSync } from 'node:fs';
import { Admin } from '../client/admin.js';
import { ArgType, CommandExit, OptionParser, clientConfig, loadProps, maybePrintHelpOrVersion, parseJavaInteger, parseOrExit } from './options.js';
import { debugStack, kafkaMessage } from './output.js';

const ELECTION_TYPE_INDICATOR = '[PREFERRED,UNCLEAN]' as ArgType;

function parser(): OptionParser {
  return new OptionParser()
    .arg('bootstrap-server', 'A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED.', { describedAs: 'host:port' })
    .arg('admin.config', 'Configuration properties files to pass to the admin client', { describedAs: 'config file' })
    .arg(
      'path-to-json-file',
      'The JSON file with the list  of partition for which leader elections should be performed. This is an example format. \n{"partitions":\n\t[{"topic": "foo", "partition": 1},\n\t {"topic": "foobar", "partition": 2}]\n}\nNot allowed if --all-topic-partitions or --topic flags are specified.',
      { describedAs: 'Path to JSON file' },
    )
    .arg('topic', 'Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified.', { describedAs: 'topic name' })
    .arg('partition', 'Partition id for which to perform an election. REQUIRED if --topic is specified.', { describedAs: 'partition id', type: 'Integer' })
    .flag('all-topic-partitions', 'Perform election on all of the eligible topic partitions based on the type of election (see the --election-type flag). Not allowed if --topic or --path-to-json-file is specified.')
    .arg(
      'election-type',
      'Type of election to attempt. Possible values are "preferred" for preferred leader election or "unclean" for unclean leader election. If preferred election is selection, the election is only performed if the current leader is not the preferred leader for the topic partition. If unclean election is selected, the election is only performed if there are no leader for the topic partition. REQUIRED.',
      { describedAs: 'election type', type: ELECTION_TYPE_INDICATOR },
    );
}

/** Kafka's AdminCommandFailedException / AdminOperationException: the tool prints the message and exits 1. */
class CommandFailed extends Error {}

interface TP {
  topic: string;
  partition: number;
}

const tpString = (tp: TP) => `${tp.topic}-${tp.partition}`;

/** Kafka's parseReplicaElectionData. */
export function parseElectionJson(text: string): TP[] {
  let js: any;
  try {
    js = JSON.parse(text);
  } catch {
    throw new CommandFailed('Replica election data is empty');
  }
  if (js === null || typeof js !== 'object' || Array.isArray(js)) throw new CommandFailed('Replica election data is empty');
  if (js.partitions === undefined) throw new CommandFailed('Replica election data is missing "partitions" field');
  if (!Array.isArray(js.partitions)) throw new CommandFailed(`Expected JSON array, received ${JSON.stringify(js.partitions)}`);
  const out: TP[] = [];
  for (const p of js.partitions) {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new CommandFailed(`Expected JSON object, received ${JSON.stringify(p)}`);
    if (!('topic' in p)) throw new CommandFailed('No such field exists: `topic`');
    if (typeof p.topic !== 'string') throw new CommandFailed(`Expected \`String\` value, received ${JSON.stringify(p.topic)}`);
    if (!('partition' in p)) throw new CommandFailed('No such field exists: `partition`');
    if (!Number.isInteger(p.partition)) throw new CommandFailed(`Expected \`int\` value, received ${JSON.stringify(p.partition)}`);
    out.push({ topic: p.topic, partition: p.partition });
  }
  const keys = out.map(tpString);
  const dups = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
  if (dups.length > 0) throw new CommandFailed(`Replica election data contains duplicate partitions: [${dups.join(', ')}]`);
  return out.filter((tp, i) => keys.indexOf(tpString(tp)) === i);
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOrExit(parser(), args);
  maybePrintHelpOrVersion(
    opts,
    'This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas.',
  );
  let admin: Admin | undefined;
  try {
    // Kafka's validate().
    const missing = ['bootstrap-server', 'election-type'].filter((o) => !opts.has(o));
    if (missing.length > 0) throw new CommandFailed(`Missing required option(s): ${missing.join(', ')}`);
    const exclusive = ['topic', 'all-topic-partitions', 'path-to-json-file'];
    if (exclusive.filter((o) => opts.has(o)).length !== 1) throw new CommandFailed(`One and only one of the following options is required: ${exclusive.join(', ')}`);
    if (opts.has('topic') && !opts.has('partition')) throw new CommandFailed('Missing required option(s): partition');
    if (!opts.has('topic') && opts.has('partition')) throw new CommandFailed('Option partition is only allowed if topic is used');

    const typeArg = opts.valueOf('election-type')!;
    const electionType = ['PREFERRED', 'UNCLEAN'].find((t) => t === typeArg.toUpperCase());
    if (!electionType) throw new CommandFailed(`Cannot parse argument '${typeArg}' of option election-type`);
    let requested: TP[] | null = null;
    if (opts.has('path-to-json-file')) {
      const file = opts.valueOf('path-to-json-file')!;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new CommandFailed(`java.nio.file.NoSuchFileException: ${file}`);
      }
      requested = parseElectionJson(text);
    } else if (opts.has('topic')) {
      const p = opts.valueOf('partition')!;
      const partition = parseJavaInteger(p, 'int', () => new CommandFailed(`Cannot parse argument '${p}' of option partition`));
      requested = [{ topic: opts.valueOf('topic')!, partition }];
    }

    const props = opts.has('admin.config') ? loadProps(opts.valueOf('admin.config')!) : {};
    // Kafka's tool: a 30 s default API timeout and 15 s request timeout unless configured.
    admin = new Admin(clientConfig(opts.valueOf('bootstrap-server')!, { 'default.api.timeout.ms': '30000', 'request.timeout.ms': '15000' }, props));
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length !== 1) {
      throw new CommandFailed(
        `The cluster has ${cluster.brokers.length} brokers: leader elections among several brokers need the ElectLeaders request, which Samsa's tools do not send yet`,
      );
    }
    const brokerId = cluster.brokers[0]!.nodeId;

    // The controller's rules for each partition, on this cluster's metadata.
    const topics = new Set(await admin.listTopics({ includeInternal: true }));
    const wanted = requested === null ? [...topics] : [...new Set(requested.map((tp) => tp.topic))].filter((t) => topics.has(t));
    const described = new Map((wanted.length > 0 ? await admin.describeTopics(wanted) : []).map((t) => [t.name, t]));
    const targets: TP[] = requested ?? [...described.values()].flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    const succeeded: TP[] = [];
    const noop: TP[] = [];
    const failed: [TP, string][] = [];
    for (const tp of targets) {
      const t = described.get(tp.topic);
      const p = t?.partitions.find((x) => x.partition === tp.partition);
      if (!t) failed.push([tp, `org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such topic as ${tp.topic}`]);
      else if (!p) failed.push([tp, `org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such partition as ${tpString(tp)}`]);
      else if (electionType === 'PREFERRED' ? p.leader >= 0 && p.leader === p.replicas[0] : p.leader >= 0) {
        // ELECTION_NOT_NEEDED: listed only when the partitions were named.
        if (requested !== null) noop.push(tp);
      } else {
        failed.push([
          tp,
          electionType === 'PREFERRED'
            ? 'org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: The preferred leader was not available.'
            : 'org.apache.kafka.common.errors.EligibleLeadersNotAvailableException: Eligible topic partition leaders are not available.',
        ]);
      }
    }
    process.stderr.write(
      `This Samsa cluster has one broker (id ${brokerId}), the only replica of every partition: there is no other replica to elect (leader elections need several brokers, which Samsa's cluster mode will bring).\n`,
    );
    const order = (a: TP, b: TP) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);
    if (succeeded.length > 0) process.stdout.write(`Successfully completed leader election (${electionType}) for partitions ${succeeded.sort(order).map(tpString).join(', ')}\n`);
    if (noop.length > 0) process.stdout.write(`Valid replica already elected for partitions ${noop.sort(order).map(tpString).join(', ')}\n`);
    if (failed.length > 0) {
      for (const [tp, err] of failed.sort((a, b) => order(a[0], b[0]))) process.stdout.write(`Error completing leader election (${electionType}) for partition: ${tpString(tp)}: ${err}\n`);
      throw new CommandFailed(`${failed.length} replica(s) could not be elected`);
    }
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    process.stderr.write(`${err instanceof CommandFailed ? err.message : kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  } finally {
    await admin?.close();
  }
}
