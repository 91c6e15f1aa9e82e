import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ScramCredential, ScramMechanismName } from '../../cluster/metadata-store.js';
import { javaHashMapOrder, javaStringHash } from '../../cluster/java-hash-order.js';
import { MAX_SCRAM_ITERATIONS, scramKeys, scramMechanismByType } from './scram-mechanisms.js';

interface AlterUserScramCredentialsRequest {
  deletions: { name: string; mechanism: number }[];
  upsertions: { name: string; mechanism: number; iterations: number; salt: Buffer; saltedPassword: Buffer }[];
}

type Problem = { errorCode: number; errorMessage: string };

function checkUserAndMechanism(name: string, mechanism: number): Problem | null {
  if (name === '') return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' };
  if (!scramMechanismByType(mechanism)) return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' };
  return null;
}

/**
 * AlterUserScramCredentials v0 (KIP-554), with the rules of Kafka's
 * ScramControlManager: one alteration per user per request
 * (DUPLICATE_RESOURCE), known mechanisms (UNSUPPORTED_SASL_MECHANISM),
 * 4096-16384 iterations (UNACCEPTABLE_CREDENTIAL), deletions of existing
 * credentials only (RESOURCE_NOT_FOUND). From the client's salted password the
 * broker keeps only StoredKey and ServerKey; the accepted alterations are
 * written together.
 */
export const alterUserScramCredentialsHandler: ApiHandler<AlterUserScramCredentialsRequest> = {
  apiKey: 51,
  minVersion: 0,
  maxVersion: 0,
  async handle(req, ctx) {
    const existing = ctx.broker.metadata.scramCredentials();
    const deletions = new Map<string, { user: string; mechanism: ScramMechanismName }>();
    const upserts = new Map<string, ScramCredential>();
    const errors = new Map<string, Problem>();
    const duplicate: Problem = { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' };
    for (const d of req.deletions) {
      if (errors.has(d.name)) continue;
      if (deletions.delete(d.name)) {
        errors.set(d.name, duplicate);
        continue;
      }
      const m = scramMechanismByType(d.mechanism);
      const problem =
        checkUserAndMechanism(d.name, d.mechanism) ??
        (existing.some((c) => c.user === d.name && c.mechanism === m!.name)
          ? null
          : { errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' });
      if (problem) errors.set(d.name, problem);
      else deletions.set(d.name, { user: d.name, mechanism: m!.name });
    }
    for (const u of req.upsertions) {
      if (errors.has(u.name)) continue;
      if (deletions.delete(u.name) || upserts.delete(u.name)) {
        errors.set(u.name, duplicate);
        continue;
      }
      const m = scramMechanismByType(u.mechanism);
      let problem = checkUserAndMechanism(u.name, u.mechanism);
      if (!problem && u.iterations < m!.minIterations) problem = { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' };
      if (!problem && u.iterations > MAX_SCRAM_ITERATIONS) problem = { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' };
      if (problem) {
        errors.set(u.name, problem);
        continue;
      }
      const { storedKey, serverKey } = scramKeys(m!, u.saltedPassword);
      upserts.set(u.name, {
        user: u.name,
        mechanism: m!.name,
        iterations: u.iterations,
        salt: Buffer.from(u.salt).toString('base64'),
        storedKey: storedKey.toString('base64'),
        serverKey: serverKey.toString('base64'),
      });
    }
    if (deletions.size > 0 || upserts.size > 0) await ctx.broker.metadata.alterScramCredentials([...upserts.values()], [...deletions.values()]);
    // Kafka answers deletions, then upsertions, then failures, each from a HashMap keyed by user.
    const order = (m: Map<string, unknown>) => javaHashMapOrder([...m.keys()], javaStringHash);
    const results = [
      ...order(deletions).map((user) => ({ user, errorCode: 0, errorMessage: null })),
      ...order(upserts).map((user) => ({ user, errorCode: 0, errorMessage: null })),
      ...order(errors).map((user) => ({ user, ...errors.get(user)! })),
    ];
    return { throttleTimeMs: 0, results };
  },
};
