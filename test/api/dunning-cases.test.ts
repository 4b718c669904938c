// /v1/dunning_cases: the list, a case's timeline, and retry / cancel / mark_paid, through inject().

import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/adapters/db/events.repo.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { at } from '../support/world.ts';

let w: ApiWorld;
let other: { merchantId: string; key: string };
beforeAll(async () => {
  w = await createApiWorld({ preset: 'gentle_30', start: at('2026-03-05T09:00:00Z') });
  other = await w.otherMerchant();
});
afterAll(() => w.close());

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const isoAfter = (t: Date, ms: number) => new Date(t.getTime() + ms).toISOString();

type Card = Parameters<ApiWorld['subscribe']>[0]['card'];

/**
 * A subscription whose renewal has just failed on this card, an hour from the clock's now: its
 * case is open on day 1. The tests share one clock, so each works from its own case's day 1.
 */
async function failedRenewal(card: Card, extra: { succeedsFrom?: Date; priceMinor?: number } = {}) {
  const renewal = new Date((await w.now()).getTime() + HOUR_MS);
  const periodStart = DateTime.fromJSDate(renewal, { zone: 'UTC' }).minus({ months: 1 }).toJSDate();
  const sub = await w.subscribe({ card, periodStart, ...extra });
  const { row } = await w.subscription(sub);
  await w.advanceTo(row.next_renewal_at!);
  const c = (await w.latestCase(sub))!;
  return { sub, caseId: c.case_id, day1: c.opened_at };
}

async function caseState(caseId: string) {
  return w.db
    .selectFrom('dunning_cases')
    .selectAll()
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow();
}

describe('GET /v1/dunning_cases/:id', () => {
  it('shows the timeline: attempts with raw codes and categories, messages, decisions with why, next action', async () => {
    const { sub, caseId, day1 } = await failedRenewal('generic_decline', { priceMinor: 4900 });
    // Day 8, noon: retries on days 4 and 8 were declined; messages on days 1 and 8.
    await w.advanceTo(new Date(day1.getTime() + 7 * DAY_MS + 2 * HOUR_MS));
    const res = await w.api('GET', `/v1/dunning_cases/${caseId}`);
    expect(res.status).toBe(200);
    const t = res.body;
    expect(t).toMatchObject({
      id: caseId,
      object: 'dunning_case',
      subscription_id: sub,
      status: 'open',
      amount_due_in_cents: 4900,
      currency: 'USD',
      last_decline_category: 'generic',
      retries_made: 2,
      strategy: { id: t.strategy_id, version: 1, name: 'Gentle 30-day (card)' },
      strategy_version: 1,
    });
    expect(
      t.attempts.map((a: Record<string, unknown>) => [
        a.purpose,
        a.status,
        a.amount_in_cents,
        a.raw_code,
        a.category,
        a.requested_at,
      ]),
    ).toEqual([
      ['renewal', 'failed', 4900, 'generic_decline / network 05', 'generic', isoAfter(day1, 0)],
      [
        'retry',
        'failed',
        4900,
        'generic_decline / network 05',
        'generic',
        isoAfter(day1, 3 * DAY_MS),
      ],
      [
        'retry',
        'failed',
        4900,
        'generic_decline / network 05',
        'generic',
        isoAfter(day1, 7 * DAY_MS),
      ],
    ]);
    const renewal = t.attempts[0];
    expect(renewal.codes).toEqual({
      code: 'generic_decline',
      network_decline_code: '05',
      network_advice_code: null,
      merchant_advice_code: null,
    });
    expect(renewal.network).toBe('visa');
    const [row] = await w.attempts(sub);
    expect(renewal.visa_category).toBe(row!.visa_category);
    expect(renewal.visa_category).not.toBeNull();
    expect(renewal.classification).toContain('05');
    expect(renewal.why).toBe('period ended; renewal charge');
    expect(t.attempts[1].why).toContain('day 4 step 2');

    expect(t.messages.map((m: Record<string, unknown>) => [m.template, m.channel])).toEqual([
      ['first_notice', 'email'],
      ['reminder', 'email'],
    ]);
    expect(t.messages[0].queued_at).toBe(isoAfter(day1, 0));
    expect(t.messages[0].status).toEqual(expect.any(String));

    const whys = t.decisions.map((d: { why: string }) => d.why);
    expect(whys).toContain('day 1 step 1: message only, no retry on this step');
    expect(t.decisions.every((d: { at: string; kind: string }) => d.at && d.kind)).toBe(true);

    expect(t.next_action).toEqual({
      at: isoAfter(day1, 12 * DAY_MS),
      kind: 'step',
      step_index: 3,
      day: 13,
      retry: true,
      message_template: null,
      final_action: null,
      why: 'day 13 step 4: retry (subject to the network rules at that time)',
    });
    expect(t.events[0]).toMatchObject({ type: 'dunning_case.opened' });
  });

  it('folds a message’s later events (sent, bounced) into its status', async () => {
    const { caseId, sub, day1 } = await failedRenewal('generic_decline');
    const queued = (await w.api('GET', `/v1/dunning_cases/${caseId}`)).body.messages;
    expect(queued).toHaveLength(1);
    for (const [type, extra] of [
      ['message.sent', {}],
      ['message.bounced', { reason: 'mailbox unavailable' }],
    ] as const)
      await w.db.transaction().execute((trx) =>
        recordEvent(trx, {
          merchantId: w.merchantId,
          type,
          occurredAt: new Date(day1.getTime() + 5 * 60_000),
          subscriptionId: sub,
          caseId,
          data: {
            message_id: 'msg_test_1',
            channel: 'email',
            step: queued[0].step,
            template: 'first_notice',
            ...extra,
          },
        }),
      );
    const messages = (await w.api('GET', `/v1/dunning_cases/${caseId}`)).body.messages;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      id: 'msg_test_1',
      template: 'first_notice',
      status: 'bounced',
    });
    expect(messages[0].history.map((h: { status: string }) => h.status).slice(-2)).toEqual([
      'sent',
      'bounced',
    ]);
  });

  it("answers 404 for an unknown id and for another merchant's case", async () => {
    const { caseId } = await failedRenewal('generic_decline');
    expect((await w.api('GET', '/v1/dunning_cases/case_nope')).status).toBe(404);
    const theirs = await w.api('GET', `/v1/dunning_cases/${caseId}`, { key: other.key });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error).toMatchObject({ code: 'not_found', field: 'id' });
  });
});

