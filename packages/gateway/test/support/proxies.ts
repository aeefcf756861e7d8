/**
 * Test support: reverse proxies in front of a gateway's public listener, as a
 * deployment would have them on the same host (so every proxied request comes
 * from loopback).
 *
 * - `startNginx`: the real nginx from the system (on PATH or in /usr/sbin), with a
 *   generated config in a temporary folder, not daemonized, on a free port; the
 *   config is the plain WebSocket-capable one of docs/operations.md, without any
 *   rule that blocks management paths, so the gateway alone must refuse them.
 * - `startNodeProxy`: a naive proxy that forwards every request target byte for
 *   byte (no normalisation at all), the worst case of a proxy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request } from 'node:http';
import { type AddressInfo, connect as connectTcp, createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after } from 'node:test';
import { sleep } from './gateway-harness.ts';

export interface RunningProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
}

/** The nginx binary: on PATH, or in the sbin folders Debian installs it to. */
export function findNginx(): string {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const folder of folders) {
    const candidate = join(folder, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error('nginx is not installed: install nginx-light (Debian) to run the reverse-proxy tests');
}

/** Starts nginx proxying to `127.0.0.1:<upstreamPort>`; stopped after the test file. */
export async function startNginx(upstreamPort: number): Promise<RunningProxy> {
  const nginx = findNginx();
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-nginx-'));
  const port = await freePort();
  const temp = (name: string): string => `${name}_temp_path ${join(dir, name)};`;
  await writeFile(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  after(async () => {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });
  const giveUp = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > giveUp) throw new Error(`nginx did not start: ${stderr}`);
    await sleep(20);
  }
  return { url: `http://127.0.0.1:${port}`, port };
}

/** Starts a proxy that forwards method, target, headers and body unchanged; stopped after the test file. */
export async function startNodeProxy(upstreamPort: number): Promise<RunningProxy> {
  const server = createServer((incoming, outgoing) => {
    const forwarded = request(
      { host: '127.0.0.1', port: upstreamPort, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  // WebSocket upgrades: the request head is written upstream as received, then bytes flow both ways.
  const tunnels = new Set<Socket>();
  server.on('upgrade', (incoming: IncomingMessage, client: Socket, head: Buffer) => {
    const upstream = connectTcp({ port: upstreamPort, host: '127.0.0.1' });
    tunnels.add(client).add(upstream);
    const headers: string[] = [];
    for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
      headers.push(`${incoming.rawHeaders[i]}: ${incoming.rawHeaders[i + 1]}\r\n`);
    }
    upstream.write(`${incoming.method} ${incoming.url} HTTP/1.1\r\n${headers.join('')}\r\n`);
    upstream.write(head);
    upstream.pipe(client).pipe(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    for (const socket of tunnels) socket.destroy();
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port };
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
