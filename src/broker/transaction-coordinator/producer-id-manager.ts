// ProducerIdManager: hands out producer ids (Kafka's RPCProducerIdManager /
// ProducerIdsRecord). Ids come in blocks of 1000 reserved in the metadata
// store, which persists the block before it is used, so an id is never handed
// out twice, across restarts and across brokers. The next block is fetched in
// the background once 90% of the current one is used.

import type { MetadataStore } from '../../cluster/metadata-store.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';

export const PRODUCER_ID_BLOCK_SIZE = 1000;
const PREFETCH_AT = 0.9;

export class ProducerIdManager {
  private next = 0;
  private end = 0;
  private pending: Promise<{ firstProducerId: number; size: number }> | null = null;
  private prefetched: { firstProducerId: number; size: number } | null = null;

  constructor(private readonly store: Pick<MetadataStore, 'allocateProducerIds'>) {}

  /** A producer id never handed out before. */
  async generateProducerId(): Promise<number> {
    for (;;) {
      if (this.next < this.end) {
        const id = this.next++;
        if (!this.prefetched && !this.pending && this.end - this.next < PRODUCER_ID_BLOCK_SIZE * (1 - PREFETCH_AT)) void this.fetchBlock().catch(() => {});
        return id;
      }
      const block = this.prefetched ?? (await this.fetchBlock());
      this.prefetched = null;
      if (this.next >= this.end) {
        this.next = block.firstProducerId;
        this.end = block.firstProducerId + block.size;
      }
    }
  }

  private fetchBlock(): Promise<{ firstProducerId: number; size: number }> {
    this.pending ??= this.store
      .allocateProducerIds(PRODUCER_ID_BLOCK_SIZE)
      .then(
        (b) => {
          if (this.next < this.end) this.prefetched = b;
          return b;
        },
        (err: Error) => {
          throw new KafkaError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, `Cannot allocate producer ids: ${err.message}`);
        },
      )
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
