import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { DeclineCategory } from '../declines/categories.ts';
import type { PayCycle } from '../retry-timing/pay-cycle.ts';
import { buildPreset, type PresetKey } from '../strategy/presets.ts';
import type { PaymentMethodType, StrategyDefinition } from '../strategy/strategy.ts';
import {
  afterAttempt,
  CASE_STATUSES,
  type CaseData,
  type Decision,
  decideNextStep,
  entryAt,
  entryDueAt,
  nextActionAt,
  planNext,
  renewalWhilePastDue,
  retryGate,
  schedule,
  UNKNOWN_OUTCOME_RECHECK_MS,
} from './case.ts';

// 10:00 in New York (EST). US DST starts on 2026-03-08, so from day 7 on 10:00 local is 14:00Z.
const NOW = new Date('2026-03-02T15:00:00Z');
const NY = 'America/New_York';
const MS = 1;

const openCase = (def: StrategyDefinition, patch: Partial<CaseData> = {}): CaseData => ({
  status: 'open',
  openedAt: NOW,
  stepIndex: 0,
  timeZone: NY,
  paymentMethodType: def.paymentMethodType,
  lastCategory: null,
  awaitingNewMethod: false,
  renewalRetryAt: null,
  ...patch,
});

/** Day of the schedule (day 1 = the first failure) that a time falls on, in New York. */
const dayOf = (t: Date): number => {
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: NY }).startOf('day');
  return Math.round(local(t).diff(local(NOW), 'days').days) + 1;
};

type RetryDecision = Extract<Decision, { kind: 'retry' }>;

/**
 * Plays the worker: wakes at each nextActionAt, asks decideNextStep, carries the decision out,
 * and declines every retry with `decline`. Returns one line per stop.
 */
function walk(start: CaseData, def: StrategyDefinition, decline: DeclineCategory) {
  const stops: string[] = [];
  let c = start;
  for (let guard = 0; guard < 50; guard++) {
    const at = nextActionAt(c, def);
    if (at === null) return { stops, final: c };
    // Nothing happens a millisecond early.
    expect(decideNextStep(c, def, new Date(at.getTime() - MS))).toMatchObject({
      kind: 'wait',
      until: at,
    });
    const decision = decideNextStep(c, def, at);
    const say = (what: string, template: string | null | undefined) =>
      stops.push(`day ${dayOf(at)}: ${what}${template ? ` → ${template}` : ''}`);
    switch (decision.kind) {
      case 'retry': {
        const update = afterAttempt(c, def, decision, { kind: 'declined', category: decline }, at);
        say(`${decision.scheduled} retry declined`, update.message?.template);
        c = update.case;
        break;
      }
      case 'advance': {
        const entry = entryAt(def, c.stepIndex);
        const isRetryStep = entry.kind === 'step' && entry.retry;
        say(isRetryStep ? 'retry skipped' : 'message only', decision.message?.template);
        c = { ...c, stepIndex: c.stepIndex + 1 };
        break;
      }
      case 'final':
        say(`final ${decision.action}`, decision.message?.template);
        c = { ...c, status: decision.action === 'cancel' ? 'canceled' : 'unpaid' };
        break;
      case 'drop_renewal_retry':
        say('renewal retry dropped', null);
        c = { ...c, renewalRetryAt: null };
        break;
      case 'drop_quick_retry':
      case 'defer':
      case 'wait':
      case 'none':
        throw new Error(`worker woke at ${at.toISOString()} and was told ${decision.kind}`);
      default: {
        const unreachable: never = decision;
        throw new Error(`unexpected decision ${JSON.stringify(unreachable)}`);
      }
    }
  }
  throw new Error('case never closed');
}

