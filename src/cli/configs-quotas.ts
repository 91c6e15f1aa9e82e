// kafka-configs for users, clients and ips: client quotas and SCRAM
// credentials, as Kafka 3.9's ConfigCommand handles them with
// --bootstrap-server (its checks, messages and output, including the order
// its Java HashMaps give the entities and keys).

import { isIP } from 'node:net';
import { promises as dns } from 'node:dns';
import type { Admin, QuotaEntity, ScramMechanism, UserScramCredentialAlteration } from '../client/admin.js';
import { ErrorCode } from '../protocol/errors.js';
import { javaHashMapOrder, javaStringHash, javaStringMapHash } from '../cluster/java-hash-order.js';
import { ArgumentError } from './options.js';
import { javaExceptionName, kafkaMessage, println } from './output.js';

export const USER = 'users';
export const CLIENT = 'clients';
export const IP = 'ips';

/** The quota keys of users and clients (QuotaConfigs.isClientOrUserQuotaConfig). */
export const CLIENT_QUOTAS = ['consumer_byte_rate', 'controller_mutation_rate', 'producer_byte_rate', 'request_percentage'];
export const IP_QUOTAS = ['connection_creation_rate'];
const SCRAM_MECHANISMS: ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
const DEFAULT_SCRAM_ITERATIONS = 4096;
const MIN_SCRAM_ITERATIONS = 4096;

/** Kafka's InvalidConfigurationException raised by the tool itself (printed as a plain message). */
export class InvalidConfigurationError extends Error {
  override name = 'InvalidConfigurationException';
}

const ENTITY_TYPE: Record<string, string> = { [USER]: 'user', [CLIENT]: 'client-id', [IP]: 'ip' };
const isScram = (k: string) => (SCRAM_MECHANISMS as string[]).includes(k);
const isQuota = (k: string) => CLIENT_QUOTAS.includes(k);
/** Scala's toString of the tool's collections in its messages. */
const scalaSet = (xs: readonly string[]) => `Set(${xs.join(', ')})`;
const scalaBuffer = (xs: readonly string[]) => `ArrayBuffer(${xs.join(', ')})`;

/** Java's Double.toString: `1024.0`, `0.5`, `1.0E7`, `1.5E-4`. */
export function javaDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(v);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exp)}`;
}

/** DynamicConfig.Ip.isValidIpEntity: an address, or a host name that resolves. */
export async function isValidIpEntity(ip: string): Promise<boolean> {
  if (ip === '' || isIP(ip) !== 0) return true;
  try {
    await dns.lookup(ip);
    return true;
  } catch {
    return false;
  }
}

/** ConfigCommand's check of ip entity names (given with --entity-name or --ip). */
export async function checkIpNames(types: readonly string[], names: readonly string[]): Promise<void> {
  if (!types.includes(IP)) return;
  for (const name of names) {
    if (name !== '' && !(await isValidIpEntity(name))) throw new ArgumentError(`The entity name for ${types[0]} must be a valid IP or resolvable host, but it is: ${name}`);
  }
}

/** The filter Kafka's getAllClientQuotasConfigs builds: each type with its name, its default ('') or any name (no name given). */
function filterOf(types: readonly string[], names: readonly string[]) {
  if (names.length > types.length) throw new ArgumentError('More entity names specified than entity types');
  return types.map((t, i) => {
    const entityType = ENTITY_TYPE[t];
    if (!entityType) throw new ArgumentError(`Unexpected entity type ${t}`);
    const name = names[i];
    return name === undefined ? { entityType } : { entityType, name: name === '' ? null : name };
  });
}

async function quotaEntries(admin: Admin, types: readonly string[], names: readonly string[]) {
  const entries = await admin.describeClientQuotas(filterOf(types, names), { strict: true });
  // Kafka's client collects the answer into HashMaps: entities by ClientQuotaEntity.hashCode, keys by String.hashCode.
  const entityHash = (e: QuotaEntity) => (31 + javaStringMapHash(Object.entries(e))) | 0;
  return javaHashMapOrder(entries, (e) => entityHash(e.entity), entries.length).map((e) => ({
    entity: e.entity,
    values: javaHashMapOrder(Object.entries(e.values), ([k]) => javaStringHash(k), Object.keys(e.values).length),
  }));
}

async function describeQuotas(admin: Admin, types: readonly string[], names: readonly string[]): Promise<void> {
  for (const { entity, values } of await quotaEntries(admin, types, names)) {
    const parts: string[] = [];
    for (const [type, label] of [['user', 'user-principal'], ['client-id', 'client-id'], ['ip', 'ip']] as const) {
      if (!(type in entity)) continue;
      const name = entity[type];
      parts.push(name !== null ? `${label} '${name}'` : `the default ${label}`);
    }
    println(`Quota configs for ${parts.join(', ')} are ${values.map(([k, v]) => `${k}=${javaDouble(v)}`).join(', ')}`);
  }
}

/** --describe of users, clients or ips: quotas, then (for users alone, not defaults) SCRAM credentials. */
export async function describeQuotaEntities(admin: Admin, types: readonly string[], names: readonly string[]): Promise<void> {
  await describeQuotas(admin, types, names);
  if (types[0] === IP || types.includes(CLIENT) || names.includes('')) return;
  const described = await admin.describeUserScramCredentials(names);
  for (const d of described) {
    if (d.error?.code === ErrorCode.RESOURCE_NOT_FOUND) continue; // Kafka's users() leaves such users out
    if (d.error) {
      println(`Error retrieving SCRAM credential configs for user-principal '${d.user}': ExecutionException: ${javaExceptionName(d.error)}: ${kafkaMessage(d.error)}`);
      continue;
    }
    println(`SCRAM credential configs for user-principal '${d.user}' are ${d.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')}`);
  }
}

