// Chat and webhook channels against local HTTP receivers: what Slack, Discord, Telegram and the
// merchant's in-app endpoint receive, and how the customer's preferences route a step's message.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannels } from '../../src/adapters/channels/channels.ts';
import { createDiscordChannel } from '../../src/adapters/channels/discord.ts';
import type { OutgoingMessage } from '../../src/adapters/channels/port.ts';
import { createSlackChannel } from '../../src/adapters/channels/slack.ts';
import { createTelegramChannel } from '../../src/adapters/channels/telegram.ts';
import { createWebhookChannel } from '../../src/adapters/channels/webhook.ts';
import { setCustomerChannels } from '../../src/app/messages/customer-channels.ts';
import { unwrap } from '../../src/app/result.ts';
import { createMessageWorld, type MessageWorld, startReceiver } from './support.ts';

const closers: Array<() => Promise<void>> = [];
let world: MessageWorld | undefined;
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await world?.close();
  world = undefined;
});

async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  closers.push(r.close);
  return r;
}

const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  messageId: 'msg_test1',
  dedupeKey: 'msg_test1',
  subject: 'Your payment for Pro plan failed',
  text: 'Hi Ada <3, update your card & keep Pro plan: https://dunner.test/pay/abc',
  html: '<p>Hi Ada</p>',
  updateUrl: 'https://dunner.test/pay/abc',
  sentAt: new Date(),
  // The receivers listen on 127.0.0.1: a test merchant on a deployment that allows it.
  allowLoopback: true,
  meta: {
    merchantId: 'mer_1',
    customerId: 'cus_1',
    caseId: 'case_1',
    subscriptionId: 'sub_1',
    step: 'step_1',
    intent: 'payment_failed',
  },
  ...over,
});

