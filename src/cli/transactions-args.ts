// argparse4j 0.7.0's sub-commands (Subparsers), as kafka-transactions uses
// them, on top of argparse.ts's parser:
//  - the main parser's flags come first; the first word that is not a flag or
//    a flag's value names the command (exactly, or by an unambiguous prefix:
//    "ambiguous command: desc could match describe, describe-producers";
//    "invalid choice: 'x' (choose from 'list', …)" plus "Did you mean:");
//    everything after it belongs to the command's parser;
//  - the main parser's required flags are checked when the command is reached,
//    and no command at all is "too few arguments";
//  - a sub-command's usage line starts with the main parser's required flags
//    and the command ("usage: kafka-transactions.sh --bootstrap-server host:port
//    abort [-h] …"), and its errors are printed with that usage;
//  - the main help ends with the titled commands section ("commands:", the
//    metavar, then each command's help indented by four).
// Output checked against argparse4j 0.7.0 built from source.

import { ArgumentParser, ArgumentParserException, ArgSpec, ArgGroup, Namespace, formatUsageLine, formatWidth, wrap } from './argparse.js';

export { ArgumentParserException, HelpScreenException } from './argparse.js';
export type { Namespace } from './argparse.js';

function metavar(a: ArgSpec): string {
  return a.action === 'storeTrue' ? '' : (a.metavar ?? a.dest.toUpperCase());
}

function shortSyntax(a: ArgSpec, bracket: boolean): string {
  const mv = metavar(a);
  const s = `${a.flags[0]}${mv ? ` ${mv}` : ''}`;
  return bracket ? `[${s}]` : s;
}

/** A parser whose usage line has words before its options (a sub-command's) or after them (the commands' metavar). */
export class CommandParser extends ArgumentParser {
  prefix: string[] = [];
  suffix: string[] = [];

  /** A titled group of options (argparse4j's addArgumentGroup: listed apart in the help, not exclusive). */
  addGroup(title: string, description: string): ArgGroup {
    const g: ArgGroup = { title, description, mutex: false, required: false, args: [] };
    this.groups.push(g);
    return g;
  }

  override formatUsage(width = formatWidth()): string {
    const opts = [...this.prefix, ...this.args.map((a) => shortSyntax(a, !a.required)), ...this.suffix];
    return formatUsageLine(this.prog, opts, width);
  }
}

export interface SubCommand {
  name: string;
  help: string;
  parser: CommandParser;
}

/** The main parser plus its commands (argparse4j's addSubparsers().dest("command").title(title).metavar(metavar)). */
export class SubcommandParser extends CommandParser {
  readonly commands: SubCommand[] = [];

  constructor(
    prog: string,
    description: string,
    readonly commandsTitle: string,
    readonly commandsMetavar: string,
  ) {
    super(prog, description);
    this.suffix = [commandsMetavar, '...'];
  }

  addCommand(name: string, help: string, description = ''): CommandParser {
    const parser = new CommandParser(this.prog, description);
    parser.prefix = [...this.args.filter((a) => a.required).map((a) => shortSyntax(a, false)), name];
    this.commands.push({ name, help, parser });
    return parser;
  }

  override formatHelp(width = formatWidth()): string {
    let out = `${super.formatHelp(width)}\n${this.commandsTitle}:\n  ${this.commandsMetavar}\n`;
    for (const c of this.commands) {
      const title = `  ${c.name}`;
      out += `  ${title}`;
      let indent = 25;
      if (title.length <= 21) indent -= title.length + 2;
      else out += '\n';
      out += `${' '.repeat(indent)}${wrap(c.help, width, 25, '', ' '.repeat(25))}\n`;
    }
    return out;
  }

