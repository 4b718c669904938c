// Strategies through the HTTP API: presets, creating from a preset or a full definition, new
// versions that leave running cases on theirs, validation with the field at fault, and isolation.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { day } from '../support/world.ts';

let w: ApiWorld;
let other: { merchantId: string; key: string };

beforeAll(async () => {
  w = await createApiWorld({ start: day('2026-03-01'), preset: 'gentle_30' });
  other = await w.otherMerchant();
});
afterAll(async () => {
  await w.close();
});

const definition = {
  payment_method_type: 'card',
  steps: [
    { day: 1, retry: false, message: { enabled: true, template: 'first_notice', bcc: false } },
    { day: 3, retry: true, message: { enabled: false, template: '', bcc: false } },
  ],
  final: {
    day: 5,
    action: 'mark_unpaid',
    message: { enabled: true, template: 'unpaid', bcc: true },
  },
  smart_retries: false,
  dun_on_component_failure: true,
};

describe('GET /v1/strategy_presets and /v1/strategies', () => {
  test('lists the presets and the merchant’s default strategies, one per payment-method type', async () => {
    const presets = await w.api('GET', '/v1/strategy_presets');
    expect(presets.status).toBe(200);
    expect(presets.body.data.map((p: { id: string }) => p.id)).toEqual([
      'gentle_30',
      'firm_14',
      'one_step',
    ]);
    expect(presets.body.data[1].definition.final).toMatchObject({ day: 14, action: 'mark_unpaid' });

    const list = await w.api('GET', '/v1/strategies');
    expect(list.status).toBe(200);
    const defaults = list.body.data.filter((s: { is_default: boolean }) => s.is_default);
    expect(
      defaults.map((s: { payment_method_type: string }) => s.payment_method_type).sort(),
    ).toEqual(['ach', 'card', 'direct_debit', 'pay_link']);
    expect(defaults[0]).toMatchObject({
      object: 'strategy',
      preset: 'gentle_30',
      current_version: 1,
    });
    expect(defaults[0].definition.final).toMatchObject({ day: 30, action: 'cancel' });
  });
});

describe('POST /v1/strategies', () => {
  test('from a preset, for a payment-method type', async () => {
    const res = await w.api('POST', '/v1/strategies', {
      body: { name: 'Firm ACH', preset: 'firm_14', payment_method_type: 'ach' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Firm ACH',
      preset: 'firm_14',
      payment_method_type: 'ach',
      is_default: false,
      current_version: 1,
      versions: [{ version: 1 }],
    });
    expect(res.body.definition.smart_retries).toBe(false);
  });

  test('from a full definition, made the default for cards', async () => {
    const res = await w.api('POST', '/v1/strategies', {
      body: { name: 'Short', definition, make_default: true },
    });
    expect(res.status).toBe(201);
    expect(res.body.definition).toEqual(definition);
    expect(res.body.is_default).toBe(true);
    const defaults = await w.db
      .selectFrom('strategies')
      .select('strategy_id')
      .where('merchant_id', '=', w.merchantId)
      .where('payment_method_type', '=', 'card')
      .where('is_default', '=', true)
      .execute();
    expect(defaults.map((d) => d.strategy_id)).toEqual([res.body.id]);
  });

  test('a definition that does not hold together is refused with the field at fault', async () => {
    const before = (await w.db.selectFrom('strategies').select('strategy_id').execute()).length;
    const cases: [object, string][] = [
      [{ name: 'X' }, 'definition'],
      [{ name: 'X', preset: 'firm_14', definition }, 'preset'],
      [{ name: 'X', preset: 'harsh' }, 'preset'],
      [
        {
          name: 'X',
          definition: {
            ...definition,
            steps: [definition.steps[1], definition.steps[0]],
          },
        },
        'definition.steps[1].day',
      ],
      [
        { name: 'X', definition: { ...definition, final: { ...definition.final, day: 2 } } },
        'definition.steps[1].day',
      ],
      [
        {
          name: 'X',
          definition: {
            ...definition,
            steps: [
              { day: 1, retry: false, message: { enabled: true, template: ' ', bcc: false } },
            ],
          },
        },
        'definition.steps[0].message.template',
      ],
      [{ name: 'X', definition: { ...definition, extra: 1 } }, 'definition.extra'],
      [
        {
          name: 'X',
          definition: { ...definition, final: { ...definition.final, action: 'delete' } },
        },
        'definition.final.action',
      ],
      [{ name: '', preset: 'firm_14' }, 'name'],
    ];
    for (const [body, field] of cases) {
      const res = await w.api('POST', '/v1/strategies', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code: 'invalid_field', field });
    }
    expect((await w.db.selectFrom('strategies').select('strategy_id').execute()).length).toBe(
      before,
    );
  });
});

