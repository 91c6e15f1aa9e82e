// kafka-log-dirs: log directory usage of brokers as JSON — Kafka 3.9's
// LogDirsCommand options, messages and output (its JSON key order included),
// on the Samsa Admin client's DescribeLogDirs.

import { Admin } from '../client/admin.js';
import { CommandExit, OptionParser, checkRequiredArgs, clientConfig, loadProps, maybePrintHelpOrVersion, parseOrExit } from './options.js';
import { debugStack, javaExceptionName, kafkaMessage, println } from './output.js';

function parser(): OptionParser {
  return new OptionParser()
    .arg('bootstrap-server', 'REQUIRED: the server(s) to use for bootstrapping', { describedAs: 'The server(s) to use for bootstrapping' })
    .arg('command-config', 'Property file containing configs to be passed to Admin Client.', { describedAs: 'Admin client property file' })
    .flag('describe', 'Describe the specified log directories on the specified brokers.')
    .arg('topic-list', 'The list of topics to be queried in the form "topic1,topic2,topic3". All topics will be queried if no topic list is specified', { describedAs: 'Topic list', defaults: '' })
    .arg('broker-list', 'The list of brokers to be queried in the form "0,1,2". All brokers in the cluster will be queried if no broker list is specified', { describedAs: 'Broker list', defaults: '' });
}

class TerseError extends Error {}

export async function main(args: string[]): Promise<number> {
  const opts = parseOrExit(parser(), args);
  maybePrintHelpOrVersion(opts, 'This tool helps to query log directory usage on the specified brokers.');
  checkRequiredArgs(opts, 'bootstrap-server', 'describe');
  let admin: Admin | undefined;
  try {
    const topics = new Set(opts.valueOf('topic-list')!.split(',').filter((x) => x !== ''));
    const input = opts.valueOf('broker-list')!.split(',').filter((x) => x !== '').map((x) => {
      if (!/^-?\d+$/.test(x.trim())) throw new TerseError(`For input string: "${x}"`);
      return Number(x.trim());
    });
    const props = opts.has('command-config') ? loadProps(opts.valueOf('command-config')!) : {};
    admin = new Admin(clientConfig(opts.valueOf('bootstrap-server')!, { 'client.id': 'log-dirs-tool' }, props));
    const cluster = (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
    const existing = (input.length === 0 ? cluster : [...new Set(input)].filter((b) => cluster.includes(b))).sort((a, b) => a - b);
    const missing = [...new Set(input)].filter((b) => !cluster.includes(b)).sort((a, b) => a - b);
    if (missing.length > 0) throw new TerseError(`ERROR: The given brokers do not exist from --broker-list: ${missing.join(',')}. Current existent brokers: ${cluster.join(',')}`);
    println('Querying brokers for log directories information');
    const dirs = await admin.describeLogDirs(existing);
    println(`Received log directory information from brokers ${existing.join(',')}`);
    // Kafka builds this JSON from Java HashMaps: these are the key orders it prints.
    const brokers = existing.map((broker) => ({
      broker,
      logDirs: dirs
        .filter((d) => d.broker === broker)
        .map((d) => ({
          partitions: d.partitions
            .filter((p) => topics.size === 0 || topics.has(p.topic))
            .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
            .map((p) => ({ partition: `${p.topic}-${p.partition}`, size: p.size, offsetLag: p.offsetLag, isFuture: p.isFuture })),
          error: d.error ? javaExceptionName(d.error) : null,
          logDir: d.logDir,
        })),
    }));
    println(JSON.stringify({ brokers, version: 1 }));
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    process.stderr.write(`${err instanceof TerseError ? err.message : kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  } finally {
    await admin?.close();
  }
}
