// The consumer's side of a group (Kafka's ConsumerCoordinator), driven from
// poll() as the Java client drives it, so that rebalance listeners and
// assignment changes happen between the application's polls, never while it
// is processing records:
//
//   subscription   a topic list, or a RegExp matched against every topic in
//                  the metadata (re-evaluated when the metadata is refreshed,
//                  every metadata.max.age.ms); a change makes the member rejoin
//   before joining (onJoinPrepare)
//                  auto-commit the consumed offsets; partitions are then
//                  lost (the generation was reset: onPartitionsLost), or all
//                  revoked (eager: onPartitionsRevoked), or only those no longer
//                  subscribed (cooperative)
//   leader         decodes every member's ConsumerProtocolSubscription, makes
//                  sure the metadata of every subscribed topic is known, runs
//                  the agreed assignor; it watches those topics' partition
//                  counts and rejoins when they change
//   after joining (onJoinComplete)
//                  eager: the new assignment, onPartitionsAssigned(all);
//                  cooperative (KIP-429): partitions gone are committed (with
//                  auto-commit) and revoked, then the member rejoins at once
//                  (the second rebalance hands them to their new owner);
//                  onPartitionsAssigned(only the added ones)
//   positions      a newly assigned partition starts at the group's committed
//                  offset (OffsetFetch), else at auto.offset.reset
//   commits        auto-commit every auto.commit.interval.ms from poll();
//                  commitSync (retried within default.api.timeout.ms) and
//                  commitAsync (one attempt); with metadata strings
//   close          commit, revoke, LeaveGroup (dynamic members only)
//
// The same class serves a consumer with a group.id but manual assignment:
// committed offsets, commits as a "simple" consumer (generation -1), no
// membership.

