import { describe, expect, it } from 'vitest';
import { stepMessageAfterHardDecline, updateLinkValidity } from './update-link.ts';

const DECLINED = new Date('2026-03-02T15:00:00Z');
const later = (ms: number) => new Date(DECLINED.getTime() + ms);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('update link after a hard decline', () => {
  const noGrace = {
    state: 'past_due' as const,
    graceDays: 0,
    pastDueSince: DECLINED,
    declinedAt: DECLINED,
  };
  it.each([
    [2 * HOUR + 59 * MIN, true],
    [3 * HOUR - 1, true],
    [3 * HOUR, false],
    [3 * HOUR + MIN, false],
  ])('without a grace period, %d ms after the decline the link works: %s', (ms, valid) => {
    expect(updateLinkValidity(noGrace, later(ms)).valid).toBe(valid);
  });

  it('with a 3-day grace period works until the grace period ends', () => {
    const grace = { ...noGrace, graceDays: 3 };
    expect(updateLinkValidity(grace, later(72 * HOUR - 1))).toMatchObject({
      valid: true,
      why: 'in the 3-day grace period',
    });
    expect(updateLinkValidity(grace, later(72 * HOUR))).toMatchObject({
      valid: false,
      why: 'the grace period has ended',
    });
  });

  it('works while the subscription is active and never once it is unpaid or canceled', () => {
    expect(updateLinkValidity({ ...noGrace, state: 'active' }, later(100 * HOUR)).valid).toBe(true);
    expect(updateLinkValidity({ ...noGrace, state: 'unpaid' }, later(MIN)).valid).toBe(false);
    expect(updateLinkValidity({ ...noGrace, state: 'canceled' }, later(MIN)).valid).toBe(false);
  });
});

describe('step messages of a case where hard-decline dunning sent its message', () => {
  const noGrace = {
    state: 'past_due' as const,
    graceDays: 0,
    pastDueSince: DECLINED,
    declinedAt: DECLINED,
  };
  it('the first step sends nothing: the hard-decline message was its first notice', () => {
    expect(stepMessageAfterHardDecline({ ...noGrace, stepIndex: 0 }, later(MIN))).toMatchObject({
      send: false,
      why: expect.stringContaining('first notice'),
    });
    expect(
      stepMessageAfterHardDecline({ ...noGrace, graceDays: 7, stepIndex: 0 }, later(MIN)).send,
    ).toBe(false);
  });

  it.each([
    // [grace days, time after the decline, sent, link expires after the decline]
    [0, 2 * HOUR, true, 3 * HOUR],
    [0, 3 * HOUR + MIN, false, null],
    [0, 72 * HOUR, false, null],
    [7, 72 * HOUR, true, 7 * 24 * HOUR],
    [3, 72 * HOUR, false, null],
  ])(
    'with %d grace days, a later step %d ms after the decline is sent: %s',
    (graceDays, ms, sent, expiresMs) => {
      const answer = stepMessageAfterHardDecline(
        { ...noGrace, graceDays, stepIndex: 1 },
        later(ms),
      );
      expect(answer.send).toBe(sent);
      if (answer.send) expect(answer.linkExpiresAt).toEqual(later(expiresMs!));
      else expect(answer.why).toMatch(/update link would not work/);
    },
  );

  it('a later step of a subscription made active again sends with a link that does not expire early', () => {
    expect(
      stepMessageAfterHardDecline({ ...noGrace, state: 'active', stepIndex: 2 }, later(100 * HOUR)),
    ).toEqual({ send: true, linkExpiresAt: null });
  });
});
