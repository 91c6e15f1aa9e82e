import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ClientQuotaChange, QuotaEntity } from '../../cluster/metadata-store.js';
import { javaHashMapOrder } from '../../cluster/java-hash-order.js';
import { CLIENT_ID, IP, IP_KEYS, USER, USER_AND_CLIENT_KEYS, checkQuotaValue, entityHash, entityToString, isValidIpEntity } from './client-quota-rules.js';

interface AlterClientQuotasRequest {
  entries: {
    entity: { entityType: string; entityName: string | null }[];
    ops: { key: string; value: number; remove: boolean }[];
  }[];
  validateOnly: boolean;
}

type Outcome = { errorCode: number; errorMessage: string | null };
const ok: Outcome = { errorCode: 0, errorMessage: null };
const invalid = (errorMessage: string): Outcome => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });

/** Kafka's validateEntity and configKeysForEntityType: the entity sorted by type and the keys it takes, or why not. */
async function checkEntity(entity: QuotaEntity): Promise<{ keys: typeof USER_AND_CLIENT_KEYS } | Outcome> {
  if (entity.length === 0) return invalid('Invalid empty client quota entity');
  const seen = new Map<string, string | null>();
  for (const [type, name] of entity) {
    if (seen.has(type)) return invalid(`Invalid client quota entity, duplicate entity entry ${type}`);
    if (![USER, CLIENT_ID, IP].includes(type)) return invalid(`Unhandled client quota entity type: ${type}`);
    seen.set(type, name);
    if (name === '') return invalid(`Empty ${type} not supported`);
  }
  if (seen.has(IP)) {
    // Kafka's text, missing space included.
    if (seen.has(USER) || seen.has(CLIENT_ID)) return invalid('Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId');
    if (!(await isValidIpEntity(seen.get(IP)!))) return invalid(`${seen.get(IP)} is not a valid IP or resolvable host.`);
    return { keys: IP_KEYS };
  }
  return { keys: USER_AND_CLIENT_KEYS };
}

/**
 * AlterClientQuotas v0-1 (KIP-546), with Kafka's validation: entity types and
 * combinations, known keys, positive values, integral values for integral
 * keys. Each entity succeeds or fails on its own; the successful ones are
 * written together (nothing with validateOnly). Quotas are stored and
 * described, not enforced yet.
 */
export const alterClientQuotasHandler: ApiHandler<AlterClientQuotasRequest> = {
  apiKey: 49,
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    const results = new Map<string, { entity: QuotaEntity; outcome: Outcome }>();
    const changes: ClientQuotaChange[] = [];
    for (const e of req.entries) {
      const entity: QuotaEntity = e.entity.map((x) => [x.entityType, x.entityName] as const);
      const id = JSON.stringify([...entity].sort());
      const ops = new Map<string, number | null>();
      let duplicateKey: string | null = null;
      for (const op of e.ops) {
        if (ops.has(op.key)) duplicateKey ??= op.key;
        else ops.set(op.key, op.remove ? null : op.value);
      }
      if (duplicateKey !== null || results.has(id)) {
        // Kafka records the duplicate key, then finds the entity already answered and says so instead.
        results.set(id, { entity, outcome: invalid(`Ignoring duplicate entity ${entityToString(entity)}`) });
        continue;
      }
      const checked = await checkEntity(entity);
      if (!('keys' in checked)) {
        results.set(id, { entity, outcome: checked });
        continue;
      }
      const change: ClientQuotaChange = { entity, set: {}, remove: [] };
      let outcome = ok;
      for (const [key, value] of ops) {
        if (value === null) {
          change.remove.push(key);
          continue;
        }
        const problem = checkQuotaValue(checked.keys, key, value);
        if (problem !== null) {
          outcome = invalid(problem);
          break;
        }
        change.set[key] = value;
      }
      results.set(id, { entity, outcome });
      if (outcome === ok) changes.push(change);
    }
    if (!req.validateOnly && changes.length > 0) await ctx.broker.metadata.alterClientQuotas(changes);
    // Kafka answers from a HashMap keyed by entity.
    const ordered = javaHashMapOrder([...results.values()], (r) => entityHash(r.entity));
    return {
      throttleTimeMs: 0,
      entries: ordered.map((r) => ({ ...r.outcome, entity: r.entity.map(([entityType, entityName]) => ({ entityType, entityName })) })),
    };
  },
};
