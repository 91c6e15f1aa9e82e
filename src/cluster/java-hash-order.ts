// Java's HashMap iteration order. Kafka builds several answers and tool outputs
// from HashMaps (users in DescribeUserScramCredentials, quota entities and keys
// in kafka-configs), so matching its output means iterating in the same order:
// by bucket ((h ^ h >>> 16) & (capacity - 1)), then insertion order within a
// bucket, at the capacity the map has grown to.

/** String.hashCode(): UTF-16 code units, 32-bit wrap-around. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The hash of a Java Map<String, String> (AbstractMap.hashCode: sum of key ^ value, null values hash 0). */
export function javaStringMapHash(entries: Iterable<readonly [string, string | null]>): number {
  let h = 0;
  for (const [k, v] of entries) h = (h + (javaStringHash(k) ^ (v === null ? 0 : javaStringHash(v)))) | 0;
  return h;
}

function tableSizeFor(cap: number): number {
  let n = 1;
  while (n < cap) n *= 2;
  return n;
}

/**
 * `items` (distinct keys, in insertion order) in the order a java.util.HashMap iterates them.
 * `initialCapacity`: the constructor's argument (`new HashMap<>(n)`); absent for `new HashMap<>()`.
 */
export function javaHashMapOrder<T>(items: readonly T[], hash: (item: T) => number, initialCapacity?: number): T[] {
  let cap = initialCapacity === undefined ? 16 : tableSizeFor(Math.max(1, initialCapacity));
  while (items.length > Math.floor(cap * 0.75)) cap *= 2;
  const bucket = (h: number) => (h ^ (h >>> 16)) & (cap - 1);
  return items
    .map((item, i) => ({ item, i, b: bucket(hash(item)) }))
    .sort((a, b) => a.b - b.b || a.i - b.i)
    .map((x) => x.item);
}
