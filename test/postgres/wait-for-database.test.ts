// `serve` started before its PostgreSQL server can be reached waits with backoff, says so in its
// log, and starts once the server answers: here the server is behind a port that accepts nothing
// until a relay to PostgreSQL opens on it.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { adminUrl, urlFor } from '../support/env.ts';

const DB_NAME = `dunner_wait_${process.pid}`;
let child: ChildProcessWithoutNullStreams | undefined;
let relay: Server | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  relay?.close();
  await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
});

describe('serve while the database is unreachable', () => {
  test('waits, logs each wait, and starts when the database answers', async () => {
    await admin(`CREATE DATABASE ${DB_NAME}`);
    const target = new URL(urlFor(DB_NAME));
    const dbPort = await freePort();
    const url = new URL(target);
    url.port = String(dbPort);
    const port = await freePort();
    child = spawn(process.execPath, ['bin/dunner.js', 'serve'], {
      env: { ...process.env, DATABASE_URL: url.toString(), PORT: `${port}`, HOST: '127.0.0.1' },
    });
    let output = '';
    const printed = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => pattern.test(output) && resolve();
        child!.stdout.on('data', (c: Buffer) => {
          output += c.toString();
          check();
        });
        child!.stderr.on('data', (c: Buffer) => {
          output += c.toString();
          check();
        });
        child!.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${output}`)));
        check();
      });
    await printed(
      /PostgreSQL at \S+ is not available \(unreachable \(ECONNREFUSED\)\); trying again in/,
    );
    expect(child.exitCode).toBeNull();

    // The database comes back: a relay to the real server opens on the port serve is trying.
    relay = createServer((socket) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    relay.listen(dbPort, '127.0.0.1');
    await once(relay, 'listening');
    await printed(/Dunner listening on /);
    expect(output).toContain('answers; starting');
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(ready.status).toBe(200);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
