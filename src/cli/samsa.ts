#!/usr/bin/env node
// The `samsa` command: one entry point for the broker and the Kafka tools.

import { serverStart } from './server-start.js';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  'server-start': serverStart,
  'kafka-server-start': serverStart,
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const run = cmd ? COMMANDS[cmd] : undefined;
  if (!run) {
    process.stderr.write(`Usage: samsa <command> [options]\n\nCommands:\n  server-start [server.properties] [--override k=v]*   start a broker\n`);
    return cmd ? 1 : 0;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);
