// Bounces: an address refused at send time, or reported later by a DSN posted to /v1/bounces, is
// marked undeliverable, gets no more email, the message falls back to the customer's next
// channel, and the merchant is told through events (which feed its webhooks).
import { afterEach, describe, expect, it } from 'vitest';
import { setCustomerChannels } from '../../src/app/messages/customer-channels.ts';
import { unwrap } from '../../src/app/result.ts';
import { createWebhookEndpoint } from '../../src/app/webhooks/endpoints.ts';
import { at } from '../support/world.ts';
import {
  createMessageWorld,
  type MessageWorld,
  startReceiver,
  startSmtpServer,
} from './support.ts';

const closers: Array<() => Promise<void>> = [];
let world: MessageWorld | undefined;
afterEach(async () => {
  await world?.close();
  for (const close of closers.splice(0)) await close();
  world = undefined;
});

async function setUp(options: { refuse?: string[] } = {}) {
  const smtp = await startSmtpServer(options);
  const slack = await startReceiver();
  closers.push(smtp.close, slack.close);
  world = await createMessageWorld({ config: { smtpUrl: smtp.url } });
  return { world, smtp, slack };
}

/** The customer prefers email, and has Slack as a second channel. */
async function emailThenSlack(world: MessageWorld, customerId: string, slackUrl: string) {
  unwrap(
    await setCustomerChannels(
      world.db,
      world.merchantId,
      customerId,
      [{ type: 'email' }, { type: 'slack', webhook_url: `${slackUrl}/services/T/B/x` }],
      world.services.config,
    ),
  );
}

