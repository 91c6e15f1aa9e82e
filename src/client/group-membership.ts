// Membership of a classic group (Kafka's AbstractCoordinator): finding the
// coordinator, JoinGroup and SyncGroup until the member has a generation and
// an assignment, heartbeats on a timer while it is stable, and LeaveGroup.
// What the protocol metadata and the assignment mean is the caller's business
// (consumer-coordinator.ts); this module only knows the rules of membership:
//
//   JoinGroup  MEMBER_ID_REQUIRED (v4+)     join again at once with the id given
//              UNKNOWN_MEMBER_ID             forget the member id, join again
//              ILLEGAL_GENERATION            forget the generation, join again
//              REBALANCE_IN_PROGRESS         join again
//              COORDINATOR_NOT_AVAILABLE,
//              NOT_COORDINATOR, lost socket  find the coordinator again, join again
//              COORDINATOR_LOAD_IN_PROGRESS  back off, join again
//              anything else                 fatal (FENCED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED, ...)
//   SyncGroup  REBALANCE_IN_PROGRESS         join again (same member id)
//              UNKNOWN_MEMBER_ID /
//              ILLEGAL_GENERATION            reset, join again
//   Heartbeat  REBALANCE_IN_PROGRESS         ask the consumer to rejoin (it does so in poll())
//              UNKNOWN_MEMBER_ID /
//              ILLEGAL_GENERATION            reset: the partitions are lost; rejoin
//
// The member's states: unjoined → joining (JoinGroup in flight) → syncing
// (SyncGroup in flight) → stable (heartbeating). Heartbeats run only while
// stable, on one unref'd timer every heartbeat.interval.ms; one also checks
// max.poll.interval.ms (a consumer that stopped polling leaves the group, as
// Kafka's heartbeat thread makes it) and session.timeout.ms (no heartbeat
// answer for that long: the coordinator is looked up again).
//
// Group requests use a dedicated connection to the coordinator ('group'
// channel), because a JoinGroup is held by the broker for a whole rebalance
// and a connection's answers come in order. LeaveGroup goes on the shared
// connection so that it is not stuck behind a pending JoinGroup.

