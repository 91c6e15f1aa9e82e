// The configuration definition language shared by broker and topic configs: types, validators,
// parsing of raw strings into typed values and printing typed values back the way Kafka prints them
// (ConfigDef.parseType / convertToString), so that DescribeConfigs answers and error messages match
// what Kafka tools expect byte for byte.
//
// Typed values: int/short/long/double are JS numbers (a long beyond 2^53 loses precision; Long.MAX_VALUE
// is kept as the number 2^63 and printed back as 9223372036854775807), boolean is boolean, string, class
// and password are strings, list is string[]. A key with no value (Kafka's null default) is null.

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';
export type Importance = 'high' | 'medium' | 'low';
/** How a broker key can be altered at runtime through AlterConfigs (Kafka's DynamicBrokerConfig modes). */
export type DynamicMode = 'cluster-wide' | 'per-broker';
export type ConfigValue = boolean | number | string | string[] | null;

/** Kafka's ConfigSource ids as sent in DescribeConfigs responses. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

/** Kafka's DescribeConfigs ConfigType ids. */
export const ConfigTypeId: Record<ConfigType | 'unknown', number> = {
  unknown: 0, boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9,
};

export const LONG_MAX = 9223372036854775807; // the double nearest Long.MAX_VALUE, i.e. 2^63
export const LONG_MAX_STRING = '9223372036854775807';
export const INT_MAX = 2147483647;

/** Kafka error codes a config failure maps to. */
export const INVALID_CONFIG = 40;
export const INVALID_REQUEST = 42;

/** A configuration problem. `message` is worded as Kafka words it; `errorCode` is the Kafka error code to answer with. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_SAMSA_CONFIG';
  constructor(message: string, readonly key?: string, readonly errorCode: number = INVALID_CONFIG) {
    super(message);
  }
  /** Kafka's ConfigException(name, value, message) wording. */
  static invalid(key: string, shownValue: string, message?: string): ConfigError {
    return new ConfigError(`Invalid value ${shownValue} for configuration ${key}${message === undefined ? '' : ': ' + message}`, key);
  }
}

export interface Validator {
  /** Throws ConfigError; `shown` is the parsed value printed the way Java would print it. */
  ensureValid(key: string, value: ConfigValue, shown: string): void;
  /** The "Valid Values" column of Kafka's documentation. */
  readonly describe: string;
}

export interface ConfigKeyDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's default exactly as Kafka prints it; null when Kafka has no value by default. */
  readonly default: string | null;
  readonly importance: Importance;
  /** One line, in Samsa's own words. */
  readonly doc: string;
  readonly validator?: Validator;
  readonly dynamic?: DynamicMode;
  /** Internal keys are accepted but not listed by DescribeConfigs. */
  readonly internal?: boolean;
  /** Samsa's default when the metadata store is the embedded single-node one (differs from Kafka's). */
  readonly embeddedDefault?: string;
  /** Accepted for compatibility but has no effect in Samsa: the warning to give when it is set. */
  readonly unused?: string;
}

// ---- number formatting as Java prints numbers ----

function javaLong(n: number): string {
  if (n >= LONG_MAX) return LONG_MAX_STRING;
  if (Number.isSafeInteger(n)) return String(n);
  return BigInt(Math.trunc(n)).toString();
}

/** Double.toString: "1.0", "0.5", "1.0E-5", "1.7976931348623157E308". */
export function javaDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(n);
    return s.includes('.') ? s : s + '.0';
  }
  const [mant, exp] = n.toExponential().split('e');
  return (mant!.includes('.') ? mant : mant + '.0') + 'E' + (exp!.startsWith('+') ? exp!.slice(1) : exp);
}

/** ConfigDef.convertToString: the string Kafka shows for a typed value. */
export function formatValue(value: ConfigValue, type: ConfigType): string | null {
  if (value === null) return null;
  switch (type) {
    case 'list': return (value as string[]).join(',');
    case 'long': return javaLong(value as number);
    case 'double': return javaDouble(value as number);
    case 'int': case 'short': return String(value);
    default: return String(value);
  }
}

/** How Java's toString shows a parsed value inside an error message (lists as [a, b]). */
export function showValue(value: ConfigValue, type: ConfigType): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return '[' + value.join(', ') + ']';
  return formatValue(value, type) ?? 'null';
}

// ---- parsing raw strings as ConfigDef.parseType does ----

const INT_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?)$/;
const LIST_SPLIT = /\s*,\s*/;

function parseInteger(key: string, raw: string, trimmed: string, min: bigint, max: bigint, typeName: string): number {
  if (!INT_RE.test(trimmed)) throw ConfigError.invalid(key, raw, `Not a number of type ${typeName}`);
  const big = BigInt(trimmed);
  if (big < min || big > max) throw ConfigError.invalid(key, raw, `Not a number of type ${typeName}`);
  return big === BigInt(LONG_MAX_STRING) ? LONG_MAX : Number(big);
}

