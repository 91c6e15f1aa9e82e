// The connection pool and the metadata loop shared by producer, consumer and
// admin: one connection per broker address (a bootstrap connection is reused
// when the broker advertises the address it was dialed on), reconnects with
// exponential backoff, and metadata refreshes that are coalesced (callers
// asking while one is in flight share the next one), triggered on demand by
// NOT_LEADER_OR_FOLLOWER and friends, and by age (metadata.max.age.ms,
// checked lazily: the cluster owns no timer).

import { BrokerConnection, RequestOptions } from './connection.js';
import { MetadataCache, BrokerInfo } from './metadata.js';
import { CommonConfig, parseBootstrap } from './config.js';
import { backoffMs, Sleeper } from './backoff.js';
import { ClientClosedError, ConnectionError, KafkaError, TimeoutError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';

const METADATA = 3;

interface AddressState {
  conn: BrokerConnection | null;
  /** A dedicated connection (e.g. 'group' for the group coordinator), never picked by anyConnection(). */
  channel: string | null;
  failures: number;
  /** Date.now() before which no new connection is attempted. */
  retryAt: number;
}

export interface ClusterOptions {
  /** Metadata requests ask the broker to auto-create unknown topics (producer and consumer defaults). */
  allowAutoTopicCreation: boolean;
  /** Label in messages: 'producer', 'consumer', 'admin'. */
  kind: string;
}

export class Cluster {
  readonly metadata = new MetadataCache();
  readonly sleeper = new Sleeper();
  private readonly bootstrap: { host: string; port: number }[];
  private readonly addresses = new Map<string, AddressState>();
  /** Topics whose metadata this client keeps (producer's topics, consumer's assignment). */
  private readonly interest = new Set<string>();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private refreshFailures = 0;
  private closed = false;
  private bootstrapIndex = 0;
  readonly clientId: string;

  constructor(readonly config: CommonConfig, readonly opts: ClusterOptions) {
    this.bootstrap = parseBootstrap(config.bootstrapServers);
    this.clientId = config.clientId || `samsa-${opts.kind}-${process.pid}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ------------------------------------------------------------ connections

  /** A ready connection to a broker by node id (reconnecting with backoff when needed). */
  async connectionTo(nodeId: number): Promise<BrokerConnection> {
    const b = this.metadata.brokers.get(nodeId);
    if (!b) {
      await this.refreshMetadata();
      const again = this.metadata.brokers.get(nodeId);
      if (!again) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
      return this.connectionToAddress(again.host, again.port, nodeId);
    }
    return this.connectionToAddress(b.host, b.port, nodeId);
  }

  /** The connection to `nodeId` when it exists and is ready, without waiting or connecting. */
  readyConnection(nodeId: number): BrokerConnection | null {
    const b = this.metadata.brokers.get(nodeId);
    if (!b) return null;
    const c = this.addresses.get(`${b.host}:${b.port}`)?.conn;
    return c && c.isReady ? c : null;
  }

  /**
   * The connection to an address. `channel` names a dedicated connection
   * beside the shared one: the consumer talks to its group coordinator on its
   * own socket, so that a JoinGroup held for a whole rebalance never delays
   * fetches queued behind it (brokers answer a connection's requests in order).
   */
  async connectionToAddress(host: string, port: number, nodeId: number, channel?: string): Promise<BrokerConnection> {
    const key = channel ? `${host}:${port}#${channel}` : `${host}:${port}`;
    for (;;) {
      if (this.closed) throw new ClientClosedError(this.opts.kind);
      let st = this.addresses.get(key);
      if (!st) {
        st = { conn: null, channel: channel ?? null, failures: 0, retryAt: 0 };
        this.addresses.set(key, st);
      }
      if (st.conn && !st.conn.isClosed) {
        const conn = st.conn;
        try {
          await conn.ready;
          st.failures = 0;
          return conn;
        } catch (err) {
          // A failed attempt is reported; the caller's retry loop comes back after the backoff set in onClose.
          if (this.closed) throw new ClientClosedError(this.opts.kind);
          throw err;
        }
      }
      const wait = st.retryAt - Date.now();
      if (wait > 0) {
        await this.sleeper.sleep(wait);
        continue;
      }
      const conn = new BrokerConnection({
        host,
        port,
        nodeId,
        clientId: this.clientId,
        requestTimeoutMs: this.config.requestTimeoutMs,
        connectTimeoutMs: this.config.socketConnectionSetupTimeoutMs,
        maxInFlight: this.config.maxInFlightRequestsPerConnection,
      });
      st.conn = conn;
      const state = st;
      conn.onClose((err) => {
        if (state.conn === conn) state.conn = null;
        if (err && !this.closed) {
          state.failures++;
          state.retryAt = Date.now() + backoffMs(state.failures, this.config.reconnectBackoffMs, this.config.reconnectBackoffMaxMs);
        }
      });
      conn.ready.then(
        () => (state.failures = 0),
        () => {},
      );
    }
  }

  /** Any usable connection: a ready one if there is one, else the next known broker or bootstrap address. */
  async anyConnection(): Promise<BrokerConnection> {
    let best: BrokerConnection | null = null;
    for (const st of this.addresses.values()) {
      const c = st.conn;
      if (c && c.isReady && st.channel === null && (!best || c.inFlightCount + c.queuedCount < best.inFlightCount + best.queuedCount)) best = c;
    }
    if (best) return best;
    const known: { host: string; port: number; nodeId: number }[] = [...this.metadata.brokers.values()].map((b: BrokerInfo) => ({
      host: b.host,
      port: b.port,
      nodeId: b.nodeId,
    }));
    const candidates = known.length > 0 ? known : this.bootstrap.map((b, i) => ({ ...b, nodeId: -1 - i }));
    // Prefer an address not in backoff.
    const now = Date.now();
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[(this.bootstrapIndex + i) % candidates.length]!;
      const st = this.addresses.get(`${c.host}:${c.port}`);
      if (!st || st.retryAt <= now) {
        this.bootstrapIndex = (this.bootstrapIndex + i + 1) % candidates.length;
        return this.connectionToAddress(c.host, c.port, c.nodeId);
      }
    }
    const c = candidates[this.bootstrapIndex++ % candidates.length]!;
    return this.connectionToAddress(c.host, c.port, c.nodeId);
  }

  /** Sends to a broker by node id (-1: any broker). */
  async send<T = any>(nodeId: number, apiKey: number, body: unknown, opts?: RequestOptions): Promise<T> {
    const conn = nodeId < 0 ? await this.anyConnection() : await this.connectionTo(nodeId);
    return conn.request<T>(apiKey, body, opts);
  }

  /**
   * Runs `fn` until it succeeds, retrying retriable errors with backoff within
   * `timeoutMs` (refreshing metadata first when the error says so).
   */
  async retry<T>(what: string, timeoutMs: number, fn: (attempt: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new ClientClosedError(this.opts.kind);
      try {
        return await fn(attempt);
      } catch (err) {
        if (this.closed) throw new ClientClosedError(this.opts.kind);
        if (!(err instanceof KafkaError) || !err.retriable) throw err;
        const wait = backoffMs(attempt + 1, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
        if (Date.now() + wait >= deadline) {
          const t = new TimeoutError(`${what} did not succeed within ${timeoutMs} ms: ${err.message}`);
          (t as { cause?: unknown }).cause = err;
          throw t;
        }
        await this.sleeper.sleep(wait);
        if (err.code !== ErrorCode.REQUEST_TIMED_OUT) this.requestMetadataRefresh();
      }
    }
  }

  // ------------------------------------------------------------ metadata

  /** Adds topics whose metadata this client keeps current. */
  addTopics(topics: Iterable<string>): boolean {
    let added = false;
    for (const t of topics) {
      if (!this.interest.has(t)) {
        this.interest.add(t);
        added = true;
      }
    }
    return added;
  }

  removeTopics(topics: Iterable<string>): void {
    for (const t of topics) this.interest.delete(t);
  }

  get topicsOfInterest(): ReadonlySet<string> {
    return this.interest;
  }

  /** True when metadata is older than metadata.max.age.ms. */
  get isStale(): boolean {
    return Date.now() - this.metadata.updatedAt >= this.config.metadataMaxAgeMs;
  }

  /** Starts a refresh soon (errors are absorbed; callers retry). */
  requestMetadataRefresh(): void {
    this.refreshMetadata().catch(() => {});
  }

  /**
   * Refreshes the metadata of the topics of interest (or every topic with
   * `all`). Concurrent callers share the refresh in flight, plus one more
   * after it so that a caller never gets an answer older than its call.
   */
  refreshMetadata(): Promise<void> {
    if (this.closed) return Promise.reject(new ClientClosedError(this.opts.kind));
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.refreshAgain = false;
          await this.fetchMetadata([...this.interest]);
        } while (this.refreshAgain && !this.closed);
        this.refreshFailures = 0;
      } catch (err) {
        this.refreshFailures++;
        throw err;
      } finally {
        this.refreshing = null;
      }
    };
    // Back off after failed refreshes so that a dead cluster is not hammered.
    const wait = backoffMs(this.refreshFailures, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
    this.refreshing = (wait > 0 ? this.sleeper.sleep(wait).then(run) : run());
    return this.refreshing;
  }

  /** One Metadata request: the given topics, or every topic when null. Updates the cache. */
  async fetchMetadata(topics: readonly string[] | null, allowAutoTopicCreation = this.opts.allowAutoTopicCreation): Promise<any> {
    const conn = await this.anyConnection();
    const version = conn.versionFor(METADATA);
    const body = {
      topics: topics === null ? (version === 0 ? [] : null) : topics.map((name) => ({ name, topicId: null })),
      allowAutoTopicCreation,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    };
    const res = await conn.request(METADATA, body, { version });
    this.metadata.update(res, topics);
    return res;
  }

  /** Waits until a topic's partitions are known, refreshing with backoff, up to `timeoutMs`. */
  async waitForTopic(topic: string, timeoutMs: number): Promise<number> {
    const known = this.metadata.topic(topic);
    if (known) return known.partitions.length;
    this.addTopics([topic]);
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new ClientClosedError(this.opts.kind);
      try {
        await this.refreshMetadata();
      } catch (err) {
        if (!(err instanceof KafkaError) || !err.retriable) throw err;
      }
      const t = this.metadata.topics.get(topic);
      if (t && t.partitions.length > 0) return t.partitions.length;
      if (t && t.errorCode !== ErrorCode.NONE && !new KafkaError(t.errorCode).retriable) {
        throw new KafkaError(t.errorCode, `topic ${topic}: ${new KafkaError(t.errorCode).message}`);
      }
      const wait = backoffMs(attempt + 1, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
      if (Date.now() + wait > deadline) {
        throw new TimeoutError(`topic ${topic} not present in metadata after ${timeoutMs} ms`);
      }
      await this.sleeper.sleep(wait);
    }
  }

  /** Closes every connection and cancels every sleep; nothing is left running. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sleeper.close();
    for (const st of this.addresses.values()) st.conn?.close();
    this.addresses.clear();
  }
}

export { ConnectionError };
