/** Puts a test's own HTTP server on a free port of 127.0.0.1, keeping its open sockets so a close can end them. */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Listening {
  url: string;
  port: number;
  /** Sockets open right now (kept up to date as they close). */
  sockets: Set<Socket>;
  /** Destroys every open socket, then closes the listener. */
  close(): Promise<void>;
}

export async function listenLocal(server: Server): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
