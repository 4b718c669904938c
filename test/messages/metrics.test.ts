// Email metrics with known numbers. Four customers fail on 2 March at 10:00 (UTC):
//   A  insufficient funds until 4 March: first notice sent, link visited twice, recovered on day 4;
//   B  an address the mail server refuses: first notice bounced;
//   C  insufficient funds for good: first notice sent (link visited once), day-8 reminder sent;
//   D  a stolen card with hard-decline dunning on: a hard-decline email (link visited once) and the
//      first notice; a new card two hours later recovers the case.
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { unwrap } from '../../src/app/result.ts';
import { recordUpdateLinkVisit } from '../../src/app/update-links/update-links.ts';
import { addPaymentMethod } from '../../src/app/use-cases/add-payment-method.ts';
import { setHardDeclineDunning } from '../../src/app/use-cases/hard-decline-dunning.ts';
import { updateCustomer } from '../../src/app/use-cases/update-customer.ts';
import { replaceSubscriptionPaymentMethod } from '../../src/app/use-cases/update-payment-method.ts';
import { at } from '../support/world.ts';
import { createMessageWorld, type MessageWorld, startSmtpServer } from './support.ts';

let world: MessageWorld | undefined;
let smtp: Awaited<ReturnType<typeof startSmtpServer>> | undefined;
afterEach(async () => {
  await world?.close();
  await smtp?.close();
  world = undefined;
  smtp = undefined;
});

async function scenario() {
  smtp = await startSmtpServer({ refuse: ['b@example.com'] });
  const w = await createMessageWorld({ config: { smtpUrl: smtp.url } });
  world = w;
  unwrap(await setHardDeclineDunning(w.deps, { merchantId: w.merchantId, available: true }));
  unwrap(await setHardDeclineDunning(w.deps, { merchantId: w.merchantId, active: true }));
  const periodStart = at('2026-02-02T10:00:00Z');
  const customer = async (subscriptionId: string, email: string) => {
    const customerId = (await w.subscription(subscriptionId)).row.customer_id;
    unwrap(await updateCustomer(w.deps, { merchantId: w.merchantId, customerId, email }));
    return customerId;
  };
  const a = await w.subscribe({
    card: 'insufficient_funds_until',
    succeedsFrom: at('2026-03-04T00:00:00Z'),
    periodStart,
  });
  await customer(a, 'a@example.com');
  const b = await w.subscribe({ card: 'insufficient_funds', periodStart });
  await customer(b, 'b@example.com');
  const c = await w.subscribe({ card: 'insufficient_funds', periodStart });
  await customer(c, 'c@example.com');
  const d = await w.subscribe({ card: 'stolen', periodStart });
  const dCustomer = await customer(d, 'd@example.com');

  // Day 1.
  await w.advanceTo(at('2026-03-02T10:00:00Z'));
  await w.dispatch();
  const visit = async (email: string, template: string, times: number) => {
    const m = (await w.messageRows()).find(
      (r) => r.to_address === email && r.template === template,
    );
    const link = await w.db
      .selectFrom('update_links')
      .selectAll()
      .where('merchant_id', '=', w.merchantId)
      .where('message_id', '=', m!.message_id)
      .executeTakeFirstOrThrow();
    for (let i = 0; i < times; i++) await recordUpdateLinkVisit(w.db, link, await w.now());
  };
  await visit('a@example.com', 'first_notice', 2);
  await visit('c@example.com', 'first_notice', 1);
  await visit('d@example.com', 'hard_decline', 1);

  // Two hours later D adds a new card: charged at once, recovered.
  await w.advanceTo(at('2026-03-02T12:00:00Z'));
  const { paymentMethodId } = unwrap(
    await addPaymentMethod(w.deps, {
      merchantId: w.merchantId,
      customerId: dCustomer,
      type: 'card',
      testCard: { number: TEST_CARDS.success.number },
    }),
  );
  unwrap(
    await replaceSubscriptionPaymentMethod(w.deps, {
      merchantId: w.merchantId,
      subscriptionId: d,
      paymentMethodId,
    }),
  );
  // Day 4: A's retry pays. Day 8: C's reminder (B's cannot be emailed any more).
  await w.advanceTo(at('2026-03-09T10:00:00Z'));
  await w.dispatch();
  expect((await w.latestCase(a))!.status).toBe('recovered');
  expect((await w.latestCase(d))!.status).toBe('recovered');
  return w;
}

type Group = Record<string, unknown> & { step: string; strategy_id: string };

const pick = (g: Group) => ({
  step: g.step,
  sent: g.sent,
  delivered: g.delivered,
  bounced: g.bounced,
  clicks: g.clicks,
  clicked: g.clicked,
  recoveries: g.recoveries,
});

async function metrics(w: MessageWorld, query: Record<string, string> = {}) {
  const res = await w.api('GET', '/v1/metrics/email', { query });
  expect(res.status).toBe(200);
  return res.body;
}

describe('email metrics', () => {
  it('counts sent, delivered, bounced, clicks and recoveries by strategy and step, with or without hard-decline emails', async () => {
    const w = await scenario();
    const counts = (
      sent: number,
      delivered: number,
      bounced: number,
      clicks: number,
      clicked: number,
      recoveries: number,
    ) => ({
      sent,
      delivered,
      bounced,
      clicks,
      clicked,
      recoveries,
    });

    const all = await metrics(w);
    expect(all.totals).toEqual(counts(5, 4, 1, 4, 3, 2));
    // One strategy (the merchant's default), three steps.
    expect(new Set(all.by_strategy_step.map((g: Group) => g.strategy_id)).size).toBe(1);
    expect(all.by_strategy_step.map(pick)).toEqual([
      // A, B and C's first notices (D's hard-declined renewal sent its one message); A recovered.
      { step: 'step_1', ...counts(3, 2, 1, 3, 2, 1) },
      // C's reminder only: A and D had recovered, B's address had bounced.
      { step: 'step_3', ...counts(1, 1, 0, 0, 0, 0) },
      { step: 'hard_decline', ...counts(1, 1, 0, 1, 1, 1) },
    ]);

    const withoutHardDecline = await metrics(w, { include_hard_decline: 'false' });
    expect(withoutHardDecline.totals).toEqual(counts(4, 3, 1, 3, 2, 1));
    expect(withoutHardDecline.by_strategy_step.map((g: Group) => g.step)).toEqual([
      'step_1',
      'step_3',
    ]);
  });

  it('narrows to a period, a step and a recovery window', async () => {
    const w = await scenario();
    // Day 8 only: C's reminder.
    const week2 = await metrics(w, { from: '2026-03-09T00:00:00Z', to: '2026-03-10T00:00:00Z' });
    expect(week2.totals).toMatchObject({ sent: 1, delivered: 1, bounced: 0, recoveries: 0 });
    // Recovered within 1 day of an email: D only (A paid on day 4).
    const fast = await metrics(w, { recovery_days: '1' });
    expect(fast.totals).toMatchObject({ sent: 5, recoveries: 1 });
    const fastFirstNotices = await metrics(w, { recovery_days: '1', step: 'step_1' });
    expect(fastFirstNotices.totals).toMatchObject({ sent: 3, recoveries: 0 });
    const bad = await w.api('GET', '/v1/metrics/email', { query: { recovery_days: '0' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('recovery_days');
  });
});
