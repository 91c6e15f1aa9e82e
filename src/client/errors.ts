// Errors the client reports. Every one is a KafkaError: it carries Kafka's
// error code and name (from protocol/errors.ts) and whether the operation may
// be retried, so callers branch on `err.errorName` / `err.retriable` rather
// than on message text. Client-side conditions map to the code Kafka's Java
// client would report for them (a lost connection is NETWORK_EXCEPTION, a
// request that got no answer in time REQUEST_TIMED_OUT, and so on).

import { ErrorCode, KafkaError } from '../protocol/errors.js';

export { KafkaError, ErrorCode };

/** The connection to a broker failed or closed while requests were outstanding (retriable). */
export class ConnectionError extends KafkaError {
  override name = 'ConnectionError';
  constructor(message: string, readonly broker?: string) {
    super(ErrorCode.NETWORK_EXCEPTION, message);
  }
}

/** No answer within request.timeout.ms (retriable); the connection is closed, as Kafka's client does. */
export class RequestTimeoutError extends KafkaError {
  override name = 'RequestTimeoutError';
  constructor(message: string) {
    super(ErrorCode.REQUEST_TIMED_OUT, message);
  }
}

/** A client-side deadline passed: delivery.timeout.ms, max.block.ms, an admin call's timeout. */
export class TimeoutError extends KafkaError {
  override name = 'TimeoutError';
  constructor(message: string) {
    super(ErrorCode.REQUEST_TIMED_OUT, message);
    // A delivery or blocking deadline is final for that record/call, whatever the code's table entry says.
    (this as { retriable: boolean }).retriable = false;
  }
}

/** A record bigger than max.request.size or buffer.memory: refused before anything is sent. */
export class RecordTooLargeError extends KafkaError {
  override name = 'RecordTooLargeError';
  constructor(message: string) {
    super(ErrorCode.MESSAGE_TOO_LARGE, message);
  }
}

/** The client was closed before the operation could complete. */
export class ClientClosedError extends KafkaError {
  override name = 'ClientClosedError';
  constructor(what = 'client') {
    super(ErrorCode.UNKNOWN_SERVER_ERROR, `the ${what} is closed`);
    (this as { retriable: boolean }).retriable = false;
  }
}

/** The broker does not serve a version of an API that this client speaks. */
export class UnsupportedVersionError extends KafkaError {
  override name = 'UnsupportedVersionError';
  constructor(message: string) {
    super(ErrorCode.UNSUPPORTED_VERSION, message);
  }
}

/** A consumer needs an offset where auto.offset.reset=none says not to invent one. */
export class NoOffsetForPartitionError extends KafkaError {
  override name = 'NoOffsetForPartitionError';
  constructor(readonly topic: string, readonly partition: number) {
    super(ErrorCode.OFFSET_OUT_OF_RANGE, `no valid offset for ${topic}-${partition} and auto.offset.reset is none`);
  }
}

/** Builds the error for a code a broker returned, with its message when it sent one. */
export function brokerError(code: number, message?: string | null, context?: string): KafkaError {
  const err = new KafkaError(code, message ?? undefined);
  if (context) err.message = `${context}: ${err.errorName}: ${err.message}`;
  return err;
}

/** Errors after which the client should refresh its metadata before retrying. */
export function isMetadataError(code: number): boolean {
  return (
    code === ErrorCode.NOT_LEADER_OR_FOLLOWER ||
    code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
    code === ErrorCode.LEADER_NOT_AVAILABLE ||
    code === ErrorCode.FENCED_LEADER_EPOCH ||
    code === ErrorCode.UNKNOWN_LEADER_EPOCH ||
    code === ErrorCode.NOT_CONTROLLER ||
    code === ErrorCode.BROKER_NOT_AVAILABLE ||
    code === ErrorCode.REPLICA_NOT_AVAILABLE ||
    code === ErrorCode.KAFKA_STORAGE_ERROR ||
    code === ErrorCode.NETWORK_EXCEPTION
  );
}

/**
 * A commit the group refused because this consumer is no longer a member of
 * the current generation (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION): its
 * partitions may already belong to another member. It rejoins on the next
 * poll(); the code is the broker's.
 */
export class CommitFailedError extends KafkaError {
  override name = 'CommitFailedError';
  constructor(code: number, message?: string) {
    super(
      code,
      message ??
        'Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member. ' +
          'This means that the time between subsequent calls to poll() was longer than max.poll.interval.ms, or that the group ' +
          'rebalanced for another reason; the consumer rejoins on its next poll().',
    );
  }
}

/** A commit or call made while the group is rebalancing (REBALANCE_IN_PROGRESS): poll() completes the rebalance, then try again. */
export class RebalanceInProgressError extends KafkaError {
  override name = 'RebalanceInProgressError';
  constructor(message?: string) {
    super(ErrorCode.REBALANCE_IN_PROGRESS, message ?? 'the consumer group is rebalancing; poll() completes the rebalance, after which the commit can be retried');
  }
}
