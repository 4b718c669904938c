import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

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
