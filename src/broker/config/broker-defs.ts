// Broker configuration keys, part 1: identity, listeners and sockets, the log and the log cleaner.
// Each row: Kafka's name, type, Kafka's default as Kafka prints it, importance, a one-line doc in Samsa's
// words, and the validator / dynamic-update mode Kafka gives it. Part 2 is in broker-defs-more.ts.

import {
  ConfigKeyDef, ConfigType, DynamicMode, Importance, Validator,
  atLeast, between, gzipLevel, listOf, metadataVersion, oneOf,
} from './config-def.js';

type Extra = Partial<Pick<ConfigKeyDef, 'validator' | 'dynamic' | 'internal' | 'embeddedDefault' | 'unused'>>;

export function k(name: string, type: ConfigType, dflt: string | null, importance: Importance, doc: string, extra: Extra = {}): ConfigKeyDef {
  return { name, type, default: dflt, importance, doc, ...extra };
}
/** Shorthands for the dynamic modes. */
export const CLUSTER: { dynamic: DynamicMode } = { dynamic: 'cluster-wide' };
export const PER_BROKER: { dynamic: DynamicMode } = { dynamic: 'per-broker' };
const v = (validator: Validator, dynamic?: DynamicMode): Extra => (dynamic ? { validator, dynamic } : { validator });

export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'];
export const DEFAULT_PROTOCOL_MAP = 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT';