describe('walking each preset with every retry declined', () => {
  it.each<[PresetKey, PaymentMethodType, DeclineCategory, string[]]>([
    [
      'gentle_30',
      'card',
      'generic',
      [
        'day 1: message only → first_notice',
        'day 4: step retry declined',
        'day 8: step retry declined → reminder',
        'day 13: step retry declined',
        'day 19: step retry declined → reminder',
        'day 25: step retry declined → final_warning',
        'day 30: final cancel → canceled',
      ],
    ],
    [
      'firm_14',
      'card',
      'insufficient_funds',
      [
        'day 1: message only → first_notice',
        'day 3: step retry declined',
        'day 6: step retry declined → reminder',
        'day 9: step retry declined',
        'day 12: step retry declined → final_warning',
        'day 14: final mark_unpaid → unpaid',
      ],
    ],
    ['one_step', 'card', 'generic', ['day 1: final cancel → canceled']],
    [
      'firm_14',
      'pay_link',
      'generic',
      [
        'day 1: message only → first_notice',
        'day 3: retry skipped',
        'day 6: retry skipped → reminder',
        'day 9: retry skipped',
        'day 12: retry skipped → final_warning',
        'day 14: final mark_unpaid → unpaid',
      ],
    ],
  ])('%s for a %s, declines %s: %j', (key, type, decline, expected) => {
    const def = buildPreset(key, type);
    const { stops, final } = walk(openCase(def), def, decline);
    expect(stops).toEqual(expected);
    expect(final.status).toBe(def.final.action === 'cancel' ? 'canceled' : 'unpaid');
    expect(nextActionAt(final, def)).toBeNull();
  });

  it.each(['hard', 'update_method', 'authentication_required'] as const)(
    'after a %s decline no retry goes out until the method changes, but every message does',
    (category) => {
      const def = buildPreset('gentle_30', 'card');
      const start = openCase(def, { lastCategory: category, awaitingNewMethod: true });
      expect(walk(start, def, 'generic').stops).toEqual([
        'day 1: message only → first_notice',
        'day 4: retry skipped',
        'day 8: retry skipped → reminder',
        'day 13: retry skipped',
        'day 19: retry skipped → reminder',
        'day 25: retry skipped → final_warning',
        'day 30: final cancel → canceled',
      ]);
    },
  );

  it('a hard decline on the first retry blocks the rest of the retries of gentle_30', () => {
    const def = buildPreset('gentle_30', 'card');
    expect(walk(openCase(def), def, 'hard').stops).toEqual([
      'day 1: message only → first_notice',
      'day 4: step retry declined',
      'day 8: retry skipped → reminder',
      'day 13: retry skipped',
      'day 19: retry skipped → reminder',
      'day 25: retry skipped → final_warning',
      'day 30: final cancel → canceled',
    ]);
  });

  it.each([
    ['gentle_30', 4, '2026-03-05T15:00:00.000Z'],
    ['gentle_30', 8, '2026-03-09T14:00:00.000Z'],
    ['gentle_30', 30, '2026-03-31T14:00:00.000Z'],
    ['firm_14', 14, '2026-03-15T14:00:00.000Z'],
  ] as const)(
    '%s runs day %i at 10:00 New York time (%s), across the DST change',
    (key, day, iso) => {
      const def = buildPreset(key, 'card');
      const index = schedule(def).findIndex((e) => e.day === day);
      expect(entryDueAt(openCase(def), def, index).toISOString()).toBe(iso);
    },
  );
});

