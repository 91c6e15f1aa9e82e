// The SCRAM mechanisms Kafka knows (ScramMechanism): wire type, hash and the
// iteration bounds its controller enforces, and the keys a broker keeps (RFC 5802).

import { createHash, createHmac } from 'node:crypto';
import type { ScramMechanismName } from '../../cluster/metadata-store.js';

export interface ScramMechanismInfo {
  readonly name: ScramMechanismName;
  /** The int8 in DescribeUserScramCredentials / AlterUserScramCredentials (0 is UNKNOWN). */
  readonly type: number;
  readonly hash: 'sha256' | 'sha512';
  readonly minIterations: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanismInfo[] = [
  { name: 'SCRAM-SHA-256', type: 1, hash: 'sha256', minIterations: 4096 },
  { name: 'SCRAM-SHA-512', type: 2, hash: 'sha512', minIterations: 4096 },
];

/** The most iterations Kafka's controller accepts. */
export const MAX_SCRAM_ITERATIONS = 16384;

export function scramMechanismByType(type: number): ScramMechanismInfo | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

/** StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key"). */
export function scramKeys(m: ScramMechanismInfo, saltedPassword: Buffer): { storedKey: Buffer; serverKey: Buffer } {
  const clientKey = createHmac(m.hash, saltedPassword).update('Client Key').digest();
  return {
    storedKey: createHash(m.hash).update(clientKey).digest(),
    serverKey: createHmac(m.hash, saltedPassword).update('Server Key').digest(),
  };
}
