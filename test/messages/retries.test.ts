// A provider that fails for a while: the message waits (1 min, 5 min, 30 min, …) and goes out when
// the provider is back; a provider that never comes back fails the message over to the next channel.
import { afterEach, describe, expect, it } from 'vitest';
import { setCustomerChannels } from '../../src/app/messages/customer-channels.ts';
import { MAX_ATTEMPTS, retryDelayMs } from '../../src/app/messages/dispatch.ts';
import { unwrap } from '../../src/app/result.ts';
import { createMessageWorld, type MessageWorld, startReceiver } from './support.ts';

const closers: Array<() => Promise<void>> = [];
let world: MessageWorld | undefined;
afterEach(async () => {
  await world?.close();
  for (const close of closers.splice(0)) await close();
  world = undefined;
});

/** The wall clock the dispatcher's backoff runs on. */
function advanceWallClock(w: MessageWorld, ms: number) {
  (w.deps.clock as unknown as { advanceMs(ms: number): void }).advanceMs(ms);
}

async function webhookCustomer(w: MessageWorld, url: string, withEmail: boolean) {
  const { customerId } = await w.failedRenewal();
  unwrap(
    await setCustomerChannels(
      w.db,
      w.merchantId,
      customerId,
      [
        { type: 'webhook', url, secret: 'in-app-secret-0123456789' },
        ...(withEmail ? [{ type: 'email' as const }] : []),
      ],
      w.services.config,
    ),
  );
}

describe('delivery with backoff', () => {
  it('retries after 1 and then 5 minutes, and delivers once the provider answers', async () => {
    const answers = [503, 503, 200];
    const app = await startReceiver(() => ({ status: answers.shift() ?? 200 }));
    closers.push(app.close);
    world = await createMessageWorld();
    await webhookCustomer(world, `${app.url}/in-app`, false);

    await world.dispatch();
    let [m] = await world.messageRows();
    expect(m).toMatchObject({ status: 'queued', attempts: 1 });
    expect(m!.last_error).toContain('503');
    const firstRetry = m!.retry_at!;

    // Not before its time.
    advanceWallClock(world, 59_000);
    expect(await world.dispatch()).toBe(0);
    advanceWallClock(world, 1_000);
    await world.dispatch();
    [m] = await world.messageRows();
    expect(m).toMatchObject({ status: 'queued', attempts: 2 });
    expect(m!.retry_at!.getTime() - firstRetry.getTime()).toBe(retryDelayMs(2));

    advanceWallClock(world, retryDelayMs(2));
    await world.dispatch();
    [m] = await world.messageRows();
    expect(m).toMatchObject({ status: 'delivered', attempts: 3, retry_at: null });
    expect(app.requests).toHaveLength(3);
    const keys = new Set(app.requests.map((r) => r.headers['idempotency-key']));
    expect(keys.size).toBe(1);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts and falls back to email`, async () => {
    const app = await startReceiver(() => ({ status: 500 }));
    closers.push(app.close);
    world = await createMessageWorld({ config: { smtpUrl: null } });
    await webhookCustomer(world, `${app.url}/in-app`, true);

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await world.dispatch();
      advanceWallClock(world, retryDelayMs(attempt));
    }
    await world.dispatch();

    expect(app.requests).toHaveLength(MAX_ATTEMPTS);
    const [webhook, email] = await world.messageRows();
    expect(webhook).toMatchObject({ channel: 'webhook', status: 'failed', attempts: MAX_ATTEMPTS });
    expect(webhook!.status_reason).toContain(`gave up after ${MAX_ATTEMPTS} attempts`);
    expect(email).toMatchObject({ channel: 'email', status: 'stored', step: 'step_1' });
    expect(await world.eventTypes('message.')).toEqual([
      'message.queued',
      'message.failed',
      'message.queued',
      'message.stored',
    ]);
  });
});
