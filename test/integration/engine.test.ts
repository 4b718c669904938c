// Engine behaviours on a real database (PGlite or PostgreSQL, per DUNNER_TEST_DB).
import { afterEach, describe, expect, it } from 'vitest';
import { unwrap } from '../../src/app/result.ts';
import { createCustomer } from '../../src/app/use-cases/create-customer.ts';
import { createSubscription } from '../../src/app/use-cases/create-subscription.ts';
import { reportComponentCharge } from '../../src/app/use-cases/report-component-charge.ts';
import { saveStrategy } from '../../src/app/use-cases/save-strategy.ts';
import { cancelSubscription } from '../../src/app/use-cases/subscription-actions.ts';
import { buildPreset } from '../../src/domain/strategy/presets.ts';
import { at, createWorld, type World } from '../support/world.ts';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const START = at('2026-02-01T00:00:00Z');
const PERIOD_START = at('2026-01-05T10:00:00Z');
const RENEWAL = at('2026-02-05T10:00:00Z');

describe('renewals', () => {
  it('charges a healthy card once per period and never opens a case', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({
      card: 'success',
      periodStart: PERIOD_START,
      priceMinor: 4900,
      currency: 'EUR',
    });
    await world.advanceTo(at('2026-04-06T00:00:00Z'));
    const charges = await world.gatewayCharges(sub);
    expect(charges.map((c) => [c.amount_minor, c.currency, c.outcome])).toEqual([
      [4900, 'EUR', 'succeeded'],
      [4900, 'EUR', 'succeeded'],
      [4900, 'EUR', 'succeeded'],
    ]);
    expect(await world.latestCase(sub)).toBeUndefined();
    expect(await world.subscription(sub)).toMatchObject({ state: 'active', balanceMinor: 0 });
    expect((await world.subscription(sub)).periodEnd.toISOString()).toBe(
      '2026-05-05T10:00:00.000Z',
    );
  });

  it('re-sends an unanswered charge with the same idempotency key and charges it only once', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({ card: 'timeout', periodStart: PERIOD_START });
    await world.advanceTo(at('2026-02-05T11:00:00Z'));
    const charges = await world.gatewayCharges(sub);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ outcome: 'succeeded', request_count: 2 });
    const attempts = await world.attempts(sub);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 'succeeded', sends: 2 });
    expect(await world.subscription(sub)).toMatchObject({ state: 'active', balanceMinor: 0 });
  });

  it('lets a non-renewing subscription end at its period end without a charge', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({
      card: 'success',
      periodStart: PERIOD_START,
      autoRenew: false,
    });
    await world.advanceTo(at('2026-02-06T00:00:00Z'));
    expect(await world.subscription(sub)).toMatchObject({ state: 'canceled', entitlement: 'none' });
    expect(await world.gatewayCharges(sub)).toHaveLength(0);
  });
});

describe('decline categories', () => {
  it('never retries a stolen card but still sends every message of the schedule', async () => {
    world = await createWorld({ preset: 'firm_14', start: START });
    const sub = await world.subscribe({ card: 'stolen', periodStart: PERIOD_START });
    await world.advanceTo(at('2026-02-20T00:00:00Z'));
    expect(await world.gatewayCharges(sub)).toHaveLength(1);
    const c = (await world.latestCase(sub))!;
    expect(c).toMatchObject({ status: 'unpaid', last_category: 'hard', retries_made: 0 });
    expect((await world.messages(sub)).map((m) => m.template)).toEqual([
      'first_notice',
      'reminder',
      'final_warning',
      'unpaid',
    ]);
    const skips = (await world.events(sub)).filter(
      (e) =>
        e.type === 'dunning_case.decision' &&
        String((e.data as { why: string }).why).includes('retry skipped'),
    );
    expect(skips).toHaveLength(4);
    expect(String((skips[0]!.data as { why: string }).why)).toContain(
      'until the payment method changes',
    );
  });

  it('sends messages but never charges a pay-link subscription', async () => {
    world = await createWorld({ preset: 'firm_14', start: START });
    const sub = await world.subscribe({ card: 'pay_link', periodStart: PERIOD_START });
    await world.advanceTo(at('2026-02-20T00:00:00Z'));
    expect(await world.gatewayCharges(sub)).toHaveLength(0);
    expect((await world.latestCase(sub))!).toMatchObject({
      status: 'unpaid',
      payment_method_type: 'pay_link',
      retries_made: 0,
    });
    expect(await world.messages(sub)).toHaveLength(4);
  });
});

