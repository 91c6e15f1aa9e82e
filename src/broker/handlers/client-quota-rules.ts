// Kafka 3.9's client quota rules (its controller's ClientQuotaControlManager):
// which entity types exist, which may be combined, which keys each takes and
// of what type. Shared by the DescribeClientQuotas and AlterClientQuotas handlers.

import { isIP } from 'node:net';
import { promises as dns } from 'node:dns';
import { javaHashMapOrder, javaStringHash, javaStringMapHash } from '../../cluster/java-hash-order.js';
import type { QuotaEntity } from '../../cluster/metadata-store.js';

export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';

type KeyType = 'LONG' | 'DOUBLE' | 'INT';
/** Keys of user and client-id entities (and their combination). */
export const USER_AND_CLIENT_KEYS: ReadonlyMap<string, KeyType> = new Map([
  ['producer_byte_rate', 'LONG'],
  ['consumer_byte_rate', 'LONG'],
  ['request_percentage', 'DOUBLE'],
  ['controller_mutation_rate', 'DOUBLE'],
]);
/** Keys of ip entities. */
export const IP_KEYS: ReadonlyMap<string, KeyType> = new Map([['connection_creation_rate', 'INT']]);

/** A problem with a request, answered with its error code and message. */
export class QuotaRuleError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** An IP address, or a host name that resolves (Kafka: InetAddress.getByName succeeds); null is the default ip entity. */
export async function isValidIpEntity(ip: string | null): Promise<boolean> {
  if (ip === null || isIP(ip) !== 0) return true;
  try {
    await dns.lookup(ip);
    return true;
  } catch {
    return false;
  }
}

/** Java's ClientQuotaEntity.toString(): `ClientQuotaEntity(entries={user=alice, client-id=null})`, HashMap order. */
export function entityToString(entity: QuotaEntity): string {
  const ordered = javaHashMapOrder(entity, ([type]) => javaStringHash(type));
  return `ClientQuotaEntity(entries={${ordered.map(([t, n]) => `${t}=${n}`).join(', ')}})`;
}

/** ClientQuotaEntity.hashCode(): Objects.hash(entries). */
export function entityHash(entity: QuotaEntity): number {
  return (31 + javaStringMapHash(entity)) | 0;
}

/** Kafka's validateQuotaKeyValue: null when the key may take this value, else the message. */
export function checkQuotaValue(keys: ReadonlyMap<string, KeyType>, key: string, value: number): string | null {
  const type = keys.get(key);
  if (type === undefined) return `Invalid configuration key ${key}`;
  if (!(value > 0)) return `Quota ${key} must be greater than 0`;
  if (type === 'DOUBLE') return null;
  if (type === 'INT' && value > 2147483647) return `Proposed value for ${key} is too large for an INT.`;
  if (type === 'LONG' && value > 9223372036854775807) return `Proposed value for ${key} is too large for a LONG.`;
  if (Math.abs(value % 1) > 1e-6) return `${key} cannot be a fractional value.`;
  return null;
}
