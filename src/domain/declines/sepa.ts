import { codeText, type DebitReturnRule } from './code-table.ts';

export const SEPA_SOURCE = 'SEPA Direct Debit reason codes, declines-sourced.md §6';

/** Adyen Auto Rescue re-collects only AM04/MS03, at most twice in 42 days (returns cost fees). */
const FUNDS = { maxRepresentments: 2, representmentWindowDays: 42 };
/** Every other reason: no automatic re-collection. */
const STOP = { maxRepresentments: 0, representmentWindowDays: null };

export const SEPA_REASON_CODES: Readonly<Record<string, DebitReturnRule>> = {
  AM04: { ...FUNDS, category: 'insufficient_funds', meaning: 'insufficient funds' },
  MS03: {
    ...FUNDS,
    category: 'insufficient_funds',
    meaning: 'reason not specified (often insufficient funds)',
    note: 'also contact the customer',
  },
  MS02: {
    ...STOP,
    category: 'hard',
    meaning: 'refused by the debtor',
    note: 'declines.md says generic; the sourced file says no automatic retry',
  },
  AC01: { ...STOP, category: 'update_method', meaning: 'account identifier (IBAN) incorrect' },
  AC04: { ...STOP, category: 'update_method', meaning: 'account closed' },
  AC06: { ...STOP, category: 'update_method', meaning: 'account blocked for direct debit' },
  AG01: { ...STOP, category: 'update_method', meaning: 'transaction forbidden on this account' },
  AG02: {
    ...STOP,
    category: 'update_method',
    meaning: 'invalid operation code (sequence type or mandate reference)',
    note: 'fix and resubmit',
  },
  MD01: { ...STOP, category: 'hard', meaning: 'no valid mandate', note: 'a new mandate is needed' },
  MD02: { ...STOP, category: 'update_method', meaning: 'mandate data missing or incorrect' },
  MD06: {
    ...STOP,
    category: 'hard',
    meaning: 'refund requested by the debtor',
    note: 'do not re-collect automatically',
  },
  MD07: { ...STOP, category: 'hard', meaning: 'debtor deceased' },
  SL01: { ...STOP, category: 'hard', meaning: "specific service of the debtor's bank" },
};

/** ISO 20022 reason codes are four uppercase alphanumerics: ' am04 ' is AM04. */
export function normaliseSepaCode(code: unknown): string {
  return codeText(code).toUpperCase();
}
