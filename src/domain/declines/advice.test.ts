import { describe, expect, it } from 'vitest';
import { describeAdvice, formatDelay, type NetworkAdvice, strictestAdvice } from './advice.ts';

const none: NetworkAdvice = { kind: 'none' };
const never: NetworkAdvice = { kind: 'do_not_retry', source: 'Mastercard MAC 03' };
const hour: NetworkAdvice = {
  kind: 'retry_after',
  afterMs: 3_600_000,
  source: 'Mastercard MAC 24',
};
const days2: NetworkAdvice = {
  kind: 'retry_after',
  afterMs: 172_800_000,
  source: 'Mastercard MAC 26',
};

describe('combining advice from several sources', () => {
  it.each([
    ['nothing said', [], none],
    ['only none', [none, none], none],
    ['do-not-retry after a wait', [hour, never], never],
    ['do-not-retry before a wait', [never, days2], never],
    ['two waits: the longer', [days2, hour], days2],
    ['two waits, other order: the longer', [hour, days2], days2],
    ['a wait and none', [none, hour], hour],
  ] as const)('%s → the strictest stands', (_label, candidates, expected) => {
    expect(strictestAdvice(candidates)).toEqual(expected);
  });
});

describe('advice in words', () => {
  it.each([
    [3_600_000, '1 h'],
    [86_400_000, '24 h'],
    [172_800_000, '2 d'],
    [259_200_000, '3 d'],
    [864_000_000, '10 d'],
    [90_000, '2 min'],
  ])('%i ms reads as %s', (delayMs, text) => {
    expect(formatDelay(delayMs)).toBe(text);
  });

  it.each([
    [none, 'no network advice'],
    [never, 'do not retry (Mastercard MAC 03)'],
    [hour, 'retry no sooner than 1 h (Mastercard MAC 24)'],
  ] as const)('%j reads as %s', (advice, text) => {
    expect(describeAdvice(advice)).toBe(text);
  });
});
