// Failures reported by a merchant's own billing system, on a real database (PGlite or PostgreSQL).
import { afterEach, describe, expect, it } from 'vitest';
import { unwrap } from '../../src/app/result.ts';
import { setHardDeclineDunning } from '../../src/app/use-cases/hard-decline-dunning.ts';
import {
  type ReportPaymentFailureInput,
  reportPaymentFailure,
} from '../../src/app/use-cases/report-payment-failure.ts';
import { cancelSubscription } from '../../src/app/use-cases/subscription-actions.ts';
import { at, createWorld, type World } from '../support/world.ts';

let world: World | undefined;
let other: World | undefined;
afterEach(async () => {
  await world?.close();
  await other?.close();
  world = undefined;
  other = undefined;
});

const START = at('2026-02-01T00:00:00Z');
const PERIOD_START = at('2026-01-05T10:00:00Z');
const RENEWAL = at('2026-02-05T10:00:00Z');

const insufficientFunds = {
  scheme: 'stripe',
  code: 'insufficient_funds',
  networkDeclineCode: '51',
  network: 'visa',
} as const;

function failure(
  w: World,
  subscriptionId: string,
  overrides: Partial<ReportPaymentFailureInput> = {},
): ReportPaymentFailureInput {
  return {
    merchantId: w.merchantId,
    subscriptionId,
    externalChargeId: 'in_1001',
    amountMinor: 2000,
    currency: 'USD',
    decline: { ...insufficientFunds },
    ...overrides,
  };
}

