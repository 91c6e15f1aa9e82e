// kafka-delete-records: deletes the records of partitions below the offsets
// given in a JSON file — Kafka 3.9's DeleteRecordsCommand options, file format
// ({"partitions": [{"topic": "t", "partition": 0, "offset": 5}], "version": 1};
// offset -1 means the high watermark), messages and output, on the Samsa Admin
// client. Each partition's result is printed, errors included.

import { readFileSync } from 'node:fs';
import { Admin } from '../client/admin.js';
import { CommandExit, OptionParser, checkRequiredArgs, clientConfig, loadProps, maybePrintHelpOrVersion, parseOrExit } from './options.js';
import { debugStack, javaExceptionName, kafkaMessage, println } from './output.js';

function parser(): OptionParser {
  return new OptionParser()
    .arg('bootstrap-server', 'REQUIRED: The server to connect to.', { describedAs: 'server(s) to use for bootstrapping' })
    .arg('offset-json-file', 'REQUIRED: The JSON file with offset per partition. The format to use is:\n{"partitions":\n  [{"topic": "foo", "partition": 1, "offset": 1}],\n "version":1\n}', { describedAs: 'Offset json file path' })
    .arg('command-config', 'A property file containing configs to be passed to Admin Client.', { describedAs: 'command config property file path' });
}

class CommandFailed extends Error {}

/** Parses the offsets file as Kafka does; duplicates are reported together. */
export function parseOffsetJson(text: string): { topic: string; partition: number; offset: number }[] {
  let js: any;
  try {
    js = JSON.parse(text);
  } catch {
    throw new CommandFailed('The input string is not a valid JSON');
  }
  if (js === null || typeof js !== 'object' || Array.isArray(js)) throw new CommandFailed('The input string is not a valid JSON');
  const version = js.version ?? 1;
  if (version !== 1) throw new CommandFailed(`Not supported version field value ${version}`);
  if (!Array.isArray(js.partitions)) throw new CommandFailed('Missing partitions field');
  const out: { topic: string; partition: number; offset: number }[] = [];
  for (const p of js.partitions) {
    if (typeof p?.topic !== 'string') throw new CommandFailed(`No such field exists: \`topic\``);
    if (!Number.isInteger(p.partition)) throw new CommandFailed(`No such field exists: \`partition\``);
    if (!Number.isInteger(p.offset)) throw new CommandFailed(`No such field exists: \`offset\``);
    out.push({ topic: p.topic, partition: p.partition, offset: p.offset });
  }
  const seen = new Map<string, number>();
  for (const p of out) seen.set(`${p.topic}-${p.partition}`, (seen.get(`${p.topic}-${p.partition}`) ?? 0) + 1);
  const dups = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  if (dups.length > 0) throw new CommandFailed(`Offset json file contains duplicate topic partitions: ${dups.join(',')}`);
  return out;
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOrExit(parser(), args);
  maybePrintHelpOrVersion(opts, 'This tool helps to delete records of the given partitions down to the specified offset.');
  checkRequiredArgs(opts, 'bootstrap-server', 'offset-json-file');
  let admin: Admin | undefined;
  try {
    const props = opts.has('command-config') ? loadProps(opts.valueOf('command-config')!) : {};
    admin = new Admin(clientConfig(opts.valueOf('bootstrap-server')!, props));
    const file = opts.valueOf('offset-json-file')!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CommandFailed(`${file} (No such file or directory)`);
    }
    const partitions = parseOffsetJson(text).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    println('Executing records delete operation');
    const results: string[] = [];
    for (const p of partitions) {
      try {
        const [r] = await admin.deleteRecords([p]);
        results.push(`partition: ${p.topic}-${p.partition}\tlow_watermark: ${r!.lowWatermark}`);
      } catch (err) {
        results.push(`partition: ${p.topic}-${p.partition}\terror: ${javaExceptionName(err)}: ${kafkaMessage(err)}`);
      }
    }
    println('Records delete operation completed:');
    for (const r of results) println(r);
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    process.stderr.write(`${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  } finally {
    await admin?.close();
  }
}
