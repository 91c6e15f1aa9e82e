// Derives a decoder and an encoder for each (message, version) from its
// declarative definition. Plans are built once per version and cached; the
// encode/decode loops then run over small arrays of precomputed ops.

import { ProtocolError, Reader, Writer } from './primitives.js';
import { FieldDef, inVersions, MessageDef, parseVersions, ScalarType } from './schema.js';

const enum Kind {
  Bool,
  Int8,
  Int16,
  Uint16,
  Int32,
  Uint32,
  Int64,
  Float64,
  Uuid,
  String,
  Bytes,
  Records,
  Struct,
}

const KIND: Record<ScalarType, Kind> = {
  bool: Kind.Bool,
  int8: Kind.Int8,
  int16: Kind.Int16,
  uint16: Kind.Uint16,
  int32: Kind.Int32,
  uint32: Kind.Uint32,
  int64: Kind.Int64,
  float64: Kind.Float64,
  uuid: Kind.Uuid,
  string: Kind.String,
  bytes: Kind.Bytes,
  records: Kind.Records,
};

const FIXED_SIZE: Partial<Record<Kind, number>> = {
  [Kind.Bool]: 1,
  [Kind.Int8]: 1,
  [Kind.Int16]: 2,
  [Kind.Uint16]: 2,
  [Kind.Int32]: 4,
  [Kind.Uint32]: 4,
  [Kind.Int64]: 8,
  [Kind.Float64]: 8,
  [Kind.Uuid]: 16,
};

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const EMPTY = Buffer.alloc(0);

interface Op {
  readonly name: string;
  readonly kind: Kind;
  readonly isArray: boolean;
  readonly nullable: boolean;
  readonly tag: number; // -1 when not tagged in this version
  readonly def: FieldDef;
  readonly sub: StructPlan | null;
  /** Smallest encoded size of one element (for checking array counts). */
  readonly minSize: number;
}

interface StructPlan {
  readonly ops: readonly Op[];
  readonly tagged: readonly Op[];
  readonly absent: readonly FieldDef[];
  readonly flexible: boolean;
  readonly minSize: number;
}

/**
 * Kafka's default for a field: the schema's explicit default, else the empty
 * value of its type (nullable fields too: null only when the schema says so).
 */
function defaultValue(def: FieldDef, _nullable: boolean): unknown {
  if (def.default !== undefined) {
    return Array.isArray(def.default) ? [...def.default] : def.default;
  }
  if (def.type.startsWith('[]')) return [];
  switch (def.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return EMPTY;
    case 'records':
    case 'struct':
      return def.type === 'records' ? null : undefined;
    case 'uuid':
      return ZERO_UUID;
    default:
      return 0;
  }
}

function buildPlan(fields: readonly FieldDef[], version: number, flexible: boolean): StructPlan {
  const ops: Op[] = [];
  const taggedOps: Op[] = [];
  const absent: FieldDef[] = [];
  let minSize = flexible ? 1 : 0;
  for (const def of fields) {
    if (!inVersions(def.versions, version)) {
      absent.push(def);
      continue;
    }
    const isArray = def.type.startsWith('[]');
    const base = (isArray ? def.type.slice(2) : def.type) as ScalarType | 'struct';
    const kind = base === 'struct' ? Kind.Struct : KIND[base];
    if (kind === undefined) throw new Error(`unknown type ${def.type} for field ${def.name}`);
    const sub = def.fields ? buildPlan(def.fields, version, flexible) : null;
    const isTagged = flexible && def.tag !== undefined && inVersions(def.taggedVersions, version);
    const elementSize = kind === Kind.Struct ? Math.max(1, sub!.minSize) : (FIXED_SIZE[kind] ?? 1);
    const op: Op = {
      name: def.name,
      kind,
      isArray,
      nullable: inVersions(def.nullableVersions, version),
      tag: isTagged ? def.tag! : -1,
      def,
      sub,
      minSize: elementSize,
    };
    if (isTagged) taggedOps.push(op);
    else {
      ops.push(op);
      minSize += isArray ? (flexible ? 1 : 4) : kind === Kind.Struct ? sub!.minSize : (FIXED_SIZE[kind] ?? 1);
    }
  }
  taggedOps.sort((a, b) => a.tag - b.tag);
  return { ops, tagged: taggedOps, absent, flexible, minSize };
}