describe('decideNextStep', () => {
  const gentle = buildPreset('gentle_30', 'card');
  const day4 = new Date('2026-03-05T15:00:00Z');

  it('waits for the next step when it is not due yet', () => {
    const c = openCase(gentle, { stepIndex: 1 });
    expect(decideNextStep(c, gentle, NOW)).toEqual({
      kind: 'wait',
      until: day4,
      why: 'next action is not due yet',
    });
  });

  it('sends the day 1 message at the failure time itself without retrying', () => {
    expect(decideNextStep(openCase(gentle), gentle, NOW)).toEqual({
      kind: 'advance',
      stepIndex: 0,
      message: gentle.steps[0]!.message,
      why: 'day 1 step 1: message only, no retry on this step',
    });
  });

  it('retries on a retry step and explains why', () => {
    const c = openCase(gentle, { stepIndex: 1, lastCategory: 'insufficient_funds' });
    expect(decideNextStep(c, gentle, day4)).toEqual({
      kind: 'retry',
      stepIndex: 1,
      scheduled: 'step',
      why: 'day 4 step 2: last decline was insufficient_funds, which may be retried',
    });
  });

  it('still retries a step that the worker reaches late', () => {
    const c = openCase(gentle, { stepIndex: 1 });
    const late = new Date(day4.getTime() + 6 * 3_600_000);
    expect(decideNextStep(c, gentle, late)).toMatchObject({ kind: 'retry', stepIndex: 1 });
  });

  it('gives the final action with its message on the final day', () => {
    const c = openCase(gentle, { stepIndex: gentle.steps.length });
    const day30 = new Date('2026-03-31T14:00:00Z');
    expect(decideNextStep(c, gentle, day30)).toEqual({
      kind: 'final',
      action: 'cancel',
      message: gentle.final.message,
      why: 'day 30 final step: final action cancel',
    });
  });

  it('gives the final action with no message when the final email is off', () => {
    const def: StrategyDefinition = {
      ...gentle,
      final: { ...gentle.final, message: { enabled: false, template: 'canceled', bcc: false } },
    };
    const c = openCase(def, { stepIndex: def.steps.length });
    expect(decideNextStep(c, def, new Date('2026-04-01T00:00:00Z'))).toMatchObject({
      kind: 'final',
      message: null,
    });
  });

  it('treats a step index past the end as the final step', () => {
    const c = openCase(gentle, { stepIndex: 99 });
    expect(entryAt(gentle, 99).kind).toBe('final');
    expect(decideNextStep(c, gentle, new Date('2026-04-01T00:00:00Z'))).toMatchObject({
      kind: 'final',
    });
  });

  it('gives the final action at once for one_step', () => {
    const def = buildPreset('one_step', 'card');
    expect(decideNextStep(openCase(def), def, NOW)).toEqual({
      kind: 'final',
      action: 'cancel',
      message: def.final.message,
      why: 'day 1 final step: final action cancel',
    });
  });

  it.each(CASE_STATUSES.filter((s) => s !== 'open'))(
    'decides none for a %s case, even with a renewal retry pending',
    (status) => {
      const c = openCase(gentle, { status, renewalRetryAt: NOW });
      const decision = decideNextStep(c, gentle, new Date('2026-06-01T00:00:00Z'));
      expect(decision).toEqual({ kind: 'none', why: `case is ${status}; nothing more is sent` });
      expect(nextActionAt(c, gentle)).toBeNull();
    },
  );
});

describe('retryGate', () => {
  it.each<[PaymentMethodType, DeclineCategory | null, boolean, boolean]>([
    ['card', null, false, true],
    ['card', 'generic', false, true],
    ['card', 'insufficient_funds', false, true],
    ['card', 'temporary', false, true],
    ['card', 'hard', true, false],
    ['card', 'update_method', true, false],
    ['card', 'authentication_required', true, false],
    // The method changed: the flag was cleared, so the new credential may be charged.
    ['card', 'hard', false, true],
    ['card', 'update_method', false, true],
    ['ach', 'hard', true, false],
    ['direct_debit', 'generic', false, true],
    ['pay_link', null, false, false],
    ['pay_link', 'generic', false, false],
  ])(
    '%s, last decline %s, awaiting new method %s → retry allowed: %s',
    (type, last, awaiting, allowed) => {
      const gate = retryGate(
        openCase(buildPreset('gentle_30', type), {
          lastCategory: last,
          awaitingNewMethod: awaiting,
        }),
      );
      expect(gate.allowed).toBe(allowed);
      expect(gate.why).not.toBe('');
    },
  );

  it('says which decline blocks the retry', () => {
    const c = openCase(buildPreset('gentle_30', 'card'), {
      lastCategory: 'update_method',
      awaitingNewMethod: true,
    });
    expect(retryGate(c).why).toBe(
      'last decline was update_method: no retry on this credential until the payment method changes',
    );
  });

  it('never charges a pay_link method', () => {
    const c = openCase(buildPreset('firm_14', 'pay_link'));
    expect(retryGate(c)).toEqual({
      allowed: false,
      why: 'pay_link methods cannot be charged by the engine; messages only',
    });
  });
});

