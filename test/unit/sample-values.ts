// Builds representative values for any message definition at any version, so
// that round-trip tests can cover every (API, version) without hand-writing
// values. Two modes:
//  - 'full': every field that exists in the version gets a distinct value
//    that differs from its default (arrays get two elements, nullable fields
//    get a non-null value), so a field that is dropped, swapped or mis-typed
//    by the codec shows up as a mismatch;
//  - 'minimal': every nullable field is null, every other array is empty and
//    every other field holds its default.
// Fields that do not exist in the version hold what the decoder yields for an
// absent field, so `decode(encode(v))` is expected to deep-equal `v`.

import { ZERO_UUID } from '../../src/protocol/codec.js';
import { ApiDef, FieldDef, inVersions, MessageDef, parseVersions, ScalarType } from '../../src/protocol/schema.js';

export type SampleMode = 'full' | 'minimal';

export interface SampleOptions {
  readonly mode?: SampleMode;
  /** Elements per array in 'full' mode (default 2). */
  readonly arrayLength?: number;
  /** Byte length of 'records' values in 'full' mode (default 40). */
  readonly recordsSize?: number;
  /** First value of the counter that makes every sample distinct (default 1). */
  readonly seed?: number;
}

/** Every version listed in a message's validVersions. */
export function versionsOf(def: MessageDef): number[] {
  const r = parseVersions(def.validVersions);
  const out: number[] = [];
  for (let v = r.min; v <= r.max; v++) out.push(v);
  return out;
}

function isNullableSomewhere(def: FieldDef): boolean {
  return def.nullableVersions !== undefined && def.nullableVersions !== 'none';
}

/** The value of a field that is absent in a version, or left out of a tagged section. */
export function defaultFor(def: FieldDef, nullable: boolean): unknown {
  if (def.default !== undefined) return Array.isArray(def.default) ? [...def.default] : def.default;
  if (def.type.startsWith('[]')) return [];
  switch (def.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'struct':
      return undefined;
    case 'uuid':
      return ZERO_UUID;
    default:
      return 0;
  }
}

/** What the decoder yields for a field that does not exist in the version being decoded. */
export function absentValue(def: FieldDef): unknown {
  return defaultFor(def, isNullableSomewhere(def));
}

class Sampler {
  private n: number;
  constructor(
    private readonly version: number,
    private readonly mode: SampleMode,
    private readonly arrayLength: number,
    private readonly recordsSize: number,
    seed: number,
  ) {
    this.n = seed;
  }

  struct(fields: readonly FieldDef[]): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    for (const def of fields) {
      obj[def.name] = inVersions(def.versions, this.version) ? this.present(def) : absentValue(def);
    }
    return obj;
  }

  private present(def: FieldDef): unknown {
    const nullable = inVersions(def.nullableVersions, this.version);
    const isArray = def.type.startsWith('[]');
    const base = (isArray ? def.type.slice(2) : def.type) as ScalarType | 'struct';
    if (this.mode === 'minimal') {
      if (nullable) return null;
      if (isArray) return [];
      if (base === 'struct') {
        // A tagged struct left at its default is not sent and decodes as the default;
        // a regular struct is always sent, so it decodes to its sub-fields' defaults.
        const tagged = def.tag !== undefined && inVersions(def.taggedVersions, this.version);
        return tagged ? defaultFor(def, false) : this.struct(def.fields ?? []);
      }
      return defaultFor(def, false);
    }
    if (isArray) {
      const out: unknown[] = [];
      for (let i = 0; i < this.arrayLength; i++) out.push(this.element(def, base));
      return out;
    }
    return this.element(def, base);
  }

  private element(def: FieldDef, base: ScalarType | 'struct'): unknown {
    if (base === 'struct') return this.struct(def.fields ?? []);
    const d = def.type.startsWith('[]') ? undefined : def.default;
    let v = this.scalar(base, d);
    if (v === d) v = this.scalar(base, d);
    return v;
  }

  private scalar(type: ScalarType, dflt: unknown): unknown {
    const n = this.n++;
    switch (type) {
      case 'bool':
        return dflt === true ? false : true;
      case 'int8':
        return (n % 120) + 2;
      case 'int16':
        return 1000 + (n % 30000);
      case 'uint16':
        return 40000 + (n % 20000);
      case 'int32':
        return n % 2 === 0 ? 100000 + n : -(100000 + n);
      case 'uint32':
        return 3000000000 + n;
      case 'int64':
        // Beyond 32 bits, and negative for every other sample.
        return n % 2 === 0 ? 2 ** 40 + n : -(2 ** 36) - n;
      case 'float64':
        return n + 0.25;
      case 'uuid': {
        const b = Buffer.alloc(16);
        for (let i = 0; i < 16; i++) b[i] = (n * 31 + i * 7 + 1) & 0xff;
        return b.toString('base64url');
      }
      case 'string':
        return n % 3 === 0 ? `s${n}-é✓` : `s${n}`;
      case 'bytes':
        return Buffer.from([n & 0xff, 1, 2, 3]);
      case 'records': {
        const b = Buffer.alloc(this.recordsSize);
        for (let i = 0; i < b.length; i++) b[i] = (n + i) & 0xff;
        return b;
      }
    }
  }
}

/** A value of `def` for `version` (see the file comment for the two modes). */
export function sampleValue(def: MessageDef, version: number, opts: SampleOptions = {}): Record<string, unknown> {
  const s = new Sampler(version, opts.mode ?? 'full', opts.arrayLength ?? 2, opts.recordsSize ?? 40, opts.seed ?? 1);
  return s.struct(def.fields);
}

export interface Sample {
  readonly api: ApiDef;
  readonly kind: 'request' | 'response';
  readonly message: MessageDef;
  readonly version: number;
  readonly mode: SampleMode;
  readonly value: Record<string, unknown>;
}

/** Samples of every version of an API's request and response, in both modes. */
export function* apiSamples(api: ApiDef, opts: Omit<SampleOptions, 'mode'> = {}): Generator<Sample> {
  for (const kind of ['request', 'response'] as const) {
    const message = api[kind];
    for (const version of versionsOf(message)) {
      for (const mode of ['full', 'minimal'] as const) {
        yield { api, kind, message, version, mode, value: sampleValue(message, version, { ...opts, mode }) };
      }
    }
  }
}

/** Names of fields (dotted paths) that exist in `version`, for coverage checks. */
export function presentFieldPaths(fields: readonly FieldDef[], version: number, prefix = ''): string[] {
  const out: string[] = [];
  for (const def of fields) {
    if (!inVersions(def.versions, version)) continue;
    out.push(prefix + def.name);
    if (def.fields) out.push(...presentFieldPaths(def.fields, version, `${prefix}${def.name}.`));
  }
  return out;
}
