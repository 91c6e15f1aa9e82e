// Kafka's murmur2 (the Java client's Utils.murmur2: MurmurHash2, 32-bit,
// seed 0x9747b28c, little-endian 4-byte words) and the default partitioner's
// mapping of a key to a partition. Every Kafka client that wants its keyed
// records to land where the Java client puts them uses exactly this.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** murmur2 of `data` as a signed 32-bit integer, equal to Java's Utils.murmur2. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const words = length >>> 2;
  for (let i = 0; i < words; i++) {
    const o = i << 2;
    let k = data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = words << 2;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which differs for MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!(numPartitions > 0)) throw new RangeError(`numPartitions must be positive, got ${numPartitions}`);
  return toPositive(murmur2(key)) % numPartitions;
}
