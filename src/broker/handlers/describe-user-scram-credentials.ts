import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import { javaHashMapOrder, javaStringHash } from '../../cluster/java-hash-order.js';
import { SCRAM_MECHANISMS } from './scram-mechanisms.js';

interface DescribeUserScramCredentialsRequest {
  users: { name: string }[] | null;
}

/**
 * DescribeUserScramCredentials v0 (KIP-554): each user's mechanisms and
 * iteration counts (never salts or keys). Null or empty users: every user
 * with a credential. As Kafka: RESOURCE_NOT_FOUND for a user without one,
 * DUPLICATE_RESOURCE for a user named twice; users in Java HashMap order.
 */
export const describeUserScramCredentialsHandler: ApiHandler<DescribeUserScramCredentialsRequest> = {
  apiKey: 50,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const credentials = ctx.broker.metadata.scramCredentials();
    const named = new Map<string, boolean>(); // user → named more than once
    if (req.users === null || req.users.length === 0) for (const c of credentials) named.set(c.user, false);
    else for (const u of req.users) named.set(u.name, named.has(u.name));
    const users = javaHashMapOrder([...named.keys()], javaStringHash);
    const results = users.map((user) => {
      if (named.get(user)) {
        return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] };
      }
      const credentialInfos = SCRAM_MECHANISMS.flatMap((m) => {
        const c = credentials.find((x) => x.user === user && x.mechanism === m.name);
        return c ? [{ mechanism: m.type, iterations: c.iterations }] : [];
      });
      if (credentialInfos.length === 0) {
        return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos };
      }
      return { user, errorCode: 0, errorMessage: null, credentialInfos };
    });
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results };
  },
};