/** Every row a report could write, counted, to show that a refused one changes nothing. */
async function footprint(w: World) {
  const count = async (
    table: 'payment_failures' | 'charges' | 'payment_attempts' | 'events' | 'dunning_cases',
  ) =>
    Number(
      (
        await w.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    failures: await count('payment_failures'),
    charges: await count('charges'),
    attempts: await count('payment_attempts'),
    events: await count('events'),
    cases: await count('dunning_cases'),
  };
}

describe('reporting a failed charge', () => {
  it('opens a case with the reported decline, classified, and makes the subscription past due', async () => {
    world = await createWorld({ preset: 'firm_14', start: START });
    const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
    const result = unwrap(await reportPaymentFailure(world.deps, failure(world, sub)));

    expect(result.replayed).toBe(false);
    expect(result.failure).toMatchObject({
      external_charge_id: 'in_1001',
      opened_case: true,
      amount_minor: 2000,
      currency: 'USD',
      raw_code: 'insufficient_funds / network 51',
      category: 'insufficient_funds',
    });
    expect(result.failure.classification).toContain('Visa response code 51');
    const c = (await world.latestCase(sub))!;
    expect(c).toMatchObject({
      case_id: result.failure.case_id,
      status: 'open',
      last_category: 'insufficient_funds',
      amount_due_minor: 2000,
      opened_at: START,
    });
    expect(await world.subscription(sub)).toMatchObject({ state: 'past_due', balanceMinor: 2000 });
    const attempts = await world.attempts(sub);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      status: 'failed',
      case_id: c.case_id,
      raw_code: 'insufficient_funds / network 51',
      category: 'insufficient_funds',
      visa_category: 2,
      amount_minor: 2000,
    });
    // The card was never charged by us.
    expect(await world.gatewayCharges(sub)).toHaveLength(0);
    expect((await world.events(sub)).map((e) => e.type)).toEqual([
      'payment_attempt.failed',
      'dunning_case.opened',
      'subscription.past_due',
    ]);
  });

  it('runs the very schedule an engine-owned renewal failure runs', async () => {
    world = await createWorld({ preset: 'firm_14', start: START });
    const owned = await world.subscribe({ card: 'insufficient_funds', periodStart: PERIOD_START });
    const reported = await world.subscribe({
      card: 'insufficient_funds',
      periodStart: at('2026-01-20T10:00:00Z'),
    });
    // Day 1: the engine's renewal of `owned` is declined; `reported` fails in the merchant's billing.
    await world.advanceTo(RENEWAL);
    unwrap(await reportPaymentFailure(world.deps, failure(world, reported)));
    await world.advanceTo(at('2026-02-05T10:01:00Z'));
    const [a, b] = [(await world.latestCase(owned))!, (await world.latestCase(reported))!];
    expect(b).toMatchObject({
      strategy_id: a.strategy_id,
      strategy_version: a.strategy_version,
      opened_at: a.opened_at,
      last_category: a.last_category,
      step_index: a.step_index,
      next_action_at: a.next_action_at,
    });
    // Day 15: both schedules ran to the end, the same way.
    await world.advanceTo(at('2026-02-20T00:00:00Z'));
    const typesOf = async (s: string) =>
      (await world!.events(s)).map((e) => e.type).filter((t) => t !== 'charge.accrued');
    expect(await typesOf(reported)).toEqual(await typesOf(owned));
    expect((await world.messages(reported)).map((m) => m.template)).toEqual(
      (await world.messages(owned)).map((m) => m.template),
    );
    expect((await world.latestCase(reported))!.status).toBe('unpaid');
    // Its retries were charged at the gateway like the engine's own.
    expect((await world.gatewayCharges(reported)).length).toBe(
      (await world.gatewayCharges(owned)).length - 1,
    );
  });

  it('applies the same external charge once: a second report answers the first result', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
    const first = unwrap(await reportPaymentFailure(world.deps, failure(world, sub)));
    const before = await footprint(world);
    const again = unwrap(await reportPaymentFailure(world.deps, failure(world, sub)));
    expect(again.replayed).toBe(true);
    expect(again.failure).toEqual(first.failure);
    expect(await footprint(world)).toEqual(before);
    expect(await world.attempts(sub)).toHaveLength(1);
    expect(await world.subscription(sub)).toMatchObject({ balanceMinor: 2000 });
  });

  it('applies the same external charge once even when both reports arrive together', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
    const results = await Promise.all([
      reportPaymentFailure(world.deps, failure(world, sub)),
      reportPaymentFailure(world.deps, failure(world, sub)),
    ]);
    const values = results.map((r) => unwrap(r));
    expect(values.map((v) => v.replayed).sort()).toEqual([false, true]);
    expect(values[0]!.failure.case_id).toBe(values[1]!.failure.case_id);
    expect(await world.attempts(sub)).toHaveLength(1);
    expect((await world.latestCase(sub))!.amount_due_minor).toBe(2000);
  });

  it('refuses the same external charge id with another amount, and changes nothing', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
    unwrap(await reportPaymentFailure(world.deps, failure(world, sub)));
    const before = await footprint(world);
    const result = await reportPaymentFailure(
      world.deps,
      failure(world, sub, { amountMinor: 2500 }),
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'invalid_state', field: 'external_charge_id' },
    });
    expect(await footprint(world)).toEqual(before);
  });

  it('continues the open case with a second, different failure without resetting its schedule', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({
      card: 'generic_decline',
      periodStart: at('2026-01-20T10:00:00Z'),
    });
    const first = unwrap(await reportPaymentFailure(world.deps, failure(world, sub)));
    await world.advanceTo(at('2026-02-06T00:00:00Z'));
    const stepBefore = (await world.latestCase(sub))!.step_index;
    const second = unwrap(
      await reportPaymentFailure(
        world.deps,
        failure(world, sub, {
          externalChargeId: 'in_1002',
          amountMinor: 500,
          decline: { scheme: 'stripe', code: 'generic_decline', networkDeclineCode: '05' },
          description: 'Extra seats',
        }),
      ),
    );
    expect(second.failure).toMatchObject({
      case_id: first.failure.case_id,
      opened_case: false,
      category: 'generic',
    });
    const c = (await world.latestCase(sub))!;
    expect(c).toMatchObject({
      case_id: first.failure.case_id,
      amount_due_minor: 2500,
      step_index: stepBefore,
      opened_at: START,
    });
    expect(await world.subscription(sub)).toMatchObject({ balanceMinor: 2500, state: 'past_due' });
    const reportedAttempts = (await world.attempts(sub)).filter((a) =>
      a.idempotency_key.startsWith('external:'),
    );
    expect(reportedAttempts.map((a) => [a.amount_minor, a.category])).toEqual([
      [2000, 'insufficient_funds'],
      [500, 'generic'],
    ]);
    const added = (await world.events(sub)).filter((e) => e.type === 'dunning_case.amount_added');
    expect(added).toHaveLength(1);
    expect(added[0]!.data).toMatchObject({ amount_minor: 500, amount_due_minor: 2500 });
  });

  it("answers not found for another merchant's subscription and changes nothing", async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    other = await createWorld({ preset: 'gentle_30', start: START, database: undefined });
    const theirs = await other.subscribe({ card: 'success', periodStart: PERIOD_START });
    const before = await footprint(other);
    const result = await reportPaymentFailure(world.deps, failure(world, theirs));
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'not_found', field: 'subscription_id' },
    });
    expect(await footprint(other)).toEqual(before);
    expect(await other.latestCase(theirs)).toBeUndefined();
  });

  it.each([
    [{ amountMinor: 0 }, 'amount_in_cents'],
    [{ amountMinor: -5 }, 'amount_in_cents'],
    [{ amountMinor: 12.5 }, 'amount_in_cents'],
    [{ currency: 'EUR' }, 'currency'],
    [{ currency: 'usd' }, 'currency'],
    [{ externalChargeId: '' }, 'external_charge_id'],
    [{ failedAt: at('2026-02-02T00:00:00Z') }, 'failed_at'],
    [{ failedAt: at('2025-09-01T00:00:00Z') }, 'failed_at'],
    [{ decline: { scheme: 'visa', code: '05' } }, 'decline.scheme'],
    [{ decline: { scheme: 'stripe', code: '' } }, 'decline.code'],
    [{ decline: { scheme: 'iso8583', code: '05' } }, 'decline.network'],
    [{ decline: { scheme: 'iso8583', code: '05', network: 'diners' } }, 'decline.network'],
    [
      { decline: { scheme: 'nacha', code: 'R01', networkDeclineCode: '51' } },
      'decline.network_decline_code',
    ],
    [{ subscriptionId: 'sub_missing' }, 'subscription_id'],
  ] as [Partial<ReportPaymentFailureInput>, string][])(
    'refuses %o naming the field %s, and changes nothing',
    async (overrides, field) => {
      world = await createWorld({ preset: 'gentle_30', start: START });
      const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
      const before = await footprint(world);
      const result = await reportPaymentFailure(world.deps, failure(world, sub, overrides));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.field).toBe(field);
      expect(await footprint(world)).toEqual(before);
    },
  );

  it('refuses a canceled subscription', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
    unwrap(
      await cancelSubscription(world.deps, { merchantId: world.merchantId, subscriptionId: sub }),
    );
    const result = await reportPaymentFailure(world.deps, failure(world, sub));
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
  });

  it('lets an unpaid subscription accrue the amount without opening a case', async () => {
    world = await createWorld({ preset: 'one_step', start: START });
    const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
    await world.db
      .updateTable('subscriptions')
      .set({ state: 'unpaid' })
      .where('subscription_id', '=', sub)
      .execute();
    const result = unwrap(await reportPaymentFailure(world.deps, failure(world, sub)));
    expect(result.failure).toMatchObject({ case_id: null, opened_case: false });
    expect(result.why).toContain('unpaid');
    expect(await world.latestCase(sub)).toBeUndefined();
    expect(await world.subscription(sub)).toMatchObject({ state: 'unpaid', balanceMinor: 2000 });
  });

  it('counts the reported attempt in the card-network rules: no retry before Mastercard advice allows it', async () => {
    world = await createWorld({ preset: 'firm_14', start: START });
    const sub = await world.subscribe({
      card: 'success_mastercard',
      periodStart: at('2026-01-20T10:00:00Z'),
    });
    // Day 1 (Feb 1): their billing's charge was declined with MAC 30, "retry after 10 days".
    unwrap(
      await reportPaymentFailure(
        world.deps,
        failure(world, sub, {
          decline: {
            scheme: 'stripe',
            code: 'generic_decline',
            networkDeclineCode: '05',
            networkAdviceCode: '30',
            network: 'mastercard',
          },
        }),
      ),
    );
    await world.advanceTo(at('2026-02-15T00:00:00Z'));
    const retries = (await world.attempts(sub)).filter((a) => a.purpose !== 'renewal');
    expect(retries).toHaveLength(1);
    expect(retries[0]!.requested_at.getTime()).toBeGreaterThanOrEqual(
      at('2026-02-11T00:00:00Z').getTime(),
    );
    const refusals = (await world.events(sub)).filter(
      (e) =>
        e.type === 'dunning_case.decision' &&
        String((e.data as { why: string }).why).includes('retry_after_advice'),
    );
    expect(refusals.length).toBeGreaterThan(0);
    expect((await world.latestCase(sub))!.status).toBe('recovered');
  });

  it('sends the hard-decline message when the merchant has hard-decline dunning on', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    unwrap(
      await setHardDeclineDunning(world.deps, {
        merchantId: world.merchantId,
        available: true,
        active: true,
      }),
    );
    const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
    unwrap(
      await reportPaymentFailure(
        world.deps,
        failure(world, sub, {
          decline: { scheme: 'stripe', code: 'stolen_card', networkDeclineCode: '43' },
        }),
      ),
    );
    expect((await world.messages(sub)).map((m) => m.template)).toEqual(['hard_decline']);
    expect((await world.latestCase(sub))!).toMatchObject({
      last_category: 'hard',
      awaiting_new_method: true,
    });
  });
});

