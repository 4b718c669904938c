// The templates every merchant starts with, one per message key of the preset strategies
// (src/domain/strategy/presets.ts) plus the hard-decline message, and the HTML layout around them.
// They live as .liquid files beside this one so they read as the emails they are.
import { readFileSync } from 'node:fs';

export type TemplateSource = { subject: string; html: string; text: string };

/** Keys in tone order: friendly, at risk, last warning, the final action, and the hard decline. */
export const DEFAULT_TEMPLATE_KEYS = [
  'first_notice',
  'reminder',
  'final_warning',
  'canceled',
  'unpaid',
  'hard_decline',
] as const;
export type DefaultTemplateKey = (typeof DEFAULT_TEMPLATE_KEYS)[number];

/** What each default is for, shown in the template list. */
export const DEFAULT_TEMPLATE_PURPOSE: Readonly<Record<DefaultTemplateKey, string>> = {
  first_notice: 'First message after a failed payment: friendly, with the update link.',
  reminder: 'Follow-up while retries continue: the service is at risk.',
  final_warning: 'Last message before the final step: what will happen and on which day.',
  canceled: 'Sent when the final step cancels the subscription.',
  unpaid: 'Sent when the final step marks the subscription unpaid.',
  hard_decline:
    'Sent at once after a hard-declined renewal (hard-decline dunning): add a new card.',
};

const read = (name: string) =>
  readFileSync(new URL(`./defaults/${name}.liquid`, import.meta.url), 'utf8');

export const DEFAULT_TEMPLATES: Readonly<Record<DefaultTemplateKey, TemplateSource>> =
  Object.fromEntries(
    DEFAULT_TEMPLATE_KEYS.map((key) => [
      key,
      {
        subject: read(`${key}.subject`).trim(),
        html: read(`${key}.html`),
        text: read(`${key}.text`),
      },
    ]),
  ) as Record<DefaultTemplateKey, TemplateSource>;

export const DEFAULT_LAYOUT: string = read('layout.html');

/** A key no default covers falls back to the reminder: it suits any point of a schedule. */
export const FALLBACK_TEMPLATE_KEY: DefaultTemplateKey = 'reminder';

export function isDefaultKey(key: string): key is DefaultTemplateKey {
  return (DEFAULT_TEMPLATE_KEYS as readonly string[]).includes(key);
}
