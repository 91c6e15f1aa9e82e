// Seeded generation of valid and mutated Kafka frames for the fuzz tests
// (test/unit/fuzz.test.ts): sample values of every API and version encoded
// with a header, and mutations (bit flips, byte replacement, truncation,
// length/count inflation, insertion, deletion) driven by a seeded PRNG.

import { APIS, requestIsFlexible } from '../../src/protocol/apis.js';
import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader, responseHeaderIsFlexible } from '../../src/protocol/header.js';
import { Reader, Writer } from '../../src/protocol/primitives.js';
import { sampleValue, versionsOf } from './sample-values.js';

// ---------------------------------------------------------------- PRNG (mulberry32)

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

// ---------------------------------------------------------------- valid frames

export interface Base {
  label: string;
  kind: 'request' | 'response';
  apiKey: number;
  version: number;
  /** A frame as the broker sees it after the size prefix: header + body. */
  frame: Buffer;
  headerLength: number;
}

function encodeFrame(kind: 'request' | 'response', apiKey: number, version: number, value: unknown): { frame: Buffer; headerLength: number } {
  const api = APIS.get(apiKey)!;
  const codec = api[kind].forVersion(version);
  const w = new Writer(256);
  if (kind === 'request') encodeRequestHeader(w, { apiKey, apiVersion: version, correlationId: 0x01020304, clientId: 'fuzz' }, codec.flexible);
  else encodeResponseHeader(w, 0x01020304, responseHeaderIsFlexible(apiKey, codec.flexible));
  const headerLength = w.length;
  codec.encode(w, value);
  return { frame: w.toBuffer(), headerLength };
}

export function baseFrames(kind: 'request' | 'response'): Base[] {
  const out: Base[] = [];
  for (const [apiKey, api] of APIS) {
    for (const version of versionsOf(api.def[kind])) {
      const variants = [
        sampleValue(api.def[kind], version, { mode: 'full', arrayLength: 2, seed: 1 }),
        sampleValue(api.def[kind], version, { mode: 'full', arrayLength: 1, recordsSize: 70, seed: 1000 }),
        sampleValue(api.def[kind], version, { mode: 'minimal' }),
      ];
      for (const [i, value] of variants.entries()) {
        const { frame, headerLength } = encodeFrame(kind, apiKey, version, value);
        out.push({ label: `${api.def.name} ${kind} v${version} #${i}`, kind, apiKey, version, frame, headerLength });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- decoding as the broker (or a client) does

export function decodeRequestFrame(frame: Buffer): boolean {
  const r = new Reader(frame);
  const h = decodeRequestHeader(r, requestIsFlexible);
  const api = APIS.get(h.apiKey);
  if (!api || h.apiVersion < api.request.minVersion || h.apiVersion > api.request.maxVersion) return false;
  api.request.forVersion(h.apiVersion).decode(r);
  return true;
}

export function decodeResponseFrame(frame: Buffer, apiKey: number, version: number): boolean {
  const codec = APIS.get(apiKey)!.response.forVersion(version);
  const r = new Reader(frame);
  decodeResponseHeader(r, responseHeaderIsFlexible(apiKey, codec.flexible));
  codec.decode(r);
  return true;
}

// ---------------------------------------------------------------- mutations

export const BIG_INT32 = [0x7fffffff, 0x40000000, 0x10000000, 0x01000000, 65536, -2, -0x80000000];
const BIG_INT16 = [0x7fff, 0x4000, 0x1000, 0x0100, -2, -0x8000];
const BIG_VARINTS = [
  [0xff, 0xff, 0xff, 0xff, 0x07],
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0x81, 0x80, 0x40],
  [0xff, 0xff, 0x03],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
];
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

type Mutation = (rng: Rng, b: Buffer, from: number) => { buf: Buffer; what: string };

/** Positions at which an int32 (or int16) reads as a small non-negative number: likely lengths and counts. */
function smallIntAt(b: Buffer, from: number, width: 2 | 4, rng: Rng): number {
  const candidates: number[] = [];
  for (let i = from; i + width <= b.length; i++) {
    const v = width === 4 ? b.readInt32BE(i) : b.readInt16BE(i);
    if (v >= 0 && v <= 512) candidates.push(i);
  }
  return candidates.length ? rng.pick(candidates) : -1;
}

const MUTATIONS: [string, Mutation][] = [
  [
    'bitflip',
    (rng, b, from) => {
      const out = Buffer.from(b);
      const n = 1 + rng.int(4);
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = from + rng.int(out.length - from);
        const bit = rng.int(8);
        out[p]! ^= 1 << bit;
        at.push(p * 8 + bit);
      }
      return { buf: out, what: `flip bits ${at.join(',')}` };
    },
  ],
  [
    'replace',
    (rng, b, from) => {
      const out = Buffer.from(b);
      const n = 1 + rng.int(4);
      const at: string[] = [];
      for (let i = 0; i < n; i++) {
        const p = from + rng.int(out.length - from);
        out[p] = rng.int(2) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
        at.push(`${p}=${out[p]}`);
      }
      return { buf: out, what: `replace ${at.join(',')}` };
    },
  ],
  [
    'truncate',
    (rng, b, from) => {
      const n = from + rng.int(b.length - from);
      return { buf: b.subarray(0, n), what: `truncate to ${n}` };
    },
  ],
  [
    'inflate-int32',
    (rng, b, from) => {
      const out = Buffer.from(b);
      let p = smallIntAt(out, from, 4, rng);
      if (p < 0 || rng.int(4) === 0) p = from + rng.int(Math.max(1, out.length - from - 3));
      if (p + 4 > out.length) return { buf: out, what: 'no room' };
      const v = rng.pick(BIG_INT32);
      out.writeInt32BE(v, p);
      return { buf: out, what: `int32 at ${p} = ${v}` };
    },
  ],
  [
    'inflate-int16',
    (rng, b, from) => {
      const out = Buffer.from(b);
      let p = smallIntAt(out, from, 2, rng);
      if (p < 0 || rng.int(4) === 0) p = from + rng.int(Math.max(1, out.length - from - 1));
      if (p + 2 > out.length) return { buf: out, what: 'no room' };
      const v = rng.pick(BIG_INT16);
      out.writeInt16BE(v, p);
      return { buf: out, what: `int16 at ${p} = ${v}` };
    },
  ],
  [
    'inflate-varint',
    (rng, b, from) => {
      // Replace a byte that could be a one-byte compact length/count with a long varint.
      const candidates: number[] = [];
      for (let i = from; i < b.length; i++) if (b[i]! >= 1 && b[i]! <= 0x7f) candidates.push(i);
      const p = candidates.length ? rng.pick(candidates) : from + rng.int(b.length - from);
      const v = rng.pick(BIG_VARINTS);
      return { buf: Buffer.concat([b.subarray(0, p), Buffer.from(v), b.subarray(p + 1)]), what: `varint at ${p} = ${v}` };
    },
  ],
  [
    'insert',
    (rng, b, from) => {
      const p = from + rng.int(b.length - from + 1);
      const ins = Buffer.alloc(1 + rng.int(8));
      for (let i = 0; i < ins.length; i++) ins[i] = rng.int(2) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
      return { buf: Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]), what: `insert ${ins.toString('hex')} at ${p}` };
    },
  ],
  [
    'delete',
    (rng, b, from) => {
      const p = from + rng.int(b.length - from);
      const n = 1 + rng.int(8);
      return { buf: Buffer.concat([b.subarray(0, p), b.subarray(p + n)]), what: `delete ${n} at ${p}` };
    },
  ],
];

