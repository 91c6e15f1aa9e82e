// kafka-consumer-groups: list, describe (offsets, members, state), delete,
// reset offsets and delete offsets of consumer groups — Kafka 3.9's
// ConsumerGroupCommand options, checks, messages and column layouts, on the
// Samsa Admin client's group calls. Where 3.9 prints rows without line breaks
// (reset-offsets, delete-offsets, the end of --describe) the line breaks of
// the releases after it are used; --members --verbose names the topic of each
// partition list, as the releases before 3.8 did. Failures exit with 1
// (Kafka's tool exits 0 after printing "Error: …").

import { Admin, AdminOperationError } from '../client/admin.js';
import type { GroupDescription, GroupListing } from '../client/admin.js';
import type { TopicPartition } from '../client/leader-requests.js';
import { KafkaError } from '../client/errors.js';
import { readFileSync } from 'node:fs';
import {
  ArgumentError,
  CommandExit,
  OptionException,
  OptionParser,
  OptionSet,
  checkInvalidArgs,
  checkRequiredArgs,
  clientConfig,
  loadProps,
  maybePrintHelpOrVersion,
  parseJavaInteger,
  printUsageAndExit,
} from './options.js';
import { debugStack, javaExceptionName, kafkaMessage, println } from './output.js';

const MISSING = '-';
const NL = '\n';

function parser(): OptionParser {
  return new OptionParser()
    .arg('bootstrap-server', 'REQUIRED: The server(s) to connect to.', { describedAs: 'server to connect to' })
    .arg('group', 'The consumer group we wish to act on.', { describedAs: 'consumer group' })
    .arg('topic', 'The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs.', { describedAs: 'topic' })
    .flag('all-topics', 'Consider all topics assigned to a group in the `reset-offsets` process.')
    .flag('list', 'List all consumer groups.')
    .flag('describe', 'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.')
    .flag('all-groups', 'Apply to all consumer groups.')
    .flag('delete', 'Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2')
    .arg('timeout', 'The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes).', { describedAs: 'timeout (ms)', type: 'Long', defaults: '5000' })
    .arg('command-config', 'Property file containing configs to be passed to Admin Client and Consumer.', { describedAs: 'command config property file' })
    .flag(
      'reset-offsets',
      `Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive${NL}Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. Additionally, the --export option is used to export the results to a CSV format.${NL}You must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, --to-latest, --shift-by, --from-file, --to-current, --to-offset.${NL}To define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'.`,
    )
    .flag('delete-offsets', 'Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.')
    .flag('dry-run', 'Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.')
    .flag('execute', 'Execute operation. Supported operations: reset-offsets.')
    .flag('export', 'Export operation execution to a CSV file. Supported operations: reset-offsets.')
    .arg('to-offset', 'Reset offsets to a specific offset.', { describedAs: 'offset', type: 'Long' })
    .arg('from-file', 'Reset offsets to values defined in CSV file.', { describedAs: 'path to CSV file' })
    .arg('to-datetime', "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'", { describedAs: 'datetime' })
    .arg('by-duration', "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'", { describedAs: 'duration' })
    .flag('to-earliest', 'Reset offsets to earliest offset.')
    .flag('to-latest', 'Reset offsets to latest offset.')
    .flag('to-current', 'Reset offsets to current offset.')
    .arg('shift-by', "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.", { describedAs: 'number-of-offsets', type: 'Long' })
    .flag('members', `Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only.${NL}Example: --bootstrap-server localhost:9092 --describe --group group1 --members`)
    .flag('verbose', `Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only.${NL}Example: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose`)
    .flag('offsets', `Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only.${NL}Example: --bootstrap-server localhost:9092 --describe --group group1 --offsets`)
    .arg(
      'state',
      `When specified with '--describe', includes the state of the group.${NL}Example: --bootstrap-server localhost:9092 --describe --group group1 --state${NL}When specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states.${NL}Example: --bootstrap-server localhost:9092 --list --state stable,empty${NL}This option may be used with '--describe', '--list' and '--bootstrap-server' options only.`,
      { optional: true },
    )
    .arg('type', `When specified with '--list', it displays the types of all the groups. It can also be used to list groups with specific types.${NL}Example: --bootstrap-server localhost:9092 --list --type classic,consumer${NL}This option may be used with the '--list' option only.`, { optional: true });
}