async function alterQuotas(admin: Admin, types: readonly string[], names: readonly string[], add: Record<string, string>, del: readonly string[]): Promise<void> {
  if (types.length !== names.length) throw new ArgumentError('Exactly one entity name must be specified for every entity type');
  const old = (await quotaEntries(admin, types, names))[0]?.values.map(([k]) => k) ?? [];
  const invalid = del.filter((k) => !old.includes(k));
  if (invalid.length > 0) throw new InvalidConfigurationError(`Invalid config(s): ${invalid.join(',')}`);
  const entity: QuotaEntity = {};
  types.forEach((t, i) => (entity[ENTITY_TYPE[t]!] = names[i] === '' ? null : names[i]!));
  const ops: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(add)) {
    // Java's Double.parseDouble: decimal or hex floating point, surrounding blanks allowed.
    const text = v.trim();
    if (!/^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?)$/.test(text)) throw new ArgumentError(`Cannot parse quota configuration value for ${k}: ${v}`);
    ops[k] = Number(text.replace(/[fFdD]$/, ''));
  }
  for (const k of del) ops[k] = null;
  await admin.alterClientQuotas([{ entity, ops }]);
}

async function alterScram(admin: Admin, user: string, add: Record<string, string>, del: readonly string[]): Promise<void> {
  const alterations: UserScramCredentialAlteration[] = del.map((m) => ({ user, mechanism: m as ScramMechanism, delete: true as const }));
  for (const [mechanism, value] of Object.entries(add)) {
    const m = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s.exec(value);
    if (!m) throw new ArgumentError(`Invalid credential property ${mechanism}=${value}`);
    const iterations = m[1] !== undefined && m[1] !== '-1' ? Number(m[1]) : DEFAULT_SCRAM_ITERATIONS;
    if (m[1] !== undefined && m[1] !== '-1' && (!/^-?\d+$/.test(m[1]) || Math.abs(iterations) > 2147483647)) throw new ArgumentError(`For input string: "${m[1]}"`);
    if (iterations < MIN_SCRAM_ITERATIONS) throw new ArgumentError(`Iterations ${iterations} is less than the minimum ${MIN_SCRAM_ITERATIONS} required for ${mechanism}`);
    alterations.push({ user, mechanism: mechanism as ScramMechanism, iterations, password: m[2]! });
  }
  await admin.alterUserScramCredentials(alterations);
}

/** --alter of users, clients or ips, with ConfigCommand's checks of which configs go where. */
export async function alterQuotaEntities(admin: Admin, types: readonly string[], names: readonly string[], add: Record<string, string>, del: readonly string[]): Promise<void> {
  const addKeys = Object.keys(add);
  if (types[0] === IP) {
    const unknown = [...addKeys, ...del].filter((k) => !IP_QUOTAS.includes(k));
    if (unknown.length > 0) throw new ArgumentError(`Only connection quota configs can be added for '${IP}' using --bootstrap-server. Unexpected config names: ${unknown.join(',')}`);
    return alterQuotas(admin, types, names, add, del);
  }
  const quotaChange = addKeys.some(isQuota) || del.some(isQuota);
  const scramAdd = addKeys.filter(isScram);
  const scramDel = del.filter(isScram);
  const unknownAdd = addKeys.filter((k) => !isScram(k) && !isQuota(k));
  const unknownDel = del.filter((k) => !isScram(k) && !isQuota(k));
  if (types[0] === CLIENT || types.length === 2) {
    if (unknownAdd.length > 0 || scramAdd.length > 0) throw new ArgumentError(`Only quota configs can be added for '${CLIENT}' using --bootstrap-server. Unexpected config names: ${scalaSet([...unknownAdd, ...scramAdd])}`);
    if (unknownDel.length > 0 || scramDel.length > 0) throw new ArgumentError(`Only quota configs can be deleted for '${CLIENT}' using --bootstrap-server. Unexpected config names: ${scalaBuffer([...unknownDel, ...scramDel])}`);
  } else {
    if (unknownAdd.length > 0) throw new ArgumentError(`Only quota and SCRAM credential configs can be added for '${USER}' using --bootstrap-server. Unexpected config names: ${scalaSet(unknownAdd)}`);
    if (unknownDel.length > 0) throw new ArgumentError(`Only quota and SCRAM credential configs can be deleted for '${USER}' using --bootstrap-server. Unexpected config names: ${scalaBuffer(unknownDel)}`);
    if (scramAdd.length > 0 || scramDel.length > 0) {
      if (names.includes('')) throw new ArgumentError('The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.');
      if (quotaChange) throw new ArgumentError(`Cannot alter both quota and SCRAM credential configs simultaneously for '${USER}' using --bootstrap-server.`);
    }
  }
  if (quotaChange) return alterQuotas(admin, types, names, add, del);
  if (names.length !== 1) throw new Error(`Altering user SCRAM credentials should never occur for more zero or multiple users: List(${names.join(', ')})`);
  return alterScram(admin, names[0]!, Object.fromEntries(scramAdd.map((k) => [k, add[k]!])), scramDel);
}
