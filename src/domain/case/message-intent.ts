import type { DeclineCategory } from '../declines/categories.ts';

// What a message asks the customer to do, from the decline (SPEC section 5: hard-decline and SCA
// messages say the specific thing to do, not a generic "update your card").
export const MESSAGE_INTENTS = [
  'new_payment_method',
  'update_payment_method',
  'authenticate',
  'payment_failed',
] as const;
export type MessageIntent = (typeof MESSAGE_INTENTS)[number];

export function messageIntent(category: DeclineCategory | null): MessageIntent {
  switch (category) {
    case 'hard':
      return 'new_payment_method';
    case 'update_method':
      return 'update_payment_method';
    case 'authentication_required':
      return 'authenticate';
    case 'insufficient_funds':
    case 'temporary':
    case 'generic':
    case null:
      return 'payment_failed';
    default: {
      const unreachable: never = category;
      return unreachable;
    }
  }
}