  /**
   * Parses the main flags and the command's; the namespace holds both and
   * `command`. Errors carry the parser that must print them (`parserOf`).
   * `onVersion` runs as soon as -v/--version is seen, as argparse4j runs an action.
   */
  parseCommand(argv: readonly string[], onVersion: () => never): { ns: Namespace; command: SubCommand } {
    const flags = new Map<string, ArgSpec>();
    for (const a of this.args) for (const f of a.flags) flags.set(f, a);
    const isFlag = (s: string) => s.startsWith('-') && s !== '-' && !/^-\d+$/.test(s);
    let i = 0;
    for (; i < argv.length; i++) {
      const term = argv[i]!;
      if (!isFlag(term) || term === '--') break;
      const eq = term.indexOf('=');
      const flag = eq < 0 ? term : term.slice(0, eq);
      let arg = flags.get(flag);
      if (!arg) {
        const cand = [...flags.keys()].filter((f) => f.startsWith(flag));
        if (cand.length === 1) arg = flags.get(cand[0]!);
      }
      // Unknown or ambiguous flags, missing values, --help: the main parser reports them in order.
      if (!arg) this.parse(argv.slice(0, i + 1));
      if (arg!.dest === 'help') this.parse([term]);
      if (arg!.dest === 'version') onVersion();
      if (arg!.action === 'store' && eq < 0) {
        if (i + 1 >= argv.length || isFlag(argv[i + 1]!)) this.parse(argv.slice(0, i + 1));
        i++;
      }
    }
    if (i >= argv.length || argv[i] === '--') {
      try {
        this.parse(argv);
      } catch (err) {
        if (!(err instanceof ArgumentParserException) || !err.message.endsWith(' is required')) throw err;
      }
      throw new ArgumentParserException('too few arguments');
    }
    const ns = this.parse(argv.slice(0, i));
    const word = argv[i]!;
    let command = this.commands.find((c) => c.name === word);
    if (!command) {
      const cand = this.commands.filter((c) => c.name.startsWith(word)).map((c) => c.name);
      if (cand.length > 1) throw new ArgumentParserException(`ambiguous command: ${word} could match ${cand.sort().join(', ')}`);
      if (cand.length === 1) command = this.commands.find((c) => c.name === cand[0]);
    }
    if (!command) {
      throw new UnrecognizedCommandException(`invalid choice: '${word}' (choose from ${this.commands.map((c) => `'${c.name}'`).join(', ')})`, word);
    }
    try {
      Object.assign(ns, command.parser.parse(argv.slice(i + 1)));
    } catch (err) {
      if (err instanceof ArgumentParserException) (err as { parser?: CommandParser }).parser = command.parser;
      throw err;
    }
    ns.command = command.name;
    return { ns, command };
  }

  /** The error as argparse4j's handleError prints it, by the parser that raised it. */
  formatParseError(err: ArgumentParserException): string {
    const owner = (err as { parser?: CommandParser }).parser ?? this;
    let out = owner.formatError(err);
    if (err instanceof UnrecognizedCommandException) out += commandCandidates(err.command, this.commands.map((c) => c.name));
    return out;
  }
}

export class UnrecognizedCommandException extends ArgumentParserException {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
  }
}

/** argparse4j's "Did you mean:" for a command (git's costs, threshold 7). */
function commandCandidates(word: string, names: string[]): string {
  const scored = names.map((n) => [n.startsWith(word) ? 0 : distance(word, n), n] as const);
  if (scored.length === 0) return '';
  const sorted = [...scored].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  const threshold = sorted[0]![0];
  if (threshold >= 7) return '';
  return `\nDid you mean:\n${sorted.filter((c) => c[0] <= threshold).map((c) => `\t${c[1]}\n`).join('')}`;
}

/** Damerau–Levenshtein with swap 0, substitution 2, insertion 1, deletion 4 (argparse4j's, from git's help.c). */
function distance(a: string, b: string): number {
  const swap = 0;
  const sub = 2;
  const add = 1;
  const del = 4;
  let prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : sub);
      if (i >= 2 && j >= 2 && a[i - 1] !== b[j - 1] && a[i - 2] === b[j - 1] && a[i - 1] === b[j - 2]) cur[j] = Math.min(cur[j]!, prev2[j - 2]! + swap);
      cur[j] = Math.min(cur[j]!, prev[j]! + del, cur[j - 1]! + add);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
