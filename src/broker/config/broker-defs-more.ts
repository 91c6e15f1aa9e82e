// Broker configuration keys, part 2: replication, group and transaction coordinators, quotas,
// security, KRaft/ZooKeeper leftovers, metrics, and Samsa's own keys.

import { ConfigKeyDef, atLeast, listOf, oneOf, oneOfIgnoringCase } from './config-def.js';
import { CLUSTER, PER_BROKER, k } from './broker-defs.js';

const ZK_UNUSED = 'Samsa keeps cluster metadata in its metadata store (metadata.store=embedded|etcd), never in ZooKeeper';
const KRAFT_UNUSED = 'Samsa runs no KRaft quorum; cluster coordination goes through metadata.store';

export const MORE_DEFS: ConfigKeyDef[] = [
  // ---- replication ----
  k('num.replica.fetchers', 'int', '1', 'high', 'Fetcher connections per source broker used by followers.', CLUSTER),
  k('replica.lag.time.max.ms', 'long', '30000', 'high', 'A follower that has not caught up within this time is dropped from the ISR.'),
  k('replica.socket.timeout.ms', 'int', '30000', 'high', 'Socket timeout of follower fetch connections; at least replica.fetch.wait.max.ms.'),
  k('replica.socket.receive.buffer.bytes', 'int', '65536', 'high', 'SO_RCVBUF of follower fetch connections.'),
  k('replica.fetch.max.bytes', 'int', '1048576', 'medium', 'Bytes a follower asks for per partition in one fetch.', { validator: atLeast(0) }),
  k('replica.fetch.wait.max.ms', 'int', '500', 'high', 'Longest time a follower fetch waits at the leader for data.'),
  k('replica.fetch.min.bytes', 'int', '1', 'high', 'Bytes a follower fetch waits for before the leader answers.'),
  k('replica.fetch.backoff.ms', 'int', '1000', 'medium', 'Pause after a follower fetch fails.', { validator: atLeast(0) }),
  k('replica.fetch.response.max.bytes', 'int', '10485760', 'medium', 'Most bytes a follower fetch response may hold.', { validator: atLeast(0) }),
  k('replica.high.watermark.checkpoint.interval.ms', 'long', '5000', 'high', 'How often high watermarks are checkpointed to disk.'),
  k('replica.selector.class', 'string', null, 'medium', 'Selector choosing the replica a consumer fetches from (rack-aware when set to Kafka\'s RackAwareReplicaSelector).'),
  k('fetch.purgatory.purge.interval.requests', 'int', '1000', 'medium', 'Completed fetch requests between purgatory purges.'),
  k('producer.purgatory.purge.interval.requests', 'int', '1000', 'medium', 'Completed produce requests between purgatory purges.'),
  k('delete.records.purgatory.purge.interval.requests', 'int', '1', 'medium', 'Completed delete-records requests between purgatory purges.'),
  k('auto.leader.rebalance.enable', 'boolean', 'true', 'high', 'Move leadership back to preferred replicas in the background.'),
  k('leader.imbalance.per.broker.percentage', 'int', '10', 'high', 'Leadership imbalance per broker that triggers a rebalance, in percent.'),
  k('leader.imbalance.check.interval.seconds', 'long', '300', 'high', 'How often leadership balance is checked.', { validator: atLeast(1) }),
  k('controller.socket.timeout.ms', 'int', '30000', 'medium', 'Socket timeout of controller-to-broker channels.'),
  k('controlled.shutdown.enable', 'boolean', 'true', 'medium', 'Move leadership away before shutting down.'),
  k('controlled.shutdown.max.retries', 'int', '3', 'medium', 'Attempts at a controlled shutdown before giving up.'),
  k('controlled.shutdown.retry.backoff.ms', 'long', '5000', 'medium', 'Pause between controlled shutdown attempts.'),
  k('num.replica.alter.log.dirs.threads', 'int', null, 'high', 'Threads moving replicas between log directories; defaults to the number of directories.'),

  // ---- group coordinator and offsets ----
  k('group.min.session.timeout.ms', 'int', '6000', 'medium', 'Shortest session timeout a classic group member may ask for.'),
  k('group.max.session.timeout.ms', 'int', '1800000', 'medium', 'Longest session timeout a classic group member may ask for.'),
  k('group.initial.rebalance.delay.ms', 'int', '3000', 'medium', 'How long a new classic group waits for more members before its first rebalance.'),
  k('group.max.size', 'int', '2147483647', 'medium', 'Most members a classic group may have.', { validator: atLeast(1) }),
  k('group.coordinator.rebalance.protocols', 'list', 'classic,consumer', 'medium', 'Group protocols the coordinator serves.', { validator: listOf('classic', 'consumer', 'share') }),
  k('group.coordinator.threads', 'int', '1', 'medium', 'Threads of the group coordinator.', { validator: atLeast(1) }),
  k('group.coordinator.append.linger.ms', 'int', '10', 'medium', 'How long coordinator writes wait to be batched.', { validator: atLeast(0) }),
  k('group.consumer.session.timeout.ms', 'int', '45000', 'medium', 'Session timeout of consumer-protocol group members.', { validator: atLeast(1) }),
  k('group.consumer.min.session.timeout.ms', 'int', '45000', 'medium', 'Shortest session timeout of consumer-protocol members.', { validator: atLeast(1) }),
  k('group.consumer.max.session.timeout.ms', 'int', '60000', 'medium', 'Longest session timeout of consumer-protocol members.', { validator: atLeast(1) }),
  k('group.consumer.heartbeat.interval.ms', 'int', '5000', 'medium', 'Heartbeat interval of consumer-protocol members.', { validator: atLeast(1) }),
  k('group.consumer.min.heartbeat.interval.ms', 'int', '5000', 'medium', 'Shortest heartbeat interval of consumer-protocol members.', { validator: atLeast(1) }),
  k('group.consumer.max.heartbeat.interval.ms', 'int', '15000', 'medium', 'Longest heartbeat interval of consumer-protocol members.', { validator: atLeast(1) }),
  k('group.consumer.max.size', 'int', '2147483647', 'medium', 'Most members of a consumer-protocol group.', { validator: atLeast(1) }),
  k('group.consumer.assignors', 'list', 'org.apache.kafka.coordinator.group.assignor.UniformAssignor,org.apache.kafka.coordinator.group.assignor.RangeAssignor', 'medium', 'Server-side assignors of consumer-protocol groups; the first is the default.'),
  k('group.consumer.migration.policy', 'string', 'BIDIRECTIONAL', 'medium', 'Whether groups may convert between the classic and consumer protocols.', { validator: oneOfIgnoringCase('DISABLED', 'DOWNGRADE', 'UPGRADE', 'BIDIRECTIONAL'), internal: true }),
  k('offsets.topic.num.partitions', 'int', '50', 'high', 'Partitions of __consumer_offsets; fixed once the topic exists.', { validator: atLeast(1) }),
  k('offsets.topic.replication.factor', 'short', '3', 'high', 'Replication factor of __consumer_offsets (the embedded single-node store uses 1).', { validator: atLeast(1), embeddedDefault: '1' }),
  k('offsets.topic.segment.bytes', 'int', '104857600', 'high', 'Segment size of __consumer_offsets, kept small for fast loading and compaction.', { validator: atLeast(1) }),
  k('offsets.topic.compression.codec', 'int', '0', 'high', 'Compression codec id of offset commits (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).'),
  k('offsets.load.buffer.size', 'int', '5242880', 'high', 'Read buffer size when loading offsets into the coordinator cache.', { validator: atLeast(1) }),
  k('offsets.retention.minutes', 'int', '10080', 'high', 'How long committed offsets of an empty group are kept.', { validator: atLeast(1) }),
  k('offsets.retention.check.interval.ms', 'long', '600000', 'high', 'How often expired offsets are looked for.', { validator: atLeast(1) }),
  k('offsets.commit.timeout.ms', 'int', '5000', 'high', 'How long an offset commit waits for the offsets topic replicas.', { validator: atLeast(1) }),
  k('offset.metadata.max.bytes', 'int', '4096', 'high', 'Largest metadata string allowed with an offset commit.'),

  // ---- transactions and producer ids ----
  k('transaction.state.log.num.partitions', 'int', '50', 'high', 'Partitions of __transaction_state; fixed once the topic exists.', { validator: atLeast(1) }),
  k('transaction.state.log.replication.factor', 'short', '3', 'high', 'Replication factor of __transaction_state (the embedded single-node store uses 1).', { validator: atLeast(1), embeddedDefault: '1' }),
  k('transaction.state.log.min.isr', 'int', '2', 'high', 'min.insync.replicas of __transaction_state (the embedded single-node store uses 1).', { validator: atLeast(1), embeddedDefault: '1' }),
  k('transaction.state.log.segment.bytes', 'int', '104857600', 'high', 'Segment size of __transaction_state.', { validator: atLeast(1) }),
  k('transaction.state.log.load.buffer.size', 'int', '5242880', 'high', 'Read buffer size when loading transaction state.', { validator: atLeast(1) }),
  k('transactional.id.expiration.ms', 'int', '604800000', 'high', 'A transactional id with no activity for this long is forgotten.', { validator: atLeast(1) }),
  k('transaction.max.timeout.ms', 'int', '900000', 'high', 'Longest transaction timeout a producer may ask for.', { validator: atLeast(1) }),
  k('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'int', '10000', 'low', 'How often timed-out transactions are rolled back.', { validator: atLeast(1) }),
  k('transaction.remove.expired.transaction.cleanup.interval.ms', 'int', '3600000', 'low', 'How often expired transactional ids are removed.', { validator: atLeast(1) }),
  k('transaction.partition.verification.enable', 'boolean', 'true', 'low', 'Check that a partition was added to the transaction before accepting transactional writes.', CLUSTER),
  k('producer.id.expiration.ms', 'int', '86400000', 'low', 'Producer id state idle for this long is dropped from partitions.', { validator: atLeast(1), dynamic: 'cluster-wide' }),
  k('producer.id.expiration.check.interval.ms', 'int', '600000', 'low', 'How often expired producer ids are removed.', { validator: atLeast(1), internal: true }),

  // ---- share groups (Kafka 4.0 early access; accepted so Kafka's files load) ----
  k('share.coordinator.state.topic.num.partitions', 'int', '50', 'high', 'Partitions of __share_group_state.', { validator: atLeast(1) }),
  k('share.coordinator.state.topic.replication.factor', 'short', '3', 'high', 'Replication factor of __share_group_state (the embedded single-node store uses 1).', { validator: atLeast(1), embeddedDefault: '1' }),
  k('share.coordinator.state.topic.min.isr', 'short', '2', 'high', 'min.insync.replicas of __share_group_state (the embedded single-node store uses 1).', { validator: atLeast(1), embeddedDefault: '1' }),
  k('share.coordinator.state.topic.segment.bytes', 'int', '104857600', 'high', 'Segment size of __share_group_state.', { validator: atLeast(1) }),

  // ---- quotas ----
  k('quota.window.num', 'int', '11', 'low', 'Samples kept for client quotas.', { validator: atLeast(1) }),
  k('quota.window.size.seconds', 'int', '1', 'low', 'Length of one client quota sample.', { validator: atLeast(1) }),
  k('replication.quota.window.num', 'int', '11', 'low', 'Samples kept for replication quotas.', { validator: atLeast(1) }),
  k('replication.quota.window.size.seconds', 'int', '1', 'low', 'Length of one replication quota sample.', { validator: atLeast(1) }),
  k('controller.quota.window.num', 'int', '11', 'low', 'Samples kept for controller mutation quotas.', { validator: atLeast(1) }),
  k('controller.quota.window.size.seconds', 'int', '1', 'low', 'Length of one controller mutation quota sample.', { validator: atLeast(1) }),
  k('client.quota.callback.class', 'class', null, 'low', 'Custom quota callback class (accepted; Samsa loads no Java classes).'),

  // ---- security ----
  k('authorizer.class.name', 'string', '', 'low', 'Authorizer implementation; empty means no authorization.'),
  k('principal.builder.class', 'class', 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder', 'medium', 'Builds the principal of an authenticated connection.', PER_BROKER),
  k('connections.max.reauth.ms', 'long', '0', 'medium', 'Longest session lifetime before a SASL client must re-authenticate; 0 disables.'),
  k('sasl.enabled.mechanisms', 'list', 'GSSAPI', 'medium', 'SASL mechanisms accepted on SASL listeners.', PER_BROKER),
  k('sasl.mechanism.inter.broker.protocol', 'string', 'GSSAPI', 'medium', 'SASL mechanism brokers use with each other.', PER_BROKER),
  k('sasl.jaas.config', 'password', null, 'medium', 'JAAS login configuration, usually set per listener and mechanism.', PER_BROKER),
  k('sasl.server.max.receive.size', 'int', '524288', 'medium', 'Largest SASL message accepted before authentication completes.'),
  k('sasl.kerberos.service.name', 'string', null, 'medium', 'Kerberos principal name the broker runs as.', PER_BROKER),
  k('sasl.kerberos.principal.to.local.rules', 'list', 'DEFAULT', 'medium', 'Rules mapping Kerberos principals to short names.', PER_BROKER),
  k('ssl.protocol', 'string', 'TLSv1.3', 'medium', 'TLS protocol used to build the SSL context.', PER_BROKER),
  k('ssl.enabled.protocols', 'list', 'TLSv1.2,TLSv1.3', 'medium', 'TLS protocol versions accepted.', PER_BROKER),
  k('ssl.cipher.suites', 'list', '', 'medium', 'Cipher suites allowed; empty allows the platform defaults.', PER_BROKER),
  k('ssl.client.auth', 'string', 'none', 'medium', 'Whether TLS clients must (required), may (requested) or need not (none) present a certificate.', { validator: oneOf('required', 'requested', 'none'), dynamic: 'per-broker' }),
  k('ssl.keystore.type', 'string', 'JKS', 'medium', 'Format of the key store file (Samsa reads PEM and PKCS12).', PER_BROKER),
  k('ssl.keystore.location', 'string', null, 'medium', 'Path of the key store.', PER_BROKER),
  k('ssl.keystore.password', 'password', null, 'medium', 'Password of the key store.', PER_BROKER),
  k('ssl.key.password', 'password', null, 'medium', 'Password of the private key in the key store.', PER_BROKER),
  k('ssl.keystore.key', 'password', null, 'medium', 'Private key in PEM form, instead of a key store file.', PER_BROKER),
  k('ssl.keystore.certificate.chain', 'password', null, 'medium', 'Certificate chain in PEM form, instead of a key store file.', PER_BROKER),
  k('ssl.truststore.type', 'string', 'JKS', 'medium', 'Format of the trust store file.', PER_BROKER),
  k('ssl.truststore.location', 'string', null, 'medium', 'Path of the trust store.', PER_BROKER),
  k('ssl.truststore.password', 'password', null, 'medium', 'Password of the trust store.', PER_BROKER),
  k('ssl.truststore.certificates', 'password', null, 'medium', 'Trusted certificates in PEM form, instead of a trust store file.', PER_BROKER),
  k('ssl.endpoint.identification.algorithm', 'string', 'https', 'low', 'Host name verification of peer certificates; empty disables it.', PER_BROKER),
  k('super.users', 'string', null, 'low', 'Semicolon-separated principals allowed everything by the authorizer.'),
  k('delegation.token.secret.key', 'password', null, 'medium', 'Secret used to sign delegation tokens; tokens are disabled when unset.'),
  k('password.encoder.secret', 'password', null, 'medium', 'Secret encoding passwords stored as dynamic configs.'),

  k('ssl.principal.mapping.rules', 'string', 'DEFAULT', 'low', 'Rules mapping certificate distinguished names to short principal names.'),
  k('ssl.keymanager.algorithm', 'string', 'SunX509', 'medium', 'Key manager algorithm of the SSL context (Java-specific; accepted).', PER_BROKER),
  k('ssl.trustmanager.algorithm', 'string', 'PKIX', 'medium', 'Trust manager algorithm of the SSL context (Java-specific; accepted).', PER_BROKER),
  k('password.encoder.old.secret', 'password', null, 'medium', 'Previous secret of encoded dynamic passwords, used while rotating the secret.'),
  k('delegation.token.max.lifetime.ms', 'long', '604800000', 'medium', 'Longest a delegation token may be renewed for.', { validator: atLeast(1) }),
  k('delegation.token.expiry.time.ms', 'long', '86400000', 'medium', 'Validity of a delegation token between renewals.', { validator: atLeast(1) }),

  // ---- metrics ----
  k('metric.reporters', 'list', 'org.apache.kafka.common.metrics.JmxReporter', 'low', 'Metric reporter classes (accepted; Samsa exposes its own metrics).', CLUSTER),
  k('metrics.num.samples', 'int', '2', 'low', 'Samples kept to compute metrics.', { validator: atLeast(1) }),
  k('metrics.sample.window.ms', 'long', '30000', 'low', 'Length of one metrics sample.', { validator: atLeast(1) }),
  k('metrics.recording.level', 'string', 'INFO', 'low', 'Highest recording level of metrics.'),
  k('kafka.metrics.reporters', 'list', '', 'low', 'Yammer metrics reporter classes (accepted; Samsa exposes its own metrics).'),
  k('kafka.metrics.polling.interval.secs', 'int', '10', 'low', 'Polling interval of kafka.metrics.reporters.', { validator: atLeast(1) }),

  // ---- KRaft and ZooKeeper: accepted so Kafka's files load, without effect ----
  k('controller.quorum.voters', 'list', '', 'high', 'KRaft voters as id@host:port (accepted, no effect).', { unused: KRAFT_UNUSED }),
  k('controller.quorum.bootstrap.servers', 'list', '', 'high', 'KRaft controllers to bootstrap from (accepted, no effect).', { unused: KRAFT_UNUSED }),
  k('controller.quorum.election.timeout.ms', 'int', '1000', 'high', 'KRaft election timeout (accepted, no effect).'),
  k('controller.quorum.fetch.timeout.ms', 'int', '2000', 'high', 'KRaft fetch timeout (accepted, no effect).'),
  k('controller.quorum.election.backoff.max.ms', 'int', '1000', 'high', 'KRaft election backoff (accepted, no effect).'),
  k('controller.quorum.append.linger.ms', 'int', '25', 'medium', 'KRaft append linger (accepted, no effect).'),
  k('controller.quorum.request.timeout.ms', 'int', '2000', 'medium', 'KRaft request timeout (accepted, no effect).'),
  k('controller.quorum.retry.backoff.ms', 'int', '20', 'low', 'KRaft retry backoff (accepted, no effect).'),
  k('broker.heartbeat.interval.ms', 'int', '2000', 'medium', 'Interval of broker heartbeats to the controller (etcd lease keep-alives in Samsa).'),
  k('broker.session.timeout.ms', 'int', '9000', 'medium', 'A broker silent for this long is fenced (the etcd lease time-to-live in Samsa).'),
  k('initial.broker.registration.timeout.ms', 'int', '60000', 'medium', 'How long a starting broker waits to be registered with the controller.'),
  k('metadata.log.segment.bytes', 'int', '1073741824', 'high', 'Segment size of the KRaft metadata log (accepted, no effect).', { validator: atLeast(12) }),
  k('metadata.log.segment.ms', 'long', '604800000', 'high', 'Roll age of the KRaft metadata log (accepted, no effect).'),
  k('metadata.max.retention.bytes', 'long', '104857600', 'high', 'Retention size of the KRaft metadata log (accepted, no effect).'),
  k('metadata.max.retention.ms', 'long', '604800000', 'high', 'Retention time of the KRaft metadata log (accepted, no effect).'),
  k('metadata.max.idle.interval.ms', 'int', '500', 'low', 'Interval of no-op records in the KRaft metadata log (accepted, no effect).', { validator: atLeast(0) }),
  k('metadata.log.max.record.bytes.between.snapshots', 'long', '20971520', 'high', 'Bytes of metadata log between snapshots (accepted, no effect).', { validator: atLeast(1) }),
  k('metadata.log.max.snapshot.interval.ms', 'long', '3600000', 'high', 'Longest time between metadata snapshots (accepted, no effect).', { validator: atLeast(0) }),
  k('eligible.leader.replicas.enable', 'boolean', 'false', 'high', 'Enable eligible leader replicas (accepted, no effect).'),
  k('zookeeper.connect', 'string', null, 'high', 'ZooKeeper connection string (accepted and ignored: Samsa has no ZooKeeper).', { unused: ZK_UNUSED }),
  k('zookeeper.session.timeout.ms', 'int', '18000', 'high', 'ZooKeeper session timeout (accepted and ignored).', { unused: ZK_UNUSED }),
  k('zookeeper.connection.timeout.ms', 'int', null, 'high', 'ZooKeeper connection timeout (accepted and ignored).', { unused: ZK_UNUSED }),
  k('zookeeper.set.acl', 'boolean', 'false', 'high', 'Secure ZooKeeper ACLs (accepted and ignored).', { unused: ZK_UNUSED }),
  k('zookeeper.metadata.migration.enable', 'boolean', 'false', 'high', 'ZooKeeper to KRaft migration (accepted and ignored).', { unused: ZK_UNUSED }),

  // ---- Samsa's own ----
  k('metadata.store', 'string', 'embedded', 'high', 'Where cluster metadata lives: embedded (one broker, files in its log dir) or etcd (a cluster; see etcd.endpoints).', { validator: oneOf('embedded', 'etcd') }),
  k('etcd.endpoints', 'list', '', 'high', 'Comma-separated etcd client URLs, required when metadata.store=etcd.'),
];

/** Thread pools whose dynamic resizing Kafka bounds to between half and double the current size. */
export const THREAD_POOL_KEYS = ['num.io.threads', 'num.replica.fetchers', 'num.recovery.threads.per.data.dir', 'background.threads'];

/** SSL key/trust store keys that may be updated dynamically only with a listener prefix (Kafka's DynamicSecurityConfigs). */
export const LISTENER_ONLY_SECURITY_KEYS = [
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.truststore.type',
  'ssl.truststore.location', 'ssl.truststore.password', 'ssl.keystore.certificate.chain', 'ssl.keystore.key',
  'ssl.truststore.certificates',
];
