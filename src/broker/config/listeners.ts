// Listener endpoints as Kafka writes them: NAME://host:port, comma-separated.
//   PLAINTEXT://:9092          empty host: bind every interface (advertised: the address the client dialed)
//   CLIENT://0.0.0.0:9092      explicit IPv4 wildcard (never valid as an advertised address)
//   SSL://[::1]:9093           IPv6 in brackets (stored without them)
// Listener names are case-insensitive and normalised to upper case; each maps to a security protocol
// through listener.security.protocol.map.

import { isIP, isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from './config-def.js';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export interface Listener {
  /** Upper-case listener name. */
  name: string;
  /** '' means every interface (and, when advertised, the address the client dialed); IPv6 without brackets. */
  host: string;
  port: number;
  securityProtocol: SecurityProtocol;
}

const ENDPOINT_RE = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/** Kafka's Csv.parseCsvList: split on commas with surrounding blanks, dropping empty items. */
export function parseCsvList(value: string | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return value.trim().split(/\s*,\s*/).filter((s) => s !== '');
}

export function toSecurityProtocol(name: string, configName: string): SecurityProtocol {
  const upper = name.toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(upper)) {
    throw new ConfigError(`Invalid security protocol \`${name}\` defined in ${configName}`, configName);
  }
  return upper as SecurityProtocol;
}

/** Parses listener.security.protocol.map ("NAME:PROTOCOL,...") into upper-case names. */
export function parseProtocolMap(value: string, configName = 'listener.security.protocol.map'): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  const trimmed = value.trim();
  if (trimmed === '') return map;
  for (const entry of trimmed.split(/\s*,\s*/)) {
    const colon = entry.lastIndexOf(':');
    if (colon < 0) {
      throw new ConfigError(`Error parsing configuration property '${configName}': entry '${entry}' is not NAME:PROTOCOL`, configName);
    }
    map.set(entry.slice(0, colon).trim().toUpperCase(), toSecurityProtocol(entry.slice(colon + 1).trim(), configName));
  }
  return map;
}

/** The listener name of one endpoint string (the part before the first colon), upper case. */
export function listenerNameOf(endpoint: string): string {
  const colon = endpoint.indexOf(':');
  if (colon < 0) throw new ConfigError(`Unable to parse a listener name from ${endpoint}`);
  return endpoint.slice(0, colon).toUpperCase();
}

/**
 * Parses a listener list. `requireDistinctPorts` is true for listeners (sockets must not clash) and false for
 * advertised.listeners (which may point several names at one address). Port 0 (pick any) never clashes.
 */
export function parseListeners(
  value: string,
  protocols: ReadonlyMap<string, SecurityProtocol>,
  configName: string,
  requireDistinctPorts: boolean,
): Listener[] {
  const result: Listener[] = [];
  for (const entry of parseCsvList(value)) {
    const m = ENDPOINT_RE.exec(entry);
    if (!m) {
      throw new ConfigError(`Error creating broker listeners from '${value}': Unable to parse ${entry} to a broker endpoint`, configName);
    }
    const name = m[1]!.toUpperCase();
    const port = Number(m[3]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(`Error creating broker listeners from '${value}': port ${m[3]} of ${entry} is not between 0 and 65535`, configName);
    }
    const securityProtocol = protocols.get(name);
    if (securityProtocol === undefined) {
      throw new ConfigError(`Error creating broker listeners from '${value}': No security protocol defined for listener ${name}`, configName);
    }
    result.push({ name, host: m[2]!, port, securityProtocol });
  }

  const names = new Set(result.map((l) => l.name));
  if (names.size !== result.length) {
    throw new ConfigError(`Each listener must have a different name, ${configName}: ${value}`, configName);
  }
  if (requireDistinctPorts) checkPorts(result, value, configName);
  return result;
}

function checkPorts(listeners: Listener[], value: string, configName: string): void {
  const byPort = new Map<number, Listener[]>();
  for (const l of listeners) {
    if (l.port === 0) continue;
    byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);
  }
  for (const [port, group] of byPort) {
    if (group.length < 2) continue;
    const withIp = group.filter((l) => l.host !== '' && isIP(l.host) !== 0);
    const withoutIp = group.filter((l) => !(l.host !== '' && isIP(l.host) !== 0));
    if (withoutIp.length > 1) {
      throw new ConfigError(`Each listener must have a different port, ${configName}: ${value}`, configName);
    }
    if (withIp.length === 0) continue;
    if (withIp.length === 2) {
      const [a, b] = [withIp[0]!.host, withIp[1]!.host];
      const mixedStacks = (isIPv4(a) && isIPv6(b)) || (isIPv6(a) && isIPv4(b));
      if (mixedStacks && withoutIp.length === 0) continue;
      throw new ConfigError(`If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, ${configName}: ${value}, port: ${port}`, configName);
    }
    throw new ConfigError(`Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address, ${configName}: ${value}, port: ${port}`, configName);
  }
}

/** NAME://host:port, with brackets around IPv6 hosts; the form Kafka prints. */
export function formatListener(l: Pick<Listener, 'name' | 'host' | 'port'>): string {
  const host = l.host.includes(':') ? `[${l.host}]` : l.host;
  return `${l.name}://${host}:${l.port}`;
}
