import { describe, expect, it } from 'vitest';
import { MESSAGE_INTENTS } from '../../../domain/case/message-intent.ts';
import { sampleFacts, sparseSampleFacts } from '../../../domain/messages/sample.ts';
import { buildMessageVariables, MESSAGE_CHANNELS } from '../../../domain/messages/variables.ts';
import { PRESET_KEYS, PRESETS } from '../../../domain/strategy/presets.ts';
import { PAYMENT_METHOD_TYPES } from '../../../domain/strategy/strategy.ts';
import {
  DEFAULT_LAYOUT,
  DEFAULT_TEMPLATE_KEYS,
  DEFAULT_TEMPLATES,
  type DefaultTemplateKey,
} from './defaults.ts';
import { renderMessage } from './render.ts';
import { findLayoutProblem, findTemplateProblem } from './validate.ts';

const AT = new Date('2025-03-14T15:00:00Z');

async function renderDefault(
  key: DefaultTemplateKey,
  intent: (typeof MESSAGE_INTENTS)[number],
  channel: (typeof MESSAGE_CHANNELS)[number] = 'email',
) {
  return renderMessage(
    DEFAULT_TEMPLATES[key],
    DEFAULT_LAYOUT,
    buildMessageVariables(sampleFacts(AT, { intent, channel })),
  );
}

