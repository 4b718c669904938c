import { describe, expect, it } from 'vitest';
import {
  type ContactInput,
  capFreeAt,
  contactRulesOf,
  DEFAULT_CONTACT_RULES,
  decideContact,
  quietUntil,
} from './contact-rules.ts';

const NOW = new Date('2026-03-02T13:00:00Z');
const QUIET = { start: '21:00', end: '08:00' };

function input(over: Partial<ContactInput> = {}): ContactInput {
  return {
    now: NOW,
    timeZone: 'UTC',
    rules: { quietHours: QUIET, cap: { max: 3, perDays: 7 } },
    caseStatus: 'open',
    step: 'step_1',
    intent: 'payment_failed',
    recentSends: [],
    ...over,
  };
}

describe('quiet hours in the customer’s time zone', () => {
  it.each([
    // [instant, zone, end of the quiet hours or null when allowed]
    ['2026-03-02T13:00:00Z', 'Europe/London', null], // 13:00 in London
    ['2026-03-02T13:00:00Z', 'Asia/Tokyo', '2026-03-02T23:00:00.000Z'], // 22:00 in Tokyo
    ['2026-03-02T22:30:00Z', 'Asia/Tokyo', '2026-03-02T23:00:00.000Z'], // 07:30 in Tokyo
    ['2026-03-02T22:59:30Z', 'Asia/Tokyo', '2026-03-02T23:00:00.000Z'], // 07:59:30 in Tokyo
    ['2026-03-02T23:00:00Z', 'Asia/Tokyo', null], // 08:00 in Tokyo: the first allowed minute
    ['2026-03-03T02:00:00Z', 'America/Los_Angeles', null], // 18:00 in Los Angeles
    ['2026-03-03T05:30:00Z', 'America/Los_Angeles', '2026-03-03T16:00:00.000Z'], // 21:30 there
  ])('at %s in %s ends at %s', (at, zone, expected) => {
    expect(quietUntil(new Date(at), zone, QUIET)?.toISOString() ?? null).toBe(expected);
  });

  it('keeps 08:00 local across the start of daylight saving time (New York, 8 March 2026)', () => {
    // 01:30 EST on the night clocks go forward; 08:00 that morning is EDT (UTC-4), not UTC-5.
    const until = quietUntil(new Date('2026-03-08T06:30:00Z'), 'America/New_York', QUIET);
    expect(until?.toISOString()).toBe('2026-03-08T12:00:00.000Z');
  });

  it('keeps 08:00 local across the end of daylight saving time (Berlin, 25 October 2026)', () => {
    // 23:00 CEST on 24 Oct; 08:00 next morning is CET (UTC+1).
    const until = quietUntil(new Date('2026-10-24T21:00:00Z'), 'Europe/Berlin', QUIET);
    expect(until?.toISOString()).toBe('2026-10-25T07:00:00.000Z');
  });

  it('moves an end that falls in a DST gap to the first minute after it', () => {
    const until = quietUntil(new Date('2026-03-08T05:00:00Z'), 'America/New_York', {
      start: '23:00',
      end: '02:30',
    });
    // 02:30 does not exist that night in New York: 03:30 EDT is the first minute after it.
    expect(until?.toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('handles a window inside one day', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(quietUntil(new Date('2026-03-02T12:10:00Z'), 'UTC', lunch)?.toISOString()).toBe(
      '2026-03-02T13:30:00.000Z',
    );
    expect(quietUntil(new Date('2026-03-02T13:30:00Z'), 'UTC', lunch)).toBeNull();
    expect(quietUntil(new Date('2026-03-02T11:59:00Z'), 'UTC', lunch)).toBeNull();
  });
});

describe('the message cap per rolling period', () => {
  const cap = { max: 2, perDays: 7 };
  it('has room below the cap', () => {
    expect(capFreeAt(NOW, cap, [new Date('2026-03-01T10:00:00Z')])).toBeNull();
  });
  it('frees a place when the oldest send in the window leaves it', () => {
    const sends = [new Date('2026-02-25T10:00:30Z'), new Date('2026-03-01T10:00:00Z')];
    // 7 days after 25 Feb 10:00:30, rounded up to the whole minute.
    expect(capFreeAt(NOW, cap, sends)?.toISOString()).toBe('2026-03-04T10:01:00.000Z');
  });
  it('does not count sends older than the period', () => {
    const sends = [new Date('2026-02-23T12:59:00Z'), new Date('2026-03-01T10:00:00Z')];
    expect(capFreeAt(NOW, cap, sends)).toBeNull();
  });
});

describe('decideContact', () => {
  it('sends when nothing stands in the way', () => {
    expect(decideContact(input()).kind).toBe('send');
  });

  it('defers a message during quiet hours to the minute they end, across a zone boundary', () => {
    // 13:00 UTC is afternoon in London but 22:00 in Tokyo.
    expect(decideContact(input({ timeZone: 'Europe/London' })).kind).toBe('send');
    const tokyo = decideContact(input({ timeZone: 'Asia/Tokyo' }));
    expect(tokyo).toMatchObject({ kind: 'defer', rule: 'quiet_hours' });
    expect(tokyo.kind === 'defer' && tokyo.until.toISOString()).toBe('2026-03-02T23:00:00.000Z');
    expect(tokyo.kind === 'defer' && tokyo.why).toContain('08:00 Asia/Tokyo');
  });

  it('defers over the cap, then past the quiet hours the new time falls in', () => {
    const sends = [
      new Date('2026-02-24T22:30:00Z'),
      new Date('2026-02-27T09:00:00Z'),
      new Date('2026-03-01T09:00:00Z'),
    ];
    const d = decideContact(input({ recentSends: sends }));
    // The cap frees a place on 3 Mar 22:30 UTC, inside quiet hours: 08:00 the next morning.
    expect(d).toMatchObject({ kind: 'defer', rule: 'message_cap' });
    expect(d.kind === 'defer' && d.until.toISOString()).toBe('2026-03-04T08:00:00.000Z');
  });

  it('cancels every message of a recovered or stopped case', () => {
    for (const caseStatus of ['recovered', 'stopped'] as const)
      for (const step of ['step_2', 'final', 'hard_decline'])
        expect(decideContact(input({ caseStatus, step }))).toMatchObject({
          kind: 'cancel',
          rule: 'case_resolved',
        });
  });

  it('sends only the final-action message of a case that ended canceled or unpaid', () => {
    for (const caseStatus of ['canceled', 'unpaid'] as const) {
      expect(decideContact(input({ caseStatus, step: 'final' })).kind).toBe('send');
      expect(decideContact(input({ caseStatus, step: 'step_3' })).kind).toBe('cancel');
    }
  });

  it('sends transactional messages only', () => {
    expect(decideContact(input({ caseStatus: null }))).toMatchObject({
      kind: 'cancel',
      rule: 'not_transactional',
    });
    expect(decideContact(input({ intent: 'newsletter' }))).toMatchObject({
      kind: 'cancel',
      rule: 'not_transactional',
    });
  });

  it('reads an unknown time zone as UTC rather than failing', () => {
    const d = decideContact(
      input({ timeZone: 'Mars/Olympus', now: new Date('2026-03-02T22:00:00Z') }),
    );
    expect(d.kind === 'defer' && d.until.toISOString()).toBe('2026-03-03T08:00:00.000Z');
  });
});

describe('a message whose update link expires', () => {
  const night = new Date('2026-03-02T23:00:00Z');
  it('goes out in quiet hours rather than after its link stopped working', () => {
    const d = decideContact(input({ now: night, deadline: new Date('2026-03-03T02:00:00Z') }));
    expect(d.kind).toBe('send');
    expect(d.why).toContain('stops working');
  });
  it('still waits for the quiet hours to end when its link outlives them', () => {
    const d = decideContact(input({ now: night, deadline: new Date('2026-03-10T00:00:00Z') }));
    expect(d.kind === 'defer' && d.until.toISOString()).toBe('2026-03-03T08:00:00.000Z');
  });
  it('is canceled once its link has stopped working', () => {
    expect(decideContact(input({ deadline: NOW }))).toMatchObject({
      kind: 'cancel',
      rule: 'link_expired',
    });
  });
});

describe('contactRulesOf', () => {
  it.each([
    [{}, DEFAULT_CONTACT_RULES],
    [
      { quiet_hours: null, message_cap: null },
      { quietHours: null, cap: null },
    ],
    [
      { quiet_hours: { start: '22:00', end: '07:30' }, message_cap: { max: 5, per_days: 10 } },
      { quietHours: { start: '22:00', end: '07:30' }, cap: { max: 5, perDays: 10 } },
    ],
    [{ message_cap: { count: 2, days: 3 } }, { quietHours: QUIET, cap: { max: 2, perDays: 3 } }],
    [{ quiet_hours: { start: '25:00', end: '07:00' } }, DEFAULT_CONTACT_RULES],
  ])('%j', (settings, expected) => {
    expect(contactRulesOf(settings)).toEqual(expected);
  });
});
