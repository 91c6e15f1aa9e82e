// One member of a classic group (Kafka's MemberMetadata): its identity,
// timeouts, the protocols it supports in preference order, its assignment,
// and the JoinGroup / SyncGroup responses parked for it.

import type { Timer } from './time.js';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, members: [] };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

export const EMPTY = Buffer.alloc(0);

export class Member {
  /** The parked JoinGroup response, while the member waits in PreparingRebalance. */
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  /** The parked SyncGroup response, while the member waits in CompletingRebalance. */
  awaitingSync: ((r: SyncResult) => void) | null = null;
  /** Joined in the current rebalance and not yet through a completed join (may expire while parked). */
  isNew = false;
  /** Session (or new-member join) expiry timer; rescheduled by every sign of life. */
  sessionTimer: Timer | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: Protocol[],
    public assignment: Buffer = EMPTY,
  ) {}

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** The metadata this member sent for `protocol`. */
  metadata(protocol: string): Buffer {
    const p = this.protocols.find((x) => x.name === protocol);
    if (!p) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return p.metadata;
  }

  /**
   * Whether a session timer that fires is forgiven (Kafka's hasSatisfiedHeartbeat
   * at expiry): members parked in JoinGroup or SyncGroup are alive by
   * definition, except new members whose first join has timed out.
   */
  get hasSatisfiedHeartbeat(): boolean {
    return !this.isNew && (this.isAwaitingJoin || this.isAwaitingSync);
  }

  /** Same protocols with the same metadata, in the same order. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    for (let i = 0; i < protocols.length; i++) {
      const a = protocols[i]!;
      const b = this.protocols[i]!;
      if (a.name !== b.name || !a.metadata.equals(b.metadata)) return false;
    }
    return true;
  }

  /** This member's preferred protocol among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.protocols.find((x) => candidates.has(x.name));
    if (!p) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return p.name;
  }

  /** Bytes this member holds in memory (metadata of every protocol plus the assignment). */
  get retainedBytes(): number {
    let n = this.assignment.length;
    for (const p of this.protocols) n += p.metadata.length + p.name.length;
    return n;
  }
}