/** Parses one raw value (the string as written) into its typed value; throws ConfigError like Kafka. */
export function parseValue(key: string, raw: string, type: ConfigType): ConfigValue {
  const trimmed = raw.trim();
  switch (type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw ConfigError.invalid(key, raw, 'Expected value to be either true or false');
    }
    case 'string': case 'password': case 'class':
      return trimmed;
    case 'int': return parseInteger(key, raw, trimmed, -(2n ** 31n), 2n ** 31n - 1n, 'INT');
    case 'short': return parseInteger(key, raw, trimmed, -(2n ** 15n), 2n ** 15n - 1n, 'SHORT');
    case 'long': return parseInteger(key, raw, trimmed, -(2n ** 63n), 2n ** 63n - 1n, 'LONG');
    case 'double': {
      if (!DOUBLE_RE.test(trimmed)) throw ConfigError.invalid(key, raw, 'Not a number of type DOUBLE');
      return Number(trimmed.replace(/[fFdD]$/, ''));
    }
    case 'list':
      return trimmed === '' ? [] : trimmed.split(LIST_SPLIT);
  }
}

/** Parses and validates one value against its definition. */
export function parseAndValidate(def: ConfigKeyDef, raw: string): ConfigValue {
  const value = parseValue(def.name, raw, def.type);
  if (def.validator) def.validator.ensureValid(def.name, value, showValue(value, def.type));
  return value;
}

/** The typed default of a definition (Kafka's, or Samsa's embedded one when asked). */
export function defaultValue(def: ConfigKeyDef, embedded = false): ConfigValue {
  const d = embedded && def.embeddedDefault !== undefined ? def.embeddedDefault : def.default;
  return d === null ? null : parseValue(def.name, d, def.type);
}

// ---- validators (Kafka's ConfigDef.Range / ValidString / ValidList and a few specific ones) ----

export function atLeast(min: number): Validator {
  return {
    describe: `[${min},...]`,
    ensureValid(key, value, shown) {
      if (value === null) throw ConfigError.invalid(key, 'null', 'Value must be non-null');
      if ((value as number) < min) throw ConfigError.invalid(key, shown, `Value must be at least ${min}`);
    },
  };
}

export function between(min: number, max: number): Validator {
  return {
    describe: `[${min},...,${max}]`,
    ensureValid(key, value, shown) {
      if (value === null) throw ConfigError.invalid(key, 'null', 'Value must be non-null');
      if ((value as number) < min) throw ConfigError.invalid(key, shown, `Value must be at least ${min}`);
      if ((value as number) > max) throw ConfigError.invalid(key, shown, `Value must be no more than ${max}`);
    },
  };
}

export function oneOf(...valid: string[]): Validator {
  return {
    describe: `[${valid.join(', ')}]`,
    ensureValid(key, value) {
      if (value === null || !valid.includes(value as string)) {
        throw ConfigError.invalid(key, String(value), `String must be one of: ${valid.join(', ')}`);
      }
    },
  };
}

export function oneOfIgnoringCase(...valid: string[]): Validator {
  const upper = valid.map((v) => v.toUpperCase());
  return {
    describe: `(case insensitive) [${valid.join(', ')}]`,
    ensureValid(key, value) {
      if (value === null || !upper.includes((value as string).toUpperCase())) {
        throw ConfigError.invalid(key, String(value), `String must be one of (case insensitive): ${valid.join(', ')}`);
      }
    },
  };
}

export function listOf(...valid: string[]): Validator {
  const one = oneOf(...valid);
  return {
    describe: one.describe,
    ensureValid(key, value) {
      for (const item of (value as string[] | null) ?? []) one.ensureValid(key, item, item);
    },
  };
}

/** gzip levels: 1..9, or -1 for the library default. */
export const gzipLevel: Validator = {
  describe: '[1,...,9] or -1',
  ensureValid(key, value, shown) {
    if (value === null) throw ConfigError.invalid(key, 'null', 'Value must be non-null');
    const level = value as number;
    if (level > 9 || (level < 1 && level !== -1)) {
      throw ConfigError.invalid(key, shown, 'Value must be between 1 and 9 or equal to -1');
    }
  },
};

/** leader/follower.replication.throttled.replicas: '*' or partition:broker pairs. */
export const throttledReplicas: Validator = {
  describe: '[partitionId]:[brokerId],[partitionId]:[brokerId],...',
  ensureValid(key, value, shown) {
    const items = ((value as string[] | null) ?? []).map((s) => s.trim());
    if (!(items.every((s) => /^([0-9]+:[0-9]+)?$/.test(s)) || items.join('') === '*')) {
      throw ConfigError.invalid(key, shown,
        `${key} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`);
    }
  },
};

