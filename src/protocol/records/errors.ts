// Errors raised by the record layer. Each carries the Kafka error code a
// broker should answer with (the wire code, not a name, so this module needs
// nothing from the error table). All of them extend CorruptRecordError so a
// caller can catch the whole family with one `instanceof`.
//
// Kafka's own mapping, which these follow:
//   batch framing (size below the header, CRC mismatch, unknown magic)  -> CORRUPT_MESSAGE (2)
//   record structure inside a batch, bad counts, magic 0/1 in Produce v3+ -> INVALID_RECORD (87)
//   batch larger than max.message.bytes                                -> MESSAGE_TOO_LARGE (10)
//   compression type 5..7                                               -> UNSUPPORTED_COMPRESSION_TYPE (76)
// A payload that fails to decompress is reported as INVALID_RECORD (Kafka
// itself surfaces a bare KafkaException there, i.e. UNKNOWN_SERVER_ERROR);
// one that would decompress past the caller's limit as MESSAGE_TOO_LARGE.

export const CORRUPT_MESSAGE = 2;
export const MESSAGE_TOO_LARGE = 10;
export const UNSUPPORTED_COMPRESSION_TYPE = 76;
export const INVALID_RECORD = 87;

export class CorruptRecordError extends Error {
  override name = 'CorruptRecordError';
  /** Kafka error code to answer with. */
  readonly errorCode: number;
  constructor(message: string, errorCode = CORRUPT_MESSAGE) {
    super(message);
    this.errorCode = errorCode;
  }
}

/** Malformed records inside an otherwise well-framed batch, or inconsistent batch counts. */
export class InvalidRecordError extends CorruptRecordError {
  override name = 'InvalidRecordError';
  constructor(message: string) {
    super(message, INVALID_RECORD);
  }
}

/** A batch whose magic is not 2. Magic 0 and 1 (legacy message sets) are valid Kafka but unsupported here. */
export class UnsupportedMagicError extends CorruptRecordError {
  override name = 'UnsupportedMagicError';
  constructor(readonly magic: number) {
    super(
      magic === 0 || magic === 1
        ? `record batch magic ${magic} (legacy message set) is not supported: only magic 2 record batches are accepted`
        : `invalid record batch magic ${magic}`,
      magic === 0 || magic === 1 ? INVALID_RECORD : CORRUPT_MESSAGE,
    );
  }
}

export class RecordTooLargeError extends CorruptRecordError {
  override name = 'RecordTooLargeError';
  constructor(message: string) {
    super(message, MESSAGE_TOO_LARGE);
  }
}

export class UnsupportedCompressionTypeError extends CorruptRecordError {
  override name = 'UnsupportedCompressionTypeError';
  constructor(readonly compressionType: number) {
    super(`unknown compression type ${compressionType}`, UNSUPPORTED_COMPRESSION_TYPE);
  }
}

/** Compressed bytes that the codec rejects (bad framing, bad checksum, truncated stream). */
export class DecompressionError extends CorruptRecordError {
  override name = 'DecompressionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, INVALID_RECORD);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** Decompressing would produce more than the caller allows (a decompression bomb, or a limit set too low). */
export class DecompressionLimitError extends CorruptRecordError {
  override name = 'DecompressionLimitError';
  constructor(message: string) {
    super(message, MESSAGE_TOO_LARGE);
  }
}
