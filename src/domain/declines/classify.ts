import type { DeclineCategory } from './categories.ts';
import { STRIPE_DECLINE_CODES } from './stripe-codes.ts';

/** A decline exactly as a gateway reported it; adapters pass codes through untouched. */
export type RawDecline = {
  readonly scheme: 'stripe';
  readonly code: string;
};

export type Classification = {
  readonly category: DeclineCategory;
  /** False when the code was not in our tables and fell back to `generic`. */
  readonly known: boolean;
  readonly why: string;
};

export function classifyDecline(raw: RawDecline): Classification {
  // Own keys only: a code such as `constructor` must not find Object.prototype members.
  const category = Object.hasOwn(STRIPE_DECLINE_CODES, raw.code)
    ? STRIPE_DECLINE_CODES[raw.code]
    : undefined;
  if (category) {
    return { category, known: true, why: `${raw.scheme} code ${raw.code} is ${category}` };
  }
  // reference/declines.md: any unknown code is treated as a generic decline.
  return {
    category: 'generic',
    known: false,
    why: `${raw.scheme} code ${raw.code} is unknown; treated as generic`,
  };
}
