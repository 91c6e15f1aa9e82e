// The transaction coordinator (Kafka's TransactionCoordinator): producer ids
// for idempotent producers and, for transactional ids, their transactions.

import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type { ProducerIdManager } from './producer-id-manager.js';

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** v3+: the producer's current id and epoch when it resumes after an error (KIP-360); -1 otherwise. */
  producerId: number;
  producerEpoch: number;
  apiVersion: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export class TransactionCoordinator {
  constructor(readonly producerIds: ProducerIdManager) {}

  async initProducerId(req: InitProducerIdRequest): Promise<InitProducerIdResult> {
    if (req.transactionalId === null) {
      // Idempotent producer: always a new id, epoch 0.
      try {
        return { errorCode: ErrorCode.NONE, producerId: await this.producerIds.generateProducerId(), producerEpoch: 0 };
      } catch (err) {
        return fail(err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR);
      }
    }
    if (req.transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }
}

function fail(errorCode: number): InitProducerIdResult {
  return { errorCode, producerId: -1, producerEpoch: -1 };
}
