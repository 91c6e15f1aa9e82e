// `samsa server-start [server.properties] [--override key=value ...]`, the
// equivalent of Kafka's bin/kafka-server-start.sh.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseProperties } from '../broker/config/properties.js';
import { ConfigError } from '../broker/config/broker-config.js';
import { startBroker } from '../broker/broker.js';
import { Logger } from '../logger.js';

const log = new Logger('KafkaServer');

export const USAGE = 'USAGE: kafka-server-start.sh [-daemon] server.properties [--override property=value]*';

export async function serverStart(args: string[]): Promise<number> {
  let file: string | undefined;
  const overrides: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--override') {
      const kv = args[++i];
      const eq = kv?.indexOf('=') ?? -1;
      if (!kv || eq <= 0) {
        process.stderr.write(`Invalid --override '${kv ?? ''}': expected property=value\n${USAGE}\n`);
        return 1;
      }
      overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a.startsWith('--override=')) {
      const kv = a.slice('--override='.length);
      overrides[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    } else if (a === '-daemon') {
      process.stderr.write('-daemon is not supported: run it under your service manager or with nohup\n');
      return 1;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (!file) {
      file = a;
    } else {
      process.stderr.write(`Unexpected argument '${a}'\n${USAGE}\n`);
      return 1;
    }
  }
  let properties: Record<string, string> = {};
  if (file) {
    try {
      properties = parseProperties(readFileSync(file, 'utf8'));
    } catch (err) {
      process.stderr.write(`Cannot read ${file}: ${(err as Error).message}\n`);
      return 1;
    }
    // Relative log dirs in a properties file are relative to the working directory, as in Kafka.
  } else if (!('log.dirs' in overrides) && !('log.dir' in overrides)) {
    properties['log.dirs'] = path.resolve('data');
  }
  let broker;
  try {
    broker = await startBroker({ properties, overrides });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const cfg = broker.context.staticConfig;
  const where = broker.listeners.map((l) => `${l.name}://${l.host}:${l.port}`).join(', ');
  const advertised = cfg.get('advertised.listeners') ? ` advertised as ${String(cfg.get('advertised.listeners'))}` : '';
  log.info(
    `Samsa broker ${broker.nodeId} (cluster ${broker.clusterId}) listening on ${where}${advertised}, ` +
      `data in ${cfg.logDirs.map((d) => path.resolve(d)).join(',')}, started in ${Math.round(broker.startupMs)} ms`,
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`Received ${signal}, shutting down`);
      broker.close().then(resolve, (err: Error) => {
        log.error(`Shutdown failed: ${err.message}`);
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