import type { Cluster } from './cluster.js';
import type { ConsumerConfig } from './config.js';
import type { SubscriptionState } from './subscription-state.js';
import type { TopicPartition } from './leader-requests.js';
import { tpKey } from './leader-requests.js';
import { GroupMembership, JoinMember, JoinResult } from './group-membership.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';
import { PartitionAssignor, RebalanceProtocol, compareTp } from './assignors/assignor.js';
import { rebalanceProtocolOf, resolveAssignors } from './assignors/index.js';
import { CommittedOffset, OffsetToCommit, sendOffsetCommit, sendOffsetFetch, isCoordinatorError } from './group-requests.js';
import { CommitFailedError, KafkaError, RebalanceInProgressError, brokerError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { backoffMs } from './backoff.js';
import { Logger } from '../logger.js';

const log = new Logger('ConsumerCoordinator');

/** Called between polls when the consumer's partitions change. Each may be async; poll() waits for it. */
export interface RebalanceListener {
  /** Partitions taken away in an orderly rebalance: commit what was processed. */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions given to this consumer (eager: the whole assignment; cooperative: the added ones). Called after every rebalance. */
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions that may already belong to another member (the generation was lost): committing is no longer possible. Defaults to onPartitionsRevoked. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface GroupMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export class ConsumerCoordinator {
  readonly membership: GroupMembership;
  readonly assignors: PartitionAssignor[];
  readonly protocol: RebalanceProtocol;
  private topicList: Set<string> | null = null;
  private pattern: RegExp | null = null;
  /** Topics currently subscribed (the list, or the pattern's matches). */
  readonly subscribedTopics = new Set<string>();
  private listener: RebalanceListener | null = null;
  private completed: JoinResult | null = null;
  private joinError: Error | null = null;
  private prepared = false;
  /** Leader: partition counts its last assignment used, and every member's topics. */
  private leaderSnapshot: Map<string, number> | null = null;
  private groupSubscription = new Set<string>();
  private nextAutoCommitAt = Infinity;
  private autoCommitInFlight: Promise<void> | null = null;
  private lastPatternRefresh = 0;
  private missingTopicsRetryAt = 0;
  private committedInFlight = false;
  private committedFailures = 0;
  private committedRetryAt = 0;
  private lastPoll = Date.now();
  private polling: Promise<void> | null = null;
  private inListener = 0;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: ConsumerConfig,
    private readonly subs: SubscriptionState,
    private readonly onAssignmentChange: () => void,
    private readonly wake: () => void,
  ) {
    this.assignors = resolveAssignors(config.partitionAssignmentStrategy as string | (string | PartitionAssignor)[]);
    this.protocol = rebalanceProtocolOf(this.assignors);
    this.membership = new GroupMembership(
      cluster,
      {
        groupId: config.groupId!,
        groupInstanceId: config.groupInstanceId || null,
        sessionTimeoutMs: config.sessionTimeoutMs,
        rebalanceTimeoutMs: config.maxPollIntervalMs,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        maxPollIntervalMs: config.maxPollIntervalMs,
        requestTimeoutMs: config.requestTimeoutMs,
        retryBackoffMs: config.retryBackoffMs,
        retryBackoffMaxMs: config.retryBackoffMaxMs,
        protocolType: CONSUMER_PROTOCOL_TYPE,
      },
      {
        protocols: () => this.joinProtocols(),
        assign: (protocol, members, skip) => this.performAssignment(protocol, members, skip),
        wake: () => this.wake(),
        lastPollAt: () => this.lastPoll,
      },
    );
  }

  get groupId(): string {
    return this.config.groupId!;
  }

  get isSubscribed(): boolean {
    return this.topicList !== null || this.pattern !== null;
  }

  /** The application called (or returned from) poll(). */
  markPoll(): void {
    this.lastPoll = Date.now();
  }

  groupMetadata(): GroupMetadata {
    const g = this.membership.generation;
    return { groupId: this.groupId, generationId: g.generationId, memberId: g.memberId, groupInstanceId: this.membership.config.groupInstanceId };
  }

  // ---------------------------------------------------------------- subscription

  subscribe(topics: readonly string[] | RegExp, listener: RebalanceListener | null): void {
    this.listener = listener;
    if (topics instanceof RegExp) {
      this.topicList = null;
      this.pattern = new RegExp(topics.source, topics.flags.replace(/[gy]/g, ''));
      this.lastPatternRefresh = 0;
      // Re-evaluated against the metadata on the next poll().
      this.setSubscribedTopics(new Set([...this.cluster.metadata.topics.keys()].filter((t) => this.matches(t))));
    } else {
      for (const t of topics) if (typeof t !== 'string' || t === '') throw new TypeError(`invalid topic in subscription: ${String(t)}`);
      this.pattern = null;
      this.topicList = new Set(topics);
      this.setSubscribedTopics(new Set(topics));
    }
  }

  private matches(topic: string): boolean {
    if (!this.pattern) return false;
    if (this.config.excludeInternalTopics && (this.cluster.metadata.topics.get(topic)?.isInternal || topic.startsWith('__'))) return false;
    return this.pattern.test(topic);
  }

  private setSubscribedTopics(topics: Set<string>): void {
    const changed = topics.size !== this.subscribedTopics.size || [...topics].some((t) => !this.subscribedTopics.has(t));
    if (!changed) return;
    this.subscribedTopics.clear();
    for (const t of topics) this.subscribedTopics.add(t);
    this.cluster.addTopics(topics);
    if (this.membership.generation.generationId >= 0 || this.membership.isJoining) this.membership.requestRejoin('subscription changed');
    else this.membership.rejoinNeeded = true;
  }

  /** Leaves the group and drops the subscription (partitions revoked first). */
  async unsubscribe(): Promise<void> {
    if (!this.isSubscribed) return;
    await this.onLeavePrepare();
    await this.membership.leaveGroup('the consumer unsubscribed from all topics');
    this.topicList = null;
    this.pattern = null;
    this.subscribedTopics.clear();
    this.completed = null;
    this.prepared = false;
    this.leaderSnapshot = null;
  }

  // ---------------------------------------------------------------- poll

  /**
   * Called by every poll() round: raises fatal errors, applies a finished
   * rebalance, starts a (re)join when needed (without waiting for it), runs
   * auto-commit, and starts committed-offset lookups for new partitions.
   */
  poll(): Promise<void> {
    // Concurrent poll() calls share one round: a rebalance step runs once. A
    // poll() from inside a rebalance listener skips the group's work (waiting
    // for the round that runs the listener would never end).
    if (this.inListener > 0) return Promise.resolve();
    this.polling ??= this.pollOnce().finally(() => (this.polling = null));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    if (this.membership.fatal) throw this.membership.fatal;
    if (this.joinError) {
      const e = this.joinError;
      this.joinError = null;
      throw e;
    }
    let listenerError: unknown = null;
    if (this.isSubscribed) {
      await this.maybeRefreshMetadata();
      if (this.completed) {
        const r = this.completed;
        this.completed = null;
        listenerError = await this.onJoinComplete(r);
      }
      if (this.membership.rejoinNeeded && !this.membership.isJoining && !this.closed) {
        if (!this.prepared) {
          listenerError ??= await this.onJoinPrepare();
          this.prepared = true;
        }
        this.membership.join().then(
          (r) => {
            this.completed = r;
            this.prepared = false;
            this.wake();
          },
          (err) => {
            if (!this.closed) this.joinError = err;
            this.wake();
          },
        );
      }
    }
    const inGroup = !this.isSubscribed || (this.membership.stableGeneration !== null && !this.membership.isJoining && !this.completed);
    if (inGroup) this.maybeAutoCommit();
    this.maybeFetchCommitted();
    if (listenerError) throw listenerError;
  }

  /** Pattern: re-match every metadata.max.age.ms. Leader: rejoin when a subscribed topic's partition count changed. */
  private async maybeRefreshMetadata(): Promise<void> {
    const now = Date.now();
    if (this.pattern && now - this.lastPatternRefresh >= this.config.metadataMaxAgeMs) {
      this.lastPatternRefresh = now;
      try {
        const res = await this.cluster.fetchMetadata(null, false);
        this.setSubscribedTopics(new Set((res.topics as any[]).filter((t) => t.errorCode === 0 && t.name && this.matches(t.name)).map((t) => t.name as string)));
      } catch (err) {
        this.lastPatternRefresh = now - this.config.metadataMaxAgeMs + this.config.retryBackoffMs;
        log.debug(`Group ${this.groupId}: metadata refresh for the subscription pattern failed: ${(err as Error).message}`);
      }
    } else if (this.cluster.isStale) {
      this.cluster.requestMetadataRefresh();
    } else if (now >= this.missingTopicsRetryAt) {
      // A subscribed topic not in the metadata yet (not created yet, or being created): look again soon, as Kafka's client does.
      const wanted = this.leaderSnapshot ? [...this.subscribedTopics, ...this.groupSubscription] : [...this.subscribedTopics];
      if (!this.pattern && wanted.some((t) => !this.cluster.metadata.topic(t))) {
        this.missingTopicsRetryAt = now + this.config.retryBackoffMaxMs;
        this.cluster.requestMetadataRefresh();
      }
    }
    const snap = this.leaderSnapshot;
    if (snap && this.membership.stableGeneration && !this.membership.rejoinNeeded) {
      for (const t of this.groupSubscription) {
        const n = this.cluster.metadata.topic(t)?.partitions.length;
        if (n !== undefined && n !== (snap.get(t) ?? 0)) {
          this.membership.requestRejoin(`the partition count of ${t} changed from ${snap.get(t) ?? 0} to ${n}`);
          break;
        }
      }
    }
  }

  // ---------------------------------------------------------------- rebalance steps

  private joinProtocols(): { name: string; metadata: Buffer }[] {
    const owned = this.protocol === 'cooperative' ? this.subs.assignment() : [];
    return this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics: [...this.subscribedTopics],
        userData: a.subscriptionUserData?.(this.subscribedTopics) ?? null,
        ownedPartitions: owned,
        generationId: this.membership.generation.generationId,
        rackId: this.config.clientRack || null,
      }),
    }));
  }

  private async performAssignment(protocol: string, members: JoinMember[], skip: boolean): Promise<Map<string, Buffer>> {
    const assignor = this.assignors.find((a) => a.name === protocol);
    if (!assignor) throw new KafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose the assignor '${protocol}', which this consumer does not have`);
    const subscriptions = new Map(members.map((m) => [m.memberId, decodeSubscription(m.metadata, m.groupInstanceId)]));
    const topics = new Set([...subscriptions.values()].flatMap((s) => s.topics));
    this.groupSubscription = topics;
    this.cluster.addTopics(topics);
    await this.cluster.retry('Metadata for the group subscription', this.config.requestTimeoutMs, () => this.cluster.refreshMetadata());
    const partitionsPerTopic = new Map<string, number>();
    for (const t of topics) {
      const md = this.cluster.metadata.topic(t);
      if (md) partitionsPerTopic.set(t, md.partitions.length);
    }
    this.leaderSnapshot = partitionsPerTopic;
    if (skip) return new Map();
    const result = assignor.assign(partitionsPerTopic, subscriptions);
    log.debug(
      `Group ${this.groupId}: ${assignor.name} assignment for ${subscriptions.size} members: ` +
        [...result].map(([m, a]) => `${m}=[${a.partitions.map((p) => `${p.topic}-${p.partition}`).join(',')}]`).join(' '),
    );
    return new Map(members.map((m) => [m.memberId, encodeAssignment(result.get(m.memberId) ?? { partitions: [] })]));
  }

  /** Returns the first listener error (raised by poll() once the rebalance step is done). */
  private async onJoinPrepare(): Promise<unknown> {
    const gen = this.membership.generation;
    if (this.config.enableAutoCommit && this.membership.stableGeneration) {
      await this.commitQuietly(this.allConsumed(), 'before rebalancing');
    }
    const owned = this.subs.assignment();
    if (gen.generationId < 0 || gen.memberId === '') {
      if (owned.length === 0) return null;
      const err = await this.invoke('lost', owned);
      this.setAssignment([]);
      return err;
    }
    if (this.protocol === 'eager') {
      const err = owned.length > 0 ? await this.invoke('revoked', owned) : null;
      this.setAssignment([]);
      return err;
    }
    const gone = owned.filter((tp) => !this.subscribedTopics.has(tp.topic));
    if (gone.length === 0) return null;
    const err = await this.invoke('revoked', gone);
    this.setAssignment(owned.filter((tp) => this.subscribedTopics.has(tp.topic)));
    return err;
  }

  private async onJoinComplete(r: JoinResult): Promise<unknown> {
    let a;
    try {
      a = decodeAssignment(r.assignment);
    } catch (err) {
      this.membership.requestRejoin(`undecodable assignment: ${(err as Error).message}`);
      return null;
    }
    const foreign = a.partitions.filter((tp) => !this.subscribedTopics.has(tp.topic));
    if (foreign.length > 0) {
      // Kafka's rule: an assignment for topics this member does not subscribe to is not taken; rejoin.
      if (this.pattern) this.lastPatternRefresh = 0;
      this.membership.requestRejoin(`assigned partitions ${foreign.map((p) => `${p.topic}-${p.partition}`).join(',')} are not in the subscription`);
      return null;
    }
    const assignor = this.assignors.find((x) => x.name === r.protocol);
    assignor?.onAssignment?.({ partitions: a.partitions, userData: a.userData }, r.generation.generationId);
    const owned = this.subs.assignment();
    const assigned = [...a.partitions].sort(compareTp);
    let err: unknown = null;
    if (this.protocol === 'cooperative') {
      const has = new Set(owned.map((p) => tpKey(p.topic, p.partition)));
      const gets = new Set(assigned.map((p) => tpKey(p.topic, p.partition)));
      const added = assigned.filter((p) => !has.has(tpKey(p.topic, p.partition)));
      const revoked = owned.filter((p) => !gets.has(tpKey(p.topic, p.partition)));
      if (revoked.length > 0) {
        if (this.config.enableAutoCommit) await this.commitQuietly(this.consumed(revoked), 'for revoked partitions');
        err = await this.invoke('revoked', revoked);
        this.membership.requestRejoin(`need to revoke partitions ${revoked.map((p) => `${p.topic}-${p.partition}`).join(',')} and re-join`);
      }
      this.setAssignment(assigned);
      err ??= await this.invoke('assigned', added);
    } else {
      this.setAssignment(assigned);
      err = await this.invoke('assigned', assigned);
    }
    if (!r.leader) this.leaderSnapshot = null;
    this.nextAutoCommitAt = Date.now() + this.config.autoCommitIntervalMs;
    return err;
  }

  /** Before leaving (close, unsubscribe): revoke, or report lost when the generation is gone. */
  private async onLeavePrepare(): Promise<unknown> {
    const owned = this.subs.assignment();
    if (owned.length === 0) return null;
    const gen = this.membership.generation;
    const err = gen.generationId < 0 || gen.memberId === '' ? await this.invoke('lost', owned) : await this.invoke('revoked', owned);
    this.setAssignment([]);
    return err;
  }

  private setAssignment(tps: TopicPartition[]): void {
    this.subs.assign(tps, true);
    this.cluster.addTopics(tps.map((p) => p.topic));
    this.onAssignmentChange();
  }

  private async invoke(what: 'revoked' | 'assigned' | 'lost', partitions: TopicPartition[]): Promise<unknown> {
    const l = this.listener;
    if (!l) return null;
    const tps = partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    this.inListener++;
    try {
      if (what === 'assigned') await l.onPartitionsAssigned?.(tps);
      else if (what === 'revoked') await l.onPartitionsRevoked?.(tps);
      else if (l.onPartitionsLost) await l.onPartitionsLost(tps);
      else await l.onPartitionsRevoked?.(tps);
      return null;
    } catch (err) {
      log.warn(`Group ${this.groupId}: the rebalance listener's onPartitions${what[0]!.toUpperCase()}${what.slice(1)} threw: ${(err as Error)?.message ?? err}`);
      return err;
    } finally {
      this.inListener--;
    }
  }

  // ---------------------------------------------------------------- committed offsets

  /** Starts the lookup of committed offsets for partitions waiting for one (no-op when one runs). */
  maybeFetchCommitted(): void {
    if (this.committedInFlight || this.closed || Date.now() < this.committedRetryAt) return;
    const parts = [...this.subs.partitions].filter((p) => p.awaitingCommitted);
    if (parts.length === 0) return;
    this.committedInFlight = true;
    const requireStable = this.config.isolationLevel === 'read_committed';
    this.membership
      .withCoordinator('OffsetFetch', this.config.requestTimeoutMs, false, (conn) => sendOffsetFetch(conn, this.groupId, parts, requireStable))
      .then(
        (res) => {
          this.committedFailures = 0;
          const got = new Map(res.map((c) => [tpKey(c.topic, c.partition), c]));
          for (const p of parts) {
            if (!p.awaitingCommitted || this.subs.get(p.topic, p.partition) !== p) continue;
            const c = got.get(tpKey(p.topic, p.partition));
            if (c && c.offset >= 0) {
              p.seek(c.offset);
            } else {
              p.awaitingCommitted = false;
              if (this.subs.defaultResetStrategy !== 'none') p.requestReset(this.subs.defaultResetStrategy);
            }
          }
        },
        (err) => {
          if (this.closed) return;
          this.committedRetryAt = Date.now() + backoffMs(++this.committedFailures, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
          if (!(err instanceof KafkaError) || !err.retriable) {
            for (const p of parts) if (p.awaitingCommitted) p.error = err as Error;
          }
        },
      )
      .finally(() => {
        this.committedInFlight = false;
        this.onAssignmentChange();
        this.wake();
      });
  }

  /** The group's committed offsets (offset -1 where there is none). */
  async committed(tps: readonly TopicPartition[], timeoutMs: number): Promise<CommittedOffset[]> {
    const requireStable = this.config.isolationLevel === 'read_committed';
    const res = await this.membership.withCoordinator('OffsetFetch', timeoutMs, true, (conn) => sendOffsetFetch(conn, this.groupId, tps, requireStable));
    const got = new Map(res.map((c) => [tpKey(c.topic, c.partition), c]));
    return tps.map((tp) => got.get(tpKey(tp.topic, tp.partition)) ?? { topic: tp.topic, partition: tp.partition, offset: -1, metadata: null, leaderEpoch: -1 });
  }

  // ---------------------------------------------------------------- commits

  /** Positions (the next offset to consume) of the given or all assigned partitions that have one. */
  consumed(tps?: readonly TopicPartition[]): OffsetToCommit[] {
    const parts = tps ? tps.map((tp) => this.subs.get(tp.topic, tp.partition)).filter((p) => p !== undefined) : [...this.subs.partitions];
    return parts.filter((p) => p.position !== null).map((p) => ({ topic: p.topic, partition: p.partition, offset: p.position!, metadata: '' }));
  }

  allConsumed(): OffsetToCommit[] {
    return this.consumed();
  }

  /**
   * Commits offsets: as the current generation's member when subscribed
   * (failing with RebalanceInProgressError / CommitFailedError when the
   * member is not in a stable generation), as a simple consumer otherwise.
   * `retry`: retriable errors are retried within timeoutMs (commitSync).
   */
  async commit(offsets: readonly OffsetToCommit[], opts: { retry: boolean; timeoutMs: number }): Promise<void> {
    if (offsets.length === 0) return;
    let generationId = -1;
    let memberId = '';
    let groupInstanceId: string | null = null;
    if (this.isSubscribed) {
      const gen = this.membership.stableGeneration;
      if (!gen || this.membership.isJoining) {
        if (this.membership.isJoining || this.membership.rejoinNeeded || this.completed) throw new RebalanceInProgressError();
        throw new CommitFailedError(ErrorCode.UNKNOWN_MEMBER_ID, 'Commit cannot be completed: the consumer is not part of an active group; it rejoins on its next poll()');
      }
      generationId = gen.generationId;
      memberId = gen.memberId;
      groupInstanceId = this.membership.config.groupInstanceId;
    }
    const sent = this.membership.generation;
    await this.membership.withCoordinator('OffsetCommit', opts.timeoutMs, opts.retry, async (conn) => {
      const codes = await sendOffsetCommit(conn, { groupId: this.groupId, generationId, memberId, groupInstanceId }, offsets);
      let retriable: KafkaError | null = null;
      for (const o of offsets) {
        const code = codes.get(tpKey(o.topic, o.partition)) ?? ErrorCode.NONE;
        if (code === ErrorCode.NONE) continue;
        const what = `OffsetCommit for group ${this.groupId}, ${o.topic}-${o.partition}`;
        switch (code) {
          case ErrorCode.REBALANCE_IN_PROGRESS:
            if (this.isSubscribed) this.membership.requestRejoin('commit answered REBALANCE_IN_PROGRESS');
            throw new RebalanceInProgressError();
          case ErrorCode.UNKNOWN_MEMBER_ID:
          case ErrorCode.ILLEGAL_GENERATION:
            if (this.isSubscribed && this.membership.generation === sent) {
              this.membership.resetGeneration(`encountered ${new KafkaError(code).errorName} from OffsetCommit response`, code === ErrorCode.UNKNOWN_MEMBER_ID);
              throw new CommitFailedError(code);
            }
            throw brokerError(code, null, what);
          case ErrorCode.FENCED_INSTANCE_ID: {
            const err = brokerError(code, null, what);
            this.membership.fatal = err;
            throw err;
          }
          default: {
            const err = brokerError(code, null, what);
            if (isCoordinatorError(code) || err.retriable) retriable ??= err;
            else throw err;
          }
        }
      }
      if (retriable) throw retriable;
    });
  }

  /** Commits without raising (auto-commit, before a rebalance, on close); failures are logged. */
  private async commitQuietly(offsets: OffsetToCommit[], why: string): Promise<void> {
    try {
      await this.commit(offsets, { retry: true, timeoutMs: this.config.defaultApiTimeoutMs });
    } catch (err) {
      if (!this.closed) log.warn(`Group ${this.groupId}: offset commit ${why} failed: ${(err as Error).message}`);
    }
  }

  private maybeAutoCommit(): void {
    if (!this.config.enableAutoCommit || this.autoCommitInFlight) return;
    const now = Date.now();
    if (this.nextAutoCommitAt === Infinity) this.nextAutoCommitAt = now + this.config.autoCommitIntervalMs;
    if (now < this.nextAutoCommitAt) return;
    this.nextAutoCommitAt = now + this.config.autoCommitIntervalMs;
    const offsets = this.allConsumed();
    if (offsets.length === 0) return;
    this.autoCommitInFlight = this.commit(offsets, { retry: false, timeoutMs: this.config.requestTimeoutMs })
      .catch((err) => {
        if (this.closed) return;
        const msg = `Group ${this.groupId}: asynchronous auto-commit of offsets failed: ${(err as Error).message}`;
        // Retriable failures (coordinator moving, broker restarting) are retried by the next auto-commit.
        if (err instanceof KafkaError && err.retriable) log.debug(msg);
        else log.warn(msg);
      })
      .finally(() => (this.autoCommitInFlight = null));
  }

  // ---------------------------------------------------------------- close

  /** Commits (auto-commit), revokes and leaves the group (dynamic members); stops everything. Returns the first listener error. */
  async close(): Promise<unknown> {
    let err: unknown = null;
    try {
      if (this.autoCommitInFlight) await this.autoCommitInFlight;
      if (this.config.enableAutoCommit && (!this.isSubscribed || this.membership.stableGeneration)) {
        await this.commitQuietly(this.allConsumed(), 'on close');
      }
      if (this.isSubscribed) {
        err = await this.onLeavePrepare();
        await this.membership.leaveGroup('the consumer is being closed');
      }
    } finally {
      this.closed = true;
      this.membership.close();
    }
    return err;
  }
}
