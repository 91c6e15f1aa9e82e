// Command-line parsing for the Kafka tools built on argparse4j 0.7.0 rather
// than jopt-simple (kafka-verifiable-producer, kafka-verifiable-consumer,
// kafka-producer-perf-test), with that library's behaviour where users see it:
//  - `--name value`, `--name=value`, unambiguous prefixes of long names
//    (`--top` for `--topic`; "ambiguous option: --t could match --throughput,
//    --topic"), `-h/--help`, nargs '+' lists, negative numbers as values;
//  - Integer/Long/Double conversion errors ("argument --throughput: could not
//    convert 'x' to Integer (For input string: "x")"), choices ("invalid
//    choice: '2' (choose from {0,1,-1})"), "argument --topic is required",
//    "one of the arguments --a --b is required", "not allowed with argument --a";
//  - errors printed as the usage, then "prog: error: message" (and "Did you
//    mean:" candidates for an unknown flag) on stderr;
//  - the help: "usage: prog [-h] …" wrapped under the program name, the
//    description, "optional arguments:", then each titled or described group,
//    every option's help justified as argparse4j does (TextHelper.wrap with
//    adjustSpace) at the terminal width minus 5 (COLUMNS, else 75 when not a
//    terminal), "(default: x)" after the help of options with a default.

export type ArgType = 'String' | 'Integer' | 'Long' | 'Double' | 'Boolean';

export interface ArgSpec {
  flags: string[];
  dest: string;
  metavar?: string;
  type: ArgType;
  /** 'store' takes a value; 'storeTrue' is a flag. */
  action: 'store' | 'storeTrue';
  nargs?: '+';
  required?: boolean;
  default?: unknown;
  choices?: unknown[];
  help: string;
  group?: ArgGroup;
}

export interface ArgGroup {
  title: string;
  description: string;
  mutex: boolean;
  required: boolean;
  args: ArgSpec[];
}

/** Thrown for a malformed command line (argparse4j's ArgumentParserException). */
export class ArgumentParserException extends Error {
  override name = 'ArgumentParserException';
  constructor(
    message: string,
    readonly unknownFlag?: string,
  ) {
    super(message);
  }
}

/** --help was given: the help is printed and the tool exits. */
export class HelpScreenException extends ArgumentParserException {}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Java's Integer/Long/Double.valueOf, with their NumberFormatException messages. */
function convert(type: ArgType, value: string): unknown {
  switch (type) {
    case 'String':
      return value;
    case 'Boolean':
      return value.toLowerCase() === 'true';
    case 'Integer':
    case 'Long': {
      if (!/^[+-]?\d+$/.test(value)) throw new Error(value === '' ? 'For input string: ""' : `For input string: "${value}"`);
      const n = BigInt(value);
      const [min, max] = type === 'Integer' ? [BigInt(INT_MIN), BigInt(INT_MAX)] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (n < min || n > max) throw new Error(`For input string: "${value}"${type === 'Long' || type === 'Integer' ? '' : ''}`);
      return Number(n);
    }
    case 'Double': {
      const t = value.trim();
      if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)$/.test(t)) throw new Error(t === '' ? 'empty String' : `For input string: "${value}"`);
      return Number(t.replace(/[dDfF]$/, ''));
    }
  }
}

/** Java's toString of a default or choice value. */
function javaString(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'number') return String(v).includes('.') || !Number.isFinite(v) ? String(v) : `${v}.0`;
  return String(v);
}

export interface Namespace {
  [dest: string]: unknown;
}

export class ArgumentParser {
  readonly args: ArgSpec[] = [];
  readonly groups: ArgGroup[] = [];

  constructor(
    readonly prog: string,
    readonly description: string,
  ) {
    this.addArgument({ flags: ['-h', '--help'], dest: 'help', type: 'Boolean', action: 'storeTrue', help: 'show this help message and exit', default: null });
  }

