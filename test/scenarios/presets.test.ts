// Each preset walked on the test clock, stop by stop. "Day N" counts from the first failure.
import { afterEach, describe, expect, it } from 'vitest';
import { unwrap } from '../../src/app/result.ts';
import {
  applyPayment,
  reactivateSubscription,
  retryRenewal,
} from '../../src/app/use-cases/subscription-actions.ts';
import { at, createWorld, type World } from '../support/world.ts';

let world: World | undefined;
afterEach(async () => {
  // Every scenario's charges, read back by the independent network audit: none breaks a rule.
  const violations = (await world?.networkViolations()) ?? [];
  await world?.close();
  world = undefined;
  expect(violations.map((v) => `${v.rule}: ${v.why}`)).toEqual([]);
});

describe('gentle 30-day preset', () => {
  it('recovers an insufficient-funds card on the first retry after its funds arrive', async () => {
    world = await createWorld({
      preset: 'gentle_30',
      start: at('2026-02-01T00:00:00Z'),
      graceDays: 3,
    });
    const sub = await world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: at('2026-02-15T00:00:00Z'),
      periodStart: at('2026-01-05T10:00:00Z'),
    });

    // Day 1 (Feb 5, 10:00): the renewal is declined; the case opens and the first notice goes out.
    await world.advanceTo(at('2026-02-05T10:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({
      state: 'past_due',
      entitlement: 'full',
      balanceMinor: 2000,
    });
    expect((await world.latestCase(sub))!).toMatchObject({
      status: 'open',
      last_category: 'insufficient_funds',
      amount_due_minor: 2000,
    });
    expect((await world.messages(sub)).map((m) => m.template)).toEqual(['first_notice']);

    // Day 4 (Feb 8): the grace period has ended and the first retry is declined.
    await world.advanceTo(at('2026-02-08T12:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({
      state: 'past_due',
      entitlement: 'limited',
    });
    expect(await world.gatewayCharges(sub)).toHaveLength(2);

    // Day 8 (Feb 12): second retry declined, a reminder says the service is at risk.
    await world.advanceTo(at('2026-02-12T12:00:00Z'));
    expect(await world.gatewayCharges(sub)).toHaveLength(3);
    expect((await world.messages(sub)).map((m) => m.template)).toEqual([
      'first_notice',
      'reminder',
    ]);

    // Day 13 (Feb 17): funds arrived on Feb 15; the retry succeeds and everything is cleared.
    await world.advanceTo(at('2026-02-17T12:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({
      state: 'active',
      entitlement: 'full',
      balanceMinor: 0,
    });
    expect((await world.latestCase(sub))!).toMatchObject({ status: 'recovered', retries_made: 3 });
    const charges = await world.gatewayCharges(sub);
    expect(charges.map((c) => c.outcome)).toEqual([
      'declined',
      'declined',
      'declined',
      'succeeded',
    ]);
    expect(charges.every((c) => c.request_count === 1)).toBe(true);

    // Mar 5: the next renewal is charged normally; no further messages were sent after recovery.
    await world.advanceTo(at('2026-03-05T12:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({ state: 'active', balanceMinor: 0 });
    expect((await world.gatewayCharges(sub)).at(-1)).toMatchObject({
      outcome: 'succeeded',
      amount_minor: 2000,
    });
    expect(await world.messages(sub)).toHaveLength(2);
  });

  it('retries five times, folds in the next renewal, then cancels on day 30 and charges nothing after', async () => {
    world = await createWorld({ preset: 'gentle_30', start: at('2026-02-01T00:00:00Z') });
    // 10:00 in New York is 15:00 UTC in February.
    const sub = await world.subscribe({
      card: 'generic_decline',
      periodStart: at('2026-01-05T15:00:00Z'),
      timeZone: 'America/New_York',
    });

    // Day 1 (Feb 5): declined, past due.
    await world.advanceTo(at('2026-02-05T15:00:00Z'));
    expect((await world.subscription(sub)).state).toBe('past_due');

    // Days 4, 8, 13, 19, 25 (Feb 8 to Mar 1): five retries at 10:00 New York time, all declined.
    await world.advanceTo(at('2026-03-01T16:00:00Z'));
    const retries = (await world.attempts(sub)).filter((a) => a.purpose === 'retry');
    expect(retries.map((a) => a.requested_at.toISOString())).toEqual([
      '2026-02-08T15:00:00.000Z',
      '2026-02-12T15:00:00.000Z',
      '2026-02-17T15:00:00.000Z',
      '2026-02-23T15:00:00.000Z',
      '2026-03-01T15:00:00.000Z',
    ]);

    // Day 29 (Mar 5): the period ends while past due; no step falls that day, so the renewal
    // charges the whole balance at once. It is declined and joins the case without resetting it.
    await world.advanceTo(at('2026-03-05T16:00:00Z'));
    const c = (await world.latestCase(sub))!;
    expect(c).toMatchObject({ status: 'open', amount_due_minor: 4000, step_index: 6 });
    expect((await world.attempts(sub)).at(-1)).toMatchObject({
      purpose: 'renewal_retry',
      amount_minor: 4000,
      status: 'failed',
    });

    // Day 30 (Mar 6): the final step cancels; the customer is told.
    await world.advanceTo(at('2026-03-06T16:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({
      state: 'canceled',
      entitlement: 'none',
      balanceMinor: 4000,
    });
    expect((await world.latestCase(sub))!).toMatchObject({ status: 'canceled', retries_made: 6 });
    const messages = await world.messages(sub);
    expect(messages.map((m) => m.template)).toEqual([
      'first_notice',
      'reminder',
      'reminder',
      'final_warning',
      'canceled',
    ]);
    expect(messages.find((m) => m.template === 'final_warning')!.bcc).toBe(true);

    // Weeks later: a canceled subscription is never charged again.
    const before = (await world.gatewayCharges(sub)).length;
    await world.advanceTo(at('2026-04-20T00:00:00Z'));
    expect(await world.gatewayCharges(sub)).toHaveLength(before);
    expect(before).toBe(7);
  });
});

