import { describe, expect, it } from 'vitest';
import { sampleFacts, sparseSampleFacts } from '../../../domain/messages/sample.ts';
import {
  buildMessageVariables,
  type MessageFacts,
  type MessageVariables,
  VARIABLE_NAMES,
} from '../../../domain/messages/variables.ts';
import { renderMessage } from './render.ts';

const AT = new Date('2025-03-14T15:00:00Z');
const card = buildMessageVariables(sampleFacts(AT));
const payLink = buildMessageVariables(sparseSampleFacts(AT));
const NBSP = '\u00a0';

const render = (
  parts: { subject?: string; html?: string; text?: string },
  vars: MessageVariables = card,
  layout: string | null = null,
) => renderMessage({ subject: 'Subject', html: '', text: '', ...parts }, layout, vars);

function withFacts(change: (f: MessageFacts) => MessageFacts): MessageVariables {
  return buildMessageVariables(change(sampleFacts(AT)));
}

describe('every variable', () => {
  it.each(VARIABLE_NAMES)('{{ %s }} renders its value in the text part', async (name) => {
    for (const vars of [card, payLink]) {
      const { text } = await render({ text: `[{{ ${name} }}]` }, vars);
      const value = vars[name];
      expect(text).toBe(`[${value === null ? '' : String(value)}]`);
    }
  });

  it('renders the spec variables in a realistic message', async () => {
    const { subject, text } = await render({
      subject: '{{ failure_subject }}',
      text: [
        'From {{ from_address }} at {{ merchant_name }} to {{ name }}:',
        '{{ product_name }} costs {{ product_price }}; the balance is {{ balance }} ({{ balance_in_cents }}).',
        '{{ reason_for_decline }} Card {{ masked_card_number }}. Fix it at {{ update_url }}',
      ].join('\n'),
    });
    expect(subject).toBe("Your payment for Pro plan didn't go through");
    expect(text).toBe(
      [
        'From billing@example.com at Example Co to Jamie Rivera:',
        'Pro plan costs $29.00; the balance is $29.00 (2900).',
        'Your bank declined the payment, which can happen when the available balance or credit limit is too low. Card •••• 4242. Fix it at https://billing.example.com/pay/sample',
      ].join('\n'),
    );
  });
});

describe('conditionals', () => {
  const source = [
    '{% if payment_profile_exists %}We will charge {{ masked_card_number }}.{% else %}Pay with the link.{% endif %}',
    '{% if support_contact %}Help: {{ support_contact }}{% endif %}',
    '{% if final_action == "cancel" %}Canceled on {{ access_ends_on }}.{% elsif final_action == "mark_unpaid" %}Paused.{% endif %}',
    '{% case intent %}{% when "authenticate" %}Confirm it.{% when "new_payment_method" %}New card.{% else %}Retrying.{% endcase %}',
    '{% unless next_retry_date %}No retry planned.{% endunless %}',
  ].join('\n');

  it('take the card branch for a card customer', async () => {
    const { text } = await render({ text: source });
    expect(text).toBe(
      [
        'We will charge •••• 4242.',
        'Help: support@example.com',
        'Canceled on April 7, 2025.',
        'Retrying.',
      ].join('\n'),
    );
  });

  it('take the other branches for a pay-link customer with nothing on file', async () => {
    const { text } = await render({ text: source }, payLink);
    // Blank lines left by untaken branches collapse to one.
    expect(text).toBe('Pay with the link.\n\nRetrying.\nNo retry planned.');
  });

  it('follow the intent', async () => {
    const sca = withFacts((f) => ({ ...f, intent: 'authenticate' }));
    const hard = withFacts((f) => ({ ...f, intent: 'new_payment_method' }));
    expect((await render({ text: source }, sca)).text).toContain('Confirm it.');
    expect((await render({ text: source }, hard)).text).toContain('New card.');
  });

  it('compare numbers', async () => {
    const tpl =
      '{% if days_until_final_action > 7 %}plenty{% else %}soon{% endif %} {% if balance_in_cents >= 2900 %}full{% endif %}';
    expect((await render({ text: tpl })).text).toBe('plenty full');
  });
});

