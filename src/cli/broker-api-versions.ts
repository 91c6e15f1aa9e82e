// kafka-broker-api-versions: every broker's supported API version ranges, as
// Kafka 3.9's BrokerApiVersionsCommand prints them (NodeApiVersions'
// multi-line form, with "[usable: N]" computed against Kafka 3.9's client,
// UNSUPPORTED for client APIs a broker does not list, UNKNOWN(k) for keys
// Kafka does not know), using the Samsa client's connections.
//
// As Kafka's tool: the brokers come from a Metadata request to the first
// bootstrap address that answers (none answering: "Request METADATA failed on
// brokers List(host:port (id: -1 rack: null))", at once, exit 1), then each
// broker is asked ApiVersions on a connection of its own; a broker that does
// not answer gets an "ERROR: …" line. request.timeout.ms is 5000 unless
// --command-config says otherwise.

import { BrokerConnection, CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from '../client/connection.js';
import { ADMIN_DEFAULTS, AdminConfig, resolveConfig } from '../client/config.js';
import { CommandExit, OptionParser, checkRequiredArgs, clientConfig, loadProps, maybePrintHelpOrVersion, parseOrExit } from './options.js';
import { debugStack, javaExceptionName, kafkaMessage } from './output.js';
import { KAFKA_API_KEYS } from './kafka-apis.js';

function parser(): OptionParser {
  return new OptionParser()
    .arg('command-config', 'A property file containing configs to be passed to Admin Client.', { describedAs: 'command config property file' })
    .arg('bootstrap-server', 'REQUIRED: The server to connect to.', { describedAs: 'server(s) to use for bootstrapping' });
}

const BY_KEY = new Map(KAFKA_API_KEYS.map((a) => [a[0], a]));

/** NodeApiVersions.toString(true) for one broker's ApiVersions answer. */
export function formatNodeApiVersions(versions: Map<number, { min: number; max: number }>): string {
  const text = new Map<number, string>();
  for (const [key, v] of versions) {
    const known = BY_KEY.get(key);
    let s = known ? `${known[1]}(${key}): ` : `UNKNOWN(${key}): `;
    s += v.min === v.max ? String(v.min) : `${v.min} to ${v.max}`;
    if (known) {
      const [, , oldest, latest] = known;
      if (latest < v.min) s += ' [unusable: node too new]';
      else if (v.max < oldest) s += ' [unusable: node too old]';
      else s += ` [usable: ${Math.min(latest, v.max)}]`;
    }
    text.set(key, s);
  }
  for (const [key, name, , , clientApi] of KAFKA_API_KEYS) if (clientApi && !text.has(key)) text.set(key, `${name}(${key}): UNSUPPORTED`);
  const lines = [...text].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  return `(\n\t${lines.join(',\n\t')}\n)`;
}

const METADATA = 3;
const API_VERSIONS = 18;

interface Node {
  host: string;
  port: number;
  nodeId: number;
  rack: string | null;
}

/** Kafka's Node.toString(). */
const nodeString = (b: Node) => `${b.host}:${b.port} (id: ${b.nodeId} rack: ${b.rack})`;

export async function main(args: string[]): Promise<number> {
  const opts = parseOrExit(parser(), args);
  maybePrintHelpOrVersion(opts, 'This tool helps to retrieve broker version information.');
  checkRequiredArgs(opts, 'bootstrap-server');
  const conns: BrokerConnection[] = [];
  try {
    const props = opts.has('command-config') ? loadProps(opts.valueOf('command-config')!) : {};
    const config = resolveConfig<AdminConfig>(clientConfig(opts.valueOf('bootstrap-server')!, { 'request.timeout.ms': '5000', 'client.id': 'admin-1' }, props), ADMIN_DEFAULTS, 'admin');
    const connect = (b: Node) => {
      const c = new BrokerConnection({
        host: b.host,
        port: b.port,
        nodeId: b.nodeId,
        clientId: config.clientId,
        requestTimeoutMs: config.requestTimeoutMs,
        connectTimeoutMs: config.socketConnectionSetupTimeoutMs,
        maxInFlight: 1,
      });
      conns.push(c);
      return c;
    };
    const list = Array.isArray(config.bootstrapServers) ? config.bootstrapServers : config.bootstrapServers.split(',');
    const bootstrap: Node[] = list
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => {
        const i = s.lastIndexOf(':');
        return { host: s.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(s.slice(i + 1)), nodeId: -1, rack: null };
      });
    if (bootstrap.length === 0 || bootstrap.some((b) => !b.host || !Number.isInteger(b.port))) {
      throw new Error(`Invalid url in bootstrap.servers: ${opts.valueOf('bootstrap-server')}`);
    }
    // Kafka's awaitBrokers(): the cluster's brokers from any bootstrap address.
    let brokers: Node[] | undefined;
    for (const b of bootstrap) {
      try {
        const conn = connect(b);
        await conn.ready;
        const res = await conn.request(METADATA, { topics: [], allowAutoTopicCreation: false }, { version: conn.versionFor(METADATA) });
        brokers = (res.brokers as any[]).map((x) => ({ host: x.host, port: x.port, nodeId: x.nodeId, rack: x.rack ?? null }));
        break;
      } catch (err) {
        debugStack(err);
      }
    }
    if (!brokers) throw new Error(`Request METADATA failed on brokers List(${bootstrap.map(nodeString).join(', ')})`);
    let out = '';
    for (const b of brokers.sort((x, y) => x.nodeId - y.nodeId)) {
      try {
        const conn = connect(b);
        await conn.ready;
        const res = await conn.request(API_VERSIONS, { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }, { version: conn.versionFor(API_VERSIONS) });
        if (res.errorCode !== 0) throw new Error(`ApiVersions error code ${res.errorCode}`);
        const versions = new Map<number, { min: number; max: number }>();
        for (const k of res.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]) versions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
        out += `${nodeString(b)} -> ${formatNodeApiVersions(versions)}\n`;
      } catch (err) {
        debugStack(err);
        out += `${nodeString(b)} -> ERROR: ${javaExceptionName(err)}: ${kafkaMessage(err)}\n`;
      }
    }
    process.stdout.write(out);
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    process.stderr.write(`${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  } finally {
    for (const c of conns) c.close();
  }
}
