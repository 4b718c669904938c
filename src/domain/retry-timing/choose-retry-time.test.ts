import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DECLINE_CATEGORIES, type DeclineCategory } from '../declines/categories.ts';
import { chooseRetryTime, type TimingInput } from './choose-retry-time.ts';
import { learnPayCycle, type PayCycle } from './pay-cycle.ts';

const AUCKLAND = 'Pacific/Auckland';
const LOS_ANGELES = 'America/Los_Angeles';
const BERLIN = 'Europe/Berlin';
const LONDON = 'Europe/London';
const HOUR = 3_600_000;

/** A fixed sequence of random draws, repeating its last value. */
const draws =
  (...values: number[]) =>
  () =>
    values.length > 1 ? values.shift()! : values[0]!;

/** An instant from a local wall-clock time, e.g. local('2026-06-13T16:00', AUCKLAND). */
const local = (wallClock: string, zone: string): Date =>
  DateTime.fromISO(wallClock, { zone }).toJSDate();

type Case = {
  category: DeclineCategory;
  zone: string;
  from: string;
  until: string;
  now?: string;
  lastDeclineAt?: string;
  retriesSoFar?: number;
  payCycle?: PayCycle | null;
  random?: number[];
};

/** Builds an input from local wall-clock times in the customer's zone; `now` defaults to `from`. */
function input(c: Case): TimingInput {
  const from = local(c.from, c.zone);
  return {
    category: c.category,
    envelope: { from, until: local(c.until, c.zone) },
    now: c.now ? local(c.now, c.zone) : from,
    timeZone: c.zone,
    lastDeclineAt: c.lastDeclineAt ? local(c.lastDeclineAt, c.zone) : from,
    retriesSoFar: c.retriesSoFar ?? 0,
    payCycle: c.payCycle ?? null,
    random: draws(...(c.random ?? [0])),
  };
}

