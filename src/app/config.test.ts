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
