import { describe, expect, it } from 'vitest';
import { type EntitlementInput, entitlement, graceEndsAt } from './entitlement.ts';

const NOW = new Date('2026-03-02T15:00:00Z');
const at = (iso: string) => new Date(iso);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const pastDue = (graceDays: number, since = NOW): EntitlementInput => ({
  state: 'past_due',
  graceDays,
  pastDueSince: since,
});

describe('graceEndsAt', () => {
  it.each([
    [0, '2026-03-02T15:00:00.000Z'],
    [1, '2026-03-03T15:00:00.000Z'],
    [7, '2026-03-09T15:00:00.000Z'],
    [30, '2026-04-01T15:00:00.000Z'],
  ])('a past-due subscription with %i grace days keeps full access until %s', (days, iso) => {
    expect(graceEndsAt(pastDue(days))?.toISOString()).toBe(iso);
  });

  it.each([
    ['active', NOW],
    ['unpaid', NOW],
    ['canceled', NOW],
    ['past_due', null],
  ] as const)('has no grace end for a %s subscription (past due since %s)', (state, since) => {
    expect(graceEndsAt({ state, graceDays: 7, pastDueSince: since })).toBeNull();
  });
});

describe('entitlement', () => {
  it.each([
    ['paid up', { state: 'active', graceDays: 7, pastDueSince: null }, NOW, 'full'],
    ['in grace, just failed', pastDue(7), NOW, 'full'],
    ['in grace, one ms before the end', pastDue(7), at('2026-03-09T14:59:59.999Z'), 'full'],
    ['at the exact end of grace', pastDue(7), at('2026-03-09T15:00:00.000Z'), 'limited'],
    ['after grace', pastDue(7), at('2026-03-20T00:00:00Z'), 'limited'],
    ['past due with no grace period', pastDue(0), NOW, 'limited'],
    ['unpaid', { state: 'unpaid', graceDays: 7, pastDueSince: null }, NOW, 'none'],
    ['canceled', { state: 'canceled', graceDays: 7, pastDueSince: null }, NOW, 'none'],
    [
      'unpaid inside what was grace',
      { state: 'unpaid', graceDays: 7, pastDueSince: NOW },
      NOW,
      'none',
    ],
  ] as const)('%s → %s access', (_name, input, now, expected) => {
    expect(entitlement(input, now)).toBe(expected);
  });

  it('walks a 3-day grace period hour by hour: full before the boundary, limited from it', () => {
    const input = pastDue(3);
    const hours = [0, 1, 71, 72, 73];
    const seen = hours.map((h) => entitlement(input, new Date(NOW.getTime() + h * HOUR_MS)));
    expect(seen).toEqual(['full', 'full', 'full', 'limited', 'limited']);
    expect(graceEndsAt(input)?.getTime()).toBe(NOW.getTime() + 3 * DAY_MS);
  });
});
