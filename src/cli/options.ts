// Command-line parsing shared by the Kafka tools, with the behaviour of the
// parser Kafka's tools use (jopt-simple, as configured by Kafka's
// CommandDefaultOptions): `--name value` or `--name=value`, no abbreviations,
// an option taking a required argument takes the next word whatever it looks
// like (so `--shift-by -2` works), repeated options collect values, non-option
// words are allowed and ignored, `--help` and `--version` on every tool.
// Errors carry jopt-simple's messages ("x is not a recognized option",
// "Option x requires an argument", "Cannot parse argument 'a' of option b")
// and the helpers below print Kafka's usage errors ("Missing required
// argument \"[topic]\"", "Option \"[a]\" can't be used with option \"[b]\"")
// followed by the help table, exiting 1 as Kafka's CommandLineUtils does.
//
// Also here: Java .properties files (--command-config, --producer.config),
// `k=v` lists (--property, --producer-property), and client configuration
// built from them.

import { readFileSync } from 'node:fs';
import { parseProperties } from '../broker/config/properties.js';
import { formatHelp } from './output.js';

export type ArgType = 'String' | 'Integer' | 'Long' | 'Double';

export interface OptionSpec {
  name: string;
  description: string;
  /** 'none': a flag; 'required': `--x value`; 'optional': `--x [value]`. */
  arg: 'none' | 'required' | 'optional';
  type: ArgType;
  describedAs?: string;
  defaults?: string[];
  /** Values given as one word separated by this character (jopt-simple's withValuesSeparatedBy). */
  separator?: string;
  /** Help only (no argument type shown): --help, --version. */
  forHelp?: boolean;
}

/** Raised by parsing and by the usage helpers: the command ends with this exit code (its message is already printed). */
export class CommandExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** jopt-simple's OptionException: a malformed command line. */
export class OptionException extends Error {
  override name = 'OptionException';
}

/** Kafka's IllegalArgumentException / InvalidConfigurationException from argument checks: tools print the message. */
export class ArgumentError extends Error {
  override name = 'IllegalArgumentException';
}

export class OptionParser {
  readonly specs = new Map<string, OptionSpec>();

  constructor() {
    this.flag('help', 'Print usage information.', true);
    this.flag('version', 'Display Kafka version.', true);
  }

  /** An option without an argument. */
  flag(name: string, description: string, forHelp = false): this {
    this.specs.set(name, { name, description, arg: 'none', type: 'String', forHelp });
    return this;
  }

  /** An option with a required argument (`--name value`). */
  arg(name: string, description: string, o: { describedAs?: string; type?: ArgType; defaults?: string | string[]; separator?: string; optional?: boolean } = {}): this {
    this.specs.set(name, {
      name,
      description,
      arg: o.optional ? 'optional' : 'required',
      type: o.type ?? 'String',
      describedAs: o.describedAs,
      defaults: o.defaults === undefined ? undefined : Array.isArray(o.defaults) ? o.defaults : [o.defaults],
      separator: o.separator,
    });
    return this;
  }

  /** Parses argv; throws OptionException with jopt-simple's message on a malformed command line. */
  parse(args: readonly string[]): OptionSet {
    const values = new Map<string, string[]>();
    const seen: string[] = [];
    const occurrences: string[] = [];
    const nonOptions: string[] = [];
    const add = (spec: OptionSpec, value: string | null) => {
      occurrences.push(spec.name);
      let l = values.get(spec.name);
      if (!l) {
        values.set(spec.name, (l = []));
        seen.push(spec.name);
      }
      if (value === null) return;
      if (spec.separator) l.push(...value.split(spec.separator));
      else l.push(value);
    };
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--') {
        nonOptions.push(...args.slice(i + 1));
        break;
      }
      if (!a.startsWith('-') || a === '-') {
        nonOptions.push(a);
        continue;
      }
      const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const spec = this.specs.get(name);
      if (!spec) {
        // Kafka 3.x's tools know --zookeeper no more; say what replaced it, as Kafka's upgrade notes do.
        const hint = name === 'zookeeper' ? '\nThe --zookeeper option was removed in Kafka 3.0: use --bootstrap-server <host:port> to connect to the brokers instead.' : '';
        throw new OptionException(`${name} is not a recognized option${hint}`);
      }
      if (spec.arg === 'none') {
        if (eq >= 0) throw new OptionException(`Option ${name} does not take an argument`);
        add(spec, null);
      } else if (eq >= 0) {
        add(spec, body.slice(eq + 1));
      } else if (spec.arg === 'required') {
        if (i + 1 >= args.length) throw new OptionException(`Option ${name} requires an argument`);
        add(spec, args[++i]!);
      } else {
        const next = args[i + 1];
        if (next !== undefined && (!next.startsWith('-') || /^-\d/.test(next))) add(spec, args[++i]!);
        else add(spec, null);
      }
    }
    return new OptionSet(this, values, seen, occurrences, nonOptions, args.length);
  }

  help(): string {
    return formatHelp([...this.specs.values()]);
  }
}

