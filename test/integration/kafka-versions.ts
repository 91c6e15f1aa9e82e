// What Apache Kafka brokers serve, for the wire tests (cli-wire, client-wire)
// that check our tools and client send nothing a real Kafka would refuse.

import assert from 'node:assert/strict';
import { APIS } from '../../src/protocol/apis.js';
import { CLIENT_MAX_VERSION } from '../../src/client/connection.js';

// Apache Kafka 3.9 and 2.8: the versions a broker serves, by API key, from their message
// schemas (requests a broker listens for; versions marked unstable left out).
export const KAFKA_3_9: Record<number, [number, number]> = {
  0: [0, 11], 1: [0, 17], 2: [0, 9], 3: [0, 12], 8: [0, 9], 9: [0, 9], 10: [0, 6], 11: [0, 9], 12: [0, 4], 13: [0, 5],
  14: [0, 5], 15: [0, 5], 16: [0, 5], 17: [0, 1], 18: [0, 4], 19: [0, 7], 20: [0, 6], 21: [0, 2], 22: [0, 5], 23: [0, 4],
  24: [0, 5], 25: [0, 4], 26: [0, 4], 27: [0, 1], 28: [0, 4], 29: [0, 3], 30: [0, 3], 31: [0, 3], 32: [0, 4], 33: [0, 2],
  34: [0, 2], 35: [0, 4], 36: [0, 2], 37: [0, 3], 38: [0, 3], 39: [0, 2], 40: [0, 2], 41: [0, 3], 42: [0, 2], 43: [0, 2],
  44: [0, 1], 45: [0, 0], 46: [0, 0], 47: [0, 0], 48: [0, 1], 49: [0, 1], 50: [0, 0], 51: [0, 0], 55: [0, 2], 57: [0, 1],
  60: [0, 1], 61: [0, 0], 64: [0, 0], 65: [0, 0], 66: [0, 1], 68: [0, 0], 69: [0, 0], 71: [0, 0], 72: [0, 0], 74: [0, 0],
  75: [0, 0],
};
export const KAFKA_2_8: Record<number, [number, number]> = {
  0: [0, 9], 1: [0, 12], 2: [0, 6], 3: [0, 11], 8: [0, 8], 9: [0, 7], 10: [0, 3], 11: [0, 7], 12: [0, 4], 13: [0, 4],
  14: [0, 5], 15: [0, 5], 16: [0, 4], 17: [0, 1], 18: [0, 3], 19: [0, 7], 20: [0, 6], 21: [0, 2], 22: [0, 4], 23: [0, 4],
  24: [0, 3], 25: [0, 3], 26: [0, 3], 27: [0, 1], 28: [0, 3], 29: [0, 2], 30: [0, 2], 31: [0, 2], 32: [0, 4], 33: [0, 2],
  34: [0, 2], 35: [0, 2], 36: [0, 2], 37: [0, 3], 38: [0, 2], 39: [0, 2], 40: [0, 2], 41: [0, 2], 42: [0, 2], 43: [0, 2],
  44: [0, 1], 45: [0, 0], 46: [0, 0], 47: [0, 0], 48: [0, 1], 49: [0, 1], 50: [0, 0], 51: [0, 0], 57: [0, 0], 60: [0, 0],
};

// AddPartitionsToTxn v4+ is the broker-to-broker verification form (KIP-890): clients stop at v3, as Java's does.
const CLIENT_ONLY_MAX: Record<number, number> = { 24: 3 };

/** The highest version this client would pick against a broker serving `table`. */
export function negotiated(apiKey: number, table: Record<number, [number, number]>): number {
  const ours = Math.min(APIS.get(apiKey)!.request.maxVersion, CLIENT_MAX_VERSION.get(apiKey) ?? Infinity, CLIENT_ONLY_MAX[apiKey] ?? Infinity);
  return Math.min(ours, table[apiKey]![1]);
}

/**
 * Asserts every recorded request is within `table`'s ranges and at the version negotiation picks,
 * and returns the API keys seen.
 */
export function assertNegotiatedWithin(requests: readonly { apiKey: number; version: number }[], table: Record<number, [number, number]>, kafka: string): Set<number> {
  const seen = new Set<number>();
  for (const r of requests) {
    seen.add(r.apiKey);
    // ApiVersions goes out at our newest version first and falls back when refused (KIP-511).
    if (r.apiKey === 18) continue;
    const name = `API ${r.apiKey} (${APIS.get(r.apiKey)?.def.name})`;
    const range = table[r.apiKey];
    assert.ok(range, `${name} is not served by Kafka ${kafka}`);
    assert.ok(r.version >= range[0] && r.version <= range[1], `${name} v${r.version} outside Kafka ${kafka}'s ${range[0]}-${range[1]}`);
    assert.equal(r.version, negotiated(r.apiKey, table), `${name} version`);
  }
  return seen;
}
