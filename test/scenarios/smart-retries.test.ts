// Smart retries on the test clock: decline categories, network rules, hard-decline dunning, SCA
// and the card updater, narrated stop by stop.
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { unwrap } from '../../src/app/result.ts';
import { addPaymentMethod } from '../../src/app/use-cases/add-payment-method.ts';
import {
  setHardDeclineDunning,
  updateLinkStatus,
} from '../../src/app/use-cases/hard-decline-dunning.ts';
import {
  replaceSubscriptionPaymentMethod,
  updatePaymentMethod,
} from '../../src/app/use-cases/update-payment-method.ts';
import { at, createWorld, type World } from '../support/world.ts';

let world: World | undefined;
/** What the independent network audit finds in a test's world: nothing, unless the test says. */
let openFindings: string[] = [];
afterEach(async () => {
  const violations = (await world?.networkViolations()) ?? [];
  await world?.close();
  world = undefined;
  const expected = openFindings;
  openFindings = [];
  expect(violations.map((v) => `${v.rule} at ${v.at.toISOString()}`)).toEqual(expected);
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

describe('insufficient funds', () => {
  it('is retried on the first local morning after payday, and recovers there', async () => {
    world = await createWorld({
      preset: 'gentle_30',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    // Funds arrive on Friday Feb 13: the 15th is a Sunday, so payroll pays the business day before.
    const sub = await world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: at('2026-02-13T00:00:00Z'),
      periodStart: at('2026-01-09T10:00:00Z'),
      timeZone: 'Europe/Berlin',
    });

    // Day 1 (Monday Feb 9): declined for insufficient funds.
    await world.advanceTo(at('2026-02-09T10:00:00Z'));
    expect((await world.latestCase(sub))!).toMatchObject({
      status: 'open',
      last_category: 'insufficient_funds',
    });

    // Day 4 (Thursday Feb 12) opens the first retry window; smart timing waits for payday in it.
    await world.advanceTo(at('2026-02-12T23:00:00Z'));
    expect((await world.attempts(sub)).filter((a) => a.purpose === 'retry')).toHaveLength(0);
    const plan = (await world.events(sub)).find(
      (e) => e.type === 'dunning_case.decision' && (e.data as { kind: string }).kind === 'plan',
    );
    expect(String((plan!.data as { why: string }).why)).toMatch(/15th/);

    // Friday Feb 13, local morning in Berlin: the one retry succeeds.
    await world.advanceTo(at('2026-02-13T12:00:00Z'));
    const retries = (await world.attempts(sub)).filter((a) => a.purpose === 'retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]!.status).toBe('succeeded');
    const local = retries[0]!.requested_at.toLocaleString('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      day: '2-digit',
      hour12: false,
    });
    expect(local).toMatch(/^13, 0[7-9]$/);
    expect(await world.subscription(sub)).toMatchObject({ state: 'active', balanceMinor: 0 });
  });
});

describe('the retry budget', () => {
  it('sends at most 4 step retries; the later steps send their messages only, and the timeline says why', async () => {
    world = await createWorld({
      preset: 'gentle_30',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const sub = await world.subscribe({
      card: 'generic_decline',
      periodStart: at('2026-01-05T10:00:00Z'),
    });
    // Day 1 is Feb 5; gentle_30 has retry steps on days 4, 8, 13, 19 and 25, and cancels on day 30.
    await world.advanceTo(at('2026-03-08T00:00:00Z'));
    const retries = (await world.attempts(sub)).filter((a) => a.purpose === 'retry');
    expect(retries).toHaveLength(4);
    expect(retries.every((a) => a.status === 'failed')).toBe(true);
    // Beside them: the failed renewal, and the next one (Mar 5, day 29), charged with the balance.
    expect((await world.attempts(sub)).map((a) => a.purpose).sort()).toEqual([
      'renewal',
      'renewal_retry',
      'retry',
      'retry',
      'retry',
      'retry',
    ]);
    const templates = (await world.messages(sub)).map((m) => m.template);
    expect(templates).toEqual([
      'first_notice',
      'reminder',
      'reminder',
      'final_warning',
      'canceled',
    ]);
    const whys = (await world.events(sub))
      .filter((e) => e.type === 'dunning_case.decision')
      .map((e) => String((e.data as { why: string }).why));
    expect(whys).toContain(
      'day 25 step 6: no retry: the case has made 4 retries, the most smart retries send (card guidance: 3 to 4 over about two weeks)',
    );
    // retries_made counts every automatic charge of the case: the 4 step retries and the renewal.
    expect((await world.latestCase(sub))!).toMatchObject({ status: 'canceled', retries_made: 5 });
  });
});

describe('hard-decline dunning', () => {
  async function hardDeclined(graceDays: number) {
    world = await createWorld({
      preset: 'gentle_30',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
      graceDays,
    });
    unwrap(
      await setHardDeclineDunning(world.deps, { merchantId: world.merchantId, available: true }),
    );
    unwrap(await setHardDeclineDunning(world.deps, { merchantId: world.merchantId, active: true }));
    const sub = await world.subscribe({ card: 'stolen', periodStart: at('2026-01-05T10:00:00Z') });
    await world.advanceTo(at('2026-02-05T10:00:00Z'));
    const c = (await world.latestCase(sub))!;
    return { sub, caseId: c.case_id };
  }

  it('without a grace period sends one message at once; its link works for 3 hours only', async () => {
    const { sub, caseId } = await hardDeclined(0);
    const hardMessages = (await world!.messages(sub)).filter((m) => m.template === 'hard_decline');
    expect(hardMessages).toHaveLength(1);
    expect(hardMessages[0]).toMatchObject({ at: at('2026-02-05T10:00:00Z') });

    await world!.advanceTo(plus(at('2026-02-05T10:00:00Z'), 2 * HOUR + 59 * MIN));
    expect(
      unwrap(await updateLinkStatus(world!.deps, { merchantId: world!.merchantId, caseId })).valid,
    ).toBe(true);
    await world!.advanceTo(plus(at('2026-02-05T10:00:00Z'), 3 * HOUR + MIN));
    expect(
      unwrap(await updateLinkStatus(world!.deps, { merchantId: world!.merchantId, caseId })).valid,
    ).toBe(false);

    // The stolen card is never charged again, whatever the schedule says.
    await world!.advanceTo(at('2026-02-25T00:00:00Z'));
    expect(await world!.gatewayCharges(sub)).toHaveLength(1);
    expect((await world!.messages(sub)).filter((m) => m.template === 'hard_decline')).toHaveLength(
      1,
    );
  });

  it('with a grace period keeps the link working through the grace period; a new card charges and renews at once', async () => {
    const { sub, caseId } = await hardDeclined(3);
    await world!.advanceTo(at('2026-02-07T10:00:00Z'));
    expect(
      unwrap(await updateLinkStatus(world!.deps, { merchantId: world!.merchantId, caseId })).valid,
    ).toBe(true);

    // Feb 7: the customer adds a new card on the hosted page: charged at once, the case recovers.
    const s = await world!.subscription(sub);
    const { paymentMethodId } = unwrap(
      await addPaymentMethod(world!.deps, {
        merchantId: world!.merchantId,
        customerId: s.row.customer_id,
        type: 'card',
        testCard: { number: TEST_CARDS.success.number },
      }),
    );
    unwrap(
      await replaceSubscriptionPaymentMethod(world!.deps, {
        merchantId: world!.merchantId,
        subscriptionId: sub,
        paymentMethodId,
      }),
    );
    await world!.advanceTo(at('2026-02-07T10:00:01Z'));
    expect(await world!.subscription(sub)).toMatchObject({
      state: 'active',
      entitlement: 'full',
      balanceMinor: 0,
    });
    expect((await world!.latestCase(sub))!.status).toBe('recovered');
    expect((await world!.gatewayCharges(sub)).map((c) => c.outcome)).toEqual([
      'declined',
      'succeeded',
    ]);

    // A grace period that has run out closes the link (a second hard-declined case, no new card).
    const other = await world!.subscribe({
      card: 'stolen',
      periodStart: at('2026-01-08T10:00:00Z'),
      graceDays: 3,
    });
    await world!.advanceTo(at('2026-02-08T10:00:00Z'));
    const otherCase = (await world!.latestCase(other))!.case_id;
    await world!.advanceTo(at('2026-02-11T11:00:00Z'));
    expect(
      unwrap(
        await updateLinkStatus(world!.deps, { merchantId: world!.merchantId, caseId: otherCase }),
      ).valid,
    ).toBe(false);
  });

  it('sends nothing special until the merchant activates what the operator made available', async () => {
    world = await createWorld({ preset: 'gentle_30', start: at('2026-02-01T00:00:00Z') });
    const refused = await setHardDeclineDunning(world.deps, {
      merchantId: world.merchantId,
      active: true,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_state', field: 'active' } });
    unwrap(
      await setHardDeclineDunning(world.deps, { merchantId: world.merchantId, available: true }),
    );
    const sub = await world.subscribe({ card: 'stolen', periodStart: at('2026-01-05T10:00:00Z') });
    await world.advanceTo(at('2026-02-05T11:00:00Z'));
    expect((await world.messages(sub)).map((m) => m.template)).toEqual(['first_notice']);
  });
});

describe('authentication required (SCA)', () => {
  it('is never retried off-session; every message asks the customer to authenticate', async () => {
    world = await createWorld({
      preset: 'gentle_30',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const sub = await world.subscribe({
      card: 'authentication_required',
      periodStart: at('2026-01-05T10:00:00Z'),
    });
    await world.advanceTo(at('2026-03-10T00:00:00Z'));
    expect(await world.gatewayCharges(sub)).toHaveLength(1);
    const c = (await world.latestCase(sub))!;
    expect(c).toMatchObject({
      status: 'canceled',
      last_category: 'authentication_required',
      awaiting_new_method: true,
      retries_made: 0,
    });
    const messages = await world.messages(sub);
    expect(messages.length).toBeGreaterThanOrEqual(4);
    expect(new Set(messages.map((m) => (m as unknown as { intent: string }).intent))).toEqual(
      new Set(['authenticate']),
    );
  });
});

describe('card updater', () => {
  it('recovers an expired-card case at once when the gateway reports the updated card', async () => {
    world = await createWorld({
      preset: 'gentle_30',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const sub = await world.subscribe({ card: 'expired', periodStart: at('2026-01-05T10:00:00Z') });
    await world.advanceTo(at('2026-02-06T09:00:00Z'));
    expect((await world.latestCase(sub))!).toMatchObject({
      status: 'open',
      last_category: 'update_method',
      awaiting_new_method: true,
    });
    expect(await world.gatewayCharges(sub)).toHaveLength(1);

    // Feb 6, 09:00: the updater reports the reissued card; the case is retried and recovers.
    const pm = (await world.subscription(sub)).row.payment_method_id!;
    unwrap(
      await updatePaymentMethod(world.deps, {
        merchantId: world.merchantId,
        paymentMethodId: pm,
        testCard: { number: TEST_CARDS.success.number },
        source: 'card_updater',
      }),
    );
    await world.advanceTo(at('2026-02-06T09:00:01Z'));
    expect((await world.latestCase(sub))!.status).toBe('recovered');
    const last = (await world.attempts(sub)).at(-1)!;
    expect(last).toMatchObject({ purpose: 'renewal_retry', status: 'succeeded' });
    expect(last.why).toContain('payment method updated (card updater)');
    expect(last.requested_at.toISOString()).toBe('2026-02-06T09:00:00.000Z');
  });
});

describe('network rules across cases', () => {
  it('never retries a Mastercard credential advised "do not try again", for any subscription that uses it', async () => {
    world = await createWorld({
      preset: 'firm_14',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const a = await world.subscribe({
      card: 'mastercard_do_not_retry',
      periodStart: at('2026-01-05T10:00:00Z'),
    });
    // The same customer's second subscription bills the same card (renewal on Feb 20, after the
    // first one's decline on Feb 5 carried the advice): one credential, one history, no retries.
    const b = await world.subscribe({
      card: 'mastercard_do_not_retry',
      periodStart: at('2026-01-20T10:00:00Z'),
      sameCardAs: a,
    });
    await world.advanceTo(at('2026-03-01T00:00:00Z'));
    // a's renewal (Feb 5) carried MAC 03; b's renewal on Feb 20 is not sent: its case opens at
    // once as a hard decline (the category of a's decline) and asks for a new payment method.
    expect(await world.gatewayCharges(a)).toHaveLength(1);
    expect(await world.gatewayCharges(b)).toHaveLength(0);
    const withheld = (await world.events(b)).find(
      (e) =>
        e.type === 'dunning_case.decision' &&
        (e.data as { kind: string }).kind === 'withhold_renewal',
    );
    expect(withheld?.occurred_at.toISOString()).toBe('2026-02-20T10:00:00.000Z');
    expect(String((withheld!.data as { why: string }).why)).toContain('do_not_retry_advice');
    expect((await world.latestCase(b))!).toMatchObject({ last_category: 'hard' });
    for (const sub of [a, b]) {
      const skips = (await world.events(sub)).filter(
        (e) =>
          e.type === 'dunning_case.decision' &&
          String((e.data as { why: string }).why).includes('retry skipped'),
      );
      expect(skips.length).toBeGreaterThan(0);
    }
  });

  it('waits out a Mastercard "retry after 24 hours" advice for a quick retry after a temporary error', async () => {
    world = await createWorld({
      preset: 'firm_14',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const sub = await world.subscribe({
      card: 'mastercard_retry_after_24h',
      periodStart: at('2026-01-05T10:00:00Z'),
    });
    await world.advanceTo(at('2026-02-12T00:00:00Z'));
    const attempts = await world.attempts(sub);
    for (let i = 1; i < attempts.length; i++) {
      expect(
        attempts[i]!.requested_at.getTime() - attempts[i - 1]!.requested_at.getTime(),
      ).toBeGreaterThanOrEqual(24 * HOUR);
    }
    expect(attempts.length).toBeGreaterThan(1);
    // The quick retries a temporary error would get are refused by the advice, with the rule named.
    const refused = (await world.events(sub)).filter((e) =>
      String((e.data as { why?: string }).why ?? '').startsWith(
        'quick retry skipped: network rule retry_after_advice',
      ),
    );
    expect(refused.length).toBeGreaterThan(0);
  });
});
