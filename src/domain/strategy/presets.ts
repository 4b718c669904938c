import type { MessageSpec, PaymentMethodType, Step, StrategyDefinition } from './strategy.ts';

export const PRESET_KEYS = ['gentle_30', 'firm_14', 'one_step'] as const;
export type PresetKey = (typeof PRESET_KEYS)[number];

const message = (template: string, bcc = false): MessageSpec => ({ enabled: true, template, bcc });
const silent: MessageSpec = { enabled: false, template: '', bcc: false };
const step = (day: number, retry: boolean, msg: MessageSpec = silent): Step => ({
  day,
  retry,
  message: msg,
});

// Message keys escalate in tone (SPEC section 5): first notice, reminder, final warning, final action.
// Payment methods the engine cannot pull from (pay_link) get the same cadence; the engine skips retries.
export const PRESETS: Readonly<
  Record<
    PresetKey,
    { name: string; description: string; build: (type: PaymentMethodType) => StrategyDefinition }
  >
> = {
  gentle_30: {
    name: 'Gentle 30-day',
    description: 'Five retries and four messages over a month, then cancel.',
    build: (paymentMethodType) => ({
      paymentMethodType,
      steps: [
        step(1, false, message('first_notice')),
        step(4, true),
        step(8, true, message('reminder')),
        step(13, true),
        step(19, true, message('reminder')),
        step(25, true, message('final_warning', true)),
      ],
      final: { day: 30, action: 'cancel', message: message('canceled') },
      smartRetries: paymentMethodType === 'card',
      dunOnComponentFailure: true,
    }),
  },
  firm_14: {
    name: 'Firm 14-day',
    description:
      'Four retries over two weeks with a warning before access stops, then mark unpaid.',
    build: (paymentMethodType) => ({
      paymentMethodType,
      steps: [
        step(1, false, message('first_notice')),
        step(3, true),
        step(6, true, message('reminder')),
        step(9, true),
        step(12, true, message('final_warning', true)),
      ],
      final: { day: 14, action: 'mark_unpaid', message: message('unpaid') },
      smartRetries: paymentMethodType === 'card',
      dunOnComponentFailure: true,
    }),
  },
  one_step: {
    name: 'End after first failure',
    description: 'No retries: the first failure cancels the subscription and says so.',
    build: (paymentMethodType) => ({
      paymentMethodType,
      steps: [],
      final: { day: 1, action: 'cancel', message: message('canceled') },
      smartRetries: false,
      dunOnComponentFailure: false,
    }),
  },
};

export function buildPreset(key: PresetKey, type: PaymentMethodType): StrategyDefinition {
  return PRESETS[key].build(type);
}
