// The broker's services as the API handlers see them.

import type { MetadataStore } from '../cluster/metadata-store.js';
import type { LogManager } from '../storage/log-manager.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { HandlerRegistry } from './handlers/handler.js';
import type { ConnectionInfo } from './network/connection.js';
import type { ReplicaManager } from './replica-manager.js';
import type { TopicManager } from './topic-manager.js';
import type { FetchWaiter } from './fetch-waiter.js';
import type { GroupCoordinatorService } from './group-coordinator/setup.js';
import type { TransactionCoordinatorService } from './transaction-coordinator/setup.js';

export interface Endpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The effective configuration, dynamic overrides included. */
  config(): BrokerConfig;
  /** The static configuration from server.properties and overrides. */
  readonly staticConfig: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly logs: LogManager;
  readonly replicas: ReplicaManager;
  readonly topics: TopicManager;
  readonly handlers: HandlerRegistry;
  readonly fetchWaiter: FetchWaiter;
  /** The classic group coordinator and __consumer_offsets. */
  readonly groupCoordinator: GroupCoordinatorService;
  /** Producer ids, and transactions in __transaction_state. */
  readonly transactionCoordinator: TransactionCoordinatorService;
  /** Every live broker's endpoint as the client on `conn` must reach it. */
  endpointsFor(conn: ConnectionInfo): Endpoint[];
  /** Re-reads dynamic broker configs from the metadata store and applies them. */
  applyDynamicConfig(): void;
}
