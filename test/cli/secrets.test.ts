// Secrets at rest from the operator's side, on a fresh data folder: a live merchant cannot be
// created, nor `serve` start for one, without DUNNER_SECRETS_KEY; with it, it can; and
// `dunner secrets rotate` moves every stored secret to a new key without losing one.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSecretsKey, useSecretsKeys } from '../../src/adapters/crypto/secret-box.ts';
import { openDatabase } from '../../src/adapters/db/connect.ts';
import { findStripeAccount } from '../../src/adapters/db/stripe.repo.ts';
import { unwrap } from '../../src/app/result.ts';
import { saveStripeAccount } from '../../src/app/stripe/save-stripe-account.ts';

const run = promisify(execFile);
const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('hex');
const STRIPE_SECRET = 'sk_live_51LiveKeyOfTheMerchant';
const PORT = 47161;
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dunner-secrets-'));
});
afterAll(() => {
  useSecretsKeys({ current: null, previous: [] });
  rmSync(dataDir, { recursive: true, force: true });
});

function envWith(extra: Record<string, string>) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DUNNER_DATA_DIR: dataDir,
    DATABASE_URL: '',
    PORT: String(PORT),
    ...extra,
  };
  for (const name of ['DUNNER_SECRETS_KEY', 'DUNNER_SECRETS_KEY_PREVIOUS'])
    if (!(name in extra)) delete env[name];
  return env;
}

async function dunner(extra: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/dunner.js', ...args], {
      env: envWith(extra),
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts `serve` and resolves with its output once it listens, or with its exit code. */
function serveUntilListening(extra: Record<string, string>) {
  return new Promise<{ listening: boolean; code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ['bin/dunner.js', 'serve'], { env: envWith(extra) });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Dunner listening on')) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) =>
      resolve({ listening: output.includes('Dunner listening on'), code, output }),
    );
  });
}

describe('live mode and DUNNER_SECRETS_KEY', () => {
  let merchantId: string;

  test('a live merchant needs the key', async () => {
    const refused = await dunner({}, 'merchant', 'create', '--name', 'Live Shop', '--mode', 'live');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'dunner: DUNNER_SECRETS_KEY is not set: live merchants need it',
    );
    // A live Stripe key in the environment is live mode too.
    const liveStripe = await serveUntilListening({
      STRIPE_SECRET_KEY: 'sk_live_51EnvKeyOfTheShop',
    });
    expect(liveStripe.code).toBe(2);
    expect(liveStripe.output).toContain('STRIPE_SECRET_KEY is a live key');

    const created = await dunner(
      { DUNNER_SECRETS_KEY: KEY_A },
      'merchant',
      'create',
      '--name',
      'Live Shop',
      '--mode',
      'live',
    );
    expect(created.code).toBe(0);
    merchantId = /Merchant (mer_[0-9a-z]+) \(live mode\)/.exec(created.stdout)![1]!;
  });

  test('serve refuses to start for a live merchant without the key, and starts with it', async () => {
    const refused = await serveUntilListening({});
    expect(refused.listening).toBe(false);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain(`live merchants: ${merchantId}`);

    const started = await serveUntilListening({ DUNNER_SECRETS_KEY: KEY_A });
    expect(started.listening).toBe(true);
    expect(started.output).not.toContain('not set');
  });

  test('a bad key is named on one line', async () => {
    const bad = await dunner({ DUNNER_SECRETS_KEY: 'hunter2' }, 'secrets', 'rotate');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'dunner: DUNNER_SECRETS_KEY must be 32 bytes as base64 or hex, e.g. from `openssl rand -base64 32`',
    );
  });

  test('secrets rotate moves every stored secret to the new key', async () => {
    // The merchant's Stripe keys, saved under key A (as `serve` would with DUNNER_SECRETS_KEY=A).
    const keyA = parseSecretsKey(KEY_A)!;
    const keyB = parseSecretsKey(KEY_B)!;
    useSecretsKeys({ current: keyA, previous: [] });
    let handle = await openDatabase({ kind: 'pglite', dataDir });
    unwrap(
      await saveStripeAccount(
        { db: handle.db },
        { merchantId, secretKey: STRIPE_SECRET, webhookSecret: 'whsec_LiveSigningSecret01' },
      ),
    );
    await handle.close();

    const withoutKey = await dunner({}, 'secrets', 'rotate');
    expect(withoutKey.code).toBe(2);

    const rotated = await dunner(
      { DUNNER_SECRETS_KEY: KEY_B, DUNNER_SECRETS_KEY_PREVIOUS: KEY_A },
      'secrets',
      'rotate',
    );
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('stripe_accounts: 1 of 1 rows sealed again');
    expect(rotated.stdout).toContain(`now sealed with key ${keyB.id}`);

    // Key B alone opens them now; key A alone does not.
    handle = await openDatabase({ kind: 'pglite', dataDir });
    try {
      const raw = await handle.db
        .selectFrom('stripe_accounts')
        .select('secret_key')
        .executeTakeFirstOrThrow();
      expect(raw.secret_key.startsWith(`enc:v1:${keyB.id}:`)).toBe(true);
      useSecretsKeys({ current: keyB, previous: [] });
      expect((await findStripeAccount(handle.db, merchantId))?.secret_key).toBe(STRIPE_SECRET);
      useSecretsKeys({ current: keyA, previous: [] });
      await expect(findStripeAccount(handle.db, merchantId)).rejects.toThrow(
        `sealed with key ${keyB.id}`,
      );
    } finally {
      await handle.close();
    }

    // With only the old key, rotate names the key the stored secrets need and changes nothing.
    const again = await dunner({ DUNNER_SECRETS_KEY: KEY_A }, 'secrets', 'rotate');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`sealed with key ${keyB.id}`);
  });
});
