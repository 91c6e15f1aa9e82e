// Embedded single-broker metadata store: the whole cluster state in one JSON
// document in the first log dir, replaced atomically (write to a temporary
// file, fsync, rename, fsync the directory) on every change, so a crash
// leaves either the old or the new state, never a torn one.

import { EventEmitter } from 'node:events';
import { promises as fsp, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { BrokerRegistration, ClientQuota, ClientQuotaChange, MetadataStore, PartitionState, QuotaEntity, ScramCredential, ScramMechanismName, TopicState } from './metadata-store.js';

interface Snapshot {
  version: 1;
  topics: TopicState[];
  brokerConfigs: Record<string, Record<string, string>>;
  /** First producer id not yet handed out (absent: 0). */
  nextProducerId?: number;
  /** Client quotas (absent in files written before they existed). */
  clientQuotas?: ClientQuota[];
  /** SCRAM credentials: salt, StoredKey and ServerKey, never a password. */
  scramCredentials?: ScramCredential[];
}

const quotaKey = (entity: QuotaEntity) => JSON.stringify([...entity].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
const scramKey = (user: string, mechanism: ScramMechanismName) => `${mechanism}\0${user}`;

export const METADATA_FILE = 'samsa-cluster-metadata.json';

export class LocalMetadataStore extends EventEmitter implements MetadataStore {
  private readonly byName = new Map<string, TopicState>();
  private readonly byId = new Map<string, TopicState>();
  private brokerConfigMap: Record<string, Record<string, string>> = {};
  private nextProducerId = 0;
  private readonly quotas = new Map<string, ClientQuota>();
  private readonly scram = new Map<string, ScramCredential>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly clusterId: string,
    private readonly file: string,
    private readonly self: BrokerRegistration,
  ) {
    super();
  }

  static open(dir: string, clusterId: string, self: BrokerRegistration): LocalMetadataStore {
    const file = path.join(dir, METADATA_FILE);
    const store = new LocalMetadataStore(clusterId, file, self);
    if (existsSync(file)) {
      const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
      for (const t of snap.topics) store.index(t);
      store.brokerConfigMap = snap.brokerConfigs ?? {};
      store.nextProducerId = snap.nextProducerId ?? 0;
      for (const q of snap.clientQuotas ?? []) store.quotas.set(quotaKey(q.entity), q);
      for (const c of snap.scramCredentials ?? []) store.scram.set(scramKey(c.user, c.mechanism), c);
    }
    return store;
  }

  private index(t: TopicState): void {
    this.byName.set(t.name, t);
    this.byId.set(t.topicId, t);
  }

  controllerId(): number {
    return this.self.nodeId;
  }
  brokers(): BrokerRegistration[] {
    return [this.self];
  }
  topics(): TopicState[] {
    return [...this.byName.values()];
  }
  topic(name: string): TopicState | undefined {
    return this.byName.get(name);
  }
  topicById(topicId: string): TopicState | undefined {
    return this.byId.get(topicId);
  }

  async createTopic(topic: TopicState): Promise<void> {
    if (this.byName.has(topic.name)) throw new Error(`Topic '${topic.name}' already exists.`);
    this.index(topic);
    await this.persist();
    this.emit('topicCreated', topic);
  }

  async deleteTopic(name: string): Promise<void> {
    const t = this.byName.get(name);
    if (!t) return;
    this.byName.delete(name);
    this.byId.delete(t.topicId);
    await this.persist();
    this.emit('topicDeleted', t);
  }

  async addPartitions(name: string, partitions: PartitionState[]): Promise<void> {
    const t = this.byName.get(name);
    if (!t) throw new Error(`Topic '${name}' does not exist.`);
    t.partitions.push(...partitions);
    await this.persist();
    this.emit('partitionsAdded', t, partitions);
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    const t = this.byName.get(name);
    if (!t) throw new Error(`Topic '${name}' does not exist.`);
    t.configs = { ...configs };
    await this.persist();
    this.emit('topicConfigChanged', t);
  }

  brokerConfigs(entity: string): Record<string, string> {
    return { ...(this.brokerConfigMap[entity] ?? {}) };
  }

  async setBrokerConfigs(entity: string, configs: Record<string, string>): Promise<void> {
    this.brokerConfigMap[entity] = { ...configs };
    await this.persist();
    this.emit('brokerConfigChanged', entity);
  }

  async allocateProducerIds(count: number): Promise<{ firstProducerId: number; size: number }> {
    const firstProducerId = this.nextProducerId;
    this.nextProducerId += count;
    await this.persist();
    return { firstProducerId, size: count };
  }

  clientQuotas(): ClientQuota[] {
    return [...this.quotas.values()].map((q) => ({ entity: q.entity, values: { ...q.values } }));
  }

  async alterClientQuotas(changes: readonly ClientQuotaChange[]): Promise<void> {
    for (const c of changes) {
      const key = quotaKey(c.entity);
      const values = { ...(this.quotas.get(key)?.values ?? {}), ...c.set };
      for (const k of c.remove) delete values[k];
      if (Object.keys(values).length === 0) this.quotas.delete(key);
      else this.quotas.set(key, { entity: JSON.parse(key) as QuotaEntity, values });
    }
    await this.persist();
    this.emit('clientQuotasChanged');
  }

  scramCredentials(): ScramCredential[] {
    return [...this.scram.values()].map((c) => ({ ...c }));
  }

  async alterScramCredentials(upserts: readonly ScramCredential[], deletions: readonly { user: string; mechanism: ScramMechanismName }[]): Promise<void> {
    for (const d of deletions) this.scram.delete(scramKey(d.user, d.mechanism));
    for (const u of upserts) this.scram.set(scramKey(u.user, u.mechanism), { ...u });
    await this.persist();
    this.emit('scramCredentialsChanged');
  }

  /** Serialises writes so that the file always holds the latest complete state. */
  private persist(): Promise<void> {
    const snapshot: Snapshot = {
      version: 1,
      topics: this.topics(),
      brokerConfigs: this.brokerConfigMap,
      nextProducerId: this.nextProducerId,
      clientQuotas: [...this.quotas.values()],
      scramCredentials: [...this.scram.values()],
    };
    const text = JSON.stringify(snapshot, null, 1);
    this.writing = this.writing.then(() => writeAtomically(this.file, text));
    return this.writing;
  }

  async close(): Promise<void> {
    await this.writing;
  }
}

export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
  const dh = await fsp.open(path.dirname(file), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