const LEVEL_OPTS = ['list', 'describe', 'delete', 'reset-offsets'];
const SCOPE_OPTS = ['group', 'all-groups'];
const SCENARIOS = ['to-offset', 'shift-by', 'to-datetime', 'by-duration', 'to-earliest', 'to-latest', 'to-current', 'from-file'];
const fmtSet = (names: string[]) => names.map((n) => `[${n}]`).join(', ');

/** jopt-simple's availableIf: these options need one of the others on the command line. */
const AVAILABLE_IF: Record<string, string[]> = { members: ['describe'], verbose: ['describe'], offsets: ['describe'], state: ['describe', 'list'], type: ['list'] };

function checkArgs(opts: OptionSet): void {
  maybePrintHelpOrVersion(opts, 'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.');
  checkRequiredArgs(opts, 'bootstrap-server');
  if (opts.has('describe')) {
    if (!opts.has('group') && !opts.has('all-groups')) printUsageAndExit(opts.parser, `Option [describe] takes one of these options: ${fmtSet(LEVEL_OPTS)}`);
    const exclusive = ['members', 'offsets', 'state'];
    if (exclusive.filter((o) => opts.has(o)).length > 1) printUsageAndExit(opts.parser, `Option [describe] takes at most one of these options: ${fmtSet(exclusive)}`);
    if (opts.has('state') && opts.valueOf('state') !== undefined) printUsageAndExit(opts.parser, 'Option [describe] does not take a value for [state]');
  }
  if (opts.has('delete')) {
    if (!opts.has('group') && !opts.has('all-groups')) printUsageAndExit(opts.parser, `Option [delete] takes one of these options: ${fmtSet(SCOPE_OPTS)}`);
    if (opts.has('topic')) printUsageAndExit(opts.parser, 'The consumer does not support topic-specific offset deletion from a consumer group.');
  }
  if (opts.has('delete-offsets')) {
    if (!opts.has('group') || !opts.has('topic')) printUsageAndExit(opts.parser, `Option [delete-offsets] takes the following options: ${fmtSet(SCOPE_OPTS)}`);
  }
  if (opts.has('reset-offsets')) {
    if (opts.has('dry-run') && opts.has('execute')) printUsageAndExit(opts.parser, 'Option [reset-offsets] only accepts one of [execute] and [dry-run]');
    if (!opts.has('dry-run') && !opts.has('execute')) {
      process.stderr.write(
        'WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n',
      );
    }
    if (!opts.has('group') && !opts.has('all-groups')) printUsageAndExit(opts.parser, `Option [reset-offsets] takes one of these options: ${fmtSet(SCOPE_OPTS)}`);
    for (const s of SCENARIOS) checkInvalidArgs(opts, s, SCENARIOS.filter((x) => x !== s));
  }
  checkInvalidArgs(opts, 'group', ['all-groups']);
  checkInvalidArgs(opts, 'group', ['list']);
  checkInvalidArgs(opts, 'topic', ['list', 'describe']);
}

// ------------------------------------------------------------------ helpers

const STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];
const TYPES = ['Consumer', 'Classic'];

function canonicalState(s: string | null | undefined): string {
  if (!s) return 'Unknown';
  return STATES.find((x) => x.toLowerCase() === s.toLowerCase()) ?? 'Unknown';
}

function parseStates(input: string): string[] {
  const parsed = input.split(',').map((s) => canonicalState(s.trim()));
  if (parsed.includes('Unknown')) throw new ArgumentError(`Invalid state list '${input}'. Valid states are: ${STATES.join(', ')}`);
  return [...new Set(parsed)];
}

function parseTypes(input: string): string[] {
  const parsed = input
    .toLowerCase()
    .split(',')
    .map((s) => TYPES.find((t) => t.toLowerCase() === s.trim()) ?? 'Unknown');
  if (parsed.includes('Unknown')) throw new ArgumentError(`Invalid types list '${input}'. Valid types are: ${TYPES.join(', ')}`);
  return [...new Set(parsed)];
}

const tpName = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;
const byTopicPartition = (a: TopicPartition, b: TopicPartition) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

/** printf("%-Ns") of each value, separated by spaces; the last format may be unpadded. */
function row(widths: (number | null)[], values: (string | number)[]): string {
  return values.map((v, i) => (widths[i] === null ? String(v) : String(v).padEnd(widths[i]!))).join(' ');
}

class ToolError extends Error {}

/** Kafka's printError: a blank line, then "Error: <message>", on stdout. */
function printError(message: string): void {
  process.stdout.write(`\nError: ${message}\n`);
}