describe('channel adapters', () => {
  it('posts a Slack incoming-webhook message with escaped text', async () => {
    const slack = await receiver();
    const outcome = await createSlackChannel().send(message(), {
      kind: 'slack',
      webhookUrl: `${slack.url}/services/T1/B2/secret`,
    });
    expect(outcome).toEqual({ kind: 'accepted', providerId: null });
    expect(slack.requests[0]).toMatchObject({ method: 'POST', url: '/services/T1/B2/secret' });
    const body = slack.json()[0]!;
    expect(body.text).toBe(
      'Your payment for Pro plan failed\n\nHi Ada &lt;3, update your card &amp; keep Pro plan: https://dunner.test/pay/abc',
    );
    expect(body.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Your payment for Pro plan failed' } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Hi Ada &lt;3, update your card &amp; keep Pro plan: https://dunner.test/pay/abc',
        },
      },
    ]);
  });

  it('executes a Discord webhook with an embed, no mentions, and keeps the message id', async () => {
    const discord = await receiver(() => ({ status: 200, body: { id: '1200000000000000001' } }));
    const outcome = await createDiscordChannel().send(message({ text: '@everyone pay up' }), {
      kind: 'discord',
      webhookUrl: `${discord.url}/api/webhooks/1/tok`,
    });
    expect(outcome).toEqual({ kind: 'accepted', providerId: '1200000000000000001' });
    expect(discord.requests[0]!.url).toBe('/api/webhooks/1/tok?wait=true');
    expect(discord.json()[0]).toEqual({
      embeds: [
        {
          title: 'Your payment for Pro plan failed',
          description: '@everyone pay up',
          url: 'https://dunner.test/pay/abc',
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  it('calls Telegram sendMessage with the bot token and chat id at a configurable API base', async () => {
    const telegram = await receiver(() => ({
      status: 200,
      body: { ok: true, result: { message_id: 42 } },
    }));
    const channel = createTelegramChannel({ apiUrl: telegram.url });
    const outcome = await channel.send(message(), {
      kind: 'telegram',
      chatId: '987654',
      botToken: '123:ABC',
    });
    expect(outcome).toEqual({ kind: 'accepted', providerId: '42' });
    expect(telegram.requests[0]!.url).toBe('/bot123:ABC/sendMessage');
    expect(telegram.json()[0]).toEqual({
      chat_id: '987654',
      text: `Your payment for Pro plan failed\n\n${message().text}`,
      link_preview_options: { is_disabled: true },
    });
  });

  it('reads a bot blocked by the customer as a chat that is gone', async () => {
    const telegram = await receiver(() => ({
      status: 403,
      body: { ok: false, description: 'Forbidden: bot was blocked by the user' },
    }));
    const outcome = await createTelegramChannel({ apiUrl: telegram.url }).send(message(), {
      kind: 'telegram',
      chatId: '1',
      botToken: '123:ABC',
    });
    expect(outcome).toMatchObject({ kind: 'rejected', gone: true });
  });

  it('signs the in-app webhook per Standard Webhooks, with the same idempotency key on every attempt', async () => {
    const app = await receiver();
    const secret = `whsec_${Buffer.from('a-secret-of-the-merchant-app').toString('base64')}`;
    const channel = createWebhookChannel();
    const destination = { kind: 'webhook' as const, url: `${app.url}/in-app`, secret };
    await channel.send(message(), destination);
    await channel.send(message(), destination);

    expect(app.requests).toHaveLength(2);
    const [first, second] = app.requests as [(typeof app.requests)[0], (typeof app.requests)[0]];
    expect(first.headers['idempotency-key']).toBe('msg_test1');
    expect(second.headers['idempotency-key']).toBe('msg_test1');
    expect(first.headers['webhook-id']).toBe('msg_test1');
    // An independent implementation of the scheme accepts the signature...
    const verified = new Webhook(secret).verify(first.body, {
      'webhook-id': String(first.headers['webhook-id']),
      'webhook-timestamp': String(first.headers['webhook-timestamp']),
      'webhook-signature': String(first.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({
      type: 'customer.message',
      id: 'msg_test1',
      customer_id: 'cus_1',
      case_id: 'case_1',
      subject: 'Your payment for Pro plan failed',
      update_url: 'https://dunner.test/pay/abc',
    });
    // ...and rejects a body changed on the way.
    expect(() =>
      new Webhook(secret).verify(first.body.replace('Pro plan', 'Free plan'), {
        'webhook-id': String(first.headers['webhook-id']),
        'webhook-timestamp': String(first.headers['webhook-timestamp']),
        'webhook-signature': String(first.headers['webhook-signature']),
      }),
    ).toThrow();
  });

  it.each([
    [500, 'failed', undefined],
    [429, 'failed', undefined],
    [400, 'rejected', false],
    [404, 'rejected', true],
    [410, 'rejected', true],
  ])('reads an answer %i as %s', async (status, kind, gone) => {
    const endpoint = await receiver(() => ({ status }));
    const outcome = await createSlackChannel().send(message(), {
      kind: 'slack',
      webhookUrl: `${endpoint.url}/hook`,
    });
    expect(outcome.kind).toBe(kind);
    if (gone !== undefined) expect(outcome).toMatchObject({ gone });
  });

  it('reads a refused connection as worth retrying', async () => {
    const closed = await startReceiver();
    await closed.close();
    const outcome = await createWebhookChannel().send(message(), {
      kind: 'webhook',
      url: `${closed.url}/gone`,
      secret: 'sixteen-chars-long',
    });
    expect(outcome.kind).toBe('failed');
  });
});

describe('the customer’s channels decide where a step’s message goes', () => {
  it('sends to the first channel in the customer’s order (Telegram before email)', async () => {
    const telegram = await receiver(() => ({
      status: 200,
      body: { ok: true, result: { message_id: 7 } },
    }));
    world = await createMessageWorld();
    await world.db
      .updateTable('merchants')
      .set({ settings: JSON.stringify({ telegram_bot_token: '555:XYZ' }) })
      .where('merchant_id', '=', world.merchantId)
      .execute();
    const subscriptionId = await world.subscribe({
      card: 'insufficient_funds',
      periodStart: new Date('2026-02-02T10:00:00Z'),
    });
    const customerId = (await world.subscription(subscriptionId)).row.customer_id;
    unwrap(
      await setCustomerChannels(
        world.db,
        world.merchantId,
        customerId,
        [{ type: 'telegram', chat_id: 31337 }, { type: 'email' }],
        world.services.config,
      ),
    );
    await world.advanceTo(new Date('2026-03-02T10:00:00Z'));

    await world.dispatch({
      channels: createChannels({ smtpUrl: null, telegramApiUrl: telegram.url }),
    });

    expect(telegram.requests.map((r) => r.url)).toEqual(['/bot555:XYZ/sendMessage']);
    const sent = telegram.json()[0]!;
    expect(sent.chat_id).toBe('31337');
    expect(String(sent.text)).toContain('/pay/');
    const [m] = await world.messageRows();
    expect(m).toMatchObject({
      channel: 'telegram',
      to_address: '31337',
      status: 'delivered',
      provider_id: '7',
    });
    // The chat variant is plain text: no HTML reaches a chat.
    expect(String(sent.text)).not.toMatch(/<\/?[a-z]+>/);
    expect(await world.eventTypes('message.')).toEqual([
      'message.queued',
      'message.sent',
      'message.delivered',
    ]);
  });

  it('delivers an in-app message to the merchant’s signed webhook', async () => {
    const app = await receiver();
    world = await createMessageWorld();
    const subscriptionId = await world.subscribe({
      card: 'insufficient_funds',
      periodStart: new Date('2026-02-02T10:00:00Z'),
    });
    const customerId = (await world.subscription(subscriptionId)).row.customer_id;
    const secret = 'in-app-secret-0123456789';
    unwrap(
      await setCustomerChannels(
        world.db,
        world.merchantId,
        customerId,
        [{ type: 'webhook', url: `${app.url}/dunner`, secret }],
        world.services.config,
      ),
    );
    await world.advanceTo(new Date('2026-03-02T10:00:00Z'));

    await world.dispatch();

    expect(app.requests).toHaveLength(1);
    const req = app.requests[0]!;
    const [m] = await world.messageRows();
    expect(req.headers['idempotency-key']).toBe(m!.dedupe_key);
    // The signature, computed independently: HMAC-SHA256 over "id.timestamp.body".
    const expected = createHmac('sha256', secret)
      .update(`${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.${req.body}`)
      .digest('base64');
    expect(req.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(JSON.parse(req.body)).toMatchObject({
      id: m!.message_id,
      customer_id: customerId,
      step: 'step_1',
      intent: 'payment_failed',
    });
    expect(m).toMatchObject({ channel: 'webhook', status: 'delivered' });
  });

  it('falls back to email when the in-app webhook’s name resolves to a metadata address, without connecting', async () => {
    const app = await receiver();
    world = await createMessageWorld();
    const subscriptionId = await world.subscribe({
      card: 'insufficient_funds',
      periodStart: new Date('2026-02-02T10:00:00Z'),
    });
    const customerId = (await world.subscription(subscriptionId)).row.customer_id;
    const port = new URL(app.url).port;
    unwrap(
      await setCustomerChannels(
        world.db,
        world.merchantId,
        customerId,
        [
          {
            type: 'webhook',
            url: `https://in-app.example:${port}/dunner`,
            secret: 'in-app-secret-0123456789',
          },
          { type: 'email' },
        ],
        world.services.config,
      ),
    );
    await world.advanceTo(new Date('2026-03-02T10:00:00Z'));

    const channels = createChannels({
      smtpUrl: null,
      resolve: async () => [{ address: '169.254.169.254', family: 4 }],
    });
    await world.dispatch({ channels });

    expect(app.requests).toHaveLength(0);
    const rows = await world.messageRows();
    expect(rows.map((m) => [m.channel, m.status])).toEqual([
      ['webhook', 'failed'],
      ['email', 'stored'],
    ]);
    expect(rows[0]!.status_reason).toBe(
      'not sent: in-app.example resolves to 169.254.169.254, a cloud metadata address',
    );
  });
});