describe('default templates', () => {
  it('cover every message key the presets use, and the hard-decline message', () => {
    const used = new Set<string>(['hard_decline']);
    for (const preset of PRESET_KEYS)
      for (const type of PAYMENT_METHOD_TYPES) {
        const def = PRESETS[preset].build(type);
        for (const m of [...def.steps.map((s) => s.message), def.final.message])
          if (m.enabled) used.add(m.template);
      }
    expect([...used].sort()).toEqual([...DEFAULT_TEMPLATE_KEYS].sort());
  });

  it.each(DEFAULT_TEMPLATE_KEYS)(
    '%s passes the checks a merchant template must pass',
    async (key) => {
      expect(await findTemplateProblem(DEFAULT_TEMPLATES[key], AT)).toBeNull();
    },
  );

  it('the default layout passes the layout checks', async () => {
    expect(await findLayoutProblem(DEFAULT_LAYOUT, AT)).toBeNull();
  });

  const combos = DEFAULT_TEMPLATE_KEYS.flatMap((key) =>
    MESSAGE_INTENTS.flatMap((intent) =>
      MESSAGE_CHANNELS.map((channel) => [key, intent, channel] as const),
    ),
  );
  it.each(combos)('%s / %s / %s renders a complete message', async (key, intent, channel) => {
    const m = await renderDefault(key, intent, channel);
    expect(m.subject.length).toBeGreaterThan(10);
    expect(m.text).toMatch(/^Hi Jamie,/);
    expect(m.html).toContain('<p>Hi Jamie,</p>');
    // Nothing is left unrendered.
    for (const part of [m.subject, m.html, m.text])
      expect(part).not.toMatch(/\{\{|\{%|undefined|\[object/);
  });

  it.each(DEFAULT_TEMPLATE_KEYS)(
    '%s renders for a pay-link customer with nothing on file',
    async (key) => {
      const m = await renderMessage(
        DEFAULT_TEMPLATES[key],
        DEFAULT_LAYOUT,
        buildMessageVariables(sparseSampleFacts(AT)),
      );
      expect(m.text).toMatch(/^Hi Lena,/);
      expect(m.text).not.toMatch(/card|Visa/);
    },
  );
});

describe('the defaults say the specific thing to do', () => {
  const asking = ['first_notice', 'reminder', 'final_warning', 'hard_decline'] as const;

  it.each(asking)('%s after a hard decline asks for a new card', async (key) => {
    const m = await renderDefault(key, 'new_payment_method');
    for (const part of [m.text, m.html]) {
      expect(part).toContain('Please add a new card to keep your subscription.');
      expect(part).toContain('Add a new card');
      expect(part).not.toMatch(/update your (card|payment method)/i);
    }
  });

  it.each(asking)('%s for SCA asks to confirm the payment with the bank', async (key) => {
    const m = await renderDefault(key, 'authenticate');
    expect(m.text).toContain('Please confirm the payment with your bank');
    expect(m.text).toContain('Confirm the payment: https://billing.example.com/pay/sample');
    expect(m.text).not.toMatch(/update your (card|payment method)|new card/i);
  });

  it('the hard-decline subject names the action, and says how long the link works', async () => {
    const m = await renderDefault('hard_decline', 'new_payment_method');
    expect(m.subject).toBe('Please add a new card for Pro plan');
    expect(m.text.replace(/\s/g, ' ')).toContain(
      'the link works until March 28, 2025 at 11:00 AM EDT',
    );
    expect(m.text).toContain('we will complete the renewal straight away');
  });

  it('a stolen-card decline reads as a plain decline', async () => {
    const facts = sampleFacts(AT, { intent: 'new_payment_method' });
    const m = await renderMessage(
      DEFAULT_TEMPLATES.hard_decline,
      DEFAULT_LAYOUT,
      buildMessageVariables({ ...facts, decline: { category: 'hard', hideReason: true } }),
    );
    expect(m.text).toContain('Your bank declined the payment.');
    expect(m.text).not.toMatch(/stolen|lost|fraud/i);
  });
});

describe('the cadence escalates in tone', () => {
  it('the first notice is friendly and carries the update link', async () => {
    const m = await renderDefault('first_notice', 'payment_failed');
    expect(m.subject).toBe("Your payment for Pro plan didn't go through");
    expect(m.html).toContain('href="https://billing.example.com/pay/sample"');
    expect(m.text).toContain("We'll try again on March 17, 2025.");
    expect(m.text).toContain('These things happen');
  });

  it('a reminder says the service is at risk and when it ends', async () => {
    const m = await renderDefault('reminder', 'payment_failed');
    expect(m.subject).toBe('Reminder: your Pro plan subscription is at risk');
    expect(m.text).toContain(
      'Your service is at risk. If the payment is still missing on April 7, 2025, your subscription will be canceled.',
    );
  });

  it('the final warning says what will happen and when', async () => {
    const m = await renderDefault('final_warning', 'payment_failed');
    expect(m.subject).toBe(
      'Final notice: your Pro plan subscription will be canceled on April 7, 2025',
    );
    expect(m.text).toContain(
      'What happens next: On April 7, 2025 (in 24 days), we will cancel your Pro plan subscription and your access will end.',
    );
  });

  it('the final warning of a mark-unpaid strategy says access stops and the balance stays', async () => {
    const facts = sampleFacts(AT);
    const m = await renderMessage(
      DEFAULT_TEMPLATES.final_warning,
      DEFAULT_LAYOUT,
      buildMessageVariables({
        ...facts,
        outlook: { ...facts.outlook!, finalAction: 'mark_unpaid' },
      }),
    );
    expect(m.subject).toBe('Final notice: your Pro plan access stops on April 7, 2025');
    expect(m.text).toContain(
      'your access to Pro plan will stop, and the unpaid balance of $29.00 will stay on your account until it is paid.',
    );
  });

  it('the canceled message says it is over, with no link to a page that no longer works', async () => {
    const facts = sampleFacts(AT);
    const m = await renderMessage(
      DEFAULT_TEMPLATES.canceled,
      DEFAULT_LAYOUT,
      buildMessageVariables({ ...facts, caseStatus: 'canceled' }),
    );
    expect(m.subject).toBe('Your Pro plan subscription has been canceled');
    expect(m.text).toContain('so it was canceled on April 7, 2025');
    expect(m.text).toContain('Nothing more will be charged to your Visa ending in 4242.');
    expect(m.text).not.toContain('https://');
  });

  it('the unpaid message gives the balance and how to come back', async () => {
    const m = await renderDefault('unpaid', 'payment_failed');
    expect(m.subject).toBe('Your Pro plan subscription is on hold');
    expect(m.text).toContain(
      'The unpaid balance is $29.00. As soon as it is paid, your subscription becomes active again.',
    );
  });
});
