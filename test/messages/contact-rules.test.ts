// Contact rules as the customer lives them: no message in their night, no more than the cap in a
// rolling period, nothing once the case is resolved.
import { afterEach, describe, expect, it } from 'vitest';
import { unwrap } from '../../src/app/result.ts';
import { retryRenewal } from '../../src/app/use-cases/subscription-actions.ts';
import { updateMerchantSettings } from '../../src/app/use-cases/update-merchant-settings.ts';
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

async function setUp() {
  smtp = await startSmtpServer();
  world = await createMessageWorld({ config: { smtpUrl: smtp.url } });
  return { world, smtp };
}

describe('quiet hours (21:00–08:00 in the customer’s time zone)', () => {
  it('sends at once in London but holds a Tokyo customer’s notice until 08:00 Tokyo time', async () => {
    const { world, smtp } = await setUp();
    // 13:00 UTC is 13:00 in London and 22:00 in Tokyo.
    const london = await world.failedRenewal({
      timeZone: 'Europe/London',
      failAt: at('2026-03-02T13:00:00Z'),
    });
    const tokyo = await world.failedRenewal({
      timeZone: 'Asia/Tokyo',
      failAt: at('2026-03-02T13:00:00Z'),
    });

    await world.dispatch();
    const byCase = async () =>
      new Map((await world.messageRows()).map((m) => [m.case_id, m] as const));
    expect((await byCase()).get(london.caseId)).toMatchObject({ status: 'sent' });
    expect((await byCase()).get(tokyo.caseId)).toMatchObject({
      status: 'deferred',
      // 08:00 in Tokyo (UTC+9) is 23:00 UTC the same day: the next allowed minute.
      deferred_until: at('2026-03-02T23:00:00Z'),
    });
    expect((await byCase()).get(tokyo.caseId)!.status_reason).toContain('quiet hours');
    expect(smtp.received).toHaveLength(1);

    // 07:59 in Tokyo: still quiet.
    await world.advanceTo(at('2026-03-02T22:59:00Z'));
    await world.dispatch();
    expect((await byCase()).get(tokyo.caseId)!.status).toBe('deferred');
    expect(smtp.received).toHaveLength(1);

    // 08:00 in Tokyo: it goes.
    await world.advanceTo(at('2026-03-02T23:00:00Z'));
    await world.dispatch();
    expect((await byCase()).get(tokyo.caseId)).toMatchObject({
      status: 'sent',
      sent_at: at('2026-03-02T23:00:00Z'),
    });
    expect(smtp.received).toHaveLength(2);
    expect(await world.eventTypes('message.')).toEqual([
      'message.queued',
      'message.queued',
      'message.sent',
      'message.deferred',
      'message.sent',
    ]);
  });
});

describe('message cap per customer', () => {
  it('defers a second message over the cap until the first leaves the rolling window', async () => {
    const { world, smtp } = await setUp();
    unwrap(
      await updateMerchantSettings(world.deps, {
        merchantId: world.merchantId,
        messageCap: { max: 1, perDays: 7 },
      }),
    );
    // Two subscriptions of one customer fail together: two first notices for one person.
    const first = await world.failedRenewal();
    const second = await world.failedRenewal({ sameCustomerAs: first.subscriptionId });
    expect(second.customerId).toBe(first.customerId);

    await world.dispatch();
    const [a, b] = await world.messageRows();
    expect(a).toMatchObject({ status: 'sent', sent_at: at('2026-03-02T10:00:00Z') });
    expect(b).toMatchObject({ status: 'deferred', deferred_until: at('2026-03-09T10:00:00Z') });
    expect(b!.status_reason).toContain('cap of 1 messages per 7 days');
    expect(smtp.received).toHaveLength(1);

    await world.advanceTo(at('2026-03-09T09:59:00Z'));
    await world.dispatch();
    expect(smtp.received).toHaveLength(1);

    await world.advanceTo(at('2026-03-09T10:00:00Z'));
    await world.dispatch();
    const sent = (await world.messageRows()).filter((m) => m.status === 'sent');
    // Not dropped: the held notice went out first; the day-8 reminders due now wait their turn.
    expect(sent.map((m) => [m.message_id, m.sent_at])).toEqual([
      [a!.message_id, at('2026-03-02T10:00:00Z')],
      [b!.message_id, at('2026-03-09T10:00:00Z')],
    ]);
    expect(smtp.received).toHaveLength(2);
  });
});

describe('nothing after the case is resolved', () => {
  it('cancels a held notice once the customer has paid, and sends nothing', async () => {
    const { world, smtp } = await setUp();
    const { subscriptionId, caseId } = await world.failedRenewal({
      timeZone: 'Asia/Tokyo',
      failAt: at('2026-03-02T13:00:00Z'),
      succeedsFrom: at('2026-03-02T14:00:00Z'),
    });
    await world.dispatch();
    expect((await world.messageRows())[0]!.status).toBe('deferred');

    // 00:00 in Tokyo: the merchant retries the renewal, it pays, the case is recovered.
    await world.advanceTo(at('2026-03-02T15:00:00Z'));
    const retried = unwrap(
      await retryRenewal(world.deps, {
        merchantId: world.merchantId,
        subscriptionId,
        idempotencyKey: 'retry-1',
      }),
    );
    expect(retried.outcome).toBe('succeeded');
    expect((await world.latestCase(subscriptionId))!.status).toBe('recovered');

    // The next pass cancels the held notice at once, well before 08:00 in Tokyo.
    await world.dispatch();
    const [m] = await world.messageRows();
    expect(m).toMatchObject({ case_id: caseId, status: 'canceled' });
    expect(m!.status_reason).toContain('recovered');
    await world.advanceTo(at('2026-03-03T00:00:00Z'));
    await world.dispatch();
    expect(smtp.received).toHaveLength(0);
    expect(await world.eventTypes('message.')).toEqual([
      'message.queued',
      'message.deferred',
      'message.canceled',
    ]);
  });
});