  addArgument(a: Omit<ArgSpec, 'action' | 'type'> & { action?: ArgSpec['action']; type?: ArgType }, group?: ArgGroup): ArgSpec {
    const spec: ArgSpec = { action: 'store', type: 'String', ...a, group };
    // argparse4j's storeTrue sets its default to false.
    if (spec.action === 'storeTrue' && !('default' in a)) spec.default = false;
    this.args.push(spec);
    group?.args.push(spec);
    return spec;
  }

  addMutuallyExclusiveGroup(title = '', description = '', required = false): ArgGroup {
    const g: ArgGroup = { title, description, mutex: true, required, args: [] };
    this.groups.push(g);
    return g;
  }

  // ---------------------------------------------------------------- parsing

  parse(argv: readonly string[]): Namespace {
    const ns: Namespace = {};
    for (const a of this.args) ns[a.dest] = a.default ?? null;
    const used = new Set<ArgSpec>();
    const groupUsed = new Map<ArgGroup, ArgSpec>();
    const flags = new Map<string, ArgSpec>();
    for (const a of this.args) for (const f of a.flags) flags.set(f, a);
    const isFlag = (s: string) => s.startsWith('-') && s !== '-' && !/^-\d+$/.test(s);
    let i = 0;
    while (i < argv.length) {
      const term = argv[i]!;
      if (term === '--') {
        i++;
        if (i < argv.length) throw new ArgumentParserException(`unrecognized arguments: '${argv.slice(i).join(' ')}'`);
        break;
      }
      if (!isFlag(term)) throw new ArgumentParserException(`unrecognized arguments: '${argv.slice(i).join(' ')}'`);
      const eq = term.indexOf('=');
      const flag = eq < 0 ? term : term.slice(0, eq);
      const embedded = eq < 0 ? null : term.slice(eq + 1);
      let arg = flags.get(flag);
      if (!arg) {
        const cand = [...flags.keys()].filter((f) => f.startsWith(flag));
        if (cand.length === 1) arg = flags.get(cand[0]!);
        else if (cand.length > 1) throw new ArgumentParserException(`ambiguous option: ${flag} could match ${cand.sort().join(', ')}`);
      }
      if (!arg) throw new ArgumentParserException(`unrecognized arguments: '${term}'`, term);
      i++;
      if (arg.group?.mutex) {
        const prev = groupUsed.get(arg.group);
        if (prev && prev !== arg) throw new ArgumentParserException(`argument ${textualName(arg)}: not allowed with argument ${textualName(prev)}`);
        groupUsed.set(arg.group, arg);
      }
      if (arg.action === 'storeTrue') {
        if (embedded !== null) throw new ArgumentParserException(`argument ${textualName(arg)}: ignore implicit argument '${embedded}'`);
        if (arg.dest === 'help') throw new HelpScreenException('help');
        ns[arg.dest] = true;
      } else if (arg.nargs === '+') {
        const values: unknown[] = [];
        if (embedded !== null) values.push(this.convertArg(arg, embedded));
        else while (i < argv.length && !isFlag(argv[i]!) && argv[i] !== '--') values.push(this.convertArg(arg, argv[i++]!));
        if (values.length < 1) throw new ArgumentParserException(`argument ${textualName(arg)}: expected 1 argument(s)`);
        ns[arg.dest] = values;
      } else {
        let value = embedded;
        if (value === null && i < argv.length && !isFlag(argv[i]!) && argv[i] !== '--') value = argv[i++]!;
        if (value === null) throw new ArgumentParserException(`argument ${textualName(arg)}: expected one argument`);
        ns[arg.dest] = this.convertArg(arg, value);
      }
      used.add(arg);
    }
    let deferred: ArgumentParserException | undefined;
    for (const a of this.args) if (a.required && !used.has(a)) deferred = new ArgumentParserException(`argument ${textualName(a)} is required`);
    if (!deferred) {
      for (const g of this.groups) {
        if (g.mutex && g.required && !groupUsed.has(g)) deferred = new ArgumentParserException(`one of the arguments ${g.args.map((a) => `${textualName(a)} `).join('')}is required`);
      }
    }
    if (deferred) throw deferred;
    return ns;
  }