describe('afterAttempt', () => {
  const gentle = buildPreset('gentle_30', 'card');
  const day8 = new Date('2026-03-09T14:00:00Z');
  const stepRetry: RetryDecision = { kind: 'retry', stepIndex: 2, scheduled: 'step', why: '' };
  const renewalRetry: RetryDecision = {
    kind: 'retry',
    stepIndex: 2,
    scheduled: 'renewal',
    why: '',
  };
  const onDay8 = openCase(gentle, { stepIndex: 2, lastCategory: 'generic' });

  it.each([stepRetry, renewalRetry])(
    'recovers the case when the $scheduled retry succeeds',
    (decision) => {
      const c = { ...onDay8, renewalRetryAt: day8 };
      const update = afterAttempt(c, gentle, decision, { kind: 'succeeded' }, day8);
      expect(update).toEqual({
        case: { ...c, status: 'recovered', renewalRetryAt: null, quickRetryAt: null },
        message: null,
        recheckAt: null,
        why: 'payment succeeded; case recovered',
      });
      expect(decideNextStep(update.case, gentle, day8).kind).toBe('none');
    },
  );

  it.each([
    ['insufficient_funds', false],
    ['temporary', false],
    ['generic', false],
    ['hard', true],
    ['update_method', true],
    ['authentication_required', true],
  ] as const)(
    'a step retry declined as %s moves to the next step and sends the step message (awaiting new method: %s)',
    (category, awaiting) => {
      const update = afterAttempt(onDay8, gentle, stepRetry, { kind: 'declined', category }, day8);
      expect(update).toEqual({
        case: {
          ...onDay8,
          stepIndex: 3,
          lastCategory: category,
          awaitingNewMethod: awaiting,
          lastDeclineAt: day8,
          // The next step's time is planned afresh from this decline (planNext).
          stepAt: null,
          renewalRetryAt: null,
          quickRetryAt: undefined,
        },
        message: gentle.steps[2]!.message,
        recheckAt: null,
        why: `retry declined (${category}); moving to the next step`,
      });
    },
  );

  it('a declined step retry without a message on its step sends nothing', () => {
    const onDay4 = openCase(gentle, { stepIndex: 1 });
    const decision: RetryDecision = { ...stepRetry, stepIndex: 1 };
    const update = afterAttempt(
      onDay4,
      gentle,
      decision,
      { kind: 'declined', category: 'generic' },
      NOW,
    );
    expect(update.message).toBeNull();
    expect(update.case.stepIndex).toBe(2);
  });

  it.each([stepRetry, renewalRetry])(
    'rechecks an unanswered $scheduled retry after 15 minutes without moving the schedule',
    (decision) => {
      const c = { ...onDay8, renewalRetryAt: decision.scheduled === 'renewal' ? day8 : null };
      const update = afterAttempt(c, gentle, decision, { kind: 'unknown' }, day8);
      expect(UNKNOWN_OUTCOME_RECHECK_MS).toBe(15 * 60_000);
      expect(update.case).toBe(c);
      expect(update.message).toBeNull();
      expect(update.recheckAt).toEqual(new Date('2026-03-09T14:15:00Z'));
    },
  );

  it('a declined renewal retry keeps the step, drops the renewal time and sends no message', () => {
    const day6 = new Date('2026-03-07T15:00:00Z');
    const c = openCase(gentle, { stepIndex: 2, renewalRetryAt: day6 });
    const update = afterAttempt(
      c,
      gentle,
      renewalRetry,
      { kind: 'declined', category: 'generic' },
      day6,
    );
    expect(update).toEqual({
      case: {
        ...c,
        lastCategory: 'generic',
        awaitingNewMethod: false,
        lastDeclineAt: day6,
        renewalRetryAt: null,
        renewalRetryReason: null,
      },
      message: null,
      recheckAt: null,
      why: 'renewal declined (generic); schedule continues',
    });
    expect(nextActionAt(update.case, gentle)).toEqual(day8);
  });

  it('a renewal declined as hard blocks the next step retry but not its message', () => {
    const day6 = new Date('2026-03-07T15:00:00Z');
    const c = openCase(gentle, { stepIndex: 2, renewalRetryAt: day6 });
    const update = afterAttempt(
      c,
      gentle,
      renewalRetry,
      { kind: 'declined', category: 'hard' },
      day6,
    );
    expect(update.case.awaitingNewMethod).toBe(true);
    expect(decideNextStep(update.case, gentle, day8)).toMatchObject({
      kind: 'advance',
      stepIndex: 2,
      message: gentle.steps[2]!.message,
    });
  });

  it('retries again once the customer changes the method after a hard decline', () => {
    const blocked = openCase(gentle, {
      stepIndex: 2,
      lastCategory: 'hard',
      awaitingNewMethod: true,
    });
    expect(decideNextStep(blocked, gentle, day8).kind).toBe('advance');
    const methodChanged = { ...blocked, awaitingNewMethod: false };
    expect(decideNextStep(methodChanged, gentle, day8)).toMatchObject({
      kind: 'retry',
      scheduled: 'step',
    });
  });
});