describe('GET /v1/dunning_cases', () => {
  it('filters by status, category, strategy, amount and age, and pages with a cursor', async () => {
    const a = await failedRenewal('generic_decline', { priceMinor: 1000 });
    // Three cases opened at one instant no other test uses: `age` scopes the list to them.
    const renewal = new Date((await w.now()).getTime() + HOUR_MS);
    const periodStart = DateTime.fromJSDate(renewal, { zone: 'UTC' })
      .minus({ months: 1 })
      .toJSDate();
    const subs = [
      await w.subscribe({ card: 'generic_decline', periodStart, priceMinor: 1000 }),
      await w.subscribe({ card: 'insufficient_funds', periodStart, priceMinor: 5000 }),
      await w.subscribe({ card: 'stolen', periodStart, priceMinor: 9000 }),
    ];
    await w.advanceTo((await w.subscription(subs[0]!)).row.next_renewal_at!);
    const [g, i, h] = await Promise.all(subs.map(async (s) => (await w.latestCase(s))!));
    const at0 = g!.opened_at.toISOString();
    const age = `opened_after=${at0}&opened_before=${isoAfter(g!.opened_at, 1)}`;
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((x) => x.id);
    const list = async (query: string) => w.api('GET', `/v1/dunning_cases?${age}&${query}`);

    expect(new Set(ids(await list('')))).toEqual(new Set([g!.case_id, i!.case_id, h!.case_id]));
    expect(ids(await list('category=hard'))).toEqual([h!.case_id]);
    expect(ids(await list('category=insufficient_funds'))).toEqual([i!.case_id]);
    expect(ids(await list('min_amount_in_cents=4000&max_amount_in_cents=6000'))).toEqual([
      i!.case_id,
    ]);
    expect(ids(await list('status=open&max_amount_in_cents=1000'))).toEqual([g!.case_id]);
    expect(ids(await list('status=recovered'))).toEqual([]);
    expect(ids(await list(`strategy_id=${g!.strategy_id}`))).toHaveLength(3);
    expect(ids(await list('strategy_id=str_other'))).toEqual([]);
    expect(ids(await list(`subscription_id=${subs[1]}`))).toEqual([i!.case_id]);
    // Older cases are outside the age window; the first one is found by its own.
    const older = await w.api('GET', `/v1/dunning_cases?opened_before=${at0}&limit=100`);
    expect(ids(older)).toContain(a.caseId);
    expect(ids(older)).not.toContain(g!.case_id);

    const all = ids(await w.api('GET', '/v1/dunning_cases?limit=100'));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await w.api(
        'GET',
        `/v1/dunning_cases?limit=2${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      seen.push(...page.body.data.map((x) => x.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(all.length).toBeGreaterThanOrEqual(4);

    expect((await w.api('GET', '/v1/dunning_cases', { key: other.key })).body.data).toEqual([]);
  });

  it.each([
    ['status=lost', 'status'],
    ['category=bad_luck', 'category'],
    ['min_amount_in_cents=-1', 'min_amount_in_cents'],
    ['opened_after=last-week', 'opened_after'],
    ['limit=0', 'limit'],
    ['starting_after=case_unknown', 'starting_after'],
    ['colour=red', 'colour'],
  ])('answers 400 for ?%s naming %s', async (query, field) => {
    const res = await w.api('GET', `/v1/dunning_cases?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field });
  });
});