// Kafka's MetadataVersion strings (inter.broker.protocol.version, message.format.version).
const RELEASES_WITH_IVS: Array<[string, number]> = [
  ['0.10.0', 2], ['0.10.1', 3], ['0.10.2', 1], ['0.11.0', 3], ['1.0', 1], ['1.1', 1], ['2.0', 2], ['2.1', 3],
  ['2.2', 2], ['2.3', 2], ['2.4', 2], ['2.5', 1], ['2.6', 1], ['2.7', 3], ['2.8', 2], ['3.0', 2], ['3.1', 1],
  ['3.2', 1], ['3.3', 4], ['3.4', 1], ['3.5', 3], ['3.6', 3], ['3.7', 5], ['3.8', 1], ['3.9', 1], ['4.0', 4],
];
/** Production releases: a bare release string resolves to its latest production sub-version. */
const PRODUCTION_RELEASES = new Set(['0.8.0', '0.8.1', '0.8.2', '0.9.0',
  ...RELEASES_WITH_IVS.map(([r]) => r)]);
const METADATA_VERSIONS = new Set<string>(['0.8.0', '0.8.1', '0.8.2', '0.9.0']);
for (const [release, count] of RELEASES_WITH_IVS) for (let i = 0; i < count; i++) METADATA_VERSIONS.add(`${release}-IV${i}`);

/** Kafka's MetadataVersion.fromVersionString(...).version(): "3.0" -> "3.0-IV1", "2.8-IV0" stays; null if invalid. */
export function normalizeMetadataVersion(version: string): string | null {
  const segments = version.split('.');
  const n = version.startsWith('0.') ? 3 : 2;
  const key = n >= segments.length ? version : segments.slice(0, n).join('.');
  if (METADATA_VERSIONS.has(key)) return key;
  if (!PRODUCTION_RELEASES.has(key)) return null;
  if (key === '4.0') return '4.0-IV0'; // the latest production version
  const ivs = RELEASES_WITH_IVS.find(([r]) => r === key)?.[1];
  return ivs === undefined ? key : `${key}-IV${ivs - 1}`;
}

/** Whether Kafka's MetadataVersion.fromVersionString would accept the string. */
export function isMetadataVersion(version: string): boolean {
  return normalizeMetadataVersion(version) !== null;
}

export const metadataVersion: Validator = {
  describe: '[' + [...METADATA_VERSIONS].join(', ') + ']',
  ensureValid(key, value) {
    if (!isMetadataVersion(String(value))) {
      throw ConfigError.invalid(key, String(value), `Version ${String(value)} is not a valid version`);
    }
  },
};

/** Builds a name-indexed table, refusing duplicates. */
export function indexDefs(defs: readonly ConfigKeyDef[]): ReadonlyMap<string, ConfigKeyDef> {
  const map = new Map<string, ConfigKeyDef>();
  for (const d of defs) {
    if (map.has(d.name)) throw new Error(`Configuration ${d.name} is defined twice.`);
    map.set(d.name, d);
  }
  return map;
}

// ---- DescribeConfigs result shapes (field names as in the DescribeConfigs response schema) ----

export interface DescribeConfigsSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface DescribeConfigsEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** Only on the wire in version 0: true when the value is Kafka's (or Samsa's) default. */
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: DescribeConfigsSynonym[];
  configType: number;
  documentation: string | null;
}

export interface DescribeOptions {
  /** Only these keys; null or empty means every key. */
  keys?: readonly string[] | null;
  includeSynonyms: boolean;
  includeDocumentation: boolean;
  /** DescribeConfigs request version. */
  version: number;
}

/** Builds one entry; synonyms are given highest priority first, and the first one decides the source. */
export function describeEntry(
  name: string, value: string | null, type: ConfigType | undefined, readOnly: boolean,
  allSynonyms: DescribeConfigsSynonym[], documentation: string | undefined, opts: DescribeOptions,
): DescribeConfigsEntry {
  const isSensitive = type === undefined || type === 'password';
  const configSource = allSynonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
  return {
    name,
    value: isSensitive ? null : value,
    readOnly,
    isDefault: configSource === ConfigSource.DEFAULT_CONFIG,
    configSource,
    isSensitive,
    synonyms: opts.includeSynonyms && opts.version >= 1 ? allSynonyms : [],
    configType: ConfigTypeId[type ?? 'unknown'],
    documentation: opts.includeDocumentation ? documentation ?? null : null,
  };
}

/** Keeps the names asked for (all when none are), in name order. */
export function selectKeys(names: Iterable<string>, keys: readonly string[] | null | undefined): string[] {
  const all = [...new Set(names)];
  const chosen = keys && keys.length > 0 ? all.filter((n) => keys.includes(n)) : all;
  return chosen.sort();
}
