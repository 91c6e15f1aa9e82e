// A Samsa broker: storage, metadata, request handling and listeners wired
// together, with an orderly start-up and shutdown.

import net from 'node:net';
import { loadBrokerConfig, BrokerConfig } from './config/broker-config.js';
import { LogManager } from '../storage/log-manager.js';
import { LocalMetadataStore } from '../cluster/local-metadata-store.js';
import type { BrokerRegistration, MetadataStore, TopicState } from '../cluster/metadata-store.js';
import { ReplicaManager, toLogConfig } from './replica-manager.js';
import { TopicManager } from './topic-manager.js';
import { HandlerRegistry } from './handlers/handler.js';
import { ALL_HANDLERS } from './handlers/index.js';
import { RequestProcessor } from './request-processor.js';
import { Connection, ConnectionInfo } from './network/connection.js';
import { FetchWaiter } from './fetch-waiter.js';
import { effectiveTopicConfig } from './config/topic-config.js';
import type { BrokerContext, Endpoint } from './context.js';
import { Logger } from '../logger.js';
import { createGroupCoordinator } from './group-coordinator/setup.js';
import { createTransactionCoordinator } from './transaction-coordinator/setup.js';

const log = new Logger('KafkaServer');

export interface StartBrokerOptions {
  /** Kafka-style properties (server.properties keys). */
  properties?: Record<string, string>;
  /** --override key=value pairs, applied over `properties`. */
  overrides?: Record<string, string>;
  /** Shorthands for tests: a single PLAINTEXT listener on this host/port, and log dirs. */
  host?: string;
  port?: number;
  logDirs?: string | string[];
  nodeId?: number;
}

export interface BoundListener {
  name: string;
  host: string;
  port: number;
}

