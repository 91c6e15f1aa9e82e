// What every API handler looks like. Each handler module registers the
// versions it serves; ApiVersions is derived from the registry, so the
// advertised ranges can never drift from what is implemented.

import type { RequestHeader } from '../../protocol/header.js';
import type { ConnectionInfo } from '../network/connection.js';
import type { BrokerContext } from '../context.js';

export interface RequestContext {
  readonly header: RequestHeader;
  readonly conn: ConnectionInfo;
  readonly broker: BrokerContext;
}

export interface ApiHandler<Req = any, Res = any> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** Returns the response body, or null when none is sent (Produce with acks=0). */
  handle(request: Req, ctx: RequestContext): Res | null | Promise<Res | null>;
}

export class HandlerRegistry {
  private readonly byKey = new Map<number, ApiHandler>();

  register(...handlers: ApiHandler[]): this {
    for (const h of handlers) this.byKey.set(h.apiKey, h);
    return this;
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.byKey.get(apiKey);
  }

  /** The ApiVersions table: every registered API with the versions it serves. */
  versions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.byKey.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
