import { codeText, type DebitReturnRule } from './code-table.ts';

export const NACHA_SOURCE = 'NACHA return codes, declines-sourced.md §5';

/** R01/R09 may be reinitiated at most twice (three presentments) within 180 days of settlement. */
const FUNDS = { maxRepresentments: 2, representmentWindowDays: 180 };
/** Every other return: no automatic reinitiation; fix the cause first. */
const STOP = { maxRepresentments: 0, representmentWindowDays: null };

export const NACHA_RETURN_CODES: Readonly<Record<string, DebitReturnRule>> = {
  R01: { ...FUNDS, category: 'insufficient_funds', meaning: 'insufficient funds' },
  R09: { ...FUNDS, category: 'insufficient_funds', meaning: 'uncollected funds' },
  R02: { ...STOP, category: 'update_method', meaning: 'account closed' },
  R03: { ...STOP, category: 'update_method', meaning: 'no account / unable to locate account' },
  R04: { ...STOP, category: 'update_method', meaning: 'invalid account number' },
  R20: { ...STOP, category: 'update_method', meaning: 'non-transaction account' },
  R05: { ...STOP, category: 'hard', meaning: 'unauthorized debit to a consumer account' },
  R07: { ...STOP, category: 'hard', meaning: 'authorization revoked by the customer' },
  R08: {
    ...STOP,
    category: 'hard',
    meaning: 'payment stopped',
    note: 'only again after the customer re-authorizes',
  },
  R10: { ...STOP, category: 'hard', meaning: 'customer advises not authorized' },
  R11: {
    ...STOP,
    category: 'hard',
    meaning: 'entry not in accordance with the terms of the authorization',
    note: 'fix the cause before any new entry (unverified)',
  },
  R16: { ...STOP, category: 'hard', meaning: 'account frozen' },
  R29: { ...STOP, category: 'hard', meaning: 'corporate customer advises not authorized' },
  R31: {
    ...STOP,
    category: 'hard',
    meaning: 'permissible return entry (CCD/CTX)',
    note: 'Stripe maps it to debit_not_authorized',
  },
  R51: { ...STOP, category: 'hard', meaning: 'RCK entry ineligible or improper (unauthorized)' },
};

/** NACHA codes are 'R' and two digits: ' r01 ' is R01, and 'R1' lost its leading zero. */
export function normaliseNachaCode(code: unknown): string {
  const text = codeText(code).toUpperCase();
  return /^R\d$/.test(text) ? `R0${text.slice(1)}` : text;
}
