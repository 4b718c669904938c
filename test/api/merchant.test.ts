// /v1/merchant: the key's merchant and its settings, including the contact rules the message
// dispatcher applies and the merchant's half of the hard-decline dunning switch.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setHardDeclineDunning } from '../../src/app/use-cases/hard-decline-dunning.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

let w: ApiWorld;
let other: { merchantId: string; key: string };

beforeAll(async () => {
  w = await createApiWorld();
  other = await w.otherMerchant();
});
afterAll(async () => {
  await w.close();
});

describe('/v1/merchant', () => {
  test('reads the merchant with the contact rules in force', async () => {
    const res = await w.api('GET', '/v1/merchant');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: w.merchantId,
      object: 'merchant',
      name: 'Scenario Co',
      mode: 'test',
      default_grace_days: 3,
      from_address: null,
      quiet_hours: { start: '21:00', end: '08:00' },
      message_cap: { max: 3, per_days: 7 },
      hard_decline_dunning: { available: false, active: false },
      test_clock_now: '2026-03-01T00:00:00.000Z',
    });
    const theirs = await w.api('GET', '/v1/merchant', { key: other.key });
    expect(theirs.body.id).toBe(other.merchantId);
  });

  test('changes only the fields sent, and records the change', async () => {
    const res = await w.api('POST', '/v1/merchant', {
      body: {
        name: 'Acme Cloud',
        from_address: 'Acme Billing <billing@acme.example>',
        bcc_address: 'audit@acme.example',
        support_contact: 'https://acme.example/help',
        default_grace_days: 7,
        quiet_hours: { start: '22:00', end: '07:30' },
        message_cap: { max: 2, per_days: 5 },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Acme Cloud',
      from_address: 'Acme Billing <billing@acme.example>',
      bcc_address: 'audit@acme.example',
      support_contact: 'https://acme.example/help',
      default_grace_days: 7,
      quiet_hours: { start: '22:00', end: '07:30' },
      message_cap: { max: 2, per_days: 5 },
    });
    const cleared = await w.api('POST', '/v1/merchant', {
      body: { bcc_address: null, quiet_hours: null },
    });
    expect(cleared.body).toMatchObject({
      name: 'Acme Cloud',
      bcc_address: null,
      quiet_hours: null,
      message_cap: { max: 2, per_days: 5 },
    });
    const row = await w.db
      .selectFrom('merchants')
      .select(['settings', 'default_grace_days'])
      .where('merchant_id', '=', w.merchantId)
      .executeTakeFirstOrThrow();
    expect(row.settings).toMatchObject({ quiet_hours: null, message_cap: { max: 2, per_days: 5 } });
    const events = await w.api('GET', '/v1/events?type=merchant.updated');
    expect(events.body.data.map((e: { data: { changed: string[] } }) => e.data.changed)).toEqual([
      ['bcc_address', 'quiet_hours'],
      [
        'name',
        'from_address',
        'bcc_address',
        'support_contact',
        'default_grace_days',
        'quiet_hours',
        'message_cap',
      ],
    ]);
    // The other merchant is untouched.
    expect((await w.api('GET', '/v1/merchant', { key: other.key })).body.name).toBe('Other Co');
  });

  test('hard-decline dunning: refused until the operator makes it available, then on and off', async () => {
    const early = await w.api('POST', '/v1/merchant', { body: { hard_decline_dunning: true } });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({
      code: 'invalid_state',
      field: 'hard_decline_dunning',
    });
    await setHardDeclineDunning(w.deps, { merchantId: w.merchantId, available: true });
    const on = await w.api('POST', '/v1/merchant', { body: { hard_decline_dunning: true } });
    expect(on.body.hard_decline_dunning).toEqual({ available: true, active: true });
    const off = await w.api('POST', '/v1/merchant', { body: { hard_decline_dunning: false } });
    expect(off.body.hard_decline_dunning).toEqual({ available: true, active: false });
  });

  test('bad settings are refused with the field and change nothing', async () => {
    const before = (await w.api('GET', '/v1/merchant')).body;
    const cases: [object, string][] = [
      [{}, 'body'],
      [{ from_address: 'not an address' }, 'from_address'],
      [{ bcc_address: 'Audit <audit@acme.example>' }, 'bcc_address'],
      [{ default_grace_days: 91 }, 'default_grace_days'],
      [{ quiet_hours: { start: '25:00', end: '07:00' } }, 'quiet_hours.start'],
      [{ quiet_hours: { start: '07:00', end: '07:00' } }, 'quiet_hours.end'],
      [{ quiet_hours: { start: '22:00' } }, 'quiet_hours.end'],
      [{ message_cap: { max: 0, per_days: 7 } }, 'message_cap.max'],
      [{ mode: 'live' }, 'mode'],
      [{ name: 'New name', test_clock_now: '2030-01-01T00:00:00Z' }, 'test_clock_now'],
    ];
    for (const [body, field] of cases) {
      const res = await w.api('POST', '/v1/merchant', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code: 'invalid_field', field });
    }
    expect((await w.api('GET', '/v1/merchant')).body).toEqual(before);
  });
});

describe('Telegram bot token', () => {
  const token = '123456789:AAE_exampleTokenForTheTestsOnly-xyz';

  test('is stored for the Telegram channel and never shown back', async () => {
    const set = await w.api('POST', '/v1/merchant', { body: { telegram_bot_token: token } });
    expect(set.status).toBe(200);
    expect(set.body.telegram_bot_configured).toBe(true);
    expect(set.raw.body).not.toContain(token);
    const row = await w.db
      .selectFrom('merchants')
      .select('settings')
      .where('merchant_id', '=', w.merchantId)
      .executeTakeFirstOrThrow();
    expect(row.settings.telegram_bot_token).toBe(token);
    const cleared = await w.api('POST', '/v1/merchant', { body: { telegram_bot_token: null } });
    expect(cleared.body.telegram_bot_configured).toBe(false);
  });

  test('a token that does not look like one is refused and changes nothing', async () => {
    const res = await w.api('POST', '/v1/merchant', { body: { telegram_bot_token: 'nope' } });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('telegram_bot_token');
  });
});
