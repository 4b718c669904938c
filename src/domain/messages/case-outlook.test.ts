import { describe, expect, it } from 'vitest';
import type { CaseData } from '../case/case.ts';
import { buildPreset } from '../strategy/presets.ts';
import { caseOutlook } from './case-outlook.ts';

// gentle_30: day 1 notice, retries on days 4, 8, 13, 19, 25; cancel on day 30.
const def = buildPreset('gentle_30', 'card');
const OPENED = new Date('2025-03-01T14:00:00Z');
const day = (n: number) => new Date(OPENED.getTime() + (n - 1) * 86_400_000);

const open: CaseData = {
  status: 'open',
  openedAt: OPENED,
  stepIndex: 1,
  timeZone: 'UTC',
  paymentMethodType: 'card',
  lastCategory: 'insufficient_funds',
  awaitingNewMethod: false,
  renewalRetryAt: null,
};

describe('caseOutlook', () => {
  it('the next retry is the next step that retries, and the final action is day 30', () => {
    const outlook = caseOutlook(open, def, day(1));
    expect(outlook.nextRetryAt).toEqual(day(4));
    expect(outlook.finalAction).toBe('cancel');
    expect(outlook.finalActionAt).toEqual(day(30));
    expect(outlook.daysUntilFinalAction).toBe(29);
  });

  it('a step planned inside its window (smart retries) gives its planned time', () => {
    const planned = new Date(day(4).getTime() + 5 * 3_600_000);
    expect(caseOutlook({ ...open, stepAt: planned }, def, day(1)).nextRetryAt).toEqual(planned);
  });

  it('an earlier renewal retry comes first', () => {
    const renewal = day(2);
    expect(caseOutlook({ ...open, renewalRetryAt: renewal }, def, day(1)).nextRetryAt).toEqual(
      renewal,
    );
  });

  it('no retry is promised while the case waits for a new card', () => {
    const waiting = { ...open, lastCategory: 'hard' as const, awaitingNewMethod: true };
    expect(caseOutlook(waiting, def, day(1)).nextRetryAt).toBeNull();
  });

  it('no retry is promised for a pay link', () => {
    expect(
      caseOutlook({ ...open, paymentMethodType: 'pay_link' }, def, day(1)).nextRetryAt,
    ).toBeNull();
  });

  it('after the last retry step only the final action remains', () => {
    const outlook = caseOutlook({ ...open, stepIndex: 6 }, def, day(26));
    expect(outlook.nextRetryAt).toBeNull();
    expect(outlook.daysUntilFinalAction).toBe(4);
  });

  it('a closed case tells when the final action happened', () => {
    const closedAt = day(30);
    const outlook = caseOutlook({ ...open, status: 'canceled' }, def, day(31), closedAt);
    expect(outlook.finalActionAt).toEqual(closedAt);
    expect(outlook.nextRetryAt).toBeNull();
    expect(outlook.daysUntilFinalAction).toBe(0);
  });

  it('the final day follows the customer calendar across a DST change', () => {
    const ny = { ...open, timeZone: 'America/New_York' };
    // 10:00 in New York on March 1 (EST); day 30 is March 30, 10:00 EDT = 14:00 UTC.
    const opened = new Date('2025-03-01T15:00:00Z');
    const outlook = caseOutlook({ ...ny, openedAt: opened }, def, opened);
    expect(outlook.finalActionAt.toISOString()).toBe('2025-03-30T14:00:00.000Z');
  });
});
