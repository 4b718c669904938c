// /v1/templates through inject(): list, read, save with checks, reset, layout and preview, and
// one merchant's key never reaching another's templates or cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { at } from '../support/world.ts';

let w: ApiWorld;
let caseId: string;

beforeAll(async () => {
  w = await createApiWorld({ start: at('2026-03-01T00:00:00Z') });
  const sub = await w.subscribe({
    card: 'insufficient_funds',
    periodStart: at('2026-02-05T10:00:00Z'),
  });
  await w.advanceTo(at('2026-03-05T12:00:00Z'));
  caseId = (await w.latestCase(sub))!.case_id;
});
afterAll(() => w.close());

const mine = {
  subject: 'Hello {{ first_name }}: {{ amount_due }} is due',
  html: '<p>{{ reason_for_decline }}</p>\n<p><a href="{{ update_url }}">{{ action_label }}</a></p>',
  text: '{{ reason_for_decline }}',
};

describe('GET /v1/templates', () => {
  it('lists the defaults in tone order', async () => {
    const res = await w.api('GET', '/v1/templates');
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('list');
    expect(res.body.data.map((t: { key: string }) => t.key)).toEqual([
      'first_notice',
      'reminder',
      'final_warning',
      'canceled',
      'unpaid',
      'hard_decline',
    ]);
    expect(res.body.data[0]).toMatchObject({
      id: 'first_notice',
      object: 'template',
      customized: false,
      has_default: true,
      revision: 0,
      updated_at: null,
      subject: '{{ failure_subject }}',
    });
  });
});

describe('PUT /v1/templates/:key', () => {
  it('saves a valid template and GET reads it back', async () => {
    const res = await w.api('PUT', '/v1/templates/first_notice', { body: mine });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ key: 'first_notice', customized: true, revision: 1, ...mine });
    const read = await w.api('GET', '/v1/templates/first_notice');
    expect(read.body).toMatchObject({ customized: true, subject: mine.subject });
  });

  it.each([
    [
      'an unclosed tag',
      { html: '<p>\n{% if payment_profile_exists %}</p>' },
      'html',
      'line 2: tag {% if payment_profile_exists %} not closed',
    ],
    [
      'an unknown variable',
      { text: 'ok\n\n{{ customer_name }}' },
      'text',
      'line 3: unknown variable "customer_name"',
    ],
    [
      'an unknown filter',
      { subject: 'Due: {{ amount_due | money }}' },
      'subject',
      'line 1: undefined filter: money',
    ],
  ])(
    'rejects %s with the part and the line, and keeps the saved version',
    async (_what, change, field, message) => {
      const res = await w.api('PUT', '/v1/templates/first_notice', {
        body: { ...mine, ...change },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: 'invalid_template', message, field } });
      expect((await w.api('GET', '/v1/templates/first_notice')).body.revision).toBe(1);
    },
  );

  it('validates the body: every part is required, nothing else is accepted', async () => {
    const missing = await w.api('PUT', '/v1/templates/first_notice', {
      body: { subject: 'x', html: '' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('invalid_field');
    const extra = await w.api('PUT', '/v1/templates/first_notice', { body: { ...mine, css: 'x' } });
    expect(extra.status).toBe(400);
    const badKey = await w.api('PUT', '/v1/templates/Not-A-Key', { body: mine });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.code).toBe('invalid_field');
  });

  it('accepts a key of your own, which then appears in the list', async () => {
    const res = await w.api('PUT', '/v1/templates/winback_offer', { body: mine });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ key: 'winback_offer', has_default: false, purpose: null });
    const list = await w.api('GET', '/v1/templates');
    expect(list.body.data.at(-1)).toMatchObject({ key: 'winback_offer', customized: true });
  });
});

describe('DELETE /v1/templates/:key', () => {
  it('puts the default back for a default key', async () => {
    const res = await w.api('DELETE', '/v1/templates/first_notice');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: 'first_notice',
      object: 'template',
      deleted: true,
      template: { key: 'first_notice', customized: false, subject: '{{ failure_subject }}' },
    });
  });

  it('removes a key of your own, which is then not found', async () => {
    const res = await w.api('DELETE', '/v1/templates/winback_offer');
    expect(res.body).toEqual({
      id: 'winback_offer',
      object: 'template',
      deleted: true,
      template: null,
    });
    expect((await w.api('GET', '/v1/templates/winback_offer')).status).toBe(404);
    expect((await w.api('DELETE', '/v1/templates/winback_offer')).status).toBe(404);
  });
});