describe('POST /v1/dunning_cases/:id/retry', () => {
  it('charges now when the rules allow it, and a success recovers the case', async () => {
    const renewal = new Date((await w.now()).getTime() + HOUR_MS);
    const { sub, caseId, day1 } = await failedRenewal('insufficient_funds_until', {
      succeedsFrom: new Date(renewal.getTime() + 30 * 60_000),
    });
    await w.advanceTo(new Date(day1.getTime() + HOUR_MS));
    const res = await w.api('POST', `/v1/dunning_cases/${caseId}/retry`);
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('succeeded');
    expect(res.body.attempt).toMatchObject({
      purpose: 'manual',
      status: 'succeeded',
      amount_in_cents: 2000,
    });
    expect(res.body.attempt.why).toContain('retry requested by the merchant');
    expect(res.body.dunning_case).toMatchObject({ status: 'recovered', next_action: null });
    const charges = await w.gatewayCharges(sub);
    expect(charges.map((c) => [c.outcome, c.amount_minor])).toEqual([
      ['declined', 2000],
      ['succeeded', 2000],
    ]);
    expect((await w.api('GET', `/v1/subscriptions/${sub}`)).body).toMatchObject({
      state: 'active',
      balance_in_cents: 0,
    });
  });

  it('records a declined retry and leaves the schedule where it was', async () => {
    const { sub, caseId } = await failedRenewal('generic_decline');
    const before = await caseState(caseId);
    const res = await w.api('POST', `/v1/dunning_cases/${caseId}/retry`);
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('declined');
    expect(res.body.attempt).toMatchObject({ status: 'failed', category: 'generic' });
    const after = await caseState(caseId);
    expect(after).toMatchObject({
      status: 'open',
      step_index: before.step_index,
      retries_made: before.retries_made + 1,
      pending_attempt_id: null,
      lease_owner: null,
    });
    expect(await w.gatewayCharges(sub)).toHaveLength(2);
  });

  it('answers 409 with the reason when the last decline waits for a new payment method', async () => {
    const { sub, caseId } = await failedRenewal('stolen');
    const res = await w.api('POST', `/v1/dunning_cases/${caseId}/retry`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('invalid_state');
    expect(res.body.error.message).toContain('until the payment method changes');
    expect(await w.gatewayCharges(sub)).toHaveLength(1);
  });

  it('answers 409 naming the network rule when Mastercard advice forbids a retry yet', async () => {
    const { sub, caseId, day1 } = await failedRenewal('mastercard_retry_after_24h');
    const events = (await w.events(sub)).length;
    const res = await w.api('POST', `/v1/dunning_cases/${caseId}/retry`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('retry_after_advice');
    expect(res.body.error.message).toContain(`allowed from ${isoAfter(day1, DAY_MS)}`);
    expect(await w.gatewayCharges(sub)).toHaveLength(1);
    expect((await w.events(sub)).length).toBe(events);
  });

  it('answers 409 for a case that has ended', async () => {
    const { caseId } = await failedRenewal('generic_decline');
    expect((await w.api('POST', `/v1/dunning_cases/${caseId}/cancel`)).status).toBe(200);
    const res = await w.api('POST', `/v1/dunning_cases/${caseId}/retry`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('stopped');
  });
});

describe('POST /v1/dunning_cases/:id/cancel', () => {
  it('stops dunning: no retry or message goes out after it', async () => {
    const { sub, caseId, day1 } = await failedRenewal('generic_decline');
    const res = await w.api('POST', `/v1/dunning_cases/${caseId}/cancel`, {
      body: { reason: 'customer is talking to support' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'stopped',
      outcome_reason: 'dunning canceled: customer is talking to support',
      next_action: null,
    });
    const messagesBefore = (await w.messages(sub)).length;
    const chargesBefore = (await w.gatewayCharges(sub)).length;
    // The whole schedule would have run by day 30; the next renewal is ordinary billing, not dunning.
    const renewal = (await w.subscription(sub)).row.next_renewal_at!;
    expect(renewal.getTime()).toBeGreaterThan(day1.getTime() + 29 * DAY_MS + 60_000);
    await w.advanceTo(new Date(renewal.getTime() - 60_000));
    expect(await w.gatewayCharges(sub)).toHaveLength(chargesBefore);
    const messages = await w.messages(sub);
    expect(messages).toHaveLength(messagesBefore);
    expect(
      (await w.events(sub)).filter((e) => e.case_id === caseId && e.type === 'message.queued'),
    ).toHaveLength(messagesBefore);
    expect((await caseState(caseId)).status).toBe('stopped');
    const again = await w.api('POST', `/v1/dunning_cases/${caseId}/cancel`);
    expect(again.status).toBe(409);
  });
});

describe('POST /v1/dunning_cases/:id/mark_paid', () => {
  it('applies the payment, recovers the case and returns the subscription to active', async () => {
    const { sub, caseId, day1 } = await failedRenewal('generic_decline', { priceMinor: 3100 });
    const res = await w.api('POST', `/v1/dunning_cases/${caseId}/mark_paid`, {
      body: { reference: 'wire 4471' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'recovered', outcome_reason: 'marked_paid' });
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['payment.applied', 'dunning_case.recovered', 'payment.recovered']),
    );
    expect(
      res.body.events.find((e: { type: string }) => e.type === 'payment.applied').data,
    ).toMatchObject({ amount_minor: 3100, reference: 'wire 4471' });
    expect((await w.api('GET', `/v1/subscriptions/${sub}`)).body).toMatchObject({
      state: 'active',
      balance_in_cents: 0,
    });
    const charges = (await w.gatewayCharges(sub)).length;
    await w.advanceTo(new Date(day1.getTime() + 15 * DAY_MS));
    expect(await w.gatewayCharges(sub)).toHaveLength(charges);
    expect((await w.api('POST', `/v1/dunning_cases/${caseId}/mark_paid`)).status).toBe(409);
  });
});

describe('tenant isolation of the actions', () => {
  it.each(['retry', 'cancel', 'mark_paid'])(
    "answers 404 to %s on another merchant's case and changes nothing",
    async (action) => {
      const { sub, caseId } = await failedRenewal('insufficient_funds');
      const before = await caseState(caseId);
      const charges = (await w.gatewayCharges(sub)).length;
      const res = await w.api('POST', `/v1/dunning_cases/${caseId}/${action}`, { key: other.key });
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'not_found', field: 'id' });
      expect(await caseState(caseId)).toEqual(before);
      expect(await w.gatewayCharges(sub)).toHaveLength(charges);
    },
  );
});
