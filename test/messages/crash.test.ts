// A dispatcher that dies in the middle of a delivery: the message is never lost, and the customer
// sees it once. The attempt is recorded before the provider is called; a resend after the lease
// ends carries the same dedupe key (Message-ID, Idempotency-Key) as the lost attempt.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannels } from '../../src/adapters/channels/channels.ts';
import type { Channel, ChannelKind, ChannelSet } from '../../src/adapters/channels/port.ts';
import { setCustomerChannels } from '../../src/app/messages/customer-channels.ts';
import { unwrap } from '../../src/app/result.ts';
import { createTestDatabase } from '../support/db.ts';
import { testDbKind } from '../support/env.ts';
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

class ProcessDied extends Error {}

/** The channel set with `kind` dying before or after the provider call. */
function dying<K extends ChannelKind>(
  set: ChannelSet,
  kind: K,
  when: 'before' | 'after',
): ChannelSet {
  const real = set[kind] as unknown as Channel;
  const wrapped: Channel = {
    kind,
    send: async (message, destination) => {
      if (when === 'before') throw new ProcessDied('died before calling the provider');
      await real.send(message, destination as never);
      throw new ProcessDied('died after the provider accepted, before the outcome was committed');
    },
  };
  return { ...set, [kind]: wrapped };
}

/** What a restarted dispatcher finds once the dead one's lease has run out. */
async function leaseRunsOut(world: MessageWorld) {
  await world.db
    .updateTable('messages')
    .set({ lease_until: sql<Date>`now() - interval '1 minute'` })
    .where('merchant_id', '=', world.merchantId)
    .where('lease_until', 'is not', null)
    .execute();
}

async function attemptsOf(world: MessageWorld, messageId: string) {
  const res = await world.api('GET', `/v1/messages/${messageId}`);
  return res.body.provider_attempts.map((a: { outcome: string | null }) => a.outcome);
}

describe('a dispatcher dying during an email delivery', () => {
  it('after the SMTP server accepted: the resend has the same Message-ID, the mailbox holds one', async () => {
    const smtp = await startSmtpServer();
    closers.push(smtp.close);
    world = await createMessageWorld({ config: { smtpUrl: smtp.url } });
    await world.failedRenewal();
    const channels = createChannels({ smtpUrl: smtp.url });
    const log: string[] = [];

    await world.dispatch({ channels: dying(channels, 'email', 'after'), log: (l) => log.push(l) });
    expect(log.join('\n')).toContain('died after the provider accepted');
    expect(smtp.received).toHaveLength(1);
    const [m] = await world.messageRows();
    // The attempt was committed before the call; its outcome is lost with the process.
    expect(m).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await attemptsOf(world, m!.message_id)).toEqual([null]);

    // Restarted before the lease ends: nothing to do, the message is still the dead one's.
    expect(await world.dispatch({ channels })).toBe(0);

    await leaseRunsOut(world);
    await world.dispatch({ channels });

    expect(smtp.received).toHaveLength(2);
    const ids = smtp.received.map((r) => r.mail.messageId);
    expect(ids[0]).toBe(`<${m!.message_id}@shop.example>`);
    expect(ids[1]).toBe(ids[0]);
    expect(smtp.mailbox('ada@example.com')).toHaveLength(1);
    expect((await world.messageRows())[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await attemptsOf(world, m!.message_id)).toEqual(['unknown', 'accepted']);
    expect(await world.eventTypes('message.')).toEqual(['message.queued', 'message.sent']);
  });

  it('before the provider was called: the message is sent once, after the lease ends', async () => {
    const smtp = await startSmtpServer();
    closers.push(smtp.close);
    world = await createMessageWorld({ config: { smtpUrl: smtp.url } });
    await world.failedRenewal();
    const channels = createChannels({ smtpUrl: smtp.url });

    await world.dispatch({ channels: dying(channels, 'email', 'before') });
    expect(smtp.received).toHaveLength(0);

    await leaseRunsOut(world);
    await world.dispatch({ channels });
    expect(smtp.received).toHaveLength(1);
    expect((await world.messageRows())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });
});

describe('a dispatcher dying during an in-app webhook delivery', () => {
  it('resends with the same Idempotency-Key, so the app shows the message once', async () => {
    const shown = new Map<string, string>();
    const app = await startReceiver((req) => {
      // The merchant's app keeps the first message per idempotency key.
      const key = String(req.headers['idempotency-key']);
      if (!shown.has(key)) shown.set(key, req.body);
      return { status: 200 };
    });
    closers.push(app.close);
    world = await createMessageWorld();
    const { customerId } = await world.failedRenewal({ failAt: at('2026-03-02T10:00:00Z') });
    // The case exists; its first notice is in the outbox. Route it to the app before it goes.
    unwrap(
      await setCustomerChannels(
        world.db,
        world.merchantId,
        customerId,
        [{ type: 'webhook', url: `${app.url}/in-app`, secret: 'in-app-secret-0123456789' }],
        world.services.config,
      ),
    );
    const channels = createChannels({ smtpUrl: null });

    await world.dispatch({ channels: dying(channels, 'webhook', 'after') });
    await leaseRunsOut(world);
    await world.dispatch({ channels });

    expect(app.requests).toHaveLength(2);
    expect(app.requests[1]!.headers['idempotency-key']).toBe(
      app.requests[0]!.headers['idempotency-key'],
    );
    expect(shown.size).toBe(1);
    expect((await world.messageRows())[0]).toMatchObject({
      channel: 'webhook',
      status: 'delivered',
      attempts: 2,
    });
  });
});

describe.runIf(testDbKind() === 'postgres')('a dispatcher process killed with SIGKILL', () => {
  it('right after the SMTP server accepted: a restarted process completes it, one mail in the box', async () => {
    const smtp = await startSmtpServer();
    closers.push(smtp.close);
    const database = await createTestDatabase();
    world = await createMessageWorld({ config: { smtpUrl: smtp.url }, database });
    await world.failedRenewal();

    const run = async (crash: boolean) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/messages/dispatch-process.ts'],
        {
          env: {
            ...process.env,
            DATABASE_URL: database.url!,
            SMTP_URL: smtp.url,
            CRASH_AFTER_SEND: crash ? '1' : '0',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
      });
      const [code, signal] = await once(child, 'exit');
      return { code, signal, out };
    };

    const first = await run(true);
    expect(first.signal).toBe('SIGKILL');
    expect(first.out).toContain('provider answered accepted');
    expect(smtp.received).toHaveLength(1);
    expect((await world.messageRows())[0]).toMatchObject({ status: 'queued', attempts: 1 });

    await leaseRunsOut(world);
    const second = await run(false);
    expect(second.code).toBe(0);

    expect(smtp.received).toHaveLength(2);
    expect(smtp.received[1]!.mail.messageId).toBe(smtp.received[0]!.mail.messageId);
    expect(smtp.mailbox('ada@example.com')).toHaveLength(1);
    expect((await world.messageRows())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });
});
