// Turns one request frame into one response frame: header, routing to the
// API's handler, and encoding. Unknown APIs and versions are answered, not
// dropped: ApiVersions gets Kafka's v0-shaped UNSUPPORTED_VERSION answer with
// the supported table, anything else an UNSUPPORTED_VERSION error code.

import { APIS, requestIsFlexible } from '../protocol/apis.js';
import { decodeRequestHeader, encodeResponseHeader, responseHeaderIsFlexible, API_VERSIONS_KEY } from '../protocol/header.js';
import { ProtocolError, Reader, Writer } from '../protocol/primitives.js';
import { ErrorCode } from '../protocol/errors.js';
import { Logger } from '../logger.js';
import type { Connection } from './network/connection.js';
import type { HandlerRegistry, RequestContext } from './handlers/handler.js';
import type { BrokerContext } from './context.js';

const log = new Logger('KafkaApis');

export class RequestProcessor {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly broker: BrokerContext,
  ) {}

  process(frame: Buffer, conn: Connection): Promise<Buffer[] | null> | Buffer[] | null {
    if (frame.length < 8) {
      throw new ProtocolError(`request of ${frame.length} bytes is too short for a header`);
    }
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const handler = this.handlers.get(apiKey);
    const api = APIS.get(apiKey);
    if (!handler || !api || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      return this.unsupported(apiKey, apiVersion, correlationId, conn);
    }
    const r = new Reader(frame);
    const header = decodeRequestHeader(r, requestIsFlexible);
    if (log.debugEnabled) {
      log.debug(`Request ${api.def.name} v${apiVersion} from client '${header.clientId}' at ${conn.remote} (correlation ${correlationId})`);
    }
    const request = api.request.forVersion(apiVersion).decode(r);
    const ctx: RequestContext = { header, conn, broker: this.broker };
    const result = handler.handle(request, ctx);
    if (result instanceof Promise) return result.then((res) => this.encode(apiKey, apiVersion, correlationId, res));
    return this.encode(apiKey, apiVersion, correlationId, result);
  }

  private encode(apiKey: number, version: number, correlationId: number, body: unknown): Buffer[] | null {
    if (body === null) return null;
    const codec = APIS.get(apiKey)!.response.forVersion(version);
    const w = new Writer(512);
    const size = w.reserveInt32();
    encodeResponseHeader(w, correlationId, responseHeaderIsFlexible(apiKey, codec.flexible));
    codec.encode(w, body);
    const chunks = w.finish();
    size.buf.writeInt32BE(w.length - 4, size.at);
    return chunks;
  }

  private unsupported(apiKey: number, version: number, correlationId: number, conn: Connection): Buffer[] {
    log.info(
      `Unsupported request api key ${apiKey} version ${version} from ${conn.remote}: answering UNSUPPORTED_VERSION`,
    );
    if (apiKey === API_VERSIONS_KEY) {
      // KIP-511: a client that asks with a version we do not know gets a v0 response listing what we serve.
      const w = new Writer(512);
      const size = w.reserveInt32();
      encodeResponseHeader(w, correlationId, false);
      APIS.get(API_VERSIONS_KEY)!.response.forVersion(0).encode(w, {
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        apiKeys: this.handlers.versions(),
      });
      const chunks = w.finish();
      size.buf.writeInt32BE(w.length - 4, size.at);
      return chunks;
    }
    const out = Buffer.alloc(10);
    out.writeInt32BE(6, 0);
    out.writeInt32BE(correlationId, 4);
    out.writeInt16BE(ErrorCode.UNSUPPORTED_VERSION, 8);
    return [out];
  }
}
