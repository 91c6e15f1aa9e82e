// Errors raised by the storage layer. Each carries a stable `code` so that the
// broker can map it to a Kafka error code without string matching:
//   KAFKA_STORAGE_ERROR   an I/O failure; the log is unusable until restart
//   CORRUPT_INDEX         an .index/.timeindex file failed its sanity check (rebuilt from the log)
//   CORRUPT_RECORD        a batch in a .log file failed its length/magic/CRC check
//   OFFSET_OUT_OF_RANGE   an offset outside [logStartOffset, logEndOffset]
//   INCONSISTENT_META     meta.properties disagrees with the configuration or another log dir
//
// No on-disk layout of its own.

export type StorageErrorCode =
  | 'KAFKA_STORAGE_ERROR'
  | 'CORRUPT_INDEX'
  | 'CORRUPT_RECORD'
  | 'OFFSET_OUT_OF_RANGE'
  | 'INCONSISTENT_META'
  | 'INVALID_STATE';

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class CorruptIndexError extends StorageError {
  override name = 'CorruptIndexError';
  constructor(message: string) {
    super('CORRUPT_INDEX', message);
  }
}

export class CorruptRecordError extends StorageError {
  override name = 'CorruptRecordError';
  constructor(message: string) {
    super('CORRUPT_RECORD', message);
  }
}

export class OffsetOutOfRangeError extends StorageError {
  override name = 'OffsetOutOfRangeError';
  constructor(message: string) {
    super('OFFSET_OUT_OF_RANGE', message);
  }
}

export class KafkaStorageError extends StorageError {
  override name = 'KafkaStorageError';
  constructor(message: string, cause?: unknown) {
    super('KAFKA_STORAGE_ERROR', message, { cause });
  }
}

export class InconsistentMetaPropertiesError extends StorageError {
  override name = 'InconsistentMetaPropertiesError';
  constructor(message: string) {
    super('INCONSISTENT_META', message);
  }
}
