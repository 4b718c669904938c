// `dunner merchant hard-decline-dunning` on a fresh data folder, as an operator runs it: the
// merchant cannot activate hard-decline dunning until the operator makes it available; then it
// can, through the API; withdrawing it switches it off. Usage errors answer with exit code 2.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/adapters/db/connect.ts';
import { createTestGateway } from '../../src/adapters/gateways/test-gateway/test-gateway.ts';
import { systemClock } from '../../src/app/clock.ts';
import { buildApp } from '../../src/app/http/app.ts';
import { TEST_PUBLIC_URL } from '../support/api.ts';

const run = promisify(execFile);
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dunner-hdd-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function dunner(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/dunner.js', ...args], {
      env: { ...process.env, DUNNER_DATA_DIR: dataDir, DATABASE_URL: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The API of the data folder, in this process, once the CLI has closed it. */
async function callApi(key: string, method: 'GET' | 'POST', body?: object) {
  const handle = await openDatabase({ kind: 'pglite', dataDir });
  const app = buildApp({
    services: {
      db: handle.db,
      clock: systemClock,
      gateway: createTestGateway(handle.db),
      config: {
        publicUrl: TEST_PUBLIC_URL,
        smtpUrl: null,
        stripeSecretKey: null,
        stripeWebhookSecret: null,
        stripePublishableKey: null,
        stripeMerchantId: null,
        allowLoopbackUrls: false,
      },
    },
    databaseKind: 'pglite',
  });
  try {
    const res = await app.inject({
      method,
      url: '/v1/merchant',
      headers: { authorization: `Bearer ${key}` },
      ...(body ? { payload: body } : {}),
    });
    return { status: res.statusCode, body: res.json() };
  } finally {
    await app.close();
    await handle.close();
  }
}

describe('dunner merchant hard-decline-dunning', () => {
  test('the operator makes it available, the merchant activates it, withdrawing switches it off', async () => {
    const created = await dunner('merchant', 'create', '--name', 'Shop');
    expect(created.code).toBe(0);
    const merchantId = /Merchant (mer_[0-9a-z]+)/.exec(created.stdout)![1]!;
    const key = /API key \(shown once, store it now\): (\S+)/.exec(created.stdout)![1]!;

    const refused = await callApi(key, 'POST', { hard_decline_dunning: true });
    expect(refused.status).toBe(409);

    const available = await dunner('merchant', 'hard-decline-dunning', '--available', merchantId);
    expect(available).toMatchObject({ code: 0, stderr: '' });
    expect(available.stdout).toBe(
      `Hard-decline dunning is available to ${merchantId}; it is off until the merchant activates it.\n`,
    );
    const activated = await callApi(key, 'POST', { hard_decline_dunning: true });
    expect(activated.status).toBe(200);
    expect(activated.body.hard_decline_dunning).toEqual({ available: true, active: true });

    const withdrawn = await dunner('merchant', 'hard-decline-dunning', '--unavailable', merchantId);
    expect(withdrawn.code).toBe(0);
    expect((await callApi(key, 'GET')).body.hard_decline_dunning).toEqual({
      available: false,
      active: false,
    });
  });

  test('usage errors and unknown merchants exit with 2 and one line', async () => {
    const neither = await dunner('merchant', 'hard-decline-dunning');
    expect(neither).toMatchObject({ code: 2, stdout: '' });
    expect(neither.stderr).toBe(
      'dunner: give either --available <id> or --unavailable <id> (see dunner --help)\n',
    );
    const both = await dunner(
      'merchant',
      'hard-decline-dunning',
      '--available',
      'mer_a',
      '--unavailable',
      'mer_a',
    );
    expect(both.code).toBe(2);
    const unknown = await dunner('merchant', 'hard-decline-dunning', '--available', 'mer_nobody');
    expect(unknown).toMatchObject({ code: 2, stderr: 'dunner: no merchant mer_nobody\n' });
  });
});