describe('renewals while past due', () => {
  const gentle = buildPreset('gentle_30', 'card');
  // stepIndex 2: days 1 and 4 are done, the day 8 retry (2026-03-09 10:00 EDT) is next.
  const afterDay4 = openCase(gentle, { stepIndex: 2, lastCategory: 'generic' });
  const day8 = new Date('2026-03-09T14:00:00Z');

  it.each([
    [
      'later on the day of the day 8 retry',
      '2026-03-09T20:00:00Z',
      'renewal folded into the day 8 retry',
    ],
    [
      'on day 8 in New York though already day 9 in UTC',
      '2026-03-10T02:00:00Z',
      'renewal folded into the day 8 retry',
    ],
    [
      'on the day of a later retry (day 13)',
      '2026-03-14T12:00:00Z',
      'renewal folded into the day 13 retry',
    ],
  ])('folds a renewal %s into that retry', (_name, periodEnd, why) => {
    expect(renewalWhilePastDue(afterDay4, gentle, new Date(periodEnd))).toEqual({
      retryAt: null,
      why,
    });
  });

  it.each([
    ['between two steps (day 6)', '2026-03-07T15:00:00Z'],
    ['on the day of a retry step already done (day 4)', '2026-03-05T20:00:00Z'],
    ['on the final day, which has no retry', '2026-03-31T20:00:00Z'],
  ])('retries the renewal at the period end when it falls %s', (_name, periodEnd) => {
    const at = new Date(periodEnd);
    expect(renewalWhilePastDue(afterDay4, gentle, at)).toEqual({
      retryAt: at,
      why: 'no retry step falls on the renewal day: the renewal charges the balance now',
    });
  });

  it('does not fold a renewal into a message-only step', () => {
    const firm = buildPreset('firm_14', 'card');
    const c = openCase(firm);
    expect(renewalWhilePastDue(c, firm, new Date('2026-03-02T20:00:00Z')).retryAt).toEqual(
      new Date('2026-03-02T20:00:00Z'),
    );
  });

  it('a renewal retry on a non-step day charges then leaves the schedule where it was', () => {
    const day6 = new Date('2026-03-07T15:00:00Z');
    const { retryAt } = renewalWhilePastDue(afterDay4, gentle, day6);
    const c = { ...afterDay4, renewalRetryAt: retryAt };

    // Day 6: the renewal retry comes before the day 8 step.
    expect(nextActionAt(c, gentle)).toEqual(day6);
    const decision = decideNextStep(c, gentle, day6);
    expect(decision).toEqual({
      kind: 'retry',
      stepIndex: 2,
      scheduled: 'renewal',
      why: 'renewal at period end; last decline was generic, which may be retried',
    });
    if (decision.kind !== 'retry') throw new Error('expected a retry');
    const after = afterAttempt(
      c,
      gentle,
      decision,
      { kind: 'declined', category: 'generic' },
      day6,
    );
    expect(after.case.stepIndex).toBe(2);

    // Day 8: the schedule carries on with its own retry.
    expect(nextActionAt(after.case, gentle)).toEqual(day8);
    expect(decideNextStep(after.case, gentle, day8)).toMatchObject({
      kind: 'retry',
      stepIndex: 2,
      scheduled: 'step',
    });
  });

  it('waits for the renewal retry when it is the earliest thing due', () => {
    const day6 = new Date('2026-03-07T15:00:00Z');
    const c = { ...afterDay4, renewalRetryAt: day6 };
    expect(decideNextStep(c, gentle, NOW)).toMatchObject({ kind: 'wait', until: day6 });
  });

  it('lets the step run first when the renewal retry is later than the step', () => {
    const c = { ...afterDay4, renewalRetryAt: new Date('2026-03-10T15:00:00Z') };
    expect(nextActionAt(c, gentle)).toEqual(day8);
    expect(decideNextStep(c, gentle, day8)).toMatchObject({ kind: 'retry', scheduled: 'step' });
  });

  it.each<[string, Partial<CaseData>, PaymentMethodType]>([
    ['the last decline was hard', { lastCategory: 'hard', awaitingNewMethod: true }, 'card'],
    ['the method is a pay link', {}, 'pay_link'],
  ])('drops a due renewal retry when %s, keeping the schedule', (_name, patch, type) => {
    const def = buildPreset('gentle_30', type);
    const day6 = new Date('2026-03-07T15:00:00Z');
    const c = openCase(def, { stepIndex: 2, renewalRetryAt: day6, ...patch });
    const decision = decideNextStep(c, def, day6);
    expect(decision.kind).toBe('drop_renewal_retry');
    expect(decision.why).toMatch(/^renewal retry skipped: /);
  });

  // A renewal retry overdue when a step retry runs (worker lag) is covered by that step retry.
  it('does not charge again right after a step retry that already covered an overdue renewal', () => {
    const c = { ...afterDay4, renewalRetryAt: new Date('2026-03-07T15:00:00Z') };
    const decision = decideNextStep(c, gentle, day8);
    expect(decision).toMatchObject({ kind: 'retry', scheduled: 'step' });
    if (decision.kind !== 'retry') throw new Error('expected a retry');
    const after = afterAttempt(
      c,
      gentle,
      decision,
      { kind: 'declined', category: 'generic' },
      day8,
    );
    expect(decideNextStep(after.case, gentle, day8).kind).toBe('wait');
  });
});