describe('chooseRetryTime: insufficient funds waits for a likely payday, in the local morning', () => {
  it.each<[string, Case, string, string]>([
    [
      'an Auckland customer is retried at 07:00 on Monday the 15th, still Sunday the 14th in UTC',
      {
        category: 'insufficient_funds',
        zone: AUCKLAND,
        from: '2026-06-13T16:00',
        until: '2026-06-18T16:00',
      },
      '2026-06-14T19:00:00.000Z',
      'insufficient_funds: Mon 15 Jun 07:00 Pacific/Auckland, the first local morning on or after Mon 15 Jun (likely payday: the 15th)',
    ],
    [
      'a Los Angeles customer on the same local window is retried at 08:30 on the 15th, jittered',
      {
        category: 'insufficient_funds',
        zone: LOS_ANGELES,
        from: '2026-06-13T16:00',
        until: '2026-06-18T16:00',
        random: [0.5],
      },
      '2026-06-15T15:30:00.000Z',
      'Mon 15 Jun 08:30 America/Los_Angeles',
    ],
    [
      'the 15th on a Saturday is paid, and retried, on Friday the 14th',
      {
        category: 'insufficient_funds',
        zone: LOS_ANGELES,
        from: '2026-08-12T15:00',
        until: '2026-08-20T15:00',
      },
      '2026-08-14T14:00:00.000Z',
      'likely payday: the 15th (a Saturday, paid the business day before)',
    ],
    [
      'a Friday payday in the week after US clocks fall back lands at 07:00 standard time',
      {
        category: 'insufficient_funds',
        zone: LOS_ANGELES,
        from: '2026-11-02T12:00',
        until: '2026-11-09T12:00',
      },
      '2026-11-06T15:00:00.000Z',
      'Fri 6 Nov 07:00 America/Los_Angeles, the first local morning on or after Fri 6 Nov (likely payday: a Friday (weekly or biweekly pay))',
    ],
    [
      'the 15th on a Sunday, in the week after US clocks spring forward, lands on Friday at 07:00 daylight time',
      {
        category: 'insufficient_funds',
        zone: LOS_ANGELES,
        from: '2026-03-09T12:00',
        until: '2026-03-18T12:00',
      },
      '2026-03-13T14:00:00.000Z',
      'Fri 13 Mar 07:00 America/Los_Angeles, the first local morning on or after Fri 13 Mar (likely payday: the 15th (a Sunday, paid the business day before))',
    ],
    [
      'when the 31st is a Saturday the last business day is Friday the 30th',
      {
        category: 'insufficient_funds',
        zone: BERLIN,
        from: '2026-01-27T12:00',
        until: '2026-01-31T12:00',
      },
      '2026-01-30T06:00:00.000Z',
      'likely payday: the last business day',
    ],
    [
      'a payday the last decline fell on was tried already: the next payday in the window',
      {
        category: 'insufficient_funds',
        zone: LOS_ANGELES,
        from: '2026-06-15T12:00',
        until: '2026-06-22T12:00',
        lastDeclineAt: '2026-06-15T08:00',
      },
      '2026-06-19T14:00:00.000Z',
      'Fri 19 Jun 07:00 America/Los_Angeles, the first local morning on or after Fri 19 Jun (likely payday: a Friday',
    ],
    [
      'a payday whose morning has passed when the window opens gives the next morning',
      {
        category: 'insufficient_funds',
        zone: LOS_ANGELES,
        from: '2026-06-15T12:00',
        until: '2026-06-19T12:00',
        lastDeclineAt: '2026-06-11T10:00',
      },
      '2026-06-16T14:00:00.000Z',
      'Tue 16 Jun 07:00 America/Los_Angeles, the first local morning on or after Mon 15 Jun',
    ],
    [
      'a window with no payday plans no retry and says so',
      {
        category: 'insufficient_funds',
        zone: LOS_ANGELES,
        from: '2026-06-06T18:00',
        until: '2026-06-11T15:00',
      },
      '2026-06-07T01:00:00.000Z',
      "insufficient_funds: no retry in this window: no likely payday (on a Friday, the 1st, the 15th or the last business day) falls between Sat 6 Jun and Thu 11 Jun, and the case's few retries are kept for paydays",
    ],
    [
      'a learned biweekly Friday payday wins over the default 1st earlier in the window',
      {
        category: 'insufficient_funds',
        zone: LONDON,
        from: '2026-06-29T12:00',
        until: '2026-07-05T12:00',
        payCycle: { kind: 'biweekly', anchor: '2026-06-19' },
      },
      '2026-07-03T06:00:00.000Z',
      'Fri 3 Jul 07:00 Europe/London, the first local morning on or after Fri 3 Jul (likely payday: learned biweekly payday (every other Friday from 2026-06-19))',
    ],
    [
      'the off week of a learned biweekly cycle has no payday: no retry',
      {
        category: 'insufficient_funds',
        zone: LONDON,
        from: '2026-06-22T12:00',
        until: '2026-06-25T12:00',
        payCycle: { kind: 'biweekly', anchor: '2026-06-19' },
      },
      '2026-06-22T11:00:00.000Z',
      'no retry in this window: no likely payday (on the learned biweekly cycle) falls between Mon 22 Jun and Thu 25 Jun',
    ],
    [
      'a retry decided late never goes out before now, even on the payday morning',
      {
        category: 'insufficient_funds',
        zone: LOS_ANGELES,
        from: '2026-06-13T16:00',
        until: '2026-06-18T16:00',
        now: '2026-06-15T08:00',
        random: [0.5],
      },
      '2026-06-15T16:00:00.000Z',
      'Mon 15 Jun 09:00 America/Los_Angeles',
    ],
    [
      'a window with no morning at all is clamped to its start, and says so',
      {
        category: 'generic',
        zone: BERLIN,
        from: '2026-06-15T12:00',
        until: '2026-06-15T20:00',
      },
      '2026-06-15T10:00:00.000Z',
      "Mon 15 Jun 12:00 Europe/Berlin, clamped to the window's start: no local morning (07:00–10:00) fits before it closes at Mon 15 Jun 20:00 Europe/Berlin",
    ],
  ])('%s', (_name, c, expectedAt, why) => {
    const decision = chooseRetryTime(input(c));
    expect(decision.at.toISOString()).toBe(expectedAt);
    expect(decision.why).toContain(why);
    expect(decision.skip ?? false).toBe(why.includes('no retry in this window'));
  });

  it('a biweekly cycle learned from past Friday payments steers the retry to the next payday Friday', () => {
    const payments = ['2026-05-22', '2026-06-05', '2026-06-19'].map((d) =>
      local(`${d}T09:30`, LONDON),
    );
    const payCycle = learnPayCycle(payments, LONDON);
    const decision = chooseRetryTime(
      input({
        category: 'insufficient_funds',
        zone: LONDON,
        from: '2026-06-29T12:00',
        until: '2026-07-05T12:00',
        payCycle,
      }),
    );
    expect(payCycle).toEqual({ kind: 'biweekly', anchor: '2026-06-19' });
    expect(decision.at).toEqual(local('2026-07-03T07:00', LONDON));
  });
});