describe('stopping a case', () => {
  it('cancels queued messages and makes no further retry once the subscription is canceled', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({ card: 'generic_decline', periodStart: PERIOD_START });
    await world.advanceTo(RENEWAL);
    expect(await world.messages(sub)).toHaveLength(1);
    unwrap(
      await cancelSubscription(world.deps, { merchantId: world.merchantId, subscriptionId: sub }),
    );
    await world.advanceTo(at('2026-04-01T00:00:00Z'));
    expect(await world.gatewayCharges(sub)).toHaveLength(1);
    expect((await world.latestCase(sub))!).toMatchObject({
      status: 'stopped',
      outcome_reason: 'subscription canceled',
    });
    expect((await world.messages(sub)).map((m) => m.canceled)).toEqual([true]);
  });
});

describe('subscription groups', () => {
  it('puts the whole group into dunning when the primary fails, and brings it back on recovery', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const primary = await world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: at('2026-02-07T00:00:00Z'),
      periodStart: PERIOD_START,
    });
    const member = await world.subscribe({
      card: 'success',
      periodStart: at('2026-01-20T10:00:00Z'),
      primarySubscriptionId: primary,
    });
    await world.advanceTo(RENEWAL);
    expect((await world.subscription(primary)).state).toBe('past_due');
    expect((await world.subscription(member)).state).toBe('past_due');
    expect((await world.latestCase(primary))!.scope).toBe('group');
    await world.advanceTo(at('2026-02-09T00:00:00Z'));
    expect((await world.subscription(primary)).state).toBe('active');
    expect((await world.subscription(member)).state).toBe('active');
  });

  it('puts only the member into dunning when a member fails', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const primary = await world.subscribe({
      card: 'success',
      periodStart: at('2026-01-20T10:00:00Z'),
    });
    const member = await world.subscribe({
      card: 'generic_decline',
      periodStart: PERIOD_START,
      primarySubscriptionId: primary,
    });
    await world.advanceTo(RENEWAL);
    expect((await world.subscription(member)).state).toBe('past_due');
    expect((await world.subscription(primary)).state).toBe('active');
    expect((await world.latestCase(member))!.scope).toBe('subscription');
  });
});

describe('component allocations', () => {
  it('starts dunning on a failed quantity allocation, and a later failure continues the same schedule', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({
      card: 'generic_decline',
      periodStart: at('2026-01-20T10:00:00Z'),
    });
    const first = unwrap(
      await reportComponentCharge(world.deps, {
        merchantId: world.merchantId,
        subscriptionId: sub,
        componentKind: 'quantity',
        description: '3 extra seats',
        amountMinor: 1500,
        idempotencyKey: 'seats-1',
      }),
    );
    expect(first.status).toBe('failed');
    expect(first.caseId).not.toBeNull();
    await world.advanceTo(at('2026-02-06T00:00:00Z'));
    const before = (await world.latestCase(sub))!;
    expect(before.step_index).toBe(2);

    const second = unwrap(
      await reportComponentCharge(world.deps, {
        merchantId: world.merchantId,
        subscriptionId: sub,
        componentKind: 'on_off',
        description: 'Priority support',
        amountMinor: 500,
        idempotencyKey: 'support-1',
      }),
    );
    expect(second.caseId).toBe(first.caseId);
    const after = (await world.latestCase(sub))!;
    expect(after).toMatchObject({ case_id: before.case_id, step_index: 2, amount_due_minor: 2000 });
    expect(after.opened_at.toISOString()).toBe(before.opened_at.toISOString());
    expect((await world.subscription(sub)).balanceMinor).toBe(2000);
  });

  it('never starts dunning for a metered component; the amount waits on the balance', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({
      card: 'generic_decline',
      periodStart: at('2026-01-20T10:00:00Z'),
    });
    const result = unwrap(
      await reportComponentCharge(world.deps, {
        merchantId: world.merchantId,
        subscriptionId: sub,
        componentKind: 'metered',
        description: 'API calls',
        amountMinor: 731,
        idempotencyKey: 'usage-1',
      }),
    );
    expect(result).toMatchObject({ status: 'failed', caseId: null });
    expect(await world.subscription(sub)).toMatchObject({ state: 'active', balanceMinor: 731 });
    expect(await world.latestCase(sub)).toBeUndefined();
  });

  it('charges a repeated allocation request only once', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const sub = await world.subscribe({ card: 'success', periodStart: at('2026-01-20T10:00:00Z') });
    const input = {
      merchantId: world.merchantId,
      subscriptionId: sub,
      componentKind: 'quantity' as const,
      description: 'seat',
      amountMinor: 900,
      idempotencyKey: 'seat-9',
    };
    expect(unwrap(await reportComponentCharge(world.deps, input)).status).toBe('paid');
    const again = await reportComponentCharge(world.deps, input);
    expect(again.ok).toBe(false);
    expect(await world.gatewayCharges(sub)).toHaveLength(1);
  });
});