describe('escaping', () => {
  const hostile = withFacts((f) => ({
    ...f,
    customer: { ...f.customer, name: '<script>alert("hi")</script> & Co' },
    product: { ...f.product, name: 'Pro <b>plan</b>' },
  }));

  it('escapes every value in the HTML part', async () => {
    const { html } = await render(
      { html: '<p>Hi {{ name }}, about {{ product_name }}</p>' },
      hostile,
    );
    expect(html).toBe(
      '<p>Hi &lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt; &amp; Co, about Pro &lt;b&gt;plan&lt;/b&gt;</p>',
    );
    expect(html).not.toContain('<script>');
  });

  it('leaves the text part and the subject as written', async () => {
    const { subject, text } = await render(
      { subject: 'For {{ name }}', text: 'Hi {{ name }}' },
      hostile,
    );
    expect(text).toBe('Hi <script>alert("hi")</script> & Co');
    expect(subject).toBe('For <script>alert("hi")</script> & Co');
  });

  it('the raw filter does not switch escaping off', async () => {
    const { html } = await render({ html: '{{ name | raw }}' }, hostile);
    expect(html).not.toContain('<script>');
  });

  it('escapes in the layout too, and puts the body in once without escaping it again', async () => {
    const layout = '<main><h1>{{ name }}</h1>{{ content }}</main>';
    const { html } = await render({ html: '<p>{{ name }}</p>' }, hostile, layout);
    const escapedName = '&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt; &amp; Co';
    expect(html).toBe(`<main><h1>${escapedName}</h1><p>${escapedName}</p></main>`);
  });

  it('a subject is one line, however the template breaks it', async () => {
    const { subject } = await render({ subject: 'Hello\n  {{ first_name }}\r\n!' });
    expect(subject).toBe('Hello Jamie !');
  });
});

describe('money and dates in the customer locale', () => {
  const tpl = '{{ product_price }} / {{ balance }} / {{ amount_due }} / {{ access_ends_on }}';

  it('JPY has no decimals', async () => {
    const yen = withFacts((f) => ({
      ...f,
      product: { ...f.product, priceMinor: 1200, currency: 'JPY' },
      balanceMinor: 1200,
      amountDue: { amountMinor: 1200, currency: 'JPY' },
    }));
    expect((await render({ text: tpl }, yen)).text).toBe(
      '¥1,200 / ¥1,200 / ¥1,200 / April 7, 2025',
    );
  });

  it('KWD and BHD have three', async () => {
    const kwd = withFacts((f) => ({
      ...f,
      product: { ...f.product, priceMinor: 4500, currency: 'KWD' },
      balanceMinor: 9000,
      amountDue: { amountMinor: 9000, currency: 'KWD' },
    }));
    expect((await render({ text: tpl }, kwd)).text).toBe(
      `KWD${NBSP}4.500 / KWD${NBSP}9.000 / KWD${NBSP}9.000 / April 7, 2025`,
    );
    const bhd = withFacts((f) => ({
      ...f,
      product: { ...f.product, priceMinor: 1, currency: 'BHD' },
      balanceMinor: 1,
      amountDue: { amountMinor: 1, currency: 'BHD' },
    }));
    expect((await render({ text: '{{ balance }}' }, bhd)).text).toBe(`BHD${NBSP}0.001`);
  });

  it('a customer in Germany paying in euros reads German formats', async () => {
    const de = withFacts((f) => ({
      ...f,
      customer: { ...f.customer, locale: 'de-DE', timeZone: 'Europe/Berlin' },
      product: { ...f.product, priceMinor: 123456, currency: 'EUR' },
      balanceMinor: 123456,
      amountDue: { amountMinor: 123456, currency: 'EUR' },
    }));
    expect((await render({ text: tpl }, de)).text).toBe(
      `1.234,56${NBSP}€ / 1.234,56${NBSP}€ / 1.234,56${NBSP}€ / 7. April 2025`,
    );
  });
});
