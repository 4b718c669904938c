// The charge protocol counts each request to the gateway when it is made: a request whose answer
// never gets recorded (the process died between the call and the write) still shows in `sends`,
// and the re-send of the same key counts again.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { insertAttempt } from '../../src/app/engine/attempts.ts';
import { chargeInPhases } from '../../src/app/engine/charge-protocol.ts';
import { createWorld, day, type World } from '../support/world.ts';

let w: World;

beforeAll(async () => {
  w = await createWorld({ preset: 'gentle_30', start: day('2026-03-01') });
});
afterAll(async () => {
  await w.close();
});

describe('sends', () => {
  test('counts a request whose answer was lost, and the re-send of the same key', async () => {
    const sub = await w.subscribe({ card: 'success', periodStart: day('2026-03-01') });
    const row = await w.db
      .selectFrom('subscriptions')
      .select(['payment_method_id'])
      .where('subscription_id', '=', sub)
      .executeTakeFirstOrThrow();
    const attempt = await w.db.transaction().execute((trx) =>
      insertAttempt(trx, {
        merchantId: w.merchantId,
        subscriptionId: sub,
        caseId: null,
        paymentMethodId: row.payment_method_id,
        purpose: 'renewal',
        amountMinor: 2000,
        currency: 'USD',
        idempotencyKey: 'key-sends-1',
        why: 'test',
        at: day('2026-03-01'),
      }),
    );
    const at = day('2026-03-01');
    // The answer comes back but is never written: the apply phase dies.
    await expect(
      chargeInPhases(
        w.deps,
        async () => [{ attempt, at }],
        async () => {
          throw new Error('the process died before writing the answer');
        },
      ),
    ).rejects.toThrow('died');
    const sent = async () =>
      await w.db
        .selectFrom('payment_attempts')
        .select(['sends', 'status'])
        .where('attempt_id', '=', attempt.attempt_id)
        .executeTakeFirstOrThrow();
    expect(await sent()).toEqual({ sends: 1, status: 'pending' });
    expect((await w.gatewayCharges(sub)).map((c) => [c.outcome, c.request_count])).toEqual([
      ['succeeded', 1],
    ]);

    // The same key is sent again and its answer recorded: two requests, one charge.
    const stored = await w.db
      .selectFrom('payment_attempts')
      .selectAll()
      .where('attempt_id', '=', attempt.attempt_id)
      .executeTakeFirstOrThrow();
    await chargeInPhases(
      w.deps,
      async () => [{ attempt: stored, at }],
      async () => null,
    );
    expect((await sent()).sends).toBe(2);
    expect((await w.gatewayCharges(sub)).map((c) => [c.outcome, c.request_count])).toEqual([
      ['succeeded', 2],
    ]);
  });
});
