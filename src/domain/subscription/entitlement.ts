import type { SubscriptionState } from './state.ts';

export const ENTITLEMENTS = ['full', 'limited', 'none'] as const;
export type Entitlement = (typeof ENTITLEMENTS)[number];

const DAY_MS = 86_400_000;

export type EntitlementInput = {
  readonly state: SubscriptionState;
  readonly graceDays: number;
  /** When the subscription went past due; null when it is not past due. */
  readonly pastDueSince: Date | null;
};

/** When the grace period of a past-due subscription ends, or null outside past_due. */
export function graceEndsAt(input: EntitlementInput): Date | null {
  if (input.state !== 'past_due' || input.pastDueSince === null) return null;
  return new Date(input.pastDueSince.getTime() + input.graceDays * DAY_MS);
}

/** Access the merchant's app should grant: full while paid or in grace, limited after, none at the end. */
export function entitlement(input: EntitlementInput, now: Date): Entitlement {
  switch (input.state) {
    case 'active':
      return 'full';
    case 'past_due': {
      const ends = graceEndsAt(input);
      return ends !== null && now.getTime() < ends.getTime() ? 'full' : 'limited';
    }
    case 'unpaid':
    case 'canceled':
      return 'none';
    default: {
      const unreachable: never = input.state;
      return unreachable;
    }
  }
}
