// The engine's decisions on one simulated case, stepped the way the simulation steps them.
import { describe, expect, it } from 'vitest';
import { classifyDecline } from '../../domain/declines/classify.ts';
import { buildPreset } from '../../domain/strategy/presets.ts';
import type { StrategyDefinition } from '../../domain/strategy/strategy.ts';
import { auditTrail, auditTrailViolations, recordCharge } from './audit.ts';
import { type ChargeResult, openCase, type StepAction, stepCase, wakeAt } from './engine-step.ts';
import { NAIVE_BASELINE } from './strategies.ts';

// Monday 6 April 2026, 14:30 in New York; no DST change in the weeks that follow.
const NOW = new Date('2026-04-06T18:30:00Z');
const DAY_MS = 86_400_000;
const doNotHonor = classifyDecline({
  scheme: 'stripe',
  code: 'do_not_honor',
  networkDeclineCode: '05',
  network: 'visa',
});

/** Runs a case to its end; `charge` answers every retry. Returns every action with its time. */
function walk(
  def: StrategyDefinition,
  charge: (at: Date) => ChargeResult,
  first = doNotHonor,
  network: 'visa' | 'mastercard' = 'visa',
) {
  const ctx = {
    def,
    caseKey: 'case_test',
    payCycle: null,
    charge: (_: number, at: Date) => charge(at),
  };
  const c = openCase(NOW, 2900, 'America/New_York', { network, methodChangedAt: null }, first, ctx);
  const actions: StepAction[] = [];
  for (let at = wakeAt(c, def), guard = 0; at && guard < 100; guard++) {
    const result = stepCase(c, at, ctx);
    actions.push(...result.actions);
    at = result.nextAt;
  }
  return { c, actions };
}

const daysAfter = (d: Date) => (d.getTime() - NOW.getTime()) / DAY_MS;
const declined = (): ChargeResult => ({ kind: 'declined', classification: doNotHonor });

describe('engine step: the naive baseline', () => {
  it('retries 1, 3, 5 and 7 days after the failure and cancels after 8 days', () => {
    const { c, actions } = walk(NAIVE_BASELINE, declined);
    const retries = actions.filter((a) => a.kind === 'retry_sent');
    expect(retries.map((a) => daysAfter(a.at))).toEqual([1, 3, 5, 7]);
    const closed = actions.find((a) => a.kind === 'closed');
    expect(closed && daysAfter(closed.at)).toBe(8);
    expect(c.data.status).toBe('canceled');
  });

  it('sends the first notice at the failure, a reminder, a final warning and the cancellation', () => {
    const { actions } = walk(NAIVE_BASELINE, declined);
    const messages = actions.flatMap((a) =>
      a.kind === 'message' ? [[daysAfter(a.at), a.template]] : [],
    );
    expect(messages).toEqual([
      [0, 'first_notice'],
      [3, 'reminder'],
      [7, 'final_warning'],
      [8, 'canceled'],
    ]);
  });

  it('stops at the first retry that succeeds', () => {
    const { c, actions } = walk(NAIVE_BASELINE, (at) =>
      daysAfter(at) >= 3 ? { kind: 'succeeded' } : declined(),
    );
    expect(actions.filter((a) => a.kind === 'retry_sent').map((a) => daysAfter(a.at))).toEqual([
      1, 3,
    ]);
    expect(c.data.status).toBe('recovered');
  });
});

describe('engine step: network rules', () => {
  // Mastercard MAC 26: no retry within 2 days of the decline.
  const mac26 = classifyDecline({
    scheme: 'stripe',
    code: 'insufficient_funds',
    networkDeclineCode: '51',
    networkAdviceCode: '26',
    network: 'mastercard',
  });

  it('waits out retry-after advice inside the step and records the refusal', () => {
    const { actions } = walk(
      NAIVE_BASELINE,
      () => ({ kind: 'declined', classification: mac26 }),
      mac26,
      'mastercard',
    );
    const blocked = actions.filter((a) => a.kind === 'retry_blocked');
    expect(blocked.length).toBeGreaterThan(0);
    expect(
      blocked.every((a) => a.kind === 'retry_blocked' && a.rule === 'retry_after_advice'),
    ).toBe(true);
    // The day-2 retry (1 day after the failure) waits until 2 days after it.
    const retries = actions.flatMap((a) => (a.kind === 'retry_sent' ? [daysAfter(a.at)] : []));
    expect(retries[0]).toBeCloseTo(2, 6);
  });

  it('audits a retry sent too early after retry-after advice as a violation', () => {
    const raw = {
      scheme: 'stripe' as const,
      code: 'issuer_not_available',
      networkDeclineCode: '91',
      networkAdviceCode: '26',
      network: 'mastercard' as const,
    };
    const sentAt = (ms: number) => {
      const trail = auditTrail('card_1', 'mastercard', 'USD');
      recordCharge(trail, NOW, 2900, { kind: 'declined', raw }, 'merchant');
      recordCharge(trail, new Date(NOW.getTime() + ms), 2900, { kind: 'approved' }, 'merchant');
      return auditTrailViolations(trail).map((v) => v.rule);
    };
    expect(sentAt(DAY_MS)).toEqual(['mastercard_retry_after']);
    expect(sentAt(2 * DAY_MS)).toEqual([]);
  });
});

describe('engine step: smart retries', () => {
  const smart = { ...buildPreset('gentle_30', 'card'), smartRetries: true };
  const processingError = classifyDecline({
    scheme: 'stripe',
    code: 'processing_error',
    networkDeclineCode: '96',
    network: 'visa',
  });

  it('follows a temporary error with quick retries before the next step', () => {
    const { actions } = walk(
      smart,
      () => ({ kind: 'declined', classification: processingError }),
      processingError,
    );
    const sent = actions.flatMap((a) => (a.kind === 'retry_sent' ? [a] : []));
    const quick = sent.filter((a) => a.retry === 'quick');
    expect(quick.length).toBeGreaterThan(0);
    // Quick retries come minutes to hours after the failure, before day 4's step retry.
    expect(daysAfter(quick[0]!.at)).toBeLessThan(1);
  });
});
