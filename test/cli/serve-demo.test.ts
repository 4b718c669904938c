// `dunner serve --demo` on a fresh data folder, as `npm start` on a new clone: the server answers
// and the demo operator signs in while the demo is still being prepared in the background; the
// preparation reaches ready; a second start on the same folder reuses the demo as it is; and no
// test card number is left in the data folder or the log.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_CARDS } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { DEMO_OPERATOR } from '../../src/app/cli/accounts.ts';
import { DEMO_START } from '../../src/app/cli/demo.ts';
import { testDbKind } from '../support/env.ts';

const DAYS = 7;
const DAY_MS = 86_400_000;
let dataDir: string;
const running: ChildProcessWithoutNullStreams[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

type Server = {
  base: string;
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  /** Resolves once the server has printed a line matching `pattern` (on stdout or stderr). */
  printed: (pattern: RegExp) => Promise<void>;
};

async function startServe(): Promise<Server> {
  const port = await freePort();
  // A smaller demo than npm start's, so the walk ends within the test; the order is the same.
  const child = spawn(
    process.execPath,
    ['bin/dunner.js', 'serve', '--demo', '--demo-subscriptions', '150', '--demo-days', `${DAYS}`],
    {
      env: { ...process.env, DUNNER_DATA_DIR: dataDir, PORT: `${port}`, HOST: '127.0.0.1' },
    },
  );
  running.push(child);
  let output = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of [...waiters])
      if (w.pattern.test(output)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const printed = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(output)) return resolve();
      waiters.push({ pattern, resolve });
      child.once('exit', (code) =>
        reject(new Error(`serve exited (${code}) before printing ${pattern}:\n${output}`)),
      );
    });
  await printed(/Dunner listening on /);
  return { base: `http://127.0.0.1:${port}`, child, output: () => output, printed };
}

async function stop(server: Server): Promise<number | null> {
  server.child.kill('SIGINT');
  const [code] = await once(server.child, 'exit');
  return code as number | null;
}

async function signIn(base: string): Promise<string> {
  const res = await fetch(`${base}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ method: 'password', ...DEMO_OPERATOR }).toString(),
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  expect(cookie).toBeTruthy();
  return cookie!;
}

async function getJson(base: string, cookie: string, url: string) {
  const res = await fetch(`${base}${url}`, { headers: { cookie } });
  expect(res.status, url).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

// The data folder is PGlite's; the PostgreSQL pass has nothing more to check here.
describe.skipIf(testDbKind() === 'postgres')('npm start on a fresh data folder', () => {
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dunner-first-start-'));
  });
  afterAll(async () => {
    for (const child of running)
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the dashboard signs in while the demo is prepared, then the demo is ready and kept', async () => {
    const first = await startServe();
    await first.printed(/Dashboard: \S+ \(sign in as demo@dunner\.local \/ demo-password\)/);
    const health = await fetch(`${first.base}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const cookie = await signIn(first.base);
    const shell = await fetch(`${first.base}/dashboard/`, { headers: { cookie } });
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('id="demo-preparation"');

    // Served before the walk has finished: the preparation is still under way.
    const during = await getJson(first.base, cookie, '/v1/demo_preparation');
    expect(during).toMatchObject({ object: 'demo_preparation', status: 'preparing' });
    expect(during.day as number).toBeLessThan(DAYS);

    await first.printed(new RegExp(`Simulated ${DAYS} days in`));
    const done = await getJson(first.base, cookie, '/v1/demo_preparation');
    expect(done).toMatchObject({
      status: 'ready',
      stage: null,
      day: DAYS,
      days: DAYS,
      error: null,
    });
    expect(done.customers_seeded).toBe(done.customers_total);
    const clock = await getJson(first.base, cookie, '/v1/test_clock');
    expect(clock.now).toBe(new Date(DEMO_START.getTime() + DAYS * DAY_MS).toISOString());
    const cases = await getJson(first.base, cookie, '/v1/dunning_cases?limit=1');
    expect((cases.data as unknown[]).length).toBe(1);
    expect(await stop(first)).toBe(0);

    // A later start reuses the demo: nothing to prepare, the same clock, sign-in at once.
    const second = await startServe();
    const again = await signIn(second.base);
    expect(await getJson(second.base, again, '/v1/demo_preparation')).toMatchObject({
      status: 'none',
    });
    expect((await getJson(second.base, again, '/v1/test_clock')).now).toBe(clock.now);
    expect(await stop(second)).toBe(0);
    expect(second.output()).not.toContain('Preparing the demo');
  });
  test('the data folder and all the server printed hold no test card number, in any form', async () => {
    // Cards given through the API as a number, a spaced number and a token carrying the number.
    const server = await startServe();
    const cookie = await signIn(server.base);
    const post = async (url: string, body: unknown) => {
      const res = await fetch(`${server.base}${url}`, {
        method: 'POST',
        headers: {
          cookie,
          'content-type': 'application/json',
          'x-requested-with': 'dunner-dashboard',
        },
        body: JSON.stringify(body),
      });
      expect(res.status, url).toBeLessThan(300);
      return (await res.json()) as { id: string };
    };
    const customer = await post('/v1/customers', { name: 'Scan', email: 'scan@example.com' });
    for (const body of [
      { test_card: '4000000000009995' },
      { test_card: '5555 5555 5555 4444' },
      { gateway: 'test', token: 'tok_test_4000000000000069' },
    ])
      await post(`/v1/customers/${customer.id}/payment_methods`, body);
    expect(await stop(server)).toBe(0);

    const numbers = Object.values(TEST_CARDS).map((c) => c.number);
    const found: string[] = [];
    for (const file of filesUnder(dataDir)) {
      const bytes = readFileSync(file);
      for (const n of numbers)
        if (bytes.includes(n)) found.push(`${n} in ${path.relative(dataDir, file)}`);
    }
    for (const n of numbers) if (server.output().includes(n)) found.push(`${n} in the log`);
    expect(found).toEqual([]);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? filesUnder(path.join(dir, e.name))
      : e.isFile()
        ? [path.join(dir, e.name)]
        : [],
  );
}
