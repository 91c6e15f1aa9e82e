// Java .properties text as java.util.Properties.load reads it (which is how Kafka reads server.properties):
//  - a line whose first non-blank character is '#' or '!' is a comment (and never continues);
//  - the key ends at the first unescaped '=', ':' or blank; blanks around that separator are skipped,
//    a line with only a key gives the empty value;
//  - a line ending in an odd number of backslashes continues on the next line, whose leading blanks are dropped;
//  - escapes \t \n \r \f \uXXXX, and a backslash before any other character stands for that character;
//  - leading blanks of a line are ignored, trailing blanks of a value are kept (Kafka trims when it parses
//    the typed value); a later duplicate key wins.
// Blanks are space, tab and form feed; lines end with \n, \r or \r\n.
// One deliberate difference: files are read as UTF-8 (Java reads ISO-8859-1 bytes).

import { readFileSync } from 'node:fs';
import { ConfigError } from './config-def.js';

const BLANK = new Set([' ', '\t', '\f']);

/** Splits the text into logical lines (continuations joined, comments and blank lines dropped). */
function logicalLines(text: string): string[] {
  const physical = text.split(/\r\n|\r|\n/);
  const out: string[] = [];
  let current: string | null = null;
  for (const line of physical) {
    let start = 0;
    while (start < line.length && BLANK.has(line[start]!)) start++;
    const content = line.slice(start);
    if (current === null) {
      if (content === '' || content[0] === '#' || content[0] === '!') continue;
    }
    let slashes = 0;
    for (let i = content.length - 1; i >= 0 && content[i] === '\\'; i--) slashes++;
    const continues = slashes % 2 === 1;
    const piece = continues ? content.slice(0, -1) : content;
    current = (current ?? '') + piece;
    if (!continues) {
      out.push(current);
      current = null;
    }
  }
  if (current !== null) out.push(current); // a continuation at end of input ends the entry
  return out;
}

function unescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === undefined) break;
    switch (n) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ConfigError('Malformed \\uxxxx encoding.');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default: out += n;
    }
  }
  return out;
}

/** Parses one logical line into its raw (still escaped) key and value. */
function splitKeyValue(line: string): [string, string] {
  let i = 0;
  let keyEnd = line.length;
  let hasSep = false;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':') {
      keyEnd = i;
      hasSep = true;
      break;
    }
    if (BLANK.has(c)) {
      keyEnd = i;
      break;
    }
    i++;
  }
  let v = keyEnd;
  if (!hasSep) {
    while (v < line.length && BLANK.has(line[v]!)) v++;
    if (v < line.length && (line[v] === '=' || line[v] === ':')) v++;
  } else {
    v++;
  }
  while (v < line.length && BLANK.has(line[v]!)) v++;
  return [line.slice(0, keyEnd), line.slice(v)];
}

/** Parses .properties text into key/value pairs, in file order (later duplicates overwrite earlier ones). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of logicalLines(text)) {
    const [k, v] = splitKeyValue(line);
    const key = unescape(k);
    out[key] = unescape(v);
  }
  return out;
}

/** Reads a .properties file (UTF-8). */
export function loadPropertiesFile(path: string): Record<string, string> {
  return parseProperties(readFileSync(path, 'utf8'));
}

/** Parses `k=v` strings as given to --override / --config (the first '=' separates; key and value as written). */
export function parseKeyValueArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new ConfigError(`Invalid config argument '${a}': expected key=value`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}
