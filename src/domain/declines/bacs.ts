import { codeText, type DebitReturnRule } from './code-table.ts';

export const BACS_SOURCE = 'Bacs ARUDD codes, declines-sourced.md §6';

const STOP = { maxRepresentments: 0, representmentWindowDays: null };

// ARUDD return codes. Code 0 is the only one that may be re-presented.
export const BACS_RETURN_CODES: Readonly<Record<string, DebitReturnRule>> = {
  '0': {
    category: 'insufficient_funds',
    meaning: 'refer to payer, usually no funds',
    maxRepresentments: 2,
    representmentWindowDays: 30,
    note: 'one source allows any number within a month (unverified); we cap at 2, as for SEPA/ACH',
  },
  '1': { ...STOP, category: 'hard', meaning: 'instruction cancelled by the payer' },
  '2': { ...STOP, category: 'hard', meaning: 'payer deceased' },
  '3': { ...STOP, category: 'update_method', meaning: 'account transferred' },
  '4': {
    ...STOP,
    category: 'hard',
    meaning: 'advance notice disputed',
    note: 'contact the payer',
  },
  '5': { ...STOP, category: 'update_method', meaning: 'no account' },
  '6': { ...STOP, category: 'hard', meaning: 'no instruction', note: 'a new DDI is needed' },
  '7': { ...STOP, category: 'update_method', meaning: 'amount differs', note: 'fix, re-notify' },
  '8': {
    ...STOP,
    category: 'update_method',
    meaning: 'amount not yet due',
    note: 'fix, re-notify',
  },
  '9': {
    ...STOP,
    category: 'update_method',
    meaning: 'presentation overdue',
    note: 'fix, re-notify',
  },
  A: { ...STOP, category: 'update_method', meaning: 'service user differs', note: 'fix' },
  B: { ...STOP, category: 'update_method', meaning: 'account closed', note: 'a new DDI is needed' },
};

/** ARUDD codes are one digit or one uppercase letter: ' a ' is A. */
export function normaliseBacsCode(code: unknown): string {
  return codeText(code).toUpperCase();
}
