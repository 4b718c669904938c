// The six decline categories of SPEC section 4; each decides the next move.
export const DECLINE_CATEGORIES = [
  'hard',
  'update_method',
  'authentication_required',
  'insufficient_funds',
  'temporary',
  'generic',
] as const;

export type DeclineCategory = (typeof DECLINE_CATEGORIES)[number];

/** Categories whose credential must not be charged again until the payment method changes. */
export function blocksRetryUntilMethodChanges(category: DeclineCategory): boolean {
  switch (category) {
    case 'hard':
    case 'update_method':
    case 'authentication_required':
      return true;
    case 'insufficient_funds':
    case 'temporary':
    case 'generic':
      return false;
    default: {
      const unreachable: never = category;
      return unreachable;
    }
  }
}
