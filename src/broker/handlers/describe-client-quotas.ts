import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { QuotaEntity } from '../../cluster/metadata-store.js';
import { CLIENT_ID, IP, QuotaRuleError, USER } from './client-quota-rules.js';

interface DescribeClientQuotasRequest {
  components: { entityType: string; matchType: number; match: string | null }[];
  strict: boolean;
}

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

/** The filter as Kafka's ClientQuotasImage.describe reads it: exact names (null: default entity) and types that must be present. */
function readFilter(req: DescribeClientQuotasRequest): { exact: Map<string, string | null>; typed: Set<string> } {
  const exact = new Map<string, string | null>();
  const typed = new Set<string>();
  const invalid = (m: string) => new QuotaRuleError(ErrorCode.INVALID_REQUEST, m);
  for (const c of req.components) {
    if (c.entityType === '') throw invalid('Invalid empty entity type.');
    if (exact.has(c.entityType) || typed.has(c.entityType)) throw invalid(`Entity type ${c.entityType} cannot appear more than once in the filter.`);
    if (![IP, USER, CLIENT_ID].includes(c.entityType)) throw new QuotaRuleError(ErrorCode.UNSUPPORTED_VERSION, `Unsupported entity type ${c.entityType}`);
    switch (c.matchType) {
      case MATCH_EXACT:
        if (c.match === null) throw invalid('Request specified MATCH_TYPE_EXACT, but set match string to null.');
        exact.set(c.entityType, c.match);
        break;
      case MATCH_DEFAULT:
        if (c.match !== null) throw invalid('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
        exact.set(c.entityType, null);
        break;
      case MATCH_SPECIFIED:
        if (c.match !== null) throw invalid('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
        typed.add(c.entityType);
        break;
      default:
        throw invalid(`Unknown match type ${c.matchType}`);
    }
  }
  const has = (t: string) => exact.has(t) || typed.has(t);
  if (has(IP) && (has(USER) || has(CLIENT_ID))) {
    throw invalid('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.');
  }
  return { exact, typed };
}

function matches(entity: QuotaEntity, exact: Map<string, string | null>, typed: Set<string>, strict: boolean): boolean {
  if (strict && entity.length !== exact.size + typed.size) return false;
  const names = new Map(entity);
  for (const [type, name] of exact) if (!names.has(type) || names.get(type) !== name) return false;
  for (const type of typed) if (!names.has(type)) return false;
  return true;
}

/**
 * DescribeClientQuotas v0-1 (KIP-546): the stored quota entities matching the
 * filter. A bad filter is answered with a top-level error and null entries, as Kafka.
 */
export const describeClientQuotasHandler: ApiHandler<DescribeClientQuotasRequest> = {
  apiKey: 48,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    let filter;
    try {
      filter = readFilter(req);
    } catch (err) {
      if (!(err instanceof QuotaRuleError)) throw err;
      return { throttleTimeMs: 0, errorCode: err.code, errorMessage: err.message, entries: null };
    }
    const entries = ctx.broker.metadata
      .clientQuotas()
      .filter((q) => matches(q.entity, filter.exact, filter.typed, req.strict))
      .map((q) => ({
        entity: q.entity.map(([entityType, entityName]) => ({ entityType, entityName })),
        values: Object.entries(q.values).map(([key, value]) => ({ key, value })),
      }));
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, entries };
  },
};