describe('chooseRetryTime: generic declines go out on the window’s first local morning', () => {
  it.each<[string, Case, string, string]>([
    [
      'a window opening Saturday afternoon before US clocks spring forward retries Sunday 07:00 daylight time',
      {
        category: 'generic',
        zone: LOS_ANGELES,
        from: '2026-03-07T15:00',
        until: '2026-03-11T15:00',
      },
      '2026-03-08T14:00:00.000Z',
      "generic: Sun 8 Mar 07:00 America/Los_Angeles, the window's first local morning; the step days space the retries",
    ],
    [
      'a window opening the day Auckland clocks fall back retries Sunday 07:00 standard time',
      { category: 'generic', zone: AUCKLAND, from: '2026-04-04T12:00', until: '2026-04-07T12:00' },
      '2026-04-04T19:00:00.000Z',
      'Sun 5 Apr 07:00 Pacific/Auckland',
    ],
    [
      'a window opening mid-morning retries later that same morning',
      {
        category: 'generic',
        zone: BERLIN,
        from: '2026-02-03T08:30',
        until: '2026-02-06T08:30',
        random: [0.5],
      },
      '2026-02-03T08:15:00.000Z',
      'Tue 3 Feb 09:15 Europe/Berlin',
    ],
    [
      'a window with no morning is clamped to its start',
      {
        category: 'generic',
        zone: LOS_ANGELES,
        from: '2026-06-02T12:00',
        until: '2026-06-02T18:00',
      },
      '2026-06-02T19:00:00.000Z',
      "clamped to the window's start",
    ],
  ])('%s', (_name, c, expectedAt, why) => {
    const decision = chooseRetryTime(input(c));
    expect(decision.at.toISOString()).toBe(expectedAt);
    expect(decision.why).toContain(why);
  });
});

describe('chooseRetryTime: temporary declines retry soon, with backoff', () => {
  const window = {
    category: 'temporary',
    zone: 'UTC',
    from: '2026-03-02T15:00',
    until: '2026-03-05T15:00',
  } as const;

  it.each<[string, Case, string, string]>([
    [
      'the first retry goes 15 min after the decline',
      { ...window, retriesSoFar: 0 },
      '2026-03-02T15:15:00.000Z',
      '15 min backoff after the decline at Mon 2 Mar 15:00 UTC',
    ],
    [
      'the second retry goes 1 h after the decline',
      { ...window, retriesSoFar: 1 },
      '2026-03-02T16:00:00.000Z',
      '1 h backoff',
    ],
    [
      'the third retry goes 4 h after the decline',
      { ...window, retriesSoFar: 2 },
      '2026-03-02T19:00:00.000Z',
      '4 h backoff',
    ],
    [
      'later retries stay at the 4 h cap',
      { ...window, retriesSoFar: 6 },
      '2026-03-02T19:00:00.000Z',
      '4 h backoff',
    ],
    [
      'jitter shortens the wait by up to a quarter',
      { ...window, retriesSoFar: 2, random: [0.999] },
      '2026-03-02T18:00:00.000Z',
      '3 h backoff',
    ],
    [
      'a backoff that ran out before the window opens retries at the window’s start',
      { ...window, lastDeclineAt: '2026-02-28T09:00' },
      '2026-03-02T15:00:00.000Z',
      "the window's start; the 15 min backoff after the decline at Sat 28 Feb 09:00 UTC has passed",
    ],
    [
      'a retry decided late never goes out before now',
      { ...window, lastDeclineAt: '2026-03-02T14:50', now: '2026-03-02T15:30' },
      '2026-03-02T15:30:00.000Z',
      "the window's start",
    ],
    [
      'a backoff past the window’s end is clamped halfway between the decline and the next step',
      { ...window, until: '2026-03-02T17:00', retriesSoFar: 2 },
      '2026-03-02T16:00:00.000Z',
      'clamped: the 4 h backoff after the decline at Mon 2 Mar 15:00 UTC would land after the window closes at Mon 2 Mar 17:00 UTC, so halfway',
    ],
  ])('%s', (_name, c, expectedAt, why) => {
    const decision = chooseRetryTime(input(c));
    expect(decision.at.toISOString()).toBe(expectedAt);
    expect(decision.why).toContain(why);
  });
});

describe('chooseRetryTime: categories that never retry automatically', () => {
  it.each(['hard', 'update_method', 'authentication_required'] as const)(
    '%s returns the window start and says no automatic retry is expected',
    (category) => {
      const c: Case = {
        category,
        zone: BERLIN,
        from: '2026-06-15T12:00',
        until: '2026-06-18T12:00',
      };
      const decision = chooseRetryTime(input(c));
      expect(decision.at).toEqual(local(c.from, BERLIN));
      expect(decision.why).toBe(
        `${category}: Mon 15 Jun 12:00 Europe/Berlin, the window's start; no automatic retry is expected for this category (SPEC section 4)`,
      );
      const late = chooseRetryTime(input({ ...c, now: '2026-06-16T09:00' }));
      expect(late.at).toEqual(local('2026-06-16T09:00', BERLIN));
    },
  );
});

