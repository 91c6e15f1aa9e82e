// The declarative language in which every Kafka message is defined once.
// A definition lists its fields with the versions in which each exists, is
// nullable or is tagged; codec.ts derives the encoder and decoder for each
// version from it. Field names are the camelCase of Kafka's field names.

export type ScalarType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

export type FieldType = ScalarType | `[]${ScalarType}` | 'struct' | '[]struct';

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  /** Version range in which the field exists: '0+', '3-7', '5', 'none'. */
  readonly versions: string;
  /** Versions in which the field may be null (strings, bytes, records, arrays, structs). */
  readonly nullableVersions?: string;
  /** Versions in which the field is sent as a tagged field (flexible versions only). */
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** Value used when the field is absent in a version or omitted by the caller. */
  readonly default?: unknown;
  /** Sub-fields of 'struct' and '[]struct'. */
  readonly fields?: readonly FieldDef[];
}

export interface MessageDef {
  readonly name: string;
  readonly validVersions: string;
  /** Versions that use compact encodings and tagged fields: '9+' or 'none'. */
  readonly flexibleVersions: string;
  readonly fields: readonly FieldDef[];
}

export interface ApiDef {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageDef;
  readonly response: MessageDef;
}

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

const NONE: VersionRange = { min: 1, max: 0 };
const cache = new Map<string, VersionRange>();

/** Parses '0+', '3-7', '5' or 'none'. */
export function parseVersions(spec: string | undefined): VersionRange {
  if (spec === undefined || spec === 'none' || spec === '') return NONE;
  let r = cache.get(spec);
  if (r) return r;
  if (spec.endsWith('+')) r = { min: Number(spec.slice(0, -1)), max: Number.MAX_SAFE_INTEGER };
  else if (spec.includes('-')) {
    const [a, b] = spec.split('-');
    r = { min: Number(a), max: Number(b) };
  } else r = { min: Number(spec), max: Number(spec) };
  if (!Number.isInteger(r.min) || !(Number.isInteger(r.max) || r.max === Number.MAX_SAFE_INTEGER)) {
    throw new Error(`bad version range '${spec}'`);
  }
  cache.set(spec, r);
  return r;
}

export function inVersions(spec: string | undefined, version: number): boolean {
  const r = parseVersions(spec);
  return version >= r.min && version <= r.max;
}

// Small builders so that definitions read like Kafka's schema files.
type Opts = Omit<FieldDef, 'name' | 'type' | 'versions' | 'fields'>;

export function field(name: string, type: ScalarType | `[]${ScalarType}`, versions = '0+', opts: Opts = {}): FieldDef {
  return { name, type, versions, ...opts };
}

export function struct(name: string, versions: string, fields: readonly FieldDef[], opts: Opts = {}): FieldDef {
  return { name, type: 'struct', versions, fields, ...opts };
}

export function array(name: string, versions: string, fields: readonly FieldDef[], opts: Opts = {}): FieldDef {
  return { name, type: '[]struct', versions, fields, ...opts };
}

export function tagged(def: FieldDef, tag: number, taggedVersions: string): FieldDef {
  return { ...def, tag, taggedVersions };
}