class ConsumerGroupService {
  failed = false;
  constructor(private readonly admin: Admin, private readonly opts: OptionSet) {}

  /** Consumer groups (protocol type "consumer" or none), as Kafka's listConsumerGroups. */
  async listConsumerGroups(filters: { states?: string[]; types?: string[] } = {}): Promise<GroupListing[]> {
    const all = await this.admin.listGroups({ states: filters.states, types: filters.types?.map((t) => t.toLowerCase()) });
    return all.filter((g) => g.protocolType === 'consumer' || g.protocolType === '');
  }

  async groupIds(): Promise<string[]> {
    return this.opts.has('all-groups') ? (await this.listConsumerGroups()).map((g) => g.groupId) : this.opts.valuesOf('group');
  }

  async list(): Promise<void> {
    const includeType = this.opts.has('type');
    const includeState = this.opts.has('state');
    if (!includeType && !includeState) {
      const groups = await this.listConsumerGroups();
      for (const g of groups) println(g.groupId);
      return;
    }
    const stateValue = this.opts.valueOf('state');
    const typeValue = this.opts.valueOf('type');
    const states = stateValue ? parseStates(stateValue) : [];
    const types = typeValue ? parseTypes(typeValue) : [];
    const groups = await this.listConsumerGroups({ states: states.length ? states : undefined, types: types.length ? types : undefined });
    const width = Math.max(15, ...groups.map((g) => g.groupId.length)) + 10;
    const widths = [width, ...(includeType ? [20] : []), ...(includeState ? [20] : [])];
    let out = row(widths, ['GROUP', ...(includeType ? ['TYPE'] : []), ...(includeState ? ['STATE'] : [])]) + '\n';
    for (const g of groups) {
      const type = g.type ? TYPES.find((t) => t.toLowerCase() === g.type!.toLowerCase()) ?? 'Unknown' : 'Unknown';
      out += row(widths, [g.groupId, ...(includeType ? [type] : []), ...(includeState ? [canonicalState(g.state)] : [])]) + '\n';
    }
    process.stdout.write(out);
  }

  /** Kafka's shouldPrintMemberState: reports a missing, empty or rebalancing group; true when there are rows to print. */
  private shouldPrint(group: string, state: string | undefined, rows: number | undefined): boolean {
    if (rows === undefined) {
      printError(`The consumer group '${group}' does not exist.`);
      this.failed = true;
      return false;
    }
    switch (state) {
      case 'Dead':
        printError(`Consumer group '${group}' does not exist.`);
        this.failed = true;
        break;
      case 'Empty':
        process.stderr.write(`\nConsumer group '${group}' has no active members.\n`);
        break;
      case 'PreparingRebalance':
      case 'CompletingRebalance':
      case 'Assigning':
      case 'Reconciling':
        process.stderr.write(`\nWarning: Consumer group '${group}' is rebalancing.\n`);
        break;
      case 'Stable':
        break;
      default:
        throw new ToolError(`Expected a valid consumer group state, but found '${state}'.`);
    }
    return state !== 'Dead' && rows > 0;
  }

  private async describeAll(ids: string[]): Promise<Map<string, GroupDescription>> {
    const out = new Map<string, GroupDescription>();
    for (const d of await this.admin.describeGroups(ids)) out.set(d.groupId, d);
    return new Map([...out].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }

  private async committed(group: string): Promise<Map<string, number>> {
    const offsets = await this.admin.listConsumerGroupOffsets(group);
    return new Map(offsets.map((o) => [tpName(o), o.offset]));
  }

  private async logOffsets(tps: TopicPartition[], spec: 'earliest' | 'latest'): Promise<Map<string, number>> {
    if (tps.length === 0) return new Map();
    const listed = await this.admin.listOffsets(tps.map((tp) => ({ ...tp, spec })));
    return new Map(listed.map((l) => [tpName(l), l.offset]));
  }

  async describe(): Promise<void> {
    const ids = await this.groupIds();
    const members = this.opts.has('members');
    const state = this.opts.has('state');
    if (members) return this.describeMembers(ids, this.opts.has('verbose'));
    if (state) return this.describeStates(ids);
    const groups = await this.describeAll(ids);
    for (const [groupId, g] of groups) {
      const committed = await this.committed(groupId);
      const rows: string[][] = [];
      const assigned = new Set<string>();
      const withAssignment = g.members.filter((m) => m.assignment.length > 0).sort((a, b) => b.assignment.length - a.assignment.length);
      for (const m of withAssignment) {
        const tps = [...m.assignment].sort(byTopicPartition);
        for (const tp of tps) assigned.add(tpName(tp));
        rows.push(...(await this.partitionRows(groupId, tps, committed, m.memberId, m.clientHost, m.clientId)));
      }
      const unassigned = [...committed.keys()]
        .filter((k) => !assigned.has(k))
        .map((k) => {
          const i = k.lastIndexOf('-');
          return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) };
        })
        .sort(byTopicPartition);
      if (unassigned.length > 0) rows.push(...(await this.partitionRows(groupId, unassigned, committed, MISSING, MISSING, MISSING)));
      if (this.shouldPrint(groupId, g.state, rows.length)) {
        const w = (col: number, min = 15) => Math.max(min, ...rows.map((r) => r[col]!.length));
        const widths = [w(0), w(1), 10, 15, 15, 15, w(6), w(7), null];
        let out = '\n' + row(widths, ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']);
        for (const r of rows) out += '\n' + row(widths, r);
        process.stdout.write(out + '\n');
      }
    }
  }