describe('chooseRetryTime: edge cases', () => {
  it('a window that closed before now retries at once and says the schedule should move on', () => {
    const decision = chooseRetryTime(
      input({
        category: 'generic',
        zone: BERLIN,
        from: '2026-06-15T12:00',
        until: '2026-06-18T12:00',
        now: '2026-06-19T08:00',
      }),
    );
    expect(decision.at).toEqual(local('2026-06-19T08:00', BERLIN));
    expect(decision.why).toBe(
      'generic: Fri 19 Jun 08:00 Europe/Berlin, at once: the window closed at Thu 18 Jun 12:00 Europe/Berlin, so the schedule should move on',
    );
  });

  it('an unknown time zone falls back to UTC and says so', () => {
    const decision = chooseRetryTime({
      ...input({
        category: 'generic',
        zone: 'UTC',
        from: '2026-06-15T12:00',
        until: '2026-06-18T12:00',
      }),
      timeZone: 'Mars/Olympus',
    });
    expect(decision.at.toISOString()).toBe('2026-06-16T07:00:00.000Z');
    expect(decision.why).toContain("(time zone 'Mars/Olympus' is unknown; used UTC)");
  });
});

/** mulberry32: a tiny seeded generator, so the generated cases are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('chooseRetryTime: the retry always falls inside the step window', () => {
  const ZONES = [
    AUCKLAND,
    LOS_ANGELES,
    BERLIN,
    LONDON,
    'Asia/Kolkata',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'UTC',
  ];
  const CYCLES: (PayCycle | null)[] = [
    null,
    { kind: 'monthly', dayOfMonth: 25 },
    { kind: 'monthly', dayOfMonth: -1 },
    { kind: 'semi_monthly', days: [1, 15] },
    { kind: 'semi_monthly', days: [15, -1] },
    { kind: 'biweekly', anchor: '2026-01-09' },
    { kind: 'weekly', weekday: 5 },
  ];
  const gen = seeded(20260302);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(gen() * xs.length)]!;
  const YEAR_START = Date.UTC(2026, 0, 1);
  const cases = Array.from({ length: 3000 }, (_, i) => {
    const fromMs =
      YEAR_START + Math.floor(gen() * 365 * 24) * HOUR + Math.floor(gen() * 60) * 60_000;
    // Windows from 1 minute to 20 days, now from 3 days early to just before the end.
    const lengthMs = gen() < 0.2 ? Math.ceil(gen() * 12 * HOUR) : Math.ceil(gen() * 20 * 24 * HOUR);
    const untilMs = fromMs + lengthMs;
    const nowMs = Math.min(
      fromMs - 3 * 24 * HOUR + Math.floor(gen() * (lengthMs + 3 * 24 * HOUR)),
      untilMs - 1,
    );
    const seed = i + 1;
    return {
      category: pick(DECLINE_CATEGORIES),
      envelope: { from: new Date(fromMs), until: new Date(untilMs) },
      now: new Date(nowMs),
      timeZone: pick(ZONES),
      // Half just declined (so a backoff can overrun a short window), half days ago.
      lastDeclineAt: new Date(nowMs - Math.floor(gen() * (gen() < 0.5 ? HOUR / 2 : 5 * 24 * HOUR))),
      retriesSoFar: Math.floor(gen() * 6),
      payCycle: pick(CYCLES),
      seed,
    };
  });

  it('over 3000 generated windows, zones, categories and pay cycles, the retry is in [max(from, now), until)', () => {
    const outside = cases.filter((c) => {
      const { at } = chooseRetryTime({ ...c, random: seeded(c.seed) });
      const earliest = Math.max(c.envelope.from.getTime(), c.now.getTime());
      return !(at.getTime() >= earliest && at.getTime() < c.envelope.until.getTime());
    });
    expect(outside).toEqual([]);
  });

  it('insufficient funds and generic retries land in the 07:00–10:00 local morning whenever the window holds a whole day', () => {
    const notMorning = cases
      .filter((c) => c.category === 'insufficient_funds' || c.category === 'generic')
      // A window with no payday plans no insufficient-funds retry at all.
      .filter((c) => !chooseRetryTime({ ...c, random: seeded(c.seed) }).skip)
      .filter(
        (c) =>
          c.envelope.until.getTime() - Math.max(c.envelope.from.getTime(), c.now.getTime()) >=
          24 * HOUR,
      )
      .map((c) => ({ c, at: chooseRetryTime({ ...c, random: seeded(c.seed) }).at }))
      .filter(({ c, at }) => {
        const hour = DateTime.fromJSDate(at, { zone: c.timeZone }).hour;
        return hour < 7 || hour >= 10;
      });
    expect(notMorning).toEqual([]);
  });

  it('the same input and random sequence always give the same decision', () => {
    for (const c of cases.slice(0, 200)) {
      expect(chooseRetryTime({ ...c, random: seeded(c.seed) })).toEqual(
        chooseRetryTime({ ...c, random: seeded(c.seed) }),
      );
    }
  });
});