function readScalar(r: Reader, op: Op, flexible: boolean): unknown {
  switch (op.kind) {
    case Kind.Bool:
      return r.bool();
    case Kind.Int8:
      return r.int8();
    case Kind.Int16:
      return r.int16();
    case Kind.Uint16:
      return r.uint16();
    case Kind.Int32:
      return r.int32();
    case Kind.Uint32:
      return r.uint32();
    case Kind.Int64:
      return r.int64();
    case Kind.Float64:
      return r.float64();
    case Kind.Uuid:
      return r.uuid();
    case Kind.String: {
      const s = r.string(flexible);
      if (s === null && !op.nullable) throw new ProtocolError(`null value for non-nullable field ${op.name}`);
      return s;
    }
    case Kind.Bytes:
    case Kind.Records: {
      const b = r.bytes(flexible);
      if (b === null && !op.nullable && op.kind === Kind.Bytes) {
        throw new ProtocolError(`null value for non-nullable field ${op.name}`);
      }
      return b;
    }
    case Kind.Struct:
      return decodeStruct(r, op.sub!);
  }
}

function readField(r: Reader, op: Op, flexible: boolean): unknown {
  if (op.isArray) {
    const n = r.arrayLength(flexible, op.minSize);
    if (n < 0) {
      if (!op.nullable) throw new ProtocolError(`null array for non-nullable field ${op.name}`);
      return null;
    }
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readScalar(r, op, flexible);
    return out;
  }
  if (op.kind === Kind.Struct && op.nullable) {
    // Nullable structs are preceded by a presence byte (-1 absent, 1 present).
    if (r.int8() < 0) return null;
  }
  return readScalar(r, op, flexible);
}

function decodeStruct(r: Reader, plan: StructPlan): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  const ops = plan.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    obj[op.name] = readField(r, op, plan.flexible);
  }
  for (let i = 0; i < plan.absent.length; i++) {
    const def = plan.absent[i]!;
    obj[def.name] = defaultValue(def, def.nullableVersions !== undefined && def.nullableVersions !== 'none');
  }
  if (plan.flexible) {
    for (const op of plan.tagged) obj[op.name] = defaultValue(op.def, op.nullable);
    readTaggedFields(r, plan, obj);
  }
  return obj;
}

function readTaggedFields(r: Reader, plan: StructPlan, obj: Record<string, unknown>): void {
  const count = r.uvarint();
  if (count > r.remaining) throw new ProtocolError(`tagged field count ${count} exceeds the bytes left`);
  let lastTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= lastTag) throw new ProtocolError(`tagged fields out of order: ${tag} after ${lastTag}`);
    lastTag = tag;
    const size = r.uvarint();
    if (size > r.remaining) throw new ProtocolError(`tagged field ${tag} size ${size} exceeds the bytes left`);
    const op = plan.tagged.find((t) => t.tag === tag);
    if (!op) {
      r.skip(size);
      continue;
    }
    const sub = new Reader(r.buf, r.offset, r.offset + size);
    obj[op.name] = readField(sub, op, true);
    r.skip(size);
  }
}

function writeScalar(w: Writer, op: Op, v: unknown, flexible: boolean): void {
  switch (op.kind) {
    case Kind.Bool:
      w.bool(Boolean(v));
      return;
    case Kind.Int8:
      w.int8((v as number) ?? 0);
      return;
    case Kind.Int16:
      w.int16((v as number) ?? 0);
      return;
    case Kind.Uint16:
      w.uint16((v as number) ?? 0);
      return;
    case Kind.Int32:
      w.int32((v as number) ?? 0);
      return;
    case Kind.Uint32:
      w.uint32((v as number) ?? 0);
      return;
    case Kind.Int64:
      w.int64((v as number | bigint) ?? 0);
      return;
    case Kind.Float64:
      w.float64((v as number) ?? 0);
      return;
    case Kind.Uuid:
      w.uuid(v as string);
      return;
    case Kind.String:
      w.string(v == null ? (op.nullable ? null : '') : String(v), flexible);
      return;
    case Kind.Bytes:
      w.bytes(v == null ? (op.nullable ? null : EMPTY) : (v as Buffer), flexible);
      return;
    case Kind.Records:
      w.records(v as Buffer | Buffer[] | null, flexible);
      return;
    case Kind.Struct:
      encodeStruct(w, op.sub!, (v ?? {}) as Record<string, unknown>);
      return;
  }
}

