import { describe, expect, it } from 'vitest';
import {
  afterFailedAttempt,
  describeDelay,
  JITTER_SHARE,
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  retryWindowMs,
} from './retry-schedule.ts';

const NOW = new Date('2026-03-02T15:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const fixed = (value: number) => () => value;

describe('afterFailedAttempt', () => {
  it.each([
    [1, 1 * MIN, 'retry in 1 min'],
    [2, 5 * MIN, 'retry in 5 min'],
    [3, 30 * MIN, 'retry in 30 min'],
    [4, 2 * HOUR, 'retry in 2 h'],
    [5, 5 * HOUR, 'retry in 5 h'],
    [6, 10 * HOUR, 'retry in 10 h'],
    [7, 14 * HOUR, 'retry in 14 h'],
    [8, 24 * HOUR, 'retry in 24 h'],
    [9, 24 * HOUR, 'retry in 24 h'],
  ])('after failed attempt %i the next one is due %i ms later (no jitter)', (n, delay, why) => {
    const next = afterFailedAttempt(n, NOW, fixed(0.5));
    expect(next).toEqual({
      kind: 'retry',
      delayMs: delay,
      at: new Date(NOW.getTime() + delay),
      why: `attempt ${n} of 10 failed: ${why}`,
    });
  });

  it('gives up after the tenth attempt', () => {
    expect(MAX_ATTEMPTS).toBe(10);
    expect(afterFailedAttempt(10, NOW, fixed(0.5))).toEqual({
      kind: 'give_up',
      why: 'attempt 10 of 10 failed: no retry left',
    });
    expect(afterFailedAttempt(11, NOW, fixed(0.5)).kind).toBe('give_up');
  });

  it('spans about three and a third days from the first failure to the last attempt', () => {
    const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total / HOUR).toBeCloseTo(79.6, 1);
  });

  it.each([0, 0.25, 0.999, 1])('jitter (random %s) keeps each retry within ±10 %%', (r) => {
    for (let n = 1; n < MAX_ATTEMPTS; n++) {
      const next = afterFailedAttempt(n, NOW, fixed(r));
      if (next.kind !== 'retry') throw new Error('expected a retry');
      const base = RETRY_DELAYS_MS[n - 1]!;
      expect(next.delayMs).toBeGreaterThanOrEqual(base * (1 - JITTER_SHARE) - 500);
      expect(next.delayMs).toBeLessThanOrEqual(base * (1 + JITTER_SHARE) + 500);
      expect(next.delayMs % 1000).toBe(0);
    }
  });

  it('spreads retries: the lowest and highest draws are 20 % of the delay apart', () => {
    const low = afterFailedAttempt(8, NOW, fixed(0));
    const high = afterFailedAttempt(8, NOW, fixed(0.999999));
    if (low.kind !== 'retry' || high.kind !== 'retry') throw new Error('expected retries');
    expect((high.delayMs - low.delayMs) / HOUR).toBeCloseTo(4.8, 1);
  });

  it.each([Number.NaN, -3, 7, Number.POSITIVE_INFINITY])(
    'a faulty random source (%s) still gives a retry inside the window',
    (r) => {
      const next = afterFailedAttempt(3, NOW, fixed(r));
      if (next.kind !== 'retry') throw new Error('expected a retry');
      const window = retryWindowMs(3)!;
      expect(next.delayMs).toBeGreaterThanOrEqual(window.minMs);
      expect(next.delayMs).toBeLessThanOrEqual(window.maxMs);
    },
  );
});

describe('retryWindowMs', () => {
  it('is null before any attempt and after the last one', () => {
    expect(retryWindowMs(0)).toBeNull();
    expect(retryWindowMs(10)).toBeNull();
    expect(retryWindowMs(2)).toEqual({ minMs: 4.5 * MIN, maxMs: 5.5 * MIN });
  });
});

describe('describeDelay', () => {
  it.each([
    [30_000, '30 s'],
    [54_000, '54 s'],
    [66_000, '1 min'],
    [MIN, '1 min'],
    [90 * MIN, '1 h 30 min'],
    [24 * HOUR, '24 h'],
  ])('%i ms reads "%s"', (ms, text) => {
    expect(describeDelay(ms)).toBe(text);
  });
});
