import type { DeclineCategory } from '../declines/categories.ts';

/** What the gateway or network advised about retrying, already read from its raw codes. */
export type RetryAdvice =
  | { kind: 'none' }
  | { kind: 'do_not_retry'; source: string }
  | { kind: 'retry_after'; afterMs: number; source: string };

/** One attempt on a payment credential, from any subscription or case that charges it. */
export type CredentialAttempt = {
  at: Date;
  outcome: 'succeeded' | 'declined';
  amountMinor: number;
  /** Null for successes. */
  category: DeclineCategory | null;
  visaCategory: 1 | 2 | 3 | 4 | null;
  advice: RetryAdvice;
  /** Re-presentments the return code allows, e.g. ACH R01/R09 → 2 (3 presentments in all). */
  maxRepresentments: number | null;
  /** Days from the original presentment in which re-presentments may happen, e.g. 180 (ACH). */
  representmentWindowDays: number | null;
  /**
   * False while the charge is sent and its answer not yet recorded (it counts as a decline with
   * no advice meanwhile); absent means answered.
   */
  answered?: boolean;
};

export const NETWORKS = [
  'visa',
  'mastercard',
  'amex',
  'discover',
  'other',
  'ach',
  'sepa',
  'bacs',
] as const;

export type Network = (typeof NETWORKS)[number];

export type Credential = {
  network: Network;
  /** When the card or account was replaced or updated; null if never. */
  methodChangedAt: Date | null;
};

export type NetworkLimits = {
  /** Visa cap on reattempts after a decline (categories 2–4); 20 from 2025 per some processors. */
  visaReattemptsPer30Days: number;
  mastercardDeclinesPer24h: number;
  mastercardSameAmountDeclinesPer30Days: number;
};

// reference/declines.md: Visa 15 in 30 days (configurable); Mastercard 10 in 24 h, 35 in 30 days.
export const DEFAULT_NETWORK_LIMITS: NetworkLimits = {
  visaReattemptsPer30Days: 15,
  mastercardDeclinesPer24h: 10,
  mastercardSameAmountDeclinesPer30Days: 35,
};

/** Stable ids of the rules a refusal can name; a skipped retry records one of these. */
export const NETWORK_RULE_IDS = [
  'visa_category_1',
  'do_not_retry_advice',
  'category_hard',
  'category_update_method',
  'category_authentication_required',
  'visa_category_3',
  'retry_after_advice',
  'visa_reattempt_cap',
  'mastercard_declines_per_24h',
  'mastercard_same_amount_declines_per_30_days',
  'return_not_representable',
  'representment_limit',
  'representment_window',
  'charge_in_flight',
] as const;

export type NetworkRuleId = (typeof NETWORK_RULE_IDS)[number];

export type RuleVerdict =
  | { allowed: true; why: string }
  | {
      allowed: false;
      /** Stable id, one of NETWORK_RULE_IDS. */
      rule: string;
      /** Names the rule and its source. */
      why: string;
      /** Earliest time the retry becomes allowed; null = not until the method changes. */
      notBefore: Date | null;
    };
