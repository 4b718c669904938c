import type { DeclineCategory } from './categories.ts';

/** One row of a decline table. Tables are data so a code can move category without a code change. */
export type CodeRule = {
  readonly category: DeclineCategory;
  readonly meaning: string;
  /** Lost, stolen, fraud or block-list: show the customer a generic decline (Stripe's advice). */
  readonly hideReason?: boolean;
  /** Where this row departs from a reference, or what is unverified. */
  readonly note?: string;
};

/** A bank-debit return code (ACH, SEPA, Bacs): how often the same debit may be presented again. */
export type DebitReturnRule = CodeRule & {
  /** Automatic re-presentments allowed after this return; 0 = fix the cause first. */
  readonly maxRepresentments: number;
  readonly representmentWindowDays: number | null;
};

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Own keys only: codes are free strings, and `constructor` or `__proto__` must not match. */
export function findRule<Rule>(
  table: Readonly<Record<string, Rule>>,
  code: string,
): Rule | undefined {
  return Object.hasOwn(table, code) ? table[code] : undefined;
}

/** Codes come from gateways as free strings (a number through JSON, at worst); never throw on one. */
export function codeText(code: unknown): string {
  if (typeof code === 'string') return code.trim();
  if (typeof code === 'number' && Number.isFinite(code)) return String(code);
  return '';
}