  private convertArg(arg: ArgSpec, value: string): unknown {
    let v: unknown;
    try {
      v = convert(arg.type, value);
    } catch (err) {
      throw new ArgumentParserException(`argument ${textualName(arg)}: could not convert '${value}' to ${arg.type} (${(err as Error).message})`);
    }
    if (arg.choices && !arg.choices.includes(v)) {
      throw new ArgumentParserException(`argument ${textualName(arg)}: invalid choice: '${value}' (choose from ${choicesText(arg.choices)})`);
    }
    return v;
  }

  // ---------------------------------------------------------------- printing

  formatUsage(width = formatWidth()): string {
    const opts: string[] = [];
    for (const a of this.args) if (!a.group?.mutex) opts.push(shortSyntax(a, !a.required));
    for (const g of this.groups) {
      if (!g.mutex) continue;
      if (g.args.length > 1) {
        opts.push(`${g.required ? '(' : '['}${shortSyntax(g.args[0]!, false)}`);
        for (const a of g.args.slice(1, -1)) opts.push('|', shortSyntax(a, false));
        opts.push('|', `${shortSyntax(g.args[g.args.length - 1]!, false)}${g.required ? ')' : ']'}`);
      } else if (g.args.length === 1) {
        opts.push(shortSyntax(g.args[0]!, !g.required));
      }
    }
    return formatUsageLine(this.prog, opts, width);
  }

  formatHelp(width = formatWidth()): string {
    let out = this.formatUsage(width);
    if (this.description) out += `\n${wrap(this.description, width, 0, '', '')}\n`;
    const ungrouped = this.args.filter((a) => !a.group || !separateHelp(a.group));
    if (ungrouped.length > 0) {
      out += '\noptional arguments:\n';
      for (const a of ungrouped) out += argHelp(a, width);
    }
    for (const g of this.groups) {
      if (!separateHelp(g)) continue;
      out += '\n';
      if (g.title) out += `${g.title}:\n`;
      if (g.description) out += `  ${wrap(g.description, width, 2, '', '  ')}\n\n`;
      for (const a of g.args) out += argHelp(a, width);
    }
    return out;
  }

  /** argparse4j's handleError: usage and "prog: error: …" (and flag suggestions) on stderr. */
  formatError(e: ArgumentParserException, width = formatWidth()): string {
    let out = this.formatUsage(width) + wrap(`${this.prog}: error: ${e.message}\n`, width, 0, '', '');
    if (e.unknownFlag && e.unknownFlag.startsWith('-')) {
      const body = e.unknownFlag.replace(/^-+/, '');
      if (body.length >= 2) out += this.flagCandidates(body);
    }
    return out;
  }

  private flagCandidates(body: string): string {
    const cands: [number, string][] = [];
    for (const a of this.args) {
      for (const f of a.flags) {
        const b = f.replace(/^-+/, '');
        if (b.length <= 1) continue;
        cands.push([b.startsWith(body) ? 0 : levenshtein(body, b, 0, 2, 1, 4), f]);
      }
    }
    if (cands.length === 0) return '';
    cands.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    const threshold = cands[0]![0];
    if (threshold >= 7) return '';
    return `\nDid you mean:\n${cands.filter((c) => c[0] <= threshold).map((c) => `\t${c[1]}\n`).join('')}`;
  }
}

function separateHelp(g: ArgGroup): boolean {
  return !g.mutex || g.title !== '' || g.description !== '';
}

function choicesText(choices: unknown[]): string {
  return `{${choices.map(javaString).join(',')}}`;
}

/** The argument's name in messages: its flags joined by '/'. */
function textualName(a: ArgSpec): string {
  return a.flags.join('/');
}

function metavarOf(a: ArgSpec): string {
  if (a.action === 'storeTrue') return '';
  const mv = a.metavar ?? (a.choices ? choicesText(a.choices) : a.dest.toUpperCase());
  return a.nargs === '+' ? `${mv} [${mv} ...]` : mv;
}

