// A TCP proxy for fault injection: clients connect to it (the broker
// advertises the proxy's address), it forwards bytes both ways, and it can
// cut a connection the moment a response comes back from the broker, before
// passing it on — the request was processed, the client never hears so and
// retries. Used to make idempotent producers send real duplicates.

import net from 'node:net';

export interface FaultProxy {
  readonly port: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Cut each response-carrying chunk's connection with this probability (0 disables). */
  setCutProbability(p: number): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: () => number, opts: { cutProbability?: number; port?: number } = {}): Promise<FaultProxy> {
  let probability = opts.cutProbability ?? 0;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect({ host: '127.0.0.1', port: target() });
    sockets.add(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (probability > 0 && Math.random() < probability) {
        cuts++;
        closeBoth();
        return;
      }
      client.write(d);
    });
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get cuts() {
      return cuts;
    },
    setCutProbability(p: number) {
      probability = p;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