  private async partitionRows(group: string, tps: TopicPartition[], committed: Map<string, number>, consumerId: string, host: string, clientId: string): Promise<string[][]> {
    const ends = await this.logOffsets(tps, 'latest');
    return tps.map((tp) => {
      const offset = committed.get(tpName(tp));
      const end = ends.get(tpName(tp));
      const lag = offset !== undefined && offset !== -1 && end !== undefined ? String(end - offset) : MISSING;
      return [group, tp.topic, String(tp.partition), offset !== undefined ? String(offset) : MISSING, end !== undefined ? String(end) : MISSING, lag, consumerId, host, clientId];
    });
  }

  private async describeMembers(ids: string[], verbose: boolean): Promise<void> {
    const groups = await this.describeAll(ids);
    for (const [groupId, g] of groups) {
      const ms = g.members;
      let widths = { group: 15, id: 15, instance: 17, host: 15, client: 15 };
      let includeInstance = false;
      if (this.shouldPrint(groupId, g.state, ms.length)) {
        for (const m of ms) {
          widths = {
            group: Math.max(widths.group, groupId.length),
            id: Math.max(widths.id, m.memberId.length),
            instance: Math.max(widths.instance, (m.groupInstanceId ?? '').length),
            host: Math.max(widths.host, m.clientHost.length),
            client: Math.max(widths.client, m.clientId.length),
          };
          includeInstance ||= !!m.groupInstanceId;
        }
      }
      const cols = includeInstance ? [widths.group, widths.id, widths.instance, widths.host, widths.client, 15] : [widths.group, widths.id, widths.host, widths.client, 15];
      const line = (values: (string | number)[]) => row(cols, values) + ' ';
      let out = '\n' + line(includeInstance ? ['GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'] : ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS']);
      out += (verbose ? 'ASSIGNMENT' : '') + '\n';
      for (const m of ms) {
        out += line(includeInstance ? [groupId, m.memberId, m.groupInstanceId ?? '', m.clientHost, m.clientId, m.assignment.length] : [groupId, m.memberId, m.clientHost, m.clientId, m.assignment.length]);
        if (verbose) {
          if (m.assignment.length === 0) out += MISSING;
          else {
            const byTopic = new Map<string, number[]>();
            for (const tp of m.assignment) {
              if (!byTopic.has(tp.topic)) byTopic.set(tp.topic, []);
              byTopic.get(tp.topic)!.push(tp.partition);
            }
            out += [...byTopic]
              .map(([t, ps]) => `${t}(${ps.map(String).sort().join(',')})`)
              .sort()
              .join(', ');
          }
        }
        out += '\n';
      }
      process.stdout.write(out);
    }
  }

  private async describeStates(ids: string[]): Promise<void> {
    const groups = await this.describeAll(ids);
    for (const [groupId, g] of groups) {
      if (!this.shouldPrint(groupId, g.state, 1)) continue;
      const coordinator = `${g.coordinator.host}:${g.coordinator.port}  (${g.coordinator.nodeId})`;
      const widths = [Math.max(25, coordinator.length), 25, 20, 15, null];
      process.stdout.write('\n' + row(widths, ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS']) + '\n' + row(widths, [groupId, coordinator, g.protocol, g.state, g.members.length]) + '\n');
    }
  }

  // ---------------------------------------------------------------- reset

  async resetOffsets(): Promise<Map<string, Map<string, { tp: TopicPartition; offset: number }>>> {
    const ids = await this.groupIds();
    const groups = await this.describeAll(ids);
    const result = new Map<string, Map<string, { tp: TopicPartition; offset: number }>>();
    const plan = this.opts.has('from-file') ? this.resetPlanFromFile() : null;
    for (const groupId of ids) {
      const g = groups.get(groupId)!;
      if (g.state === 'Empty' || g.state === 'Dead') {
        const partitions = await this.partitionsToReset(groupId);
        const prepared = await this.prepareOffsets(groupId, partitions, plan);
        if (this.opts.has('execute') && prepared.size > 0) {
          await this.admin.alterConsumerGroupOffsets(groupId, [...prepared.values()].map((p) => ({ topic: p.tp.topic, partition: p.tp.partition, offset: p.offset })));
        }
        result.set(groupId, prepared);
      } else {
        printError(`Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${g.state}.`);
        this.failed = true;
        result.set(groupId, new Map());
      }
    }
    return result;
  }

  private parseTopicWithPartitions(arg: string): TopicPartition[] {
    const parts = arg.split(':');
    if (parts.length !== 2) throw new ArgumentError(`Invalid topic arg '${arg}', expected topic name and partitions`);
    const [topic, partitions] = parts as [string, string];
    return partitions.split(',').map((p) => ({
      topic,
      partition: parseJavaInteger(p, 'int', () => new ArgumentError(`Invalid partition '${p}' specified in topic arg '${arg}''`)),
    }));
  }

  private async partitionsToReset(groupId: string): Promise<TopicPartition[]> {
    if (this.opts.has('all-topics')) {
      const c = await this.admin.listConsumerGroupOffsets(groupId);
      return c.map((o) => ({ topic: o.topic, partition: o.partition }));
    }
    if (this.opts.has('topic')) return this.topicPartitions(this.opts.valuesOf('topic'));
    if (!this.opts.has('from-file')) printUsageAndExit(this.opts.parser, 'One of the reset scopes should be defined: --all-topics, --topic.');
    return [];
  }

  private async topicPartitions(args: string[]): Promise<TopicPartition[]> {
    const out: TopicPartition[] = [];
    const whole: string[] = [];
    for (const a of args) {
      if (a.includes(':')) out.push(...this.parseTopicWithPartitions(a));
      else whole.push(a);
    }
    if (whole.length > 0) for (const d of await this.admin.describeTopics(whole)) for (const p of d.partitions) out.push({ topic: d.name, partition: p.partition });
    return out;
  }

  /** Offsets outside [log start, log end] are moved to the nearest end, with Kafka's warning. */
  private async checkOffsetsRange(requested: Map<string, { tp: TopicPartition; offset: number }>): Promise<Map<string, { tp: TopicPartition; offset: number }>> {
    const tps = [...requested.values()].map((r) => r.tp);
    const starts = await this.logOffsets(tps, 'earliest');
    const ends = await this.logOffsets(tps, 'latest');
    const out = new Map<string, { tp: TopicPartition; offset: number }>();
    for (const [k, r] of requested) {
      const end = ends.get(k)!;
      const start = starts.get(k)!;
      if (r.offset > end) {
        warn(`New offset (${r.offset}) is higher than latest offset for topic partition ${k}. Value will be set to ${end}`);
        out.set(k, { tp: r.tp, offset: end });
      } else if (r.offset < start) {
        warn(`New offset (${r.offset}) is lower than earliest offset for topic partition ${k}. Value will be set to ${start}`);
        out.set(k, { tp: r.tp, offset: start });
      } else out.set(k, r);
    }
    return out;
  }

  private async timestampOffsets(tps: TopicPartition[], timestamp: number): Promise<Map<string, { tp: TopicPartition; offset: number }>> {
    const listed = tps.length ? await this.admin.listOffsets(tps.map((tp) => ({ ...tp, spec: timestamp }))) : [];
    const out = new Map<string, { tp: TopicPartition; offset: number }>();
    const empty: TopicPartition[] = [];
    for (const l of listed) {
      if (l.offset >= 0) out.set(tpName(l), { tp: { topic: l.topic, partition: l.partition }, offset: l.offset });
      else {
        empty.push({ topic: l.topic, partition: l.partition });
        println(`\nWarn: Partition ${l.partition} from topic ${l.topic} is empty. Falling back to latest known offset.`);
      }
    }
    const ends = await this.logOffsets(empty, 'latest');
    for (const tp of empty) out.set(tpName(tp), { tp, offset: ends.get(tpName(tp))! });
    return out;
  }

  private async prepareOffsets(groupId: string, partitions: TopicPartition[], plan: Map<string, Map<string, { tp: TopicPartition; offset: number }>> | null): Promise<Map<string, { tp: TopicPartition; offset: number }>> {
    const each = (f: (tp: TopicPartition) => number) => new Map(partitions.map((tp) => [tpName(tp), { tp, offset: f(tp) }]));
    const o = this.opts;
    if (o.has('to-offset')) {
      const offset = o.number('to-offset')!;
      return this.checkOffsetsRange(each(() => offset));
    }
    if (o.has('to-earliest') || o.has('to-latest')) {
      const offsets = await this.logOffsets(partitions, o.has('to-earliest') ? 'earliest' : 'latest');
      return each((tp) => offsets.get(tpName(tp))!);
    }
    if (o.has('shift-by')) {
      const shift = o.number('shift-by')!;
      const current = await this.committed(groupId);
      return this.checkOffsetsRange(
        each((tp) => {
          const c = current.get(tpName(tp));
          if (c === undefined) throw new ArgumentError(`Cannot shift offset for partition ${tpName(tp)} since there is no current committed offset`);
          return c + shift;
        }),
      );
    }
    if (o.has('to-datetime')) return this.timestampOffsets(partitions, parseDateTime(o.valueOf('to-datetime')!));
    if (o.has('by-duration')) return this.timestampOffsets(partitions, Date.now() - parseDuration(o.valueOf('by-duration')!));
    if (plan) {
      const forGroup = plan.get(groupId);
      if (!forGroup) {
        printError(`No reset plan for group ${groupId} found`);
        return new Map();
      }
      return this.checkOffsetsRange(forGroup);
    }
    if (o.has('to-current')) {
      const current = await this.committed(groupId);
      const without = partitions.filter((tp) => !current.has(tpName(tp)));
      const ends = await this.logOffsets(without, 'latest');
      return each((tp) => current.get(tpName(tp)) ?? ends.get(tpName(tp))!);
    }
    printUsageAndExit(o.parser, `Option '[reset-offsets]' requires one of the following scenarios: [${SCENARIOS.map((s) => `[${s}]`).join(', ')}]`);
  }

  /** The CSV of --export / --from-file: "topic,partition,offset" for one group, "group,topic,partition,offset" otherwise. */
  private resetPlanFromFile(): Map<string, Map<string, { tp: TopicPartition; offset: number }>> {
    const file = this.opts.valueOf('from-file')!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ToolError(`java.nio.file.NoSuchFileException: ${file}`);
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const single = this.opts.valuesOf('group').length === 1;
    const oldFormat = lines.length > 0 && /^[^,]*,-?\d+,-?\d+\s*$/.test(lines[0]!);
    const plan = new Map<string, Map<string, { tp: TopicPartition; offset: number }>>();
    const add = (group: string, topic: string, partition: string, offset: string) => {
      if (!plan.has(group)) plan.set(group, new Map());
      const tp = { topic, partition: Number(partition) };
      plan.get(group)!.set(tpName(tp), { tp, offset: Number(offset) });
    };
    for (const line of lines) {
      const f = line.trim().split(',');
      if (single && oldFormat) {
        if (f.length !== 3) throw new ToolError(`Invalid CSV line '${line}'`);
        add(this.opts.valueOf('group')!, f[0]!, f[1]!, f[2]!);
      } else {
        if (f.length !== 4 || !/^-?\d+$/.test(f[2]!) || !/^-?\d+$/.test(f[3]!)) throw new ToolError(`Invalid CSV line '${line}'`);
        add(f[0]!, f[1]!, f[2]!, f[3]!);
      }
    }
    return plan;
  }

  exportCsv(result: Map<string, Map<string, { tp: TopicPartition; offset: number }>>): string {
    const single = this.opts.valuesOf('group').length === 1;
    let out = '';
    for (const [group, offsets] of result) {
      for (const r of [...offsets.values()].sort((a, b) => byTopicPartition(a.tp, b.tp))) {
        out += single ? `${r.tp.topic},${r.tp.partition},${r.offset}\n` : `${group},${r.tp.topic},${r.tp.partition},${r.offset}\n`;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- delete

  async deleteGroups(): Promise<void> {
    const ids = await this.groupIds();
    let results: { groupId: string; error: KafkaError | null }[];
    try {
      results = await this.admin.deleteGroups(ids);
    } catch (err) {
      if (!(err instanceof AdminOperationError)) throw err;
      results = err.results as { groupId: string; error: KafkaError | null }[];
    }
    const ok = results.filter((r) => !r.error).map((r) => r.groupId);
    const failed = results.filter((r) => r.error);
    if (failed.length === 0) {
      println(`Deletion of requested consumer groups ('${ok.join(', ')}') was successful.`);
      return;
    }
    this.failed = true;
    printError('Deletion of some consumer groups failed:');
    for (const f of failed) println(`* Group '${f.groupId}' could not be deleted due to: java.util.concurrent.ExecutionException: ${javaExceptionName(f.error)}: ${kafkaMessage(f.error)}`);
    if (ok.length > 0) println(`\nThese consumer groups were deleted successfully: ${ok.map((g) => `'${g}'`).join(', ')}`);
  }

  async deleteOffsets(): Promise<void> {
    const groupId = this.opts.valueOf('group')!;
    const topics = this.opts.valuesOf('topic');
    const results = new Map<string, { tp: TopicPartition; error: unknown }>();
    const partitions: TopicPartition[] = [];
    for (const t of topics) {
      if (t.includes(':')) {
        partitions.push(...this.parseTopicWithPartitions(t));
        continue;
      }
      try {
        const [d] = await this.admin.describeTopics([t]);
        for (const p of d!.partitions) partitions.push({ topic: t, partition: p.partition });
      } catch (err) {
        results.set(`${t}-1`, { tp: { topic: t, partition: -1 }, error: err });
      }
    }
    let top: KafkaError | null = null;
    if (partitions.length > 0) {
      try {
        await this.admin.deleteConsumerGroupOffsets(groupId, partitions);
        for (const tp of partitions) results.set(tpName(tp), { tp, error: null });
      } catch (err) {
        if (err instanceof AdminOperationError) {
          top = err;
          for (const r of err.results as (TopicPartition & { error: KafkaError | null })[]) results.set(tpName(r), { tp: { topic: r.topic, partition: r.partition }, error: r.error });
        } else if (err instanceof KafkaError) {
          top = err;
          for (const tp of partitions) results.set(tpName(tp), { tp, error: err });
        } else throw err;
      }
    }
    switch (top?.errorName ?? 'NONE') {
      case 'NONE':
        println(`Request succeed for deleting offsets with topic ${topics.join(', ')} group ${groupId}`);
        break;
      case 'INVALID_GROUP_ID':
        printError(`'${groupId}' is not valid.`);
        break;
      case 'GROUP_ID_NOT_FOUND':
        printError(`'${groupId}' does not exist.`);
        break;
      case 'GROUP_AUTHORIZATION_FAILED':
        printError(`Access to '${groupId}' is not authorized.`);
        break;
      case 'NON_EMPTY_GROUP':
        printError(`Deleting offsets of a consumer group '${groupId}' is forbidden if the group is not empty.`);
        break;
      case 'GROUP_SUBSCRIBED_TO_TOPIC':
      case 'TOPIC_AUTHORIZATION_FAILED':
      case 'UNKNOWN_TOPIC_OR_PARTITION':
        printError('Encounter some partition level error, see the follow-up details:');
        break;
      default:
        printError(`Encounter some unknown error: ${top!.errorName}`);
    }
    if (top || [...results.values()].some((r) => r.error)) this.failed = true;
    const widths = [30, 15, 15];
    let out = '\n' + row(widths, ['TOPIC', 'PARTITION', 'STATUS']);
    const sorted = [...results.values()].sort((a, b) => (a.tp.topic + a.tp.partition < b.tp.topic + b.tp.partition ? -1 : 1));
    for (const r of sorted) {
      const status = r.error ? `Error: :${r.error instanceof KafkaError ? `${javaExceptionName(r.error)}: ` : ''}${kafkaMessage(r.error)}` : 'Successful';
      out += '\n' + row(widths, [r.tp.topic, r.tp.partition >= 0 ? String(r.tp.partition) : 'Not Provided', status]);
    }
    process.stdout.write(out + '\n');
  }
}

function warn(message: string): void {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ts = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
  process.stderr.write(`[${ts}] WARN ${message} (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)\n`);
}

/** Kafka's Utils.getDateTime: yyyy-MM-dd'T'HH:mm:ss.SSS with an optional zone (Z, ±HH, ±HHmm, ±HH:mm); UTC when none. */
export function parseDateTime(text: string): number {
  const parts = text.split('T');
  if (parts.length < 2) throw new ToolError(`java.text.ParseException: Error parsing timestamp. It does not contain a 'T' according to ISO8601 format`);
  const s = /[+\-Z]/.test(parts[1]!) ? text : `${text}Z`;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})(Z|[+-]\d{2}(?::?\d{2})?)$/.exec(s);
  const bad = () => new ToolError(`java.text.ParseException: Unparseable date: "${s}"`);
  if (!m) throw bad();
  const [, y, mo, d, h, mi, se, ms, zone] = m;
  const local = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +se!, +ms!);
  const check = new Date(local);
  if (check.getUTCFullYear() !== +y! || check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! || +h! > 23 || +mi! > 59 || +se! > 59) throw bad();
  if (zone === 'Z') return local;
  const sign = zone!.startsWith('-') ? -1 : 1;
  const digits = zone!.slice(1).replace(':', '');
  const offsetMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
  return local - sign * offsetMin * 60000;
}

/** Java's Duration.parse (ISO-8601 PnDTnHnMn.nS), in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^([-+]?)P(?:([-+]?\d+)D)?(T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i.exec(text);
  if (!m || (m[3] === 'T' || m[3]?.toUpperCase() === 'T') || (!m[2] && !m[3])) throw new ToolError(`java.time.format.DateTimeParseException: Text cannot be parsed to a Duration`);
  const [, sign, d, , h, mi, s, frac] = m;
  let ms = (Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0)) * 1000;
  if (frac) ms += (s?.startsWith('-') ? -1 : 1) * Math.floor(Number(`0.${frac}`) * 1000);
  return sign === '-' ? -ms : ms;
}

function printOffsetsToReset(result: Map<string, Map<string, { tp: TopicPartition; offset: number }>>): void {
  const widths = [30, 30, 10, 15];
  let out = '';
  if (result.size > 0) out += '\n' + row(widths, ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET']);
  for (const [group, offsets] of result) {
    for (const r of [...offsets.values()].sort((a, b) => byTopicPartition(a.tp, b.tp))) out += '\n' + row(widths, [group, r.tp.topic, String(r.tp.partition), String(r.offset)]);
  }
  process.stdout.write(out + '\n');
}

export async function main(args: string[]): Promise<number> {
  const p = parser();
  let opts: OptionSet;
  try {
    opts = p.parse(args);
    for (const [o, needs] of Object.entries(AVAILABLE_IF)) {
      if (opts.has(o) && !needs.some((n) => opts.has(n))) throw new OptionException(`Option(s) [${o}] are unavailable given other options on the command line`);
    }
  } catch (err) {
    if (err instanceof OptionException) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  checkArgs(opts);
  if (['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'].filter((a) => opts.has(a)).length !== 1) {
    printUsageAndExit(p, 'Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets');
  }
  let admin: Admin | undefined;
  try {
    const timeout = opts.number('timeout')!;
    const props = opts.has('command-config') ? loadProps(opts.valueOf('command-config')!) : {};
    admin = new Admin(clientConfig(opts.valueOf('bootstrap-server')!, { 'default.api.timeout.ms': String(Math.max(timeout, 1)) }, props));
    const service = new ConsumerGroupService(admin, opts);
    if (opts.has('list')) await service.list();
    else if (opts.has('describe')) await service.describe();
    else if (opts.has('delete')) await service.deleteGroups();
    else if (opts.has('reset-offsets')) {
      const result = await service.resetOffsets();
      if (opts.has('export')) println(service.exportCsv(result));
      else printOffsetsToReset(result);
    } else await service.deleteOffsets();
    return service.failed ? 1 : 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    if (err instanceof ArgumentError || err instanceof OptionException) printUsageAndExit(p, err.message);
    const cause = err instanceof KafkaError ? `${javaExceptionName(err)}: ${kafkaMessage(err)}` : kafkaMessage(err);
    printError(`Executing consumer group command failed due to ${cause}`);
    debugStack(err);
    return 1;
  } finally {
    await admin?.close();
  }
}
