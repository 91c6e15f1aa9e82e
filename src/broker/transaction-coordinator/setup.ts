// Wires the transaction coordinator into a broker: its configuration from the
// broker's (transaction.* keys, read afresh on each use), wall-clock time with
// one shared timer, __transaction_state and the marker writer through the
// replica manager, transactional offsets through the group coordinator, and
// produce-side verification (transaction.partition.verification.enable).

import type { MetadataStore } from '../../cluster/metadata-store.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ReplicaManager } from '../replica-manager.js';
import type { TopicManager } from '../topic-manager.js';
import type { GroupCoordinatorService } from '../group-coordinator/setup.js';
import { SystemTime } from '../group-coordinator/time.js';
import { TransactionCoordinator, type TransactionCoordinatorConfig } from './coordinator.js';
import { ProducerIdManager } from './producer-id-manager.js';
import { TransactionStateTopic } from './transaction-state-topic.js';

export function transactionCoordinatorConfig(c: BrokerConfig): TransactionCoordinatorConfig {
  return {
    transactionStateLogNumPartitions: c.transactionStateLogNumPartitions,
    transactionalIdExpirationMs: c.transactionalIdExpirationMs,
    transactionMaxTimeoutMs: c.transactionMaxTimeoutMs,
    transactionAbortTimedOutTransactionCleanupIntervalMs: c.transactionAbortTimedOutTransactionCleanupIntervalMs,
    transactionRemoveExpiredTransactionCleanupIntervalMs: c.transactionRemoveExpiredTransactionCleanupIntervalMs,
  };
}

export interface TransactionCoordinatorService {
  readonly coordinator: TransactionCoordinator;
  readonly stateTopic: TransactionStateTopic;
  /** Creates __transaction_state if needed and loads its new partitions; resolves with an error code. */
  ensureStateTopic(): Promise<number>;
  shutdown(): void;
}

export function createTransactionCoordinator(opts: {
  nodeId: number;
  metadata: MetadataStore;
  replicas: ReplicaManager;
  topics: () => TopicManager;
  config: () => BrokerConfig;
  groups: GroupCoordinatorService;
}): TransactionCoordinatorService {
  const time = new SystemTime();
  const stateTopic = new TransactionStateTopic(opts.nodeId, opts.metadata, opts.replicas, opts.topics, opts.config, (partition, producerId, commit) =>
    opts.groups.coordinator.onTransactionMarker(partition, producerId, commit),
  );
  const coordinator = new TransactionCoordinator(new ProducerIdManager(opts.metadata), time, stateTopic, stateTopic, () =>
    transactionCoordinatorConfig(opts.config()),
  );
  opts.replicas.transactionVerifier = (topic, partition, transactionalId, producerId, producerEpoch) =>
    opts.config().get('transaction.partition.verification.enable') === false
      ? 0
      : coordinator.verifyProduce(topic, partition, transactionalId, producerId, producerEpoch);
  return {
    coordinator,
    stateTopic,
    async ensureStateTopic() {
      const error = await stateTopic.ensureTopic();
      if (error === 0) await coordinator.loadLedPartitions();
      return error;
    },
    shutdown() {
      coordinator.shutdown();
      time.stop();
    },
  };
}