function writeField(w: Writer, op: Op, v: unknown, flexible: boolean): void {
  if (v === undefined) v = defaultValue(op.def, op.nullable);
  if (op.isArray) {
    if (v == null) {
      if (flexible) w.uvarint(0);
      else w.int32(op.nullable ? -1 : 0);
      return;
    }
    const arr = v as unknown[];
    if (flexible) w.uvarint(arr.length + 1);
    else w.int32(arr.length);
    for (let i = 0; i < arr.length; i++) writeScalar(w, op, arr[i], flexible);
    return;
  }
  if (op.kind === Kind.Struct && op.nullable) {
    if (v == null) {
      w.int8(-1);
      return;
    }
    w.int8(1);
  }
  writeScalar(w, op, v, flexible);
}

function isDefault(op: Op, v: unknown): boolean {
  if (v === undefined) return true;
  const d = defaultValue(op.def, op.nullable);
  if (v === null) return d === null || d === undefined;
  if (Array.isArray(v)) return v.length === 0 && Array.isArray(d);
  if (Buffer.isBuffer(v)) return Buffer.isBuffer(d) && v.equals(d);
  return v === d;
}

function encodeStruct(w: Writer, plan: StructPlan, obj: Record<string, unknown>): void {
  const ops = plan.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    writeField(w, op, obj[op.name], plan.flexible);
  }
  if (!plan.flexible) return;
  let count = 0;
  for (const op of plan.tagged) if (!isDefault(op, obj[op.name])) count++;
  w.uvarint(count);
  if (count === 0) return;
  for (const op of plan.tagged) {
    const v = obj[op.name];
    if (isDefault(op, v)) continue;
    const sub = new Writer(64);
    writeField(sub, op, v, true);
    const bytes = sub.toBuffer();
    w.uvarint(op.tag);
    w.uvarint(bytes.length);
    w.raw(bytes);
  }
}

export interface VersionCodec<T = any> {
  readonly version: number;
  readonly flexible: boolean;
  decode(r: Reader): T;
  encode(w: Writer, value: T): void;
}

/** The codecs of one message, one per version, built lazily and cached. */
export class MessageCodec<T = any> {
  private readonly versions: (VersionCodec<T> | undefined)[] = [];
  readonly minVersion: number;
  readonly maxVersion: number;

  constructor(readonly def: MessageDef) {
    const r = parseVersions(def.validVersions);
    this.minVersion = r.min;
    this.maxVersion = r.max;
  }

  isFlexible(version: number): boolean {
    return inVersions(this.def.flexibleVersions, version);
  }

  forVersion(version: number): VersionCodec<T> {
    let c = this.versions[version];
    if (c) return c;
    if (version < this.minVersion || version > this.maxVersion) {
      throw new ProtocolError(`${this.def.name} version ${version} is not in ${this.def.validVersions}`);
    }
    const flexible = this.isFlexible(version);
    const plan = buildPlan(this.def.fields, version, flexible);
    c = {
      version,
      flexible,
      decode: (r: Reader) => decodeStruct(r, plan) as T,
      encode: (w: Writer, value: T) => encodeStruct(w, plan, value as Record<string, unknown>),
    };
    this.versions[version] = c;
    return c;
  }

  decode(buf: Buffer, version: number): T {
    return this.forVersion(version).decode(new Reader(buf));
  }

  encode(value: T, version: number): Buffer {
    const w = new Writer();
    this.forVersion(version).encode(w, value);
    return w.toBuffer();
  }
}