export class OptionSet {
  constructor(
    readonly parser: OptionParser,
    private readonly values: Map<string, string[]>,
    /** Options in the order first seen on the command line. */
    readonly seen: readonly string[],
    /** Every occurrence of every option, in command-line order. */
    readonly occurrences: readonly string[],
    readonly nonOptions: readonly string[],
    readonly argCount: number,
  ) {}

  has(name: string): boolean {
    if (!this.parser.specs.has(name)) throw new Error(`option ${name} is not declared`);
    return this.values.has(name);
  }

  /** Every value given (or the defaults). */
  valuesOf(name: string): string[] {
    const v = this.values.get(name);
    if (v && v.length > 0) return v;
    return this.parser.specs.get(name)?.defaults ?? [];
  }

  /** The value (or the default); undefined when neither. Throws jopt-simple's error when given several times. */
  valueOf(name: string): string | undefined {
    const v = this.valuesOf(name);
    if (v.length > 1) throw new OptionException(`Found multiple arguments for option ${name}, but you asked for only one`);
    return v[0];
  }

  /** An Integer/Long option's value, converted as jopt-simple does (a conversion error names the option). */
  number(name: string): number | undefined {
    const v = this.valueOf(name);
    if (v === undefined) return undefined;
    return parseJavaInteger(v, this.parser.specs.get(name)!.type === 'Long' ? 'long' : 'int', () => new OptionException(`Cannot parse argument '${v}' of option ${name}`));
  }

  numbers(name: string): number[] {
    return this.valuesOf(name).map((v) => parseJavaInteger(v, this.parser.specs.get(name)!.type === 'Long' ? 'long' : 'int', () => new OptionException(`Cannot parse argument '${v}' of option ${name}`)));
  }
}

/** Java's Integer.parseInt / Long.parseLong (decimal, optional sign, within range). */
export function parseJavaInteger(s: string, kind: 'int' | 'long', error: () => Error): number {
  if (!/^[+-]?\d+$/.test(s)) throw error();
  const n = Number(s);
  if (kind === 'int' && (n > 2147483647 || n < -2147483648)) throw error();
  if (kind === 'long' && !Number.isSafeInteger(n)) {
    const b = BigInt(s);
    if (b > 9223372036854775807n || b < -9223372036854775808n) throw error();
  }
  return n;
}

// ------------------------------------------------------------------ Kafka's CommandLineUtils

/** Prints the message and the help table on stderr and ends the command with exit code 1. */
export function printUsageAndExit(parser: OptionParser, message: string): never {
  process.stderr.write(`${message}\n${parser.help()}`);
  throw new CommandExit(1);
}

export const KAFKA_VERSION = '3.9.0';

/** --help (or no arguments at all) prints the usage and exits 1; --version prints the version and exits 0. */
export function maybePrintHelpOrVersion(opts: OptionSet, message: string): void {
  if (opts.argCount === 0 || opts.has('help')) printUsageAndExit(opts.parser, message);
  if (opts.has('version')) {
    process.stdout.write(`${KAFKA_VERSION} (Samsa ${samsaVersion()})\n`);
    throw new CommandExit(0);
  }
}