export interface RunningBroker {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly listeners: BoundListener[];
  /** host:port of the first listener, for bootstrap.servers. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly context: BrokerContext;
  readonly startupMs: number;
  close(): Promise<void>;
}

export async function startBroker(opts: StartBrokerOptions = {}): Promise<RunningBroker> {
  const started = performance.now();
  const props: Record<string, string> = { ...(opts.properties ?? {}) };
  if (opts.port !== undefined) props['listeners'] = `PLAINTEXT://${formatHost(opts.host ?? '127.0.0.1')}:${opts.port}`;
  if (opts.logDirs !== undefined) props['log.dirs'] = Array.isArray(opts.logDirs) ? opts.logDirs.join(',') : opts.logDirs;
  if (opts.nodeId !== undefined) props['node.id'] = String(opts.nodeId);
  const { config: staticConfig, warnings } = loadBrokerConfig(props, opts.overrides ?? {});
  for (const w of warnings) log.warn(w);

  const nodeId = staticConfig.nodeId;
  const logs = await LogManager.open({
    logDirs: staticConfig.logDirs,
    nodeId,
    defaultConfig: toLogConfig(effectiveTopicConfig({}, staticConfig)),
    logger: (msg) => log.info(msg),
  });
  const registration: BrokerRegistration = {
    nodeId,
    rack: staticConfig.brokerRack ?? null,
    endpoints: staticConfig.advertisedListeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
  };
  const metadata: MetadataStore = LocalMetadataStore.open(staticConfig.logDirs[0]!, logs.clusterId, registration);
  let config = applyDynamic(staticConfig, metadata, nodeId);
  const replicas = new ReplicaManager(nodeId, logs, metadata, config);
  await replicas.start();
  logs.startBackgroundTasks({
    retentionCheckIntervalMs: staticConfig.logRetentionCheckIntervalMs,
    initialTaskDelayMs: staticConfig.get('log.initial.task.delay.ms') as number,
    cleanerEnable: staticConfig.logCleanerEnable,
    cleanerBackoffMs: staticConfig.logCleanerBackoffMs,
    cleanerDedupeBufferSize: staticConfig.logCleanerDedupeBufferSize,
    cleanerLoadFactor: staticConfig.get('log.cleaner.io.buffer.load.factor') as number,
    cleanerIoMaxBytesPerSecond: staticConfig.logCleanerIoMaxBytesPerSecond,
  });
  const handlers = new HandlerRegistry().register(...ALL_HANDLERS);
  const fetchWaiter = new FetchWaiter();
  const listenerPorts = new Map<string, number>();

  const groupCoordinator = createGroupCoordinator({ nodeId, metadata, replicas, topics: () => context.topics, config: () => config });
  const transactionCoordinator = createTransactionCoordinator({
    nodeId,
    metadata,
    replicas,
    topics: () => context.topics,
    config: () => config,
    groups: groupCoordinator,
  });
  const context: BrokerContext = {
    nodeId,
    clusterId: logs.clusterId,
    staticConfig,
    config: () => config,
    metadata,
    logs,
    replicas,
    topics: undefined as unknown as TopicManager,
    handlers,
    fetchWaiter,
    groupCoordinator,
    transactionCoordinator,
    endpointsFor: (conn) => endpointsFor(conn, metadata, staticConfig, listenerPorts),
    applyDynamicConfig: () => {
      config = applyDynamic(staticConfig, metadata, nodeId);
      replicas.reconfigure(config);
    },
  };
  (context as { topics: TopicManager }).topics = new TopicManager(metadata, replicas, () => config);
  metadata.on('topicConfigChanged', (t: TopicState) => replicas.reconfigure(config, t));
  // Groups load from __consumer_offsets in the background; their requests answer COORDINATOR_LOAD_IN_PROGRESS meanwhile.
  void groupCoordinator.coordinator.startup();
  // Transactional ids load from __transaction_state likewise (COORDINATOR_LOAD_IN_PROGRESS meanwhile).
  void transactionCoordinator.coordinator.startup();

  const processor = new RequestProcessor(handlers, context);
  const connections = new Set<Connection>();
  const servers: net.Server[] = [];
  const bound: BoundListener[] = [];
  for (const l of staticConfig.listeners) {
    const server = net.createServer({ noDelay: true }, (socket) => {
      const c = new Connection(
        socket,
        l.name,
        l.securityProtocol,
        {
          maxRequestSize: config.socketRequestMaxBytes,
          maxInFlight: 64,
          maxQueuedResponseBytes: 16 * 1024 * 1024,
          idleTimeoutMs: config.get('connections.max.idle.ms') as number ?? 600000,
        },
        (frame, conn) => processor.process(frame, conn),
        (closed) => connections.delete(closed),
      );
      connections.add(c);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: l.host || undefined, port: l.port, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log.error(`Listener ${l.name} error: ${err.message}`));
    const addr = server.address() as net.AddressInfo;
    listenerPorts.set(l.name, addr.port);
    bound.push({ name: l.name, host: l.host || '0.0.0.0', port: addr.port });
    servers.push(server);
  }

  const startupMs = performance.now() - started;
  const first = bound[0]!;
  const firstHost = first.host === '0.0.0.0' || first.host === '::' ? '127.0.0.1' : first.host;
  let closing: Promise<void> | null = null;

  return {
    nodeId,
    clusterId: logs.clusterId,
    listeners: bound,
    bootstrap: `${formatHost(firstHost)}:${first.port}`,
    host: firstHost,
    port: first.port,
    context,
    startupMs,
    close() {
      closing ??= (async () => {
        // Stop accepting, let in-flight requests finish (parked fetches are released at once), then close.
        for (const s of servers) s.close();
        transactionCoordinator.shutdown();
        groupCoordinator.shutdown();
        fetchWaiter.wakeAll();
        const deadline = Date.now() + 5000;
        while ([...connections].some((c) => c.requestsInFlight > 0) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 5));
          fetchWaiter.wakeAll();
        }
        for (const c of connections) c.closeAfterWrites();
        for (const c of connections) c.close();
        await replicas.close();
        await metadata.close();
        await logs.close();
        log.info(`Shut down completed (node ${nodeId})`);
      })();
      return closing;
    },
  };
}

function applyDynamic(staticConfig: BrokerConfig, metadata: MetadataStore, nodeId: number): BrokerConfig {
  const perBroker = metadata.brokerConfigs(String(nodeId));
  const clusterDefault = metadata.brokerConfigs('');
  if (Object.keys(perBroker).length === 0 && Object.keys(clusterDefault).length === 0) return staticConfig;
  return staticConfig.withDynamic(perBroker, clusterDefault);
}

/**
 * How the client on `conn` reaches each broker. With advertised.listeners (or
 * a listener host) configured, exactly as Kafka; otherwise the address and
 * port this client dialed, so one default broker serves clients on the host
 * and in containers alike.
 */
function endpointsFor(conn: ConnectionInfo, metadata: MetadataStore, config: BrokerConfig, ports: Map<string, number>): Endpoint[] {
  return metadata.brokers().map((b) => {
    const ep = b.endpoints.find((e) => e.name === conn.listenerName);
    let host = ep?.host ?? '';
    let port = ep?.port ?? 0;
    if (b.nodeId === config.nodeId) {
      if (!port) port = ports.get(conn.listenerName) ?? conn.localPort;
      if (!host || host === '0.0.0.0' || host === '::') {
        host = conn.localHost;
        port = conn.localPort;
      }
    }
    return { nodeId: b.nodeId, host, port, rack: b.rack };
  });
}

function formatHost(h: string): string {
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}
