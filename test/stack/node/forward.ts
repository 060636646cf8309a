// TCP forwarders that expose a loopback server of the stack on a second
// address of this machine (the pod network's gateway, the API Service's
// ClusterIP), so that pods on the real node reach it while the server itself
// keeps listening on loopback only, as every other test expects. The servers
// take one listen address each (nats-server, FerretDB, kube-apiserver), and
// TLS passes through untouched.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Forwarder {
  /** host:port the forwarder listens on. */
  listen: { host: string; port: number };
  close(): Promise<void>;
}

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  a.once('error', end).once('close', end);
  b.once('error', end).once('close', end);
}

/** Listens on host:port and passes each connection to 127.0.0.1:targetPort. */
export async function forward(host: string, port: number, targetPort: number): Promise<Forwarder> {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    pipeBoth(client, connect({ host: '127.0.0.1', port: targetPort }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    listen: { host, port },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