function shortSyntax(a: ArgSpec, bracket: boolean): string {
  const mv = metavarOf(a);
  const s = `${a.flags[0]}${mv ? ` ${mv}` : ''}`;
  return bracket ? `[${s}]` : s;
}

function helpTitle(a: ArgSpec): string {
  const mv = metavarOf(a);
  return a.flags.map((f) => `${f}${mv ? ` ${mv}` : ''}`).join(', ');
}

function argHelp(a: ArgSpec, width: number): string {
  let help = a.help;
  if (a.default !== null && a.default !== undefined) help += `${help ? ' ' : ''}(default: ${javaString(a.default)})`;
  const INDENT = 25;
  const title = helpTitle(a);
  let out = `  ${title}`;
  if (help === '') return `${out}\n`;
  let indent = INDENT;
  if (title.length <= 21) indent -= title.length + 2;
  else out += '\n';
  out += ' '.repeat(indent);
  return `${out}${wrap(help, width, INDENT, '', ' '.repeat(INDENT))}\n`;
}

const ALNUM = /[A-Za-z0-9]/;
const DIGIT = /[0-9]/;

const LETTER = /[A-Za-z`>]/;
/** A number so far (Java's numeric sequences keep their separators): "0,1", "1.5", "(12", "\"0,1", "-3". */
const NUMERIC = /^["'([-]?[0-9][0-9.,]*$/;

/**
 * Break opportunities as Java's line BreakIterator (JDK 17) finds them in
 * ASCII help texts (checked against java.text.BreakIterator on every help
 * text of the tools):
 *  - after spaces, tabs and newlines;
 *  - after a hyphen, except before a hyphen or a quote, and in "-3" or "-("
 *    at a word's start;
 *  - after : and ; before a letter, a digit, "(" or "-";
 *  - after . and , before a letter, a digit or an opening bracket, except
 *    inside a number ("0.5", "0,1,2");
 *  - before ( or [ after a letter, a digit, "=" or "|";
 *  - after ) or ] before a letter, a digit, "*", "|", "(" or "-";
 *  - after a number with separators or a sign, before a letter ("0,1|a", "-3|>");
 *  - after ,"  before a letter.
 */
export function lineSegments(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i < s.length; i++) {
    const prev = s[i - 1]!;
    const c = s[i]!;
    const word = s.slice(start, i);
    let brk = false;
    if (prev === '\n' || prev === '\t') brk = true;
    else if (prev === ' ') brk = c !== ' ' && c !== '\t';
    else if (c === ' ' || c === '\t' || c === '\n') brk = false;
    else if (prev === '-') {
      let j = i - 1;
      while (j > 0 && s[j - 1] === '-') j--;
      const atWordStart = j === start;
      brk = c !== '-' && c !== '"' && c !== "'" && !((DIGIT.test(c) || c === '(') && atWordStart);
    } else if (prev === ':' || prev === ';') brk = ALNUM.test(c) || c === '(' || c === '-';
    else if (prev === '.' || prev === ',') brk = (ALNUM.test(c) || '([{\\'.includes(c)) && !(DIGIT.test(c) && NUMERIC.test(word));
    else if (prev === ')' || prev === ']') brk = ALNUM.test(c) || '*|(-'.includes(c);
    else if (c === '(' || c === '[') brk = ALNUM.test(prev) || prev === '=' || prev === '|';
    else if (DIGIT.test(prev) && LETTER.test(c)) brk = NUMERIC.test(word) && /[.,]|^-/.test(word);
    else if (prev === '"' && i >= 2 && s[i - 2] === ',') brk = ALNUM.test(c);
    if (brk) {
      out.push(s.slice(start, i));
      start = i;
    }
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

/** argparse4j's TextHelper.wrap, with its adjustSpace justification of broken lines. */
export function wrap(s: string, width: number, initialOffset: number, initialIndent: string, subsequentIndent: string): string {
  let res = initialIndent;
  let sb = '';
  let current = initialOffset + initialIndent.length;
  for (const sub of lineSegments(s)) {
    current += sub.length;
    if (current > width) {
      res += adjustSpace(sb, width, current - sub.length) + '\n' + subsequentIndent;
      sb = '';
      current = subsequentIndent.length + sub.length;
    }
    sb += sub;
    if (sub.endsWith('\n')) {
      res += sb + subsequentIndent;
      sb = '';
      current = subsequentIndent.length;
    }
  }
  return res + sb;
}

function adjustSpace(line: string, width: number, curwidth: number): string {
  const origLen = line.length;
  let sb = line.replace(/^ +/, '').replace(/ +$/, '');
  curwidth -= origLen - sb.length;
  const blocks = sb.match(/ +/g)?.length ?? 0;
  if (blocks === 0) return sb;
  const needWs = width - curwidth;
  const eachWs = Math.floor(needWs / blocks);
  const rem = needWs % blocks;
  const remStart = Math.floor((blocks - rem + 1) / 2);
  const remEnd = remStart + rem;
  let b = 0;
  sb = sb.replace(/ +/g, (ws) => {
    const add = eachWs + (remStart <= b && b < remEnd ? 1 : 0);
    b++;
    return ws + ' '.repeat(Math.max(0, add));
  });
  return sb;
}

/** Damerau–Levenshtein distance with argparse4j's (git's) costs. */
function levenshtein(a: string, b: string, swap: number, sub: number, add: number, del: number): number {
  const dp = [new Array<number>(b.length + 1).fill(0), Array.from({ length: b.length + 1 }, (_, i) => i), new Array<number>(b.length + 1).fill(0)];
  for (let i = 1; i <= a.length; i++) {
    dp[0]![0] = i;
    for (let j = 1; j <= b.length; j++) {
      dp[0]![j] = dp[1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : sub);
      if (i >= 2 && j >= 2 && a[i - 1] !== b[j - 1] && a[i - 2] === b[j - 1] && a[i - 1] === b[j - 2]) dp[0]![j] = Math.min(dp[0]![j]!, dp[2]![j - 2]! + swap);
      dp[0]![j] = Math.min(dp[0]![j]!, Math.min(dp[1]![j]! + del, dp[0]![j - 1]! + add));
    }
    const t = dp[2]!;
    dp[2] = dp[1]!;
    dp[1] = dp[0]!;
    dp[0] = t;
  }
  return dp[1]![b.length]!;
}

/** ArgumentParsers.getFormatWidth(): the terminal's width minus 5 (COLUMNS first), 75 when unknown. */
export function formatWidth(): number {
  const env = process.env.COLUMNS;
  if (env !== undefined) {
    const n = /^[+-]?\d+$/.test(env) ? Number(env) - 5 : -1;
    return n <= 0 ? 75 : n;
  }
  const cols = process.stdout.isTTY ? process.stdout.columns : process.stderr.isTTY ? process.stderr.columns : 0;
  return cols && cols - 5 > 0 ? cols - 5 : 75;
}

/**
 * `usage: <prog>` and the usage tokens, as argparse4j lays out a usage line: a prog longer than
 * 30 characters gets a line of its own and the tokens start indented by 6; the tokens wrap before
 * one that would pass `width`, continuation lines indented like the first.
 */
export function formatUsageLine(prog: string, tokens: readonly string[], width: number): string {
  const usageprog = `usage: ${prog}`;
  let out = usageprog;
  let offset: number;
  let first: string;
  let subsequent: string;
  if (usageprog.length > 30) {
    out += '\n';
    offset = 6;
    first = subsequent = ' '.repeat(6);
  } else {
    offset = usageprog.length;
    first = '';
    subsequent = ' '.repeat(offset);
  }
  let current = offset + first.length;
  out += first;
  let isFirst = true;
  for (const o of tokens) {
    if (!isFirst && current + o.length + 1 > width) {
      out += `\n${subsequent} ${o}`;
      current = subsequent.length + 1 + o.length;
    } else {
      out += ` ${o}`;
      current += 1 + o.length;
      isFirst = false;
    }
  }
  return `${out}\n`;
}