/** One to three mutations; mostly in the body (from = header length), sometimes anywhere. */
export function mutate(rng: Rng, base: Base): { buf: Buffer; what: string } {
  let buf = base.frame;
  const whats: string[] = [];
  const rounds = 1 + (rng.int(4) === 0 ? 1 + rng.int(2) : 0);
  for (let i = 0; i < rounds; i++) {
    const from = rng.int(10) === 0 ? 0 : Math.min(base.headerLength, buf.length);
    if (buf.length - from <= 0) break;
    const [name, m] = MUTATIONS[rng.int(MUTATIONS.length)]!;
    const r = m(rng, buf, from);
    buf = r.buf;
    whats.push(`${name}: ${r.what}`);
  }
  return { buf, what: whats.join('; ') };
}

// ---------------------------------------------------------------- frames for the broker path

/**
 * Mutated request frames, size prefix included, for feeding a broker. Mostly
 * with a correct size prefix (so the mutation reaches the decoders),
 * sometimes a wrong one. CreateTopics and CreatePartitions are left out: a
 * mutated partition count is a legitimate request for millions of partitions
 * (their decoders are fuzzed directly).
 */
export function brokerFrames(seed: number, count: number): { frames: Buffer[]; labels: string[] } {
  const bases = baseFrames('request').filter((b) => b.apiKey !== 19 && b.apiKey !== 37);
  const rng = new Rng(seed);
  const frames: Buffer[] = [];
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = bases[rng.int(bases.length)]!;
    const { buf, what } = mutate(rng, base);
    const size = Buffer.alloc(4);
    const r = rng.int(20);
    size.writeInt32BE(r === 0 ? rng.pick(BIG_INT32) : r === 1 ? Math.max(0, buf.length - 1 - rng.int(8)) : buf.length);
    frames.push(Buffer.concat([size, buf]));
    labels.push(`${base.label}: ${what}`);
  }
  return { frames, labels };
}
