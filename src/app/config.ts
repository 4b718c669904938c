// Configuration from the environment, checked once at start-up. A bad value is a ConfigError whose
// message names the variable; the CLI prints it on one line.
import path from 'node:path';
import { type Keyring, parseSecretsKey, type SecretsKey } from '../adapters/crypto/secret-box.ts';
import type { DatabaseConfig } from '../adapters/db/connect.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Config = {
  database: DatabaseConfig;
  port: number;
  host: string;
  workerBatchSize: number;
  workerPollMs: number;
  leaseMs: number;
  /** Where customers and operators reach this instance; update links start with it. */
  publicUrl: string;
  /** SMTP server for customer email (smtp://user:pass@host:port); null stores messages instead. */
  smtpUrl: string | null;
  /** Single-merchant Stripe set-up; per-merchant settings override them. */
  stripeSecretKey: string | null;
  stripeWebhookSecret: string | null;
  /** pk_…: lets the hosted update page take a new card in Stripe's own fields (Stripe.js). */
  stripePublishableKey: string | null;
  /** The one merchant the environment's Stripe keys belong to; unset: every merchant without its own. */
  stripeMerchantId: string | null;
  /**
   * Merchants for which the operator makes hard-decline dunning available at each `serve` start
   * (DUNNER_HARD_DECLINE_DUNNING_MERCHANTS): listed ids, or `all` for `*`; empty: none.
   */
  hardDeclineDunningMerchants: 'all' | readonly string[];
  /**
   * Test-mode merchants may send webhooks and channel messages to this machine (127.0.0.1,
   * localhost, ::1): for development and tests only. Live mode never may, nor may any mode reach
   * private, link-local or metadata addresses (docs/webhooks.md).
   */
  allowLoopbackUrls: boolean;
  /** /v1 requests per second per API key or operator session (DUNNER_API_RATE_LIMIT). */
  apiRateLimit: number;
  /** Failed sign-ins per client address and method per 15 minutes (DUNNER_SIGN_IN_LIMIT). */
  signInLimit: number;
  /** Behind a reverse proxy: the client address is X-Forwarded-For's (DUNNER_TRUST_PROXY). */
  trustProxy: boolean;
  /** pino level of the JSON log on stdout (DUNNER_LOG_LEVEL). */
  logLevel: LogLevel;
  /**
   * Seals signing secrets and Stripe keys at rest (DUNNER_SECRETS_KEY); earlier keys still open
   * what they sealed until `dunner secrets rotate` (DUNNER_SECRETS_KEY_PREVIOUS).
   */
  secretsKeys: Keyring;
};

const KEY_HINT = '32 bytes as base64 or hex, e.g. from `openssl rand -base64 32`';

function secretsKeys(env: Env): Keyring {
  const raw = env.DUNNER_SECRETS_KEY?.trim();
  let current: SecretsKey | null = null;
  if (raw) {
    current = parseSecretsKey(raw);
    if (!current) throw new ConfigError(`DUNNER_SECRETS_KEY must be ${KEY_HINT}`);
  }
  const previous = (env.DUNNER_SECRETS_KEY_PREVIOUS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '')
    .map((k, i) => {
      const key = parseSecretsKey(k);
      if (!key)
        throw new ConfigError(
          `DUNNER_SECRETS_KEY_PREVIOUS must be keys separated by commas, each ${KEY_HINT} (key ${i + 1} is not)`,
        );
      return key;
    });
  if (previous.length > 0 && !current)
    throw new ConfigError(
      'DUNNER_SECRETS_KEY_PREVIOUS is set without DUNNER_SECRETS_KEY: set the new key as DUNNER_SECRETS_KEY',
    );
  return { current, previous };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function logLevel(env: Env): LogLevel {
  const raw = env.DUNNER_LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw))
    throw new ConfigError(
      `DUNNER_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.DUNNER_LOG_LEVEL}")`,
    );
  return raw as LogLevel;
}

type Env = Record<string, string | undefined>;

export function databaseConfigFrom(env: Env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(
        `DATABASE_URL is not a valid URL (expected postgres://user@host:port/database)`,
      );
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      throw new ConfigError(
        `DATABASE_URL must start with postgres:// or postgresql:// (got ${parsed.protocol}//)`,
      );
    }
    if (!parsed.hostname && !parsed.searchParams.get('host')) {
      throw new ConfigError(
        'DATABASE_URL names no host (expected postgres://user@host:port/database)',
      );
    }
    return { kind: 'postgres', url };
  }
  return { kind: 'pglite', dataDir: path.resolve(env.DUNNER_DATA_DIR ?? '.data/pglite') };
}

function positiveInt(env: Env, name: string, fallback: number, max = 1_000_000_000): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name} must be a whole number from 1 to ${max} (got "${raw}")`);
  }
  return value;
}

function urlOrNull(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL (got "${raw}")`);
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(
      `${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got ${parsed.protocol}//)`,
    );
  return raw.replace(/\/+$/, '');
}

const MERCHANT_ID = /^mer_[0-9a-z_]+$/;

/** `*` for every merchant, or merchant ids separated by commas (spaces allowed). */
export function merchantListFrom(env: Env, name: string): 'all' | string[] {
  const raw = env[name]?.trim() ?? '';
  if (raw === '*') return 'all';
  const ids = raw
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  for (const id of ids)
    if (!MERCHANT_ID.test(id))
      throw new ConfigError(
        `${name} must be * or merchant ids separated by commas, such as mer_demo,mer_4k9x (got "${id}")`,
      );
  return [...new Set(ids)];
}

function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false (got "${env[name]}")`);
}

export function loadConfig(env: Env = process.env): Config {
  const port = positiveInt(env, 'PORT', 3000, 65535);
  const host = env.HOST?.trim() || '127.0.0.1';
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    database: databaseConfigFrom(env),
    port,
    host,
    publicUrl: urlOrNull(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://${shownHost}:${port}`,
    smtpUrl: urlOrNull(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    stripeSecretKey: env.STRIPE_SECRET_KEY?.trim() || null,
    stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET?.trim() || null,
    stripePublishableKey: env.STRIPE_PUBLISHABLE_KEY?.trim() || null,
    stripeMerchantId: env.STRIPE_MERCHANT_ID?.trim() || null,
    hardDeclineDunningMerchants: merchantListFrom(env, 'DUNNER_HARD_DECLINE_DUNNING_MERCHANTS'),
    allowLoopbackUrls: flag(env, 'DUNNER_ALLOW_LOOPBACK_URLS'),
    apiRateLimit: positiveInt(env, 'DUNNER_API_RATE_LIMIT', 100, 1_000_000),
    signInLimit: positiveInt(env, 'DUNNER_SIGN_IN_LIMIT', 20, 1_000_000),
    trustProxy: flag(env, 'DUNNER_TRUST_PROXY'),
    logLevel: logLevel(env),
    secretsKeys: secretsKeys(env),
    workerBatchSize: positiveInt(env, 'DUNNER_WORKER_BATCH', 50, 10_000),
    workerPollMs: positiveInt(env, 'DUNNER_WORKER_POLL_MS', 1000),
    leaseMs: positiveInt(env, 'DUNNER_LEASE_MS', 60_000),
  };
}