let cachedVersion: string | undefined;
export function samsaVersion(): string {
  if (cachedVersion === undefined) {
    try {
      cachedVersion = String(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version);
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

/** How jopt-simple prints an option spec in messages: [name]. */
export function specName(name: string): string {
  return `[${name}]`;
}

export function checkRequiredArgs(opts: OptionSet, ...required: string[]): void {
  for (const r of required) if (!opts.has(r)) printUsageAndExit(opts.parser, `Missing required argument "${specName(r)}"`);
}

/** When `used` is present, none of `invalid` may be. */
export function checkInvalidArgs(opts: OptionSet, used: string, invalid: Iterable<string>): void {
  if (!opts.has(used)) return;
  for (const i of invalid) if (opts.has(i)) printUsageAndExit(opts.parser, `Option "${specName(used)}" can't be used with option "${specName(i)}"`);
}

/** Parses argv for a tool, turning jopt-simple errors into Kafka's usage exit. */
export function parseOrUsage(parser: OptionParser, args: readonly string[]): OptionSet {
  try {
    return parser.parse(args);
  } catch (err) {
    if (err instanceof OptionException) printUsageAndExit(parser, err.message);
    throw err;
  }
}

/** Parses argv; a malformed command line prints jopt-simple's message alone (the tools that let it escape to main) and exits 1. */
export function parseOrExit(parser: OptionParser, args: readonly string[]): OptionSet {
  try {
    return parser.parse(args);
  } catch (err) {
    if (err instanceof OptionException) {
      process.stderr.write(`${err.message}\n`);
      throw new CommandExit(1);
    }
    throw err;
  }
}

// ------------------------------------------------------------------ properties

/** Reads a Java .properties file (Kafka's Utils.loadProps); a missing file fails with Java's message. */
export function loadProps(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ArgumentError(e.code === 'ENOENT' ? `${file} (No such file or directory)` : `${file}: ${e.message}`);
  }
  return parseProperties(text);
}

/** Kafka's CommandLineUtils.parseKeyValueArgs: `k=v` (split at the first '='); `k` alone gives ''. */
export function parseKeyValueArgs(args: readonly string[], acceptMissingValue = true): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    const k = eq < 0 ? a : a.slice(0, eq);
    const v = eq < 0 ? '' : a.slice(eq + 1);
    if (v === '' && !acceptMissingValue) throw new ArgumentError(`Missing value for key ${k}}`);
    out[k] = v;
  }
  return out;
}

/** Java's Utils.getPort(host:port) check on every entry of a bootstrap list. */
export function validHostPorts(list: string): boolean {
  const parts = list.split(',');
  return parts.length > 0 && parts.every((p) => /^(?:\[[0-9a-fA-F:.]+\]|[^:\s]*):\d+$/.test(p.trim()) || /^[0-9a-fA-F:]+:[0-9]+$/.test(p.trim()));
}

const UNSUPPORTED_SECURITY = new Set(['SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
/** Keys Kafka's clients accept that name Java classes the Samsa client does not load. */
const JAVA_ONLY_KEYS = new Set(['key.serializer', 'value.serializer', 'key.deserializer', 'value.deserializer', 'interceptor.classes', 'metric.reporters']);

/**
 * Client configuration from a tool's properties (command config file, then
 * overrides). Kafka keys naming Java classes are dropped (the tools read and
 * write bytes); a security protocol the Samsa client cannot speak is refused
 * rather than silently ignored.
 */
export function clientConfig(bootstrap: string, ...sources: Record<string, string>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sources) for (const [k, v] of Object.entries(s)) if (!JAVA_ONLY_KEYS.has(k)) out[k] = v;
  const sp = out['security.protocol'];
  if (sp !== undefined) {
    if (UNSUPPORTED_SECURITY.has(sp.toUpperCase())) throw new ArgumentError(`security.protocol=${sp} is not supported by the Samsa client yet (PLAINTEXT only)`);
    delete out['security.protocol'];
  }
  out['bootstrap.servers'] = bootstrap;
  return out;
}
