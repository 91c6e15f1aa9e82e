// The built-in assignors by their protocol names (partition.assignment.strategy
// accepts these names, Kafka's Java class names, or PartitionAssignor objects),
// and the rebalance protocol a list of assignors implies.

import type { PartitionAssignor, RebalanceProtocol } from './assignor.js';
import { RangeAssignor } from './range.js';
import { RoundRobinAssignor } from './round-robin.js';
import { CooperativeStickyAssignor, StickyAssignor } from './sticky.js';

export * from './assignor.js';
export { RangeAssignor } from './range.js';
export { RoundRobinAssignor } from './round-robin.js';
export { StickyAssignor, CooperativeStickyAssignor } from './sticky.js';

const BUILT_IN: Record<string, () => PartitionAssignor> = {
  range: () => new RangeAssignor(),
  roundrobin: () => new RoundRobinAssignor(),
  sticky: () => new StickyAssignor(),
  'cooperative-sticky': () => new CooperativeStickyAssignor(),
  'org.apache.kafka.clients.consumer.RangeAssignor': () => new RangeAssignor(),
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': () => new RoundRobinAssignor(),
  'org.apache.kafka.clients.consumer.StickyAssignor': () => new StickyAssignor(),
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': () => new CooperativeStickyAssignor(),
};

/** A fresh assignor per name (the sticky ones keep per-consumer state); objects pass through. */
export function resolveAssignors(strategy: string | readonly (string | PartitionAssignor)[]): PartitionAssignor[] {
  const list = typeof strategy === 'string' ? strategy.split(',').map((s) => s.trim()).filter(Boolean) : [...strategy];
  if (list.length === 0) throw new TypeError('partition.assignment.strategy is empty');
  const out: PartitionAssignor[] = [];
  for (const s of list) {
    const a = typeof s === 'string' ? BUILT_IN[s]?.() : s;
    if (!a) throw new TypeError(`unknown partition.assignment.strategy '${s as string}': range, roundrobin, sticky, cooperative-sticky or a PartitionAssignor`);
    if (out.some((x) => x.name === a.name)) throw new TypeError(`partition.assignment.strategy names the assignor '${a.name}' twice`);
    out.push(a);
  }
  return out;
}

/** Cooperative when every assignor supports it, else eager (the Java client's rule). */
export function rebalanceProtocolOf(assignors: readonly PartitionAssignor[]): RebalanceProtocol {
  if (assignors.every((a) => a.supportedProtocols.includes('cooperative'))) return 'cooperative';
  if (assignors.every((a) => a.supportedProtocols.includes('eager'))) return 'eager';
  throw new TypeError(`the assignors ${assignors.map((a) => a.name).join(', ')} support no common rebalance protocol`);
}