describe('subscriptions billed elsewhere', () => {
  it('are never renewed by the engine, yet their case retries the card within dunning and recovers', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: at('2026-02-10T00:00:00Z'),
      periodStart: PERIOD_START,
    });
    // The merchant's billing owns the renewals (billing: external has no renewal date).
    await world.db
      .updateTable('subscriptions')
      .set({ billing: 'external', next_renewal_at: null })
      .where('subscription_id', '=', sub)
      .execute();
    // Day 1 (Feb 5): their billing's renewal fails and they report it.
    await world.advanceTo(RENEWAL);
    expect(await world.gatewayCharges(sub)).toHaveLength(0);
    unwrap(await reportPaymentFailure(world.deps, failure(world, sub)));
    // Day 8 (Feb 12): the day-4 retry was declined, the day-8 retry went through.
    await world.advanceTo(at('2026-02-13T00:00:00Z'));
    const charges = await world.gatewayCharges(sub);
    expect(charges.map((c) => c.outcome)).toEqual(['declined', 'succeeded']);
    expect((await world.latestCase(sub))!.status).toBe('recovered');
    expect(await world.subscription(sub)).toMatchObject({ state: 'active', balanceMinor: 0 });
    // No renewal charge ever: the next period is theirs to bill.
    await world.advanceTo(at('2026-04-01T00:00:00Z'));
    expect(await world.gatewayCharges(sub)).toHaveLength(2);
  });

  it('cannot be given a renewal date: the database refuses it', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({ card: 'success', periodStart: PERIOD_START });
    await expect(
      world.db
        .updateTable('subscriptions')
        .set({ billing: 'external' })
        .where('subscription_id', '=', sub)
        .execute(),
    ).rejects.toThrow(/subscriptions_external_never_renewed/);
  });
});