export const SERVER_DEFS: ConfigKeyDef[] = [
  // ---- identity and roles ----
  k('node.id', 'int', '-1', 'high', 'The id of this node in the cluster; must be unique per broker (the embedded single-node store uses 1 when unset).', { embeddedDefault: '1' }),
  k('broker.id', 'int', '-1', 'high', 'Older name of node.id; when only one of the two is set the other takes its value, and they must agree when both are set.', { embeddedDefault: '1' }),
  k('broker.id.generation.enable', 'boolean', 'true', 'medium', 'Whether a broker id is generated when none is configured (accepted; Samsa requires an explicit id in a cluster).'),
  k('reserved.broker.max.id', 'int', '1000', 'medium', 'Highest broker id that may be configured by hand when ids are generated.', v(atLeast(0))),
  k('process.roles', 'list', '', 'high', 'The roles this node plays: broker, controller or both. Samsa always acts as a combined node; the value is validated and reported.', v(listOf('broker', 'controller'))),
  k('broker.rack', 'string', null, 'medium', 'The rack (or availability zone) of this broker, used for rack-aware replica placement and fetch-from-follower.'),
  k('controller.listener.names', 'string', null, 'high', 'Comma-separated listener names reserved for the KRaft controller; Samsa serves no Kafka clients on them and never advertises them.'),
  k('metadata.log.dir', 'string', null, 'high', 'Directory of the KRaft metadata log (accepted; Samsa keeps cluster metadata in its metadata store).'),
  k('inter.broker.protocol.version', 'string', '4.0-IV0', 'medium', 'The inter-broker protocol version this broker speaks.', v(metadataVersion)),

  // ---- listeners and sockets ----
  k('listeners', 'string', 'PLAINTEXT://:9092', 'high', 'Comma-separated NAME://host:port endpoints to accept connections on; an empty host binds every interface, IPv6 hosts go in brackets.', PER_BROKER),
  k('advertised.listeners', 'string', null, 'high', 'Endpoints handed to clients in metadata when they differ from listeners; unset, Samsa answers each client with the address it dialed.', PER_BROKER),
  k('listener.security.protocol.map', 'string', DEFAULT_PROTOCOL_MAP, 'low', 'NAME:PROTOCOL pairs giving the security protocol of every listener name.', PER_BROKER),
  k('inter.broker.listener.name', 'string', null, 'medium', 'The listener brokers use to talk to each other; defaults to the one named after security.inter.broker.protocol.'),
  k('security.inter.broker.protocol', 'string', 'PLAINTEXT', 'medium', 'Security protocol between brokers; set this or inter.broker.listener.name, not both.', v(oneOf('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'))),
  k('control.plane.listener.name', 'string', null, 'high', 'Dedicated listener for controller-to-broker traffic in ZooKeeper mode (not supported, as in KRaft).'),
  k('early.start.listeners', 'string', null, 'high', 'Listeners that may start before the broker has finished starting up.'),
  k('socket.send.buffer.bytes', 'int', '102400', 'high', 'SO_SNDBUF of accepted sockets; -1 keeps the operating system default.'),
  k('socket.receive.buffer.bytes', 'int', '102400', 'high', 'SO_RCVBUF of accepted sockets; -1 keeps the operating system default.'),
  k('socket.request.max.bytes', 'int', '104857600', 'high', 'Largest request frame accepted; a bigger length prefix closes the connection before anything is allocated.', v(atLeast(1))),
  k('socket.listen.backlog.size', 'int', '50', 'medium', 'Length of the queue of connections not yet accepted.', v(atLeast(1))),
  k('max.connections.per.ip', 'int', '2147483647', 'medium', 'Most connections accepted from one IP address.', v(atLeast(0), 'cluster-wide')),
  k('max.connections.per.ip.overrides', 'string', '', 'medium', 'Per-host exceptions to max.connections.per.ip, as host:count pairs.', CLUSTER),
  k('max.connections', 'int', '2147483647', 'medium', 'Most connections the broker holds open at once.', v(atLeast(0), 'cluster-wide')),
  k('max.connection.creation.rate', 'int', '2147483647', 'medium', 'Most new connections accepted per second.', v(atLeast(0), 'cluster-wide')),
  k('connections.max.idle.ms', 'long', '600000', 'medium', 'Connections idle for longer than this are closed.'),
  k('connection.failed.authentication.delay.ms', 'int', '100', 'low', 'Delay before closing a connection whose authentication failed.', v(atLeast(0))),
  k('queued.max.requests', 'int', '500', 'high', 'Requests that may wait for a handler before the broker stops reading sockets.', v(atLeast(1))),
  k('queued.max.request.bytes', 'long', '-1', 'medium', 'Bytes of queued requests allowed before reading stops; -1 means no limit.'),
  k('num.network.threads', 'int', '3', 'high', 'Threads moving bytes between sockets and request queues (Samsa uses the event loop; kept for compatibility).', v(atLeast(1), 'cluster-wide')),
  k('num.io.threads', 'int', '8', 'high', 'Threads executing requests, disk I/O included.', v(atLeast(1), 'cluster-wide')),
  k('background.threads', 'int', '10', 'high', 'Threads for background work such as deleting files.', v(atLeast(1), 'cluster-wide')),
  k('request.timeout.ms', 'int', '30000', 'high', 'How long the broker waits for responses to requests it sends.'),
  k('socket.connection.setup.timeout.ms', 'long', '10000', 'medium', 'Time allowed to establish an outgoing connection before it is abandoned.'),
  k('socket.connection.setup.timeout.max.ms', 'long', '30000', 'medium', 'Upper bound of the growing connection setup timeout.'),
  k('message.max.bytes', 'int', '1048588', 'high', 'Largest record batch the broker accepts, after compression; topics may override it with max.message.bytes.', v(atLeast(0), 'cluster-wide')),
  k('fetch.max.bytes', 'int', '57671680', 'medium', 'Most bytes returned by one fetch request.', v(atLeast(1024))),
  k('max.incremental.fetch.session.cache.slots', 'int', '1000', 'medium', 'Incremental fetch sessions kept per broker.', v(atLeast(0))),
  k('max.request.partition.size.limit', 'int', '2000', 'medium', 'Most partitions one request may name.', v(atLeast(1))),

  // ---- topics ----
  k('num.partitions', 'int', '1', 'medium', 'Partition count of topics created without an explicit one.', v(atLeast(1))),
  k('default.replication.factor', 'int', '1', 'medium', 'Replication factor of topics created without an explicit one.'),
  k('min.insync.replicas', 'int', '1', 'high', 'Fewest in-sync replicas that must hold a write for acks=all to succeed.', v(atLeast(1), 'cluster-wide')),
  k('auto.create.topics.enable', 'boolean', 'true', 'high', 'Create a topic when a client asks for metadata of a topic that does not exist.'),
  k('delete.topic.enable', 'boolean', 'true', 'high', 'Allow topics to be deleted; when false, deletions are refused.'),
  k('unclean.leader.election.enable', 'boolean', 'false', 'high', 'Allow a replica outside the ISR to become leader as a last resort, losing data.', CLUSTER),
  k('compression.type', 'string', 'producer', 'high', 'Compression of stored batches: producer keeps what the producer sent, or recompress to uncompressed, gzip, snappy, lz4 or zstd.', v(oneOf(...COMPRESSION_TYPES), 'cluster-wide')),
  k('compression.gzip.level', 'int', '-1', 'medium', 'gzip level when the broker compresses with gzip.', v(gzipLevel, 'cluster-wide')),
  k('compression.lz4.level', 'int', '9', 'medium', 'lz4 level when the broker compresses with lz4.', v(between(1, 17), 'cluster-wide')),
  k('compression.zstd.level', 'int', '3', 'medium', 'zstd level when the broker compresses with zstd.', v(between(-131072, 22), 'cluster-wide')),
  k('create.topic.policy.class.name', 'class', null, 'low', 'Policy class validating topic creations (accepted; Samsa loads no Java classes).'),
  k('alter.config.policy.class.name', 'class', null, 'low', 'Policy class validating config changes (accepted; Samsa loads no Java classes).'),

  // ---- the log ----
  k('log.dirs', 'string', null, 'high', 'Comma-separated directories holding partition logs; when unset, log.dir is used.'),
  k('log.dir', 'string', '/tmp/kafka-logs', 'high', 'The single log directory used when log.dirs is unset.'),
  k('log.segment.bytes', 'int', '1073741824', 'high', 'Size at which a log segment is closed and a new one started.', v(atLeast(14), 'cluster-wide')),
  k('log.roll.ms', 'long', null, 'high', 'Age at which a segment is rolled even if not full; wins over log.roll.hours.', CLUSTER),
  k('log.roll.hours', 'int', '168', 'high', 'Segment roll age in hours, used when log.roll.ms is unset.', v(atLeast(1))),
  k('log.roll.jitter.ms', 'long', null, 'high', 'Largest random amount subtracted from the roll age, to spread rolls out; wins over log.roll.jitter.hours.', CLUSTER),
  k('log.roll.jitter.hours', 'int', '0', 'high', 'Roll jitter in hours, used when log.roll.jitter.ms is unset.', v(atLeast(0))),
  k('log.retention.ms', 'long', null, 'high', 'How long a segment is kept before deletion; -1 keeps forever. Wins over minutes and hours.', CLUSTER),
  k('log.retention.minutes', 'int', null, 'high', 'Retention in minutes, used when log.retention.ms is unset.'),
  k('log.retention.hours', 'int', '168', 'high', 'Retention in hours, used when neither log.retention.ms nor log.retention.minutes is set.'),
  k('log.retention.bytes', 'long', '-1', 'high', 'Size a partition log may reach before old segments are deleted; -1 means no limit.', CLUSTER),
  k('log.retention.check.interval.ms', 'long', '300000', 'medium', 'How often logs are checked for segments to delete.', v(atLeast(1))),
  k('log.cleanup.policy', 'list', 'delete', 'medium', 'What happens to old segments: delete them, compact them, or both.', v(listOf('compact', 'delete'), 'cluster-wide')),
  k('log.index.size.max.bytes', 'int', '10485760', 'medium', 'Largest size of an offset or time index file.', v(atLeast(4), 'cluster-wide')),
  k('log.index.interval.bytes', 'int', '4096', 'medium', 'Bytes of log between two offset index entries.', v(atLeast(0), 'cluster-wide')),
  k('log.flush.interval.messages', 'long', '9223372036854775807', 'high', 'Messages appended to a partition before it is fsynced; the default leaves flushing to the OS.', v(atLeast(1), 'cluster-wide')),
  k('log.flush.interval.ms', 'long', null, 'high', 'Longest time a message stays unflushed; when unset, log.flush.scheduler.interval.ms applies.', CLUSTER),
  k('log.flush.scheduler.interval.ms', 'long', '9223372036854775807', 'high', 'How often the flusher checks whether a log must be flushed.'),
  k('log.flush.offset.checkpoint.interval.ms', 'int', '60000', 'high', 'How often the recovery-point checkpoint is written.', v(atLeast(0))),
  k('log.flush.start.offset.checkpoint.interval.ms', 'int', '60000', 'high', 'How often the log-start-offset checkpoint is written.', v(atLeast(0))),
  k('log.segment.delete.delay.ms', 'long', '60000', 'high', 'Time a deleted segment waits, renamed .deleted, before its files are removed.', v(atLeast(0), 'cluster-wide')),
  k('log.preallocate', 'boolean', 'false', 'medium', 'Preallocate segment files at full size when they are created.', CLUSTER),
  k('log.message.format.version', 'string', '3.0-IV1', 'medium', 'Deprecated record format version; ignored since inter-broker protocol 3.0.', v(metadataVersion)),
  k('log.message.timestamp.type', 'string', 'CreateTime', 'medium', 'Whether stored timestamps are the producer\'s (CreateTime) or the broker\'s append time (LogAppendTime).', v(oneOf('CreateTime', 'LogAppendTime'), 'cluster-wide')),
  k('log.message.timestamp.difference.max.ms', 'long', '9223372036854775807', 'medium', 'Deprecated: largest allowed gap between a record timestamp and the broker clock, both directions.', v(atLeast(0), 'cluster-wide')),
  k('log.message.timestamp.before.max.ms', 'long', '9223372036854775807', 'medium', 'How far in the past a CreateTime timestamp may be before the batch is rejected.', v(atLeast(0), 'cluster-wide')),
  k('log.message.timestamp.after.max.ms', 'long', '9223372036854775807', 'medium', 'How far in the future a CreateTime timestamp may be before the batch is rejected.', v(atLeast(0), 'cluster-wide')),
  k('log.message.downconversion.enable', 'boolean', 'true', 'low', 'Whether fetches from old clients may get records converted to an older format.', CLUSTER),
  k('log.dir.failure.timeout.ms', 'long', '30000', 'low', 'How long a failed log directory may keep a broker from shutting down cleanly.', v(atLeast(1))),
  k('log.initial.task.delay.ms', 'long', '30000', 'low', 'Delay before the first retention and flush tasks run after start-up.', { validator: atLeast(0), internal: true }),
  k('num.recovery.threads.per.data.dir', 'int', '1', 'high', 'Threads per log directory recovering logs at start-up and flushing them at shutdown.', v(atLeast(1), 'cluster-wide')),
  k('log.local.retention.ms', 'long', '-2', 'medium', 'Local retention when tiered storage is on; -2 means the same as log.retention.ms.', v(atLeast(-2), 'cluster-wide')),
  k('log.local.retention.bytes', 'long', '-2', 'medium', 'Local size bound when tiered storage is on; -2 means the same as log.retention.bytes.', v(atLeast(-2), 'cluster-wide')),
  k('remote.log.storage.system.enable', 'boolean', 'false', 'medium', 'Whether tiered storage is enabled on this broker (Samsa has none).'),

  // ---- the log cleaner ----
  k('log.cleaner.enable', 'boolean', 'true', 'medium', 'Run the cleaner that compacts topics with cleanup.policy=compact.'),
  k('log.cleaner.threads', 'int', '1', 'medium', 'Threads compacting logs.', v(atLeast(0), 'cluster-wide')),
  k('log.cleaner.io.max.bytes.per.second', 'double', '1.7976931348623157E308', 'medium', 'Throttle on cleaner reads plus writes, in bytes per second.', CLUSTER),
  k('log.cleaner.dedupe.buffer.size', 'long', '134217728', 'medium', 'Memory for the key map built while compacting, across all cleaner threads.', CLUSTER),
  k('log.cleaner.io.buffer.size', 'int', '524288', 'medium', 'Memory for cleaner read and write buffers, across all cleaner threads.', v(atLeast(0), 'cluster-wide')),
  k('log.cleaner.io.buffer.load.factor', 'double', '0.9', 'medium', 'How full the cleaner\'s key map may get.', CLUSTER),
  k('log.cleaner.backoff.ms', 'long', '15000', 'medium', 'Sleep of the cleaner when no log needs cleaning.', v(atLeast(0), 'cluster-wide')),
  k('log.cleaner.min.cleanable.ratio', 'double', '0.5', 'medium', 'Share of the log that must be uncleaned before it is compacted.', v(between(0, 1), 'cluster-wide')),
  k('log.cleaner.delete.retention.ms', 'long', '86400000', 'medium', 'How long tombstones stay readable in compacted topics.', v(atLeast(0), 'cluster-wide')),
  k('log.cleaner.min.compaction.lag.ms', 'long', '0', 'medium', 'Youngest age at which a record may be compacted away.', v(atLeast(0), 'cluster-wide')),
  k('log.cleaner.max.compaction.lag.ms', 'long', '9223372036854775807', 'medium', 'Oldest age a record may reach before its segment must be compacted.', v(atLeast(1), 'cluster-wide')),
];
