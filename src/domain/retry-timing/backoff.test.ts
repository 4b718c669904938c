import { describe, expect, it } from 'vitest';
import {
  QUICK_RETRY_BUDGET,
  quickRetryAfterTemporary,
  TEMPORARY_BACKOFF,
  temporaryBackoffDelayMs,
} from './backoff.ts';

const MIN = 60_000;
const DECLINED_AT = new Date('2026-03-02T15:00:00Z');
const fixed = (value: number) => () => value;

describe('temporaryBackoffDelayMs', () => {
  it('grows 15 min, 1 h, 4 h and then stays at the 4 h cap', () => {
    const delays = [0, 1, 2, 3, 4, 10, 1000].map((n) => temporaryBackoffDelayMs(n, fixed(0)) / MIN);
    expect(delays).toEqual([15, 60, 240, 240, 240, 240, 240]);
  });

  it.each([0, 0.25, 0.5, 0.999])(
    'jitter (random %s) only shortens a delay, by at most a quarter',
    (r) => {
      for (const n of [0, 1, 2, 5]) {
        const base = temporaryBackoffDelayMs(n, fixed(0));
        const delay = temporaryBackoffDelayMs(n, fixed(r));
        expect(delay).toBeLessThanOrEqual(base);
        expect(delay).toBeGreaterThanOrEqual(base * (1 - TEMPORARY_BACKOFF.jitterShare) - MIN);
        expect(delay % MIN).toBe(0);
      }
    },
  );

  it.each([Number.NaN, 1, -1, 7])(
    'a faulty random source (%s) still gives a delay within the cap',
    (r) => {
      const delay = temporaryBackoffDelayMs(3, fixed(r));
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(TEMPORARY_BACKOFF.maxDelayMs);
    },
  );
});

describe('quickRetryAfterTemporary', () => {
  it.each([
    [0, 0, 240, 'quick retry 1 of 1, 4 h after the decline'],
    [0, 0.5, 210, 'quick retry 1 of 1, 3 h 30 min after the decline'],
    [0, 0.999, 180, 'quick retry 1 of 1, 3 h after the decline'],
  ])(
    'after %i quick retries (random %s) the next one goes out %i min after the decline',
    (soFar, r, minutes, why) => {
      const next = quickRetryAfterTemporary({
        lastDeclineAt: DECLINED_AT,
        quickRetriesSoFar: soFar,
        random: fixed(r),
      });
      expect(next?.at).toEqual(new Date(DECLINED_AT.getTime() + minutes * MIN));
      expect(next?.why).toContain(why);
    },
  );

  it.each([QUICK_RETRY_BUDGET, QUICK_RETRY_BUDGET + 4])(
    'stops quick retries once %i are spent: the next step retries instead',
    (soFar) => {
      expect(
        quickRetryAfterTemporary({
          lastDeclineAt: DECLINED_AT,
          quickRetriesSoFar: soFar,
          random: fixed(0),
        }),
      ).toBeNull();
    },
  );

  it('allows one quick retry, hours after the decline', () => {
    expect(QUICK_RETRY_BUDGET).toBe(1);
  });
});