import type { Cluster } from './cluster.js';
import type { BrokerConnection } from './connection.js';
import { backoffMs } from './backoff.js';
import { ClientClosedError, KafkaError, TimeoutError, brokerError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { API_KEYS, CoordinatorInfo, findCoordinatorOnce, isCoordinatorError } from './group-requests.js';
import { Logger } from '../logger.js';

const log = new Logger('GroupMembership');

export interface Generation {
  generationId: number;
  memberId: string;
  protocolName: string | null;
}

export const NO_GENERATION: Generation = Object.freeze({ generationId: -1, memberId: '', protocolName: null });

export type MemberState = 'unjoined' | 'joining' | 'syncing' | 'stable';

export interface MembershipConfig {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** How long the coordinator waits for members to rejoin (the consumer's max.poll.interval.ms). */
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  protocolType: string;
}

export interface JoinMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface MembershipHooks {
  /** The protocols (name and metadata) of the next JoinGroup, in preference order. */
  protocols(): { name: string; metadata: Buffer }[];
  /** Leader only: every member's assignment bytes. `skip`: the coordinator kept the assignment (static leader rejoining). */
  assign(protocol: string, members: JoinMember[], skip: boolean): Promise<Map<string, Buffer>>;
  /** Something poll() should look at happened (rejoin needed, fatal error). */
  wake(): void;
  /** Date.now() of the application's last poll. */
  lastPollAt(): number;
}

export interface JoinResult {
  generation: Generation;
  protocol: string;
  leader: boolean;
  assignment: Buffer;
}

export class GroupMembership {
  state: MemberState = 'unjoined';
  generation: Generation = NO_GENERATION;
  /** The member must (re)join; set by the coordinator's answers, subscription changes, or the consumer. */
  rejoinNeeded = true;
  rejoinReason = '';
  /** An error that ends this membership (FENCED_INSTANCE_ID, ...); poll() raises it. */
  fatal: KafkaError | null = null;
  private coordinator: CoordinatorInfo | null = null;
  private lookup: Promise<CoordinatorInfo> | null = null;
  private joining: Promise<JoinResult> | null = null;
  private hbTimer: NodeJS.Timeout | null = null;
  private hbFailures = 0;
  private lastHeartbeatOkAt = 0;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    readonly config: MembershipConfig,
    private readonly hooks: MembershipHooks,
  ) {}

  get isStatic(): boolean {
    return this.config.groupInstanceId !== null;
  }

  get isJoining(): boolean {
    return this.joining !== null;
  }

  get coordinatorNode(): CoordinatorInfo | null {
    return this.coordinator;
  }

  /** Generation valid for commits (stable member of a known generation), or null. */
  get stableGeneration(): Generation | null {
    return this.state === 'stable' && this.generation.generationId >= 0 ? this.generation : null;
  }

  requestRejoin(reason: string): void {
    if (!this.rejoinNeeded) log.debug(`Group ${this.config.groupId}: request joining the group due to: ${reason}`);
    this.rejoinNeeded = true;
    this.rejoinReason = reason;
    this.hooks.wake();
  }

  markCoordinatorUnknown(reason: string): void {
    if (this.coordinator) log.debug(`Group ${this.config.groupId}: coordinator ${this.coordinator.host}:${this.coordinator.port} unknown: ${reason}`);
    this.coordinator = null;
  }

  /** Forgets the generation (and the member id when asked); the member's partitions are lost. */
  resetGeneration(reason: string, resetMemberId: boolean): void {
    log.debug(`Group ${this.config.groupId}: resetting generation (${reason})`);
    this.generation = resetMemberId ? NO_GENERATION : { generationId: -1, memberId: this.generation.memberId, protocolName: null };
    this.state = 'unjoined';
    this.stopHeartbeat();
    this.requestRejoin(reason);
  }

  // ---------------------------------------------------------------- coordinator

  /** The dedicated connection to the coordinator, looking it up first when unknown (one attempt). */
  async coordinatorConnection(): Promise<BrokerConnection> {
    if (this.closed) throw new ClientClosedError('consumer');
    const c = this.coordinator ?? (await this.findCoordinator());
    try {
      return await this.cluster.connectionToAddress(c.host, c.port, c.nodeId, 'group');
    } catch (err) {
      this.markCoordinatorUnknown(`connection failed: ${(err as Error).message}`);
      throw err;
    }
  }

  private findCoordinator(): Promise<CoordinatorInfo> {
    this.lookup ??= (async () => {
      try {
        const c = await findCoordinatorOnce(await this.cluster.anyConnection(), this.config.groupId);
        this.coordinator = c;
        return c;
      } finally {
        this.lookup = null;
      }
    })();
    return this.lookup;
  }

  /**
   * Runs `fn` against the coordinator; coordinator errors (thrown as
   * KafkaError) make it look the coordinator up again. With `retry`,
   * retriable errors are retried with backoff within `timeoutMs`.
   */
  async withCoordinator<T>(what: string, timeoutMs: number, retry: boolean, fn: (conn: BrokerConnection) => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new ClientClosedError('consumer');
      try {
        return await fn(await this.coordinatorConnection());
      } catch (err) {
        if (this.closed) throw new ClientClosedError('consumer');
        const ke = err instanceof KafkaError ? err : null;
        if (ke && (isCoordinatorError(ke.code) || ke.code === ErrorCode.NETWORK_EXCEPTION || ke.code === ErrorCode.REQUEST_TIMED_OUT)) {
          this.markCoordinatorUnknown(`${what}: ${ke.message}`);
        }
        const wait = backoffMs(attempt, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
        if (!retry || !ke || !ke.retriable || err instanceof TimeoutError) throw err;
        if (Date.now() + wait >= deadline) {
          const t = new TimeoutError(`${what} did not succeed within ${timeoutMs} ms: ${ke.message}`);
          (t as { cause?: unknown }).cause = err;
          throw t;
        }
        await this.cluster.sleeper.sleep(wait);
      }
    }
  }

  // ---------------------------------------------------------------- join and sync

  /** Joins (or rejoins) the group; concurrent callers share one join. Rejects with fatal errors only (and on close). */
  join(): Promise<JoinResult> {
    if (!this.joining) {
      const p = this.runJoin();
      this.joining = p;
      p.then(
        () => (this.joining = null),
        () => (this.joining = null),
      );
    }
    return this.joining;
  }

  /** A JoinGroup or SyncGroup that got no answer: fatal errors end the group, retriable ones look for the coordinator again. */
  private afterJoinRequestFailed(err: unknown, what: string): void {
    if (this.closed) throw new ClientClosedError('consumer');
    this.state = 'unjoined';
    if (err instanceof KafkaError && !err.retriable) throw this.fail(err);
    this.markCoordinatorUnknown(`${what} failed: ${(err as Error).message}`);
  }

  private async runJoin(): Promise<JoinResult> {
    this.stopHeartbeat();
    let failures = 0;
    let immediate = 0;
    const backoff = async () => {
      failures++;
      await this.cluster.sleeper.sleep(backoffMs(failures, this.config.retryBackoffMs, this.config.retryBackoffMaxMs));
    };
    // Answers that ask for another join at once (member id required, rebalance in progress...): after a few in a row, back off.
    const again = async () => {
      if (++immediate > 3) await backoff();
    };
    for (;;) {
      if (this.closed) throw new ClientClosedError('consumer');
      let conn: BrokerConnection;
      try {
        conn = await this.coordinatorConnection();
      } catch (err) {
        if (this.closed) throw new ClientClosedError('consumer');
        if (err instanceof KafkaError && !err.retriable && !(err instanceof TimeoutError)) throw this.fail(err);
        await backoff();
        continue;
      }
      this.state = 'joining';
      this.rejoinNeeded = false;
      let res: any;
      const longTimeout = Math.max(this.config.requestTimeoutMs, this.config.rebalanceTimeoutMs + 5000);
      try {
        res = await conn.request(
          API_KEYS.JoinGroup,
          {
            groupId: this.config.groupId,
            sessionTimeoutMs: this.config.sessionTimeoutMs,
            rebalanceTimeoutMs: this.config.rebalanceTimeoutMs,
            memberId: this.generation.memberId,
            groupInstanceId: this.config.groupInstanceId,
            protocolType: this.config.protocolType,
            protocols: this.hooks.protocols(),
            reason: this.rejoinReason || null,
          },
          { timeoutMs: longTimeout },
        );
      } catch (err) {
        this.afterJoinRequestFailed(err, 'JoinGroup');
        await backoff();
        continue;
      }
      const code: number = res.errorCode;
      if (code !== ErrorCode.NONE) {
        this.state = 'unjoined';
        switch (code) {
          case ErrorCode.MEMBER_ID_REQUIRED:
            this.generation = { generationId: -1, memberId: res.memberId, protocolName: null };
            await again();
            continue;
          case ErrorCode.UNKNOWN_MEMBER_ID:
            this.generation = NO_GENERATION;
            await again();
            continue;
          case ErrorCode.ILLEGAL_GENERATION:
            this.generation = { generationId: -1, memberId: this.generation.memberId, protocolName: null };
            await again();
            continue;
          case ErrorCode.REBALANCE_IN_PROGRESS:
            await again();
            continue;
          case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
            await backoff();
            continue;
          case ErrorCode.COORDINATOR_NOT_AVAILABLE:
          case ErrorCode.NOT_COORDINATOR:
            this.markCoordinatorUnknown(`JoinGroup: ${new KafkaError(code).errorName}`);
            await backoff();
            continue;
          default:
            throw this.fail(brokerError(code, null, `JoinGroup to group ${this.config.groupId}`));
        }
      }
      this.generation = { generationId: res.generationId, memberId: res.memberId, protocolName: res.protocolName };
      const leader = res.leader === res.memberId;
      log.debug(`Group ${this.config.groupId}: joined generation ${res.generationId} as ${res.memberId}${leader ? ' (leader)' : ''}, protocol ${res.protocolName}`);
      this.state = 'syncing';
      let assignments: Map<string, Buffer>;
      try {
        assignments = leader
          ? await this.hooks.assign(
              res.protocolName,
              (res.members as any[]).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, metadata: m.metadata })),
              !!res.skipAssignment,
            )
          : new Map();
      } catch (err) {
        this.state = 'unjoined';
        this.rejoinNeeded = true;
        if (this.closed) throw new ClientClosedError('consumer');
        throw err;
      }
      let sync: any;
      try {
        sync = await conn.request(
          API_KEYS.SyncGroup,
          {
            groupId: this.config.groupId,
            generationId: res.generationId,
            memberId: res.memberId,
            groupInstanceId: this.config.groupInstanceId,
            protocolType: this.config.protocolType,
            protocolName: res.protocolName,
            assignments: [...assignments].map(([memberId, assignment]) => ({ memberId, assignment })),
          },
          { timeoutMs: longTimeout },
        );
      } catch (err) {
        this.afterJoinRequestFailed(err, 'SyncGroup');
        await backoff();
        continue;
      }
      const scode: number = sync.errorCode;
      if (scode !== ErrorCode.NONE) {
        this.state = 'unjoined';
        switch (scode) {
          case ErrorCode.REBALANCE_IN_PROGRESS:
            await again();
            continue;
          case ErrorCode.UNKNOWN_MEMBER_ID:
            this.generation = NO_GENERATION;
            await again();
            continue;
          case ErrorCode.ILLEGAL_GENERATION:
            this.generation = { generationId: -1, memberId: this.generation.memberId, protocolName: null };
            await again();
            continue;
          case ErrorCode.COORDINATOR_NOT_AVAILABLE:
          case ErrorCode.NOT_COORDINATOR:
            this.markCoordinatorUnknown(`SyncGroup: ${new KafkaError(scode).errorName}`);
            await backoff();
            continue;
          case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
            await backoff();
            continue;
          default:
            throw this.fail(brokerError(scode, null, `SyncGroup to group ${this.config.groupId}`));
        }
      }
      this.state = 'stable';
      this.lastHeartbeatOkAt = Date.now();
      this.hbFailures = 0;
      this.scheduleHeartbeat(this.config.heartbeatIntervalMs);
      return { generation: this.generation, protocol: res.protocolName, leader, assignment: sync.assignment ?? Buffer.alloc(0) };
    }
  }

  private fail(err: KafkaError): KafkaError {
    this.state = 'unjoined';
    if (err instanceof ClientClosedError) return err;
    this.fatal = err;
    this.stopHeartbeat();
    this.hooks.wake();
    return err;
  }

  // ---------------------------------------------------------------- heartbeats

  private scheduleHeartbeat(ms: number): void {
    this.stopHeartbeat();
    if (this.closed) return;
    this.hbTimer = setTimeout(() => {
      this.hbTimer = null;
      void this.heartbeat();
    }, ms);
    this.hbTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.hbTimer) clearTimeout(this.hbTimer);
    this.hbTimer = null;
  }

  private async heartbeat(): Promise<void> {
    if (this.closed || this.state !== 'stable') return;
    const now = Date.now();
    if (now - this.hooks.lastPollAt() > this.config.maxPollIntervalMs) {
      log.warn(
        `consumer poll timeout has expired: the time between poll() calls exceeded max.poll.interval.ms (${this.config.maxPollIntervalMs} ms); ` +
          `the member ${this.isStatic ? 'gives up its generation' : 'leaves group ' + this.config.groupId} and rejoins on the next poll()`,
      );
      await this.leaveGroup('consumer poll timeout has expired');
      return;
    }
    if (now - this.lastHeartbeatOkAt > this.config.sessionTimeoutMs) this.markCoordinatorUnknown('session timed out without a successful heartbeat');
    const sent = this.generation;
    let next = this.config.heartbeatIntervalMs;
    try {
      const conn = await this.coordinatorConnection();
      const res = await conn.request<any>(
        API_KEYS.Heartbeat,
        { groupId: this.config.groupId, generationId: sent.generationId, memberId: sent.memberId, groupInstanceId: this.config.groupInstanceId },
        { timeoutMs: Math.min(this.config.requestTimeoutMs, Math.max(this.config.sessionTimeoutMs, 1000)) },
      );
      if (this.closed || this.generation !== sent || this.state !== 'stable') return;
      const code: number = res.errorCode;
      switch (code) {
        case ErrorCode.NONE:
          this.lastHeartbeatOkAt = Date.now();
          this.hbFailures = 0;
          break;
        case ErrorCode.REBALANCE_IN_PROGRESS:
          this.lastHeartbeatOkAt = Date.now();
          this.requestRejoin('group is already rebalancing');
          break;
        case ErrorCode.ILLEGAL_GENERATION:
        case ErrorCode.UNKNOWN_MEMBER_ID:
          this.resetGeneration(`encountered ${new KafkaError(code).errorName} from Heartbeat response`, code === ErrorCode.UNKNOWN_MEMBER_ID);
          return;
        case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        case ErrorCode.NOT_COORDINATOR:
          this.markCoordinatorUnknown(`Heartbeat: ${new KafkaError(code).errorName}`);
          next = backoffMs(++this.hbFailures, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
          break;
        case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
          next = backoffMs(++this.hbFailures, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
          break;
        default:
          this.fail(brokerError(code, null, `Heartbeat to group ${this.config.groupId}`));
          return;
      }
    } catch (err) {
      if (this.closed) return;
      this.markCoordinatorUnknown(`Heartbeat failed: ${(err as Error).message}`);
      next = backoffMs(++this.hbFailures, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
    }
    if (this.state === 'stable' && this.generation === sent) this.scheduleHeartbeat(next);
  }

  // ---------------------------------------------------------------- leaving

  /**
   * Leaves the group (dynamic members send LeaveGroup; static members never
   * do, as in Kafka: only their session timeout removes them), then forgets
   * the generation so that the next poll() rejoins. Best effort: errors are
   * logged, not thrown.
   */
  async leaveGroup(reason: string): Promise<void> {
    const gen = this.generation;
    const c = this.coordinator;
    if (!this.isStatic && gen.memberId !== '' && c && this.state !== 'unjoined') {
      try {
        const conn = await this.cluster.connectionToAddress(c.host, c.port, c.nodeId);
        const version = conn.versionFor(API_KEYS.LeaveGroup);
        const res = await conn.request<any>(
          API_KEYS.LeaveGroup,
          { groupId: this.config.groupId, memberId: gen.memberId, members: [{ memberId: gen.memberId, groupInstanceId: null, reason }] },
          { version, timeoutMs: this.config.requestTimeoutMs },
        );
        const code = res.errorCode || (res.members?.[0]?.errorCode ?? 0);
        if (code) log.debug(`Group ${this.config.groupId}: LeaveGroup answered ${new KafkaError(code).errorName}`);
      } catch (err) {
        if (!this.closed) log.debug(`Group ${this.config.groupId}: LeaveGroup failed: ${(err as Error).message}`);
      }
    }
    this.resetGeneration(reason, true);
  }

  /** Stops heartbeating; nothing of the membership keeps running. */
  close(): void {
    this.closed = true;
    this.stopHeartbeat();
  }
}