describe('the layout', () => {
  it('reads the default, saves yours, rejects one without {{ content }}, and resets', async () => {
    const initial = await w.api('GET', '/v1/templates/layout');
    expect(initial.body).toMatchObject({ object: 'template_layout', customized: false });
    expect(initial.body.html).toContain('{{ content }}');

    const saved = await w.api('PUT', '/v1/templates/layout', {
      body: { html: '<section>{{ merchant_name }}</section>{{ content }}' },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ customized: true, revision: 1 });

    const preview = await w.api('POST', '/v1/templates/preview', { body: { key: 'reminder' } });
    expect(preview.body.html).toMatch(/^<section>Scenario Co<\/section><p>Hi Ada,<\/p>/);

    const broken = await w.api('PUT', '/v1/templates/layout', {
      body: { html: '<section></section>' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: 'invalid_template', field: 'html' });

    const reset = await w.api('DELETE', '/v1/templates/layout');
    expect(reset.body).toMatchObject({ customized: false, revision: 0 });
  });
});

describe('POST /v1/templates/preview', () => {
  it("renders a saved key with the merchant's latest case", async () => {
    const res = await w.api('POST', '/v1/templates/preview', { body: { key: 'first_notice' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: 'template_preview',
      key: 'first_notice',
      case_id: caseId,
      sample: false,
      intent: 'payment_failed',
      subject: "Your payment for Pro plan didn't go through",
    });
    expect(res.body.text).toContain('We tried to collect $20.00 for your Pro plan subscription');
    expect(res.body.variables).toMatchObject({
      name: 'Ada Lovelace',
      balance_in_cents: 2000,
      payment_profile_exists: true,
    });
  });

  it('renders an unsaved source for a named case in another intent, escaping the HTML', async () => {
    await w.db
      .updateTable('customers')
      .set({ name: '<img src=x onerror=alert(1)>' })
      .where('merchant_id', '=', w.merchantId)
      .execute();
    const res = await w.api('POST', '/v1/templates/preview', {
      body: {
        case_id: caseId,
        intent: 'authenticate',
        source: {
          subject: '{{ failure_subject }}',
          html: '<p>{{ name }}</p>',
          text: '{{ action }}',
        },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('Please confirm your payment for Pro plan');
    expect(res.body.html).toContain('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
    expect(res.body.text).toMatch(/^Please confirm the payment with your bank/);
    await w.db
      .updateTable('customers')
      .set({ name: 'Ada Lovelace' })
      .where('merchant_id', '=', w.merchantId)
      .execute();
  });

  it('reports a broken source at its place in the request', async () => {
    const res = await w.api('POST', '/v1/templates/preview', {
      body: { key: 'reminder', source: { html: '<p>\n{{ name | bogus }}</p>' } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'invalid_template',
        message: 'line 2: undefined filter: bogus',
        field: 'source.html',
      },
    });
  });

  it('needs a key or a source', async () => {
    const res = await w.api('POST', '/v1/templates/preview', { body: {} });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'source' });
  });

  it('uses a sample case for a merchant without cases', async () => {
    const other = await w.otherMerchant();
    const res = await w.api('POST', '/v1/templates/preview', {
      body: { key: 'final_warning' },
      key: other.key,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sample: true, case_id: null });
    expect(res.body.text).toContain('Hi Jamie,');
    expect(res.body.text).toContain('Other Co');
  });
});

describe('tenancy', () => {
  it("another merchant's key can neither see nor change this merchant's templates or cases", async () => {
    await w.api('PUT', '/v1/templates/reminder', { body: mine });
    const other = await w.otherMerchant();

    // The other merchant reads its own (default) reminder, not this one.
    const read = await w.api('GET', '/v1/templates/reminder', { key: other.key });
    expect(read.body).toMatchObject({
      customized: false,
      subject: 'Reminder: your {{ product_name }} subscription is at risk',
    });

    // Its save and reset change only its own.
    await w.api('PUT', '/v1/templates/reminder', {
      key: other.key,
      body: { subject: 'OTHER', html: '<p>other</p>', text: 'other' },
    });
    await w.api('DELETE', '/v1/templates/reminder', { key: other.key });
    expect((await w.api('GET', '/v1/templates/reminder')).body).toMatchObject({
      customized: true,
      subject: mine.subject,
    });

    // A preview cannot borrow this merchant's case.
    const preview = await w.api('POST', '/v1/templates/preview', {
      key: other.key,
      body: { key: 'reminder', case_id: caseId },
    });
    expect(preview.status).toBe(404);
    expect(preview.body.error).toMatchObject({ code: 'not_found', field: 'case_id' });

    // A key of this merchant's own is not found for the other.
    await w.api('PUT', '/v1/templates/loyal_customer', { body: mine });
    expect((await w.api('GET', '/v1/templates/loyal_customer', { key: other.key })).status).toBe(
      404,
    );
    expect((await w.api('DELETE', '/v1/templates/loyal_customer', { key: other.key })).status).toBe(
      404,
    );
    expect((await w.api('GET', '/v1/templates/loyal_customer')).status).toBe(200);
  });

  it('nothing is reachable without a key', async () => {
    expect((await w.api('GET', '/v1/templates', { key: null })).status).toBe(401);
    expect((await w.api('PUT', '/v1/templates/reminder', { key: null, body: mine })).status).toBe(
      401,
    );
  });
});

describe('the OpenAPI document', () => {
  it('describes every template route', async () => {
    await w.app.ready();
    const doc = w.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/templates']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/templates/layout']!).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(Object.keys(doc.paths['/v1/templates/preview']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/templates/{key}']!).sort()).toEqual(['delete', 'get', 'put']);
  });
});