function dsnFor(messageIdHeader: string, address: string): string {
  return [
    'From: MAILER-DAEMON@mx.example.com',
    'To: billing@shop.example',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered to one or more recipients.',
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.com',
    '',
    `Final-Recipient: rfc822; ${address}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 <${address}>: mailbox does not exist`,
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: ${messageIdHeader}`,
    'From: "Shop" <billing@shop.example>',
    `To: ${address}`,
    '',
    '--b1--',
    '',
  ].join('\r\n');
}

describe('an SMTP rejection at send time', () => {
  it('marks the address undeliverable, tells the merchant, and falls back to Slack', async () => {
    const { world, smtp, slack } = await setUp({ refuse: ['ada@example.com'] });
    const subscriptionId = await world.subscribe({
      card: 'insufficient_funds',
      periodStart: at('2026-02-02T10:00:00Z'),
    });
    const customerId = (await world.subscription(subscriptionId)).row.customer_id;
    await emailThenSlack(world, customerId, slack.url);
    // The merchant listens for customer events (a row is queued only for an endpoint that does).
    unwrap(
      await createWebhookEndpoint(world.deps, {
        merchantId: world.merchantId,
        url: 'https://billing.shop.example/dunner',
        enabledEvents: ['customer.*'],
      }),
    );
    await world.advanceTo(at('2026-03-02T10:00:00Z'));

    await world.dispatch();

    // The SMTP server never took the mail; Slack got the same notice instead.
    expect(smtp.received).toHaveLength(0);
    const [email, chat] = await world.messageRows();
    expect(email).toMatchObject({
      channel: 'email',
      status: 'bounced',
      to_address: 'ada@example.com',
    });
    expect(email!.status_reason).toContain('550');
    expect(chat).toMatchObject({
      channel: 'slack',
      status: 'delivered',
      outbox_id: email!.outbox_id,
      step: 'step_1',
    });
    expect(slack.requests).toHaveLength(1);
    expect(String(slack.json()[0]!.text)).toContain('/pay/');

    const events = await world.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('merchant_id', '=', world.merchantId)
      .where('type', 'in', ['message.bounced', 'customer.email_bounced'])
      .orderBy('event_id')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['message.bounced', 'customer.email_bounced']);
    expect(events[1]!.data).toMatchObject({
      customer_id: customerId,
      email: 'ada@example.com',
      status_code: '5.1.1',
      source: 'smtp',
    });
    // The events go to the merchant's webhooks like every other event.
    const webhookRows = await world.db
      .selectFrom('outbox')
      .select('payload')
      .where('merchant_id', '=', world.merchantId)
      .where('topic', '=', 'webhook')
      .execute();
    expect(webhookRows.map((r) => (r.payload as { type: string }).type)).toEqual([
      'customer.email_bounced',
    ]);

    // The API shows the address as undeliverable.
    const channels = await world.api('GET', `/v1/customers/${customerId}/channels`);
    expect(channels.body).toMatchObject({ email_status: 'undeliverable', default: false });

    // Day 8: the reminder skips email altogether and goes straight to Slack.
    await world.advanceTo(at('2026-03-09T10:00:00Z'));
    await world.dispatch();
    expect(smtp.received).toHaveLength(0);
    const reminder = (await world.messageRows()).find((m) => m.step === 'step_3');
    expect(reminder).toMatchObject({ channel: 'slack', status: 'delivered' });
  });
});

describe('a DSN posted to POST /v1/bounces', () => {
  it('bounces the sent email, marks the address undeliverable and falls back to Slack', async () => {
    const { world, smtp, slack } = await setUp();
    const subscriptionId = await world.subscribe({
      card: 'insufficient_funds',
      periodStart: at('2026-02-02T10:00:00Z'),
    });
    const customerId = (await world.subscription(subscriptionId)).row.customer_id;
    await emailThenSlack(world, customerId, slack.url);
    await world.advanceTo(at('2026-03-02T10:00:00Z'));
    await world.dispatch();
    expect(smtp.received).toHaveLength(1);
    expect(slack.requests).toHaveLength(0);
    const sentMail = smtp.received[0]!.mail;

    // An hour later the recipient's server returns the mail: the merchant posts the bounce email.
    await world.advanceTo(at('2026-03-02T11:00:00Z'));
    const res = await world.api('POST', '/v1/bounces', {
      body: dsnFor(sentMail.messageId!, 'ada@example.com'),
      headers: { 'content-type': 'message/rfc822' },
    });
    expect(res.status).toBe(200);
    const [email] = await world.messageRows();
    expect(res.body.results).toEqual([
      {
        email: 'ada@example.com',
        outcome: 'suppressed',
        reason: 'smtp; 550 5.1.1 <ada@example.com>: mailbox does not exist',
        message_id: email!.message_id,
        fallback_message_id: expect.stringMatching(/^msg_/),
      },
    ]);
    expect(email).toMatchObject({ status: 'bounced', bounced_at: at('2026-03-02T11:00:00Z') });

    await world.dispatch();
    expect(slack.requests).toHaveLength(1);
    const rows = await world.messageRows();
    expect(rows.map((m) => [m.channel, m.status])).toEqual([
      ['email', 'bounced'],
      ['slack', 'delivered'],
    ]);
    expect(rows[1]!.message_id).toBe(res.body.results[0].fallback_message_id);
    expect(await world.eventTypes('customer.')).toEqual(['customer.email_bounced']);
    expect(await world.eventTypes('message.b')).toEqual(['message.bounced']);

    // The same DSN again changes nothing more.
    const again = await world.api('POST', '/v1/bounces', {
      body: dsnFor(sentMail.messageId!, 'ada@example.com'),
      headers: { 'content-type': 'message/rfc822' },
    });
    expect(again.body.results[0]).toMatchObject({
      outcome: 'already_suppressed',
      fallback_message_id: null,
    });
    expect(await world.eventTypes('customer.')).toEqual(['customer.email_bounced']);
  });

  it('takes a JSON notice too, and with no other channel the next message fails instead of emailing', async () => {
    const { world, smtp } = await setUp();
    await world.failedRenewal();
    await world.dispatch();
    expect(smtp.received).toHaveLength(1);

    const res = await world.api('POST', '/v1/bounces', {
      body: { email: 'Ada@Example.com', kind: 'hard', reason: 'mailbox full for good' },
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({
      email: 'ada@example.com',
      outcome: 'suppressed',
      fallback_message_id: null,
    });

    // Day 8's reminder cannot reach the customer: it fails and says why; no email leaves.
    await world.advanceTo(at('2026-03-09T10:00:00Z'));
    await world.dispatch();
    expect(smtp.received).toHaveLength(1);
    const reminder = (await world.messageRows()).find((m) => m.step === 'step_3');
    expect(reminder).toMatchObject({ status: 'failed' });
    expect(reminder!.status_reason).toContain('ada@example.com bounced');
  });

  it('answers 400 for a body that is not a delivery report', async () => {
    const { world } = await setUp();
    const res = await world.api('POST', '/v1/bounces', {
      body: 'Subject: hello\r\n\r\nnot a report',
      headers: { 'content-type': 'message/rfc822' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'body' });
  });
});