describe('firm 14-day preset', () => {
  it('marks the subscription unpaid on day 14; it accrues without charges until paid by other means', async () => {
    world = await createWorld({ preset: 'firm_14', start: at('2026-02-01T00:00:00Z') });
    const sub = await world.subscribe({
      card: 'generic_decline',
      periodStart: at('2026-01-05T10:00:00Z'),
    });

    // Days 1 to 12 (Feb 5 to Feb 16): the renewal and four retries on days 3, 6, 9 and 12.
    await world.advanceTo(at('2026-02-17T00:00:00Z'));
    const retries = (await world.attempts(sub)).filter((a) => a.purpose === 'retry');
    expect(retries.map((a) => a.requested_at.toISOString().slice(0, 10))).toEqual([
      '2026-02-07',
      '2026-02-10',
      '2026-02-13',
      '2026-02-16',
    ]);
    expect((await world.subscription(sub)).state).toBe('past_due');

    // Day 14 (Feb 18): the final action marks it unpaid; access stops.
    await world.advanceTo(at('2026-02-18T12:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({
      state: 'unpaid',
      entitlement: 'none',
      balanceMinor: 2000,
    });
    expect((await world.messages(sub)).map((m) => m.template)).toEqual([
      'first_notice',
      'reminder',
      'final_warning',
      'unpaid',
    ]);

    // Mar 5: the next period accrues on the balance; no charge is attempted.
    const charged = (await world.gatewayCharges(sub)).length;
    await world.advanceTo(at('2026-03-05T12:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({ state: 'unpaid', balanceMinor: 4000 });
    expect(await world.gatewayCharges(sub)).toHaveLength(charged);

    // Mar 6: the customer pays by bank transfer; the subscription is active again.
    unwrap(
      await applyPayment(world.deps, {
        merchantId: world.merchantId,
        subscriptionId: sub,
        amountMinor: 4000,
        reference: 'wire 1234',
      }),
    );
    expect(await world.subscription(sub)).toMatchObject({
      state: 'active',
      entitlement: 'full',
      balanceMinor: 0,
    });
  });

  it('returns an unpaid subscription to active when a retried renewal succeeds', async () => {
    world = await createWorld({ preset: 'firm_14', start: at('2026-02-01T00:00:00Z') });
    const sub = await world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: at('2026-02-25T00:00:00Z'),
      periodStart: at('2026-01-05T10:00:00Z'),
    });

    await world.advanceTo(at('2026-02-19T00:00:00Z'));
    expect((await world.subscription(sub)).state).toBe('unpaid');

    // Feb 26: funds are back; the merchant retries the renewal and it is paid.
    await world.advanceTo(at('2026-02-26T00:00:00Z'));
    const result = unwrap(
      await retryRenewal(world.deps, {
        merchantId: world.merchantId,
        subscriptionId: sub,
        idempotencyKey: 'retry-1',
      }),
    );
    expect(result).toEqual({ outcome: 'succeeded', state: 'active' });
    expect(await world.subscription(sub)).toMatchObject({
      state: 'active',
      entitlement: 'full',
      balanceMinor: 0,
    });
    expect((await world.gatewayCharges(sub)).at(-1)).toMatchObject({
      outcome: 'succeeded',
      amount_minor: 2000,
    });
  });
});

describe('end-after-first-failure preset', () => {
  it('cancels on the very first failure with no retries, and a reactivation charges at once', async () => {
    world = await createWorld({ preset: 'one_step', start: at('2026-02-01T00:00:00Z') });
    const sub = await world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: at('2026-02-20T00:00:00Z'),
      periodStart: at('2026-01-05T10:00:00Z'),
    });

    // Day 1 (Feb 5): declined and canceled at once; the customer is told.
    await world.advanceTo(at('2026-02-05T10:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({ state: 'canceled', entitlement: 'none' });
    expect((await world.latestCase(sub))!).toMatchObject({ status: 'canceled', retries_made: 0 });
    expect((await world.messages(sub)).map((m) => m.template)).toEqual(['canceled']);
    expect(await world.gatewayCharges(sub)).toHaveLength(1);

    // Feb 25: the customer comes back; reactivation renews now and the charge succeeds.
    await world.advanceTo(at('2026-02-25T09:00:00Z'));
    expect(await world.gatewayCharges(sub)).toHaveLength(1);
    unwrap(
      await reactivateSubscription(world.deps, {
        merchantId: world.merchantId,
        subscriptionId: sub,
      }),
    );
    await world.advanceTo(at('2026-02-25T09:00:01Z'));
    const s = await world.subscription(sub);
    expect(s).toMatchObject({ state: 'active', entitlement: 'full' });
    expect(s.periodEnd.toISOString()).toBe('2026-03-25T09:00:00.000Z');
    expect((await world.gatewayCharges(sub)).at(-1)).toMatchObject({
      outcome: 'succeeded',
      amount_minor: 2000,
    });
  });
});
