import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('DUNNER_HARD_DECLINE_DUNNING_MERCHANTS', () => {
  const merchants = (value: string | undefined) =>
    loadConfig({ DUNNER_HARD_DECLINE_DUNNING_MERCHANTS: value }).hardDeclineDunningMerchants;

  it.each([
    [undefined, []],
    ['', []],
    ['*', 'all'],
    [' * ', 'all'],
    ['mer_a', ['mer_a']],
    ['mer_a, mer_b,,mer_a', ['mer_a', 'mer_b']],
  ])('%j makes it available to %j', (value, expected) => {
    expect(merchants(value)).toEqual(expected);
  });

  it.each(['mer_a;mer_b', 'cus_1', 'mer_a,*', 'mer_A'])(
    'refuses %j, naming the variable',
    (value) => {
      expect(() => merchants(value)).toThrow(ConfigError);
      expect(() => merchants(value)).toThrow(/DUNNER_HARD_DECLINE_DUNNING_MERCHANTS/);
    },
  );
});

describe('DUNNER_ALLOW_LOOPBACK_URLS', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['true', true],
    ['TRUE', true],
    ['1', true],
  ])('%j allows loopback URLs: %s', (value, allowed) => {
    expect(loadConfig({ DUNNER_ALLOW_LOOPBACK_URLS: value }).allowLoopbackUrls).toBe(allowed);
  });

  it('stops on any other value, naming the variable', () => {
    expect(() => loadConfig({ DUNNER_ALLOW_LOOPBACK_URLS: 'yes please' })).toThrow(
      new ConfigError('DUNNER_ALLOW_LOOPBACK_URLS must be true or false (got "yes please")'),
    );
  });
});

describe('rate limits, proxy and log level', () => {
  it('defaults to 100 requests a second per key, 20 failed sign-ins, no proxy, info', () => {
    const c = loadConfig({});
    expect([c.apiRateLimit, c.signInLimit, c.trustProxy, c.logLevel]).toEqual([
      100,
      20,
      false,
      'info',
    ]);
  });

  it('reads them from the environment', () => {
    const c = loadConfig({
      DUNNER_API_RATE_LIMIT: '25',
      DUNNER_SIGN_IN_LIMIT: '5',
      DUNNER_TRUST_PROXY: 'true',
      DUNNER_LOG_LEVEL: 'WARN',
    });
    expect([c.apiRateLimit, c.signInLimit, c.trustProxy, c.logLevel]).toEqual([
      25,
      5,
      true,
      'warn',
    ]);
  });

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ DUNNER_API_RATE_LIMIT: '0' })).toThrow(/DUNNER_API_RATE_LIMIT/);
    expect(() => loadConfig({ DUNNER_LOG_LEVEL: 'loud' })).toThrow(
      'DUNNER_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
  });
});

describe('secrets keys', () => {
  const key = Buffer.alloc(32, 7);
  it('none by default; a key as base64 or hex; earlier keys separated by commas', () => {
    expect(loadConfig({}).secretsKeys).toEqual({ current: null, previous: [] });
    const c = loadConfig({
      DUNNER_SECRETS_KEY: key.toString('base64'),
      DUNNER_SECRETS_KEY_PREVIOUS: `${Buffer.alloc(32, 1).toString('hex')}, ${Buffer.alloc(32, 2).toString('base64')}`,
    });
    expect(c.secretsKeys.current?.key).toEqual(key);
    expect(c.secretsKeys.previous.map((k) => k.key[0])).toEqual([1, 2]);
  });

  it('names the variable of a key that is not 32 bytes', () => {
    expect(() => loadConfig({ DUNNER_SECRETS_KEY: 'short' })).toThrow(
      'DUNNER_SECRETS_KEY must be 32 bytes as base64 or hex',
    );
    expect(() =>
      loadConfig({
        DUNNER_SECRETS_KEY: key.toString('hex'),
        DUNNER_SECRETS_KEY_PREVIOUS: 'nope',
      }),
    ).toThrow('DUNNER_SECRETS_KEY_PREVIOUS must be keys separated by commas');
    expect(() => loadConfig({ DUNNER_SECRETS_KEY_PREVIOUS: key.toString('hex') })).toThrow(
      'DUNNER_SECRETS_KEY_PREVIOUS is set without DUNNER_SECRETS_KEY',
    );
  });
});