describe('schedule', () => {
  it('lists the steps in order, then the final step', () => {
    const def = buildPreset('firm_14', 'card');
    expect(schedule(def).map((e) => [e.kind, e.index, e.day])).toEqual([
      ['step', 0, 1],
      ['step', 1, 3],
      ['step', 2, 6],
      ['step', 3, 9],
      ['step', 4, 12],
      ['final', 5, 14],
    ]);
  });

  it('is only the final step for one_step', () => {
    expect(schedule(buildPreset('one_step', 'ach'))).toEqual([
      {
        kind: 'final',
        index: 0,
        day: 1,
        action: 'cancel',
        message: { enabled: true, template: 'canceled', bcc: false },
      },
    ]);
  });
});

describe('planNext with smart retries: fewer, better-placed retries', () => {
  const smart = buildPreset('gentle_30', 'card');
  const ctx = (now: Date, payCycle: PayCycle | null = null) => ({
    now,
    payCycle,
    random: () => 0,
  });

  it('a case that has made 4 retries plans none for its next retry step: the step sends its message only', () => {
    const day19 = entryDueAt(openCase(smart), smart, 4);
    const c = openCase(smart, {
      stepIndex: 4,
      lastCategory: 'generic',
      lastDeclineAt: NOW,
      retriesMade: 4,
    });
    const planned = planNext(c, smart, ctx(day19));
    expect(planned.case).toMatchObject({ stepAt: day19, skipRetry: { stepIndex: 4 } });
    expect(planned.why).toEqual([
      'day 19 step: no retry: the case has made 4 retries, the most smart retries send (card guidance: 3 to 4 over about two weeks)',
    ]);
    expect(decideNextStep(planned.case, smart, day19)).toEqual({
      kind: 'advance',
      stepIndex: 4,
      message: smart.steps[4]!.message,
      why: 'day 19 step 5: no retry: the case has made 4 retries, the most smart retries send (card guidance: 3 to 4 over about two weeks)',
    });
  });

  it('with 3 retries made the step still retries', () => {
    const day19 = entryDueAt(openCase(smart), smart, 4);
    const c = openCase(smart, {
      stepIndex: 4,
      lastCategory: 'generic',
      lastDeclineAt: NOW,
      retriesMade: 3,
    });
    const planned = planNext(c, smart, ctx(day19)).case;
    expect(planned.skipRetry ?? null).toBeNull();
    expect(decideNextStep(planned, smart, planned.stepAt!)).toMatchObject({
      kind: 'retry',
      scheduled: 'step',
    });
  });

  it('plans no quick retry after a temporary decline once the retries are spent', () => {
    const c = openCase(smart, {
      stepIndex: 2,
      lastCategory: 'temporary',
      lastDeclineAt: NOW,
      retriesMade: 4,
    });
    expect(planNext(c, smart, ctx(NOW)).case.quickRetryAt ?? null).toBeNull();
    const fresh = { ...c, retriesMade: 1 };
    expect(planNext(fresh, smart, ctx(NOW)).case.quickRetryAt).toEqual(
      new Date(NOW.getTime() + 4 * 3_600_000),
    );
  });

  it('an insufficient-funds window with no likely payday sends its message only, and a stale skip is ignored', () => {
    // Paid on the 25th: the day-4 window (Thu 5 to Mon 9 March) holds no payday.
    const paidOn25th: PayCycle = { kind: 'monthly', dayOfMonth: 25 };
    const day4 = entryDueAt(openCase(smart), smart, 1);
    const c = openCase(smart, {
      stepIndex: 1,
      lastCategory: 'insufficient_funds',
      lastDeclineAt: NOW,
      retriesMade: 0,
    });
    const planned = planNext(c, smart, ctx(day4, paidOn25th)).case;
    expect(planned.skipRetry?.why).toContain(
      'no retry in this window: no likely payday (on the learned monthly cycle)',
    );
    const decision = decideNextStep(planned, smart, planned.stepAt!);
    expect(decision).toMatchObject({ kind: 'advance', stepIndex: 1, message: null });
    // The next step is planned afresh; the skip belonged to step 2 only.
    const moved = { ...planned, stepIndex: 2, stepAt: null };
    expect(decideNextStep(moved, smart, entryDueAt(moved, smart, 2))).toMatchObject({
      kind: 'retry',
    });
  });

  it('walks gentle_30 with every insufficient-funds retry declined: at most 4 retries, each on a likely payday', () => {
    let c = openCase(smart, {
      lastCategory: 'insufficient_funds',
      lastDeclineAt: NOW,
      retriesMade: 0,
    });
    const retries: string[] = [];
    const skipped: number[] = [];
    for (let guard = 0; guard < 50 && c.status === 'open'; guard++) {
      const at = nextActionAt(c, smart)!;
      c = planNext(c, smart, ctx(at)).case;
      const when = nextActionAt(c, smart)!;
      const decision = decideNextStep(c, smart, when);
      if (decision.kind === 'retry') {
        retries.push(DateTime.fromJSDate(when, { zone: NY }).toFormat('ccc d LLL HH:mm'));
        const counted = { ...c, retriesMade: (c.retriesMade ?? 0) + 1 };
        const outcome = { kind: 'declined', category: 'insufficient_funds' } as const;
        c = afterAttempt(counted, smart, decision, outcome, when).case;
      } else if (decision.kind === 'advance') {
        if (c.skipRetry?.stepIndex === c.stepIndex) skipped.push(c.stepIndex);
        c = { ...c, stepIndex: c.stepIndex + 1, stepAt: null };
      } else if (decision.kind === 'final') {
        c = { ...c, status: 'canceled' };
      } else throw new Error(`unexpected ${decision.kind}`);
    }
    expect(c.status).toBe('canceled');
    // Fridays (the 13th also pays the 15th, a Sunday), each at 07:00 local; the day-19 window
    // opens after Friday the 20th was tried and holds no other payday.
    expect(retries).toEqual([
      'Fri 6 Mar 07:00',
      'Fri 13 Mar 07:00',
      'Fri 20 Mar 07:00',
      'Fri 27 Mar 07:00',
    ]);
    expect(skipped).toEqual([4]);
  });
});
