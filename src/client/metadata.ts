// The client's view of the cluster from Metadata responses: brokers by node
// id, topics with their partitions' leaders and epochs. Replaced wholesale
// per topic on every response that names the topic, so a leader change is
// picked up by the next refresh.

import { ErrorCode } from '../protocol/errors.js';

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionMetadata {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  isInternal: boolean;
  errorCode: number;
  /** Indexed by partition number. */
  partitions: PartitionMetadata[];
}

export class MetadataCache {
  brokers = new Map<number, BrokerInfo>();
  topics = new Map<string, TopicMetadata>();
  clusterId: string | null = null;
  controllerId = -1;
  /** Date.now() of the last successful update; 0 before the first. */
  updatedAt = 0;

  /** Applies a decoded Metadata response. `requested` null means the response lists every topic. */
  update(res: any, requested: readonly string[] | null): void {
    this.brokers = new Map(
      (res.brokers as any[]).map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }]),
    );
    this.clusterId = res.clusterId ?? null;
    this.controllerId = res.controllerId ?? -1;
    if (requested === null) this.topics.clear();
    for (const t of res.topics as any[]) {
      if (t.name == null) continue;
      if (t.errorCode !== ErrorCode.NONE && t.partitions.length === 0) {
        // UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE (being created), INVALID_TOPIC_EXCEPTION, ...
        this.topics.set(t.name, { name: t.name, topicId: t.topicId ?? '', isInternal: !!t.isInternal, errorCode: t.errorCode, partitions: [] });
        continue;
      }
      const partitions: PartitionMetadata[] = [];
      for (const p of t.partitions as any[]) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch ?? -1,
          replicas: p.replicaNodes ?? [],
          isr: p.isrNodes ?? [],
          offlineReplicas: p.offlineReplicas ?? [],
          errorCode: p.errorCode,
        };
      }
      this.topics.set(t.name, { name: t.name, topicId: t.topicId ?? '', isInternal: !!t.isInternal, errorCode: t.errorCode, partitions });
    }
    this.updatedAt = Date.now();
  }

  /** The topic when its partitions are known. */
  topic(name: string): TopicMetadata | undefined {
    const t = this.topics.get(name);
    return t && t.partitions.length > 0 ? t : undefined;
  }

  /** Node id of a partition's leader, -1 when unknown or leaderless. */
  leaderFor(topic: string, partition: number): number {
    const p = this.topics.get(topic)?.partitions[partition];
    return p && p.leader >= 0 && this.brokers.has(p.leader) ? p.leader : -1;
  }

  partitionCount(topic: string): number {
    return this.topics.get(topic)?.partitions.length ?? 0;
  }
}
