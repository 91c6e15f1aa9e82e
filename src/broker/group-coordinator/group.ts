// One classic group (Kafka's GroupMetadata): membership, the generation and
// its protocol and leader, the state with its timestamp, and the group's
// committed offsets. Pure data and bookkeeping: the rules of the protocol
// (what a request does in each state, timers, persistence) live in
// membership.ts and offset-manager.ts.

import { randomUUID } from 'node:crypto';
import { Reader } from '../../protocol/primitives.js';
import { MessageCodec } from '../../protocol/codec.js';
import { ConsumerProtocolSubscription } from '../../protocol/messages/consumer-protocol.js';
import { ErrorCode } from '../../protocol/errors.js';
import { canTransition, GroupState } from './group-state.js';
import { Member, type JoinResult, type SyncResult } from './member.js';
import type { Timer } from './time.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** A committed offset, as stored in an OffsetCommitValue record. */
export interface OffsetAndMetadata {
  offset: number;
  /** -1 when not known. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 unless the commit asked for its own retention (OffsetCommit v2-v4). */
  expireTimestamp: number;
}

const subscriptionV0 = new MessageCodec(ConsumerProtocolSubscription).forVersion(0);

export class ClassicGroup {
  state: GroupState;
  /** When the group entered its state; null for groups loaded from records that did not say. */
  currentStateTimestamp: number | null;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;

  readonly members = new Map<string, Member>();
  /** group.instance.id -> member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, waiting for the member's second JoinGroup; with their expiry. */
  readonly pendingMembers = new Map<string, Timer | null>();
  /** Members of the new generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  private numAwaitingJoin = 0;
  private readonly protocolVotes = new Map<string, number>();
  /** Topics the members subscribe to (consumer protocol); null when unknown. */
  subscribedTopics: Set<string> | null = null;
  /** A member joined during the initial delayed rebalance (the delay may be extended). */
  newMemberAdded = false;
  /** The delayed join (PreparingRebalance) and the pending-sync expiry (CompletingRebalance/Stable). */
  joinTimer: Timer | null = null;
  /** The delayed join running is the initial one (group.initial.rebalance.delay.ms): new joins never complete it early. */
  joinIsInitial = false;
  syncTimer: Timer | null = null;

  /** Committed offsets by topic, then partition. */
  readonly offsets = new Map<string, Map<number, OffsetAndMetadata>>();
  /** Commits written but not yet acknowledged by the log, per "topic\0partition" (count of writes in flight). */
  readonly pendingOffsetCommits = new Map<string, number>();
  /** Transactional commits (TxnOffsetCommit) written but not decided yet: producer id → "topic\0partition" → offset. */
  readonly pendingTxnOffsets = new Map<number, Map<string, OffsetAndMetadata>>();

  constructor(
    readonly groupId: string,
    initialState: GroupState,
    now: number,
  ) {
    this.state = initialState;
    this.currentStateTimestamp = now;
  }