describe('POST /v1/strategies/:id: a new version', () => {
  test('a running case keeps the version it started with; new cases follow the new one', async () => {
    const created = await w.api('POST', '/v1/strategies', {
      body: { name: 'Cards v1', definition, make_default: true },
    });
    const id = created.body.id;
    // A case opens on version 1.
    const c = await w.api('POST', '/v1/customers', { body: { name: 'A', email: 'a@example.com' } });
    const pm = await w.api('POST', `/v1/customers/${c.body.id}/payment_methods`, {
      body: { test_card: 'insufficient_funds' },
    });
    const sub = await w.api('POST', '/v1/subscriptions', {
      body: {
        customer_id: c.body.id,
        payment_method_id: pm.body.id,
        product_name: 'Pro',
        price_in_cents: 1000,
        currency: 'USD',
        interval: 'month',
      },
    });
    await w.api('POST', '/v1/test_clock/advance', { body: { to: '2026-04-01T00:00:00Z' } });

    const v2 = await w.api('POST', `/v1/strategies/${id}`, {
      body: {
        name: 'Cards v2',
        definition: { ...definition, final: { ...definition.final, day: 9, action: 'cancel' } },
      },
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ name: 'Cards v2', current_version: 2 });
    expect(v2.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(v2.body.definition.final).toMatchObject({ day: 9, action: 'cancel' });

    const running = await w.db
      .selectFrom('dunning_cases')
      .select(['strategy_id', 'strategy_version'])
      .where('merchant_id', '=', w.merchantId)
      .where('subscription_id', '=', sub.body.id)
      .executeTakeFirstOrThrow();
    expect(running).toEqual({ strategy_id: id, strategy_version: 1 });
    // Version 1 ends on day 5 with mark_unpaid: the running case follows it, not version 2.
    await w.api('POST', '/v1/test_clock/advance', { body: { to: '2026-04-06T00:00:00Z' } });
    expect((await w.api('GET', `/v1/subscriptions/${sub.body.id}`)).body.state).toBe('unpaid');

    const read = await w.api('GET', `/v1/strategies/${id}`);
    expect(read.body).toEqual(v2.body);
  });

  test('a preset as the new version; only a rename; the type cannot change', async () => {
    const created = await w.api('POST', '/v1/strategies', {
      body: { name: 'DD', preset: 'gentle_30', payment_method_type: 'direct_debit' },
    });
    const id = created.body.id;
    const fromPreset = await w.api('POST', `/v1/strategies/${id}`, {
      body: { preset: 'one_step' },
    });
    expect(fromPreset.status).toBe(200);
    expect(fromPreset.body).toMatchObject({
      current_version: 2,
      payment_method_type: 'direct_debit',
    });
    expect(fromPreset.body.definition.final.day).toBe(1);
    const renamed = await w.api('POST', `/v1/strategies/${id}`, { body: { name: 'DD renamed' } });
    expect(renamed.body).toMatchObject({ name: 'DD renamed', current_version: 3 });
    expect(renamed.body.definition).toEqual(fromPreset.body.definition);
    const retype = await w.api('POST', `/v1/strategies/${id}`, {
      body: { definition: { ...definition, payment_method_type: 'card' } },
    });
    expect(retype.status).toBe(400);
    expect(retype.body.error.field).toBe('definition.payment_method_type');
    expect((await w.api('GET', `/v1/strategies/${id}`)).body.current_version).toBe(3);
  });

  test('another merchant gets 404 reading or versioning it, and writes no version', async () => {
    const created = await w.api('POST', '/v1/strategies', {
      body: { name: 'Mine', preset: 'firm_14' },
    });
    const id = created.body.id;
    expect((await w.api('GET', `/v1/strategies/${id}`, { key: other.key })).status).toBe(404);
    const write = await w.api('POST', `/v1/strategies/${id}`, {
      key: other.key,
      body: { name: 'Theirs' },
    });
    expect(write.status).toBe(404);
    const versions = await w.db
      .selectFrom('strategy_versions')
      .select('version')
      .where('strategy_id', '=', id)
      .execute();
    expect(versions).toEqual([{ version: 1 }]);
    const theirs = await w.api('GET', '/v1/strategies', { key: other.key });
    expect(theirs.body.data.map((s: { id: string }) => s.id)).not.toContain(id);
  });
});
