#!/usr/bin/env node
// The `samsa` command: one entry point for the broker and the Kafka tools.
// Each tool is loaded only when asked for, so a tool starts without loading
// the broker (and the other tools).

type Main = (args: string[]) => Promise<number>;

interface Command {
  load: () => Promise<Main>;
  usage: string;
}

const TOOLS: Record<string, Command> = {
  'server-start': { load: async () => (await import('./server-start.js')).serverStart, usage: 'start a broker: [server.properties] [--override k=v]*' },
  topics: { load: async () => (await import('./topics.js')).main, usage: 'create, delete, describe, or change a topic (kafka-topics)' },
  'console-producer': { load: async () => (await import('./console-producer.js')).main, usage: 'read lines from standard input and publish them (kafka-console-producer)' },
  'console-consumer': { load: async () => (await import('./console-consumer.js')).main, usage: 'print records of topics to standard output (kafka-console-consumer)' },
  'consumer-groups': { load: async () => (await import('./consumer-groups.js')).main, usage: 'list, describe, delete consumer groups; reset and delete their offsets (kafka-consumer-groups)' },
  'delete-records': { load: async () => (await import('./delete-records.js')).main, usage: 'delete records below offsets given in a JSON file (kafka-delete-records)' },
  'get-offsets': { load: async () => (await import('./get-offsets.js')).main, usage: 'print topic:partition:offset for a time (kafka-get-offsets, GetOffsetShell)' },
  'log-dirs': { load: async () => (await import('./log-dirs.js')).main, usage: 'log directory usage of brokers as JSON (kafka-log-dirs)' },
  configs: { load: async () => (await import('./configs.js')).main, usage: 'describe and alter topic, broker and broker-logger configs (kafka-configs)' },
  'dump-log': { load: async () => (await import('./dump-log.js')).main, usage: 'print the contents of Kafka-format .log, .index, .timeindex, .snapshot files (kafka-dump-log)' },
  'verifiable-producer': { load: async () => (await import('./verifiable-producer.js')).main, usage: 'produce increasing integers, printing a JSON event per send (kafka-verifiable-producer)' },
  'verifiable-consumer': { load: async () => (await import('./verifiable-consumer.js')).main, usage: 'consume in a group, printing JSON events for records, commits and rebalances (kafka-verifiable-consumer)' },
  'producer-perf-test': { load: async () => (await import('./producer-perf-test.js')).main, usage: 'producer throughput and latency test (kafka-producer-perf-test, ProducerPerformance)' },
  'consumer-perf-test': { load: async () => (await import('./consumer-perf-test.js')).main, usage: 'consumer throughput test (kafka-consumer-perf-test, ConsumerPerformance)' },
  'leader-election': { load: async () => (await import('./leader-election.js')).main, usage: 'elect partition leaders (kafka-leader-election; one broker: nothing to elect)' },
  'reassign-partitions': { load: async () => (await import('./reassign-partitions.js')).main, usage: 'generate, execute, verify, cancel, list partition reassignments (kafka-reassign-partitions; one broker: nothing moves)' },
  transactions: { load: async () => (await import('./transactions.js')).main, usage: 'list, describe and abort transactions; find hanging ones (kafka-transactions)' },
  'broker-api-versions': { load: async () => (await import('./broker-api-versions.js')).main, usage: 'every broker\'s supported API versions (kafka-broker-api-versions)' },
};

/** `samsa topics` and `samsa kafka-topics` are the same command. */
function lookup(name: string): Command | undefined {
  return TOOLS[name] ?? (name.startsWith('kafka-') ? TOOLS[name.slice('kafka-'.length)] : undefined);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const command = cmd ? lookup(cmd) : undefined;
  if (!command) {
    const list = Object.entries(TOOLS)
      .map(([name, c]) => `  ${name.padEnd(28)} ${c.usage}`)
      .join('\n');
    process.stderr.write(`Usage: samsa <command> [options]   (each command also answers to its Kafka name, e.g. samsa kafka-topics)\n\nCommands:\n${list}\n`);
    return cmd ? 1 : 0;
  }
  const run = await command.load();
  if (cmd !== 'server-start' && cmd !== 'kafka-server-start') {
    const { installWarningPrinter, installStdoutGuard } = await import('./output.js');
    installWarningPrinter();
    installStdoutGuard();
  }
  try {
    return await run(rest);
  } catch (err) {
    const { CommandExit } = await import('./options.js');
    if (err instanceof CommandExit) return err.code;
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Tools end when their work is done, even if a library left a handle open.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: Error) => {
    process.stderr.write(`${process.env.SAMSA_LOG_LEVEL === 'debug' ? (err.stack ?? err.message) : err.message}\n`);
    process.exitCode = 1;
  },
);