describe('strategies', () => {
  it('keeps a running case on the strategy version it started with', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const early = await world.subscribe({ card: 'generic_decline', periodStart: PERIOD_START });
    await world.advanceTo(RENEWAL);
    const strategy = await world.db
      .selectFrom('strategies')
      .select(['strategy_id'])
      .where('merchant_id', '=', world.merchantId)
      .where('payment_method_type', '=', 'card')
      .executeTakeFirstOrThrow();
    unwrap(
      await saveStrategy(world.deps, {
        merchantId: world.merchantId,
        strategyId: strategy.strategy_id,
        name: 'Firm now',
        definition: buildPreset('firm_14', 'card'),
      }),
    );
    const late = await world.subscribe({
      card: 'generic_decline',
      periodStart: at('2026-01-06T10:00:00Z'),
    });
    await world.advanceTo(at('2026-03-20T00:00:00Z'));
    expect((await world.latestCase(early))!).toMatchObject({
      strategy_version: 1,
      status: 'canceled',
    });
    expect((await world.latestCase(late))!).toMatchObject({
      strategy_version: 2,
      status: 'unpaid',
    });
  });

  it('rejects a strategy whose step comes after its final step, naming the field', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const def = {
      ...buildPreset('firm_14', 'card'),
      final: {
        day: 5,
        action: 'cancel' as const,
        message: { enabled: false, template: '', bcc: false },
      },
    };
    const result = await saveStrategy(world.deps, {
      merchantId: world.merchantId,
      name: 'Broken',
      definition: def,
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'invalid_field', field: 'definition.steps[2].day' },
    });
  });
});

describe('bad input', () => {
  it('rejects a float price and an unknown time zone, naming the field, and stores nothing', async () => {
    world = await createWorld({ preset: 'gentle_30', start: START });
    const badZone = await createCustomer(world.deps, {
      merchantId: world.merchantId,
      name: 'Bo',
      email: 'bo@example.com',
      timeZone: 'Mars/Olympus',
    });
    expect(badZone).toMatchObject({ ok: false, error: { field: 'time_zone' } });
    const { customerId } = unwrap(
      await createCustomer(world.deps, {
        merchantId: world.merchantId,
        name: 'Bo',
        email: 'bo@example.com',
      }),
    );
    const badPrice = await createSubscription(world.deps, {
      merchantId: world.merchantId,
      customerId,
      paymentMethodId: null,
      productName: 'X',
      priceMinor: 19.99,
      currency: 'USD',
      interval: 'month',
    });
    expect(badPrice).toMatchObject({
      ok: false,
      error: { code: 'invalid_field', field: 'price_minor' },
    });
    const count = await world.db
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });
});