  // ---- state

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState, now: number): void {
    if (!canTransition(this.state, state)) {
      throw new Error(`Group ${this.groupId} should be in one of [${state}'s previous states] before moving to ${state}; it is ${this.state}`);
    }
    this.state = state;
    this.currentStateTimestamp = now;
  }

  /** Whether a rebalance may start from the current state. */
  get canRebalance(): boolean {
    return canTransition(this.state, 'PreparingRebalance');
  }

  // ---- membership

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): Member {
    const m = this.members.get(memberId);
    if (!m) throw new Error(`member ${memberId} is not in group ${this.groupId}`);
    return m;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get isConsumerGroup(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  get numAwaiting(): number {
    return this.numAwaitingJoin;
  }

  get hasAllMembersJoined(): boolean {
    return this.members.size === this.numAwaitingJoin && this.pendingMembers.size === 0;
  }

  /** The largest rebalance timeout of the members (the delayed join's timeout). */
  get rebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  generateMemberId(clientId: string, groupInstanceId: string | null): string {
    return `${groupInstanceId ?? clientId}-${randomUUID()}`;
  }

  currentStaticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  add(member: Member, awaitingJoin: ((r: JoinResult) => void) | null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) {
        throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      }
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.vote(member, +1);
    member.awaitingJoin = awaitingJoin;
    if (awaitingJoin) this.numAwaitingJoin++;
    this.removePendingMember(member.memberId);
  }

  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      this.vote(member, -1);
      if (member.isAwaitingJoin) this.numAwaitingJoin--;
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
      member.sessionTimer?.cancel();
      member.sessionTimer = null;
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.removePendingMember(memberId);
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  addPendingMember(memberId: string, expiry: Timer | null): void {
    if (this.has(memberId)) throw new Error(`pending member ${memberId} is already a member of group ${this.groupId}`);
    this.pendingMembers.set(memberId, expiry);
  }

  removePendingMember(memberId: string): void {
    const t = this.pendingMembers.get(memberId);
    if (t !== undefined) {
      t?.cancel();
      this.pendingMembers.delete(memberId);
    }
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  /** Static members: the new member id takes over the old one's place, assignment and leadership. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string, fenced: { join: JoinResult; sync: SyncResult }): Member {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`cannot replace unknown member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    // Whoever still waits with the old id is fenced at once.
    this.invokeJoin(member, fenced.join);
    this.invokeSync(member, fenced.sync);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    this.pendingSyncMembers.delete(oldMemberId);
    return member;
  }

  updateMember(member: Member, protocols: Member['protocols'], rebalanceTimeoutMs: number, sessionTimeoutMs: number, awaitingJoin: ((r: JoinResult) => void) | null): void {
    this.vote(member, -1);
    member.protocols = protocols;
    this.vote(member, +1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (awaitingJoin && !member.isAwaitingJoin) this.numAwaitingJoin++;
    else if (!awaitingJoin && member.isAwaitingJoin) this.numAwaitingJoin--;
    member.awaitingJoin = awaitingJoin;
  }

  /** Answers the member's parked JoinGroup, if any. */
  invokeJoin(member: Member, result: JoinResult): void {
    const cb = member.awaitingJoin;
    if (!cb) return;
    member.awaitingJoin = null;
    this.numAwaitingJoin--;
    cb(result);
  }

  /** Answers the member's parked SyncGroup, if any; true when there was one. */
  invokeSync(member: Member, result: SyncResult): boolean {
    const cb = member.awaitingSync;
    if (!cb) return false;
    member.awaitingSync = null;
    cb(result);
    return true;
  }

  /**
   * The current leader has rejoined, or another joined member becomes leader.
   * False when nobody has joined (the group cannot move to a new generation).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** Members that have not rejoined in this rebalance. */
  notYetRejoinedMembers(): Member[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  // ---- protocols

  private vote(member: Member, delta: number): void {
    for (const p of member.protocols) this.protocolVotes.set(p.name, (this.protocolVotes.get(p.name) ?? 0) + delta);
  }

  /** Protocols every member supports. */
  private candidateProtocols(): Set<string> {
    const n = this.members.size;
    const out = new Set<string>();
    for (const [name, votes] of this.protocolVotes) if (votes === n) out.add(name);
    return out;
  }

  /** Each member votes for its preferred candidate; the most votes win (ties: the first counted). */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const tally = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      tally.set(v, (tally.get(v) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, votes] of tally) {
      if (votes > bestVotes) {
        best = name;
        bestVotes = votes;
      }
    }
    return best;
  }

  /** Whether a member with this protocol type and these protocols may join. */
  supportsProtocols(protocolType: string, protocols: readonly string[]): boolean {
    if (this.is('Empty')) return protocolType.length > 0 && protocols.length > 0;
    const n = this.members.size;
    return this.protocolType === protocolType && protocols.some((p) => this.protocolVotes.get(p) === n);
  }

  /** Moves to the next generation: CompletingRebalance with members, Empty without. */
  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance', now);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty', now);
    }
    this.pendingSyncMembers.clear();
  }

  /** The members with their metadata for the selected protocol (the leader's JoinGroup response). */
  currentMemberMetadata(): JoinResult['members'] {
    const protocol = this.protocolName;
    if (protocol === null) throw new Error(`group ${this.groupId} has no protocol`);
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  /**
   * The union of the members' subscribed topics when the group uses the
   * consumer protocol (read from the v0 prefix every subscription version
   * shares); null when unknown (another protocol, or metadata that does not parse).
   */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    try {
      for (const m of this.members.values()) {
        const r = new Reader(m.metadata(this.protocolName));
        r.int16();
        const sub = subscriptionV0.decode(r) as { topics: string[] };
        for (const t of sub.topics) topics.add(t);
      }
    } catch {
      return null;
    }
    return topics;
  }

  /** True when unknown: the coordinator then assumes the group consumes the topic. */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }

  // ---- offsets

  offset(topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  putOffset(topic: string, partition: number, value: OffsetAndMetadata): void {
    let t = this.offsets.get(topic);
    if (!t) this.offsets.set(topic, (t = new Map()));
    t.set(partition, value);
  }

  removeOffset(topic: string, partition: number): boolean {
    const t = this.offsets.get(topic);
    if (!t || !t.delete(partition)) return false;
    if (t.size === 0) this.offsets.delete(topic);
    return true;
  }

  get numOffsets(): number {
    let n = 0;
    for (const t of this.offsets.values()) n += t.size;
    return n;
  }

  hasPendingCommit(topic: string, partition: number): boolean {
    const k = `${topic}\u0000${partition}`;
    if (this.pendingOffsetCommits.has(k)) return true;
    for (const m of this.pendingTxnOffsets.values()) if (m.has(k)) return true;
    return false;
  }

  addPendingCommit(topic: string, partition: number): void {
    const k = `${topic}\u0000${partition}`;
    this.pendingOffsetCommits.set(k, (this.pendingOffsetCommits.get(k) ?? 0) + 1);
  }

  removePendingCommit(topic: string, partition: number): void {
    const k = `${topic}\u0000${partition}`;
    const n = (this.pendingOffsetCommits.get(k) ?? 0) - 1;
    if (n <= 0) this.pendingOffsetCommits.delete(k);
    else this.pendingOffsetCommits.set(k, n);
  }

  /** Offsets, or commits still being written: such a group is kept even when Empty. */
  get hasOffsets(): boolean {
    return this.offsets.size > 0 || this.pendingOffsetCommits.size > 0 || this.pendingTxnOffsets.size > 0;
  }

  // ---- views

  /** DescribeGroups: members with metadata and assignment only when Stable (as Kafka). */
  summary(): { state: GroupState; protocolType: string; protocol: string; members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }[] } {
    const stable = this.is('Stable') && this.protocolName !== null;
    const empty = Buffer.alloc(0);
    return {
      state: this.state,
      protocolType: this.protocolType ?? '',
      protocol: stable ? this.protocolName! : '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadata(this.protocolName!) : empty,
        assignment: stable ? m.assignment : empty,
      })),
    };
  }
}

/**
 * A request names a current member: with a group.instance.id, that instance
 * must be mapped to this member id (else the sender is a fenced zombie);
 * without, the member id must be in the group.
 */
export function validateCurrentMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const current = group.currentStaticMemberId(groupInstanceId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return current === memberId ? ErrorCode.NONE : ErrorCode.FENCED_INSTANCE_ID;
  }
  return group.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}
