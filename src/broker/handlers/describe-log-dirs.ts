import type { ApiHandler } from './handler.js';

interface DescribeLogDirsRequest {
  topics: { topic: string; partitions: number[] }[] | null;
}

export const describeLogDirsHandler: ApiHandler<DescribeLogDirsRequest> = {
  apiKey: 35,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const wanted = req.topics ? new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)])) : null;
    const results = ctx.broker.logs.logDirs().map((d) => {
      const byTopic = new Map<string, { partitionIndex: number; partitionSize: number; offsetLag: number; isFutureKey: boolean }[]>();
      for (const p of d.partitions) {
        if (wanted && !wanted.get(p.topic)?.has(p.partition)) continue;
        let list = byTopic.get(p.topic);
        if (!list) byTopic.set(p.topic, (list = []));
        list.push({ partitionIndex: p.partition, partitionSize: p.size, offsetLag: p.offsetLag, isFutureKey: false });
      }
      return {
        errorCode: 0,
        logDir: d.path,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        totalBytes: d.totalBytes,
        usableBytes: d.usableBytes,
      };
    });
    return { throttleTimeMs: 0, errorCode: 0, results };
  },
};
