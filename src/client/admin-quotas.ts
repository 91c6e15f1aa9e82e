// The admin client's client-quota and SCRAM-credential calls (KIP-546, KIP-554),
// as Kafka's Admin makes them: DescribeClientQuotas / AlterClientQuotas and
// DescribeUserScramCredentials / AlterUserScramCredentials. The password is
// salted here (SaltedPassword = Hi(password, salt, iterations), PBKDF2 with
// HMAC-SHA-256/512) and only the salt and salted password are sent.

import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { KafkaError, brokerError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';

export const QUOTA_API = { DescribeClientQuotas: 48, AlterClientQuotas: 49, DescribeUserScramCredentials: 50, AlterUserScramCredentials: 51 } as const;

/** Quota entity types: 'user', 'client-id', 'ip'. A null name is the type's default entity. */
export type QuotaEntity = Record<string, string | null>;

/** One filter component: an exact name (`name`), the default entity (`name: null`), or any named entity (`name` absent). */
export interface QuotaFilterComponent {
  entityType: string;
  name?: string | null;
}

export interface ClientQuotaEntry {
  entity: QuotaEntity;
  values: Record<string, number>;
}

export interface ClientQuotaAlteration {
  entity: QuotaEntity;
  /** key → value to set, or null to remove the key. */
  ops: Record<string, number | null>;
}

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
const MECHANISM_TYPES: Record<ScramMechanism, number> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };
const MECHANISM_NAMES: Record<number, ScramMechanism> = { 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' };
const HASHES: Record<ScramMechanism, 'sha256' | 'sha512'> = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };

export interface UserScramCredentialsDescription {
  user: string;
  /** RESOURCE_NOT_FOUND for a user without credentials, as Kafka's result reports it. */
  error: KafkaError | null;
  credentials: { mechanism: ScramMechanism | 'UNKNOWN'; iterations: number }[];
}

export type UserScramCredentialAlteration =
  | { user: string; mechanism: ScramMechanism; iterations: number; password: string | Buffer }
  | { user: string; mechanism: ScramMechanism; delete: true };

/** The filter as Kafka's ClientQuotaFilter.containsOnly / contains puts it on the wire. */
export function describeQuotasBody(components: readonly QuotaFilterComponent[], strict: boolean): unknown {
  return {
    components: components.map((c) =>
      c.name === undefined ? { entityType: c.entityType, matchType: 2, match: null } : c.name === null ? { entityType: c.entityType, matchType: 1, match: null } : { entityType: c.entityType, matchType: 0, match: c.name },
    ),
    strict,
  };
}

export function readDescribeQuotas(res: any): ClientQuotaEntry[] {
  if (res.errorCode) throw brokerError(res.errorCode, res.errorMessage, 'DescribeClientQuotas');
  return ((res.entries ?? []) as any[]).map((e) => ({
    entity: Object.fromEntries((e.entity as any[]).map((x) => [x.entityType, x.entityName])),
    values: Object.fromEntries((e.values as any[]).map((v) => [v.key, v.value])),
  }));
}

export function alterQuotasBody(alterations: readonly ClientQuotaAlteration[], validateOnly: boolean): unknown {
  return {
    entries: alterations.map((a) => ({
      entity: Object.entries(a.entity).map(([entityType, entityName]) => ({ entityType, entityName })),
      ops: Object.entries(a.ops).map(([key, value]) => ({ key, value: value ?? 0, remove: value === null })),
    })),
    validateOnly,
  };
}

export function readAlterQuotas(res: any): { entity: QuotaEntity; error: KafkaError | null }[] {
  return (res.entries as any[]).map((e) => ({
    entity: Object.fromEntries((e.entity as any[]).map((x) => [x.entityType, x.entityName])),
    error: e.errorCode ? brokerError(e.errorCode, e.errorMessage, 'AlterClientQuotas') : null,
  }));
}

export function readDescribeScram(res: any): UserScramCredentialsDescription[] {
  if (res.errorCode) throw brokerError(res.errorCode, res.errorMessage, 'DescribeUserScramCredentials');
  return (res.results as any[]).map((r) => ({
    user: r.user,
    error: r.errorCode ? brokerError(r.errorCode, r.errorMessage, `DescribeUserScramCredentials ${r.user}`) : null,
    credentials: (r.credentialInfos as any[]).map((c) => ({ mechanism: MECHANISM_NAMES[c.mechanism] ?? 'UNKNOWN', iterations: c.iterations })),
  }));
}

/** Kafka's salt: a random 130-bit number in base 36, as UTF-8 bytes (ScramFormatter.secureRandomBytes). */
function randomSalt(): Buffer {
  const n = BigInt(`0x${randomBytes(17).toString('hex')}`) >> 6n;
  return Buffer.from(n.toString(36), 'utf8');
}

/** Hi(password, salt, i) of RFC 5802 is PBKDF2 with one block of the hash's length. */
export function saltedPassword(mechanism: ScramMechanism, password: Buffer, salt: Buffer, iterations: number): Buffer {
  const hash = HASHES[mechanism];
  return pbkdf2Sync(password, salt, iterations, hash === 'sha256' ? 32 : 64, hash);
}

/**
 * The request body and the users refused before sending (empty user or
 * password, unknown mechanism: Kafka's client checks these itself).
 */
export function alterScramBody(alterations: readonly UserScramCredentialAlteration[]): { body: unknown; refused: Map<string, KafkaError> } {
  const refused = new Map<string, KafkaError>();
  const known = (m: string) => Object.hasOwn(MECHANISM_TYPES, m);
  for (const a of alterations) {
    if (!('delete' in a)) continue;
    if (a.user === '') refused.set(a.user, new KafkaError(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'));
    else if (!known(a.mechanism)) refused.set(a.user, new KafkaError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'));
  }
  const upsertions: unknown[] = [];
  for (const a of alterations) {
    if ('delete' in a || refused.has(a.user)) continue;
    const password = typeof a.password === 'string' ? Buffer.from(a.password, 'utf8') : a.password;
    if (a.user === '') refused.set(a.user, new KafkaError(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'));
    else if (password.length === 0) refused.set(a.user, new KafkaError(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Password must not be empty'));
    else if (!known(a.mechanism)) refused.set(a.user, new KafkaError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'));
    else {
      const salt = randomSalt();
      upsertions.push({ name: a.user, mechanism: MECHANISM_TYPES[a.mechanism], iterations: a.iterations, salt, saltedPassword: saltedPassword(a.mechanism, password, salt, a.iterations) });
    }
  }
  const deletions = alterations.filter((a) => 'delete' in a && !refused.has(a.user)).map((a) => ({ name: a.user, mechanism: MECHANISM_TYPES[a.mechanism] }));
  return { body: { deletions, upsertions: upsertions.filter((u: any) => !refused.has(u.name)) }, refused };
}

/** One result per user altered: the client's refusals, else the broker's answer. */
export function readAlterScram(res: any, alterations: readonly UserScramCredentialAlteration[], refused: Map<string, KafkaError>): { user: string; error: KafkaError | null }[] {
  const answered = new Map<string, KafkaError | null>();
  for (const r of res?.results ?? []) answered.set(r.user, r.errorCode ? brokerError(r.errorCode, r.errorMessage, `AlterUserScramCredentials ${r.user}`) : null);
  const users = [...new Set(alterations.map((a) => a.user))];
  return users.map((user) => ({
    user,
    error: refused.get(user) ?? (answered.has(user) ? answered.get(user)! : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `The broker response did not contain a result for user ${user}`)),
  }));
}
