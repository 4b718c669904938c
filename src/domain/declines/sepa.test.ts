import { describe, expect, it } from 'vitest';
import type { DeclineCategory } from './categories.ts';
import { classifyDecline } from './classify.ts';
import { normaliseSepaCode, SEPA_REASON_CODES } from './sepa.ts';

type Row = readonly [
  code: string,
  category: DeclineCategory,
  max: number,
  windowDays: number | null,
];

// Every reason code of declines.md and declines-sourced.md §6. Only AM04/MS03 are collected
// again, at most twice in 42 days (Adyen Auto Rescue's practice).
const ROWS: readonly Row[] = [
  ['AM04', 'insufficient_funds', 2, 42],
  ['MS03', 'insufficient_funds', 2, 42],
  ['MS02', 'hard', 0, null], // declines.md: generic; declines-sourced.md: no automatic retry
  ['AC01', 'update_method', 0, null],
  ['AC04', 'update_method', 0, null], // declines.md: hard; declines-sourced.md: update method
  ['AC06', 'update_method', 0, null], // likewise
  ['AG01', 'update_method', 0, null], // likewise
  ['AG02', 'update_method', 0, null],
  ['MD01', 'hard', 0, null],
  ['MD02', 'update_method', 0, null],
  ['MD06', 'hard', 0, null],
  ['MD07', 'hard', 0, null],
  ['SL01', 'hard', 0, null],
];

describe('SEPA Direct Debit reason codes', () => {
  it('the table holds exactly the codes the references list', () => {
    expect(Object.keys(SEPA_REASON_CODES).sort()).toEqual(ROWS.map(([code]) => code).sort());
  });

  it.each(ROWS)(
    '%s is %s: %i automatic re-presentments, window %s days',
    (code, category, max, days) => {
      expect(classifyDecline({ scheme: 'sepa', code })).toEqual({
        category,
        known: true,
        why: expect.stringContaining(`SEPA reason code ${code} (`),
        visaCategory: null,
        advice: { kind: 'none' },
        hideReasonFromCustomer: false,
        maxRepresentments: max,
        representmentWindowDays: days,
      });
    },
  );

  it('a refund the debtor asked for (MD06) is never collected again automatically', () => {
    expect(classifyDecline({ scheme: 'sepa', code: 'MD06' }).why).toContain(
      'do not re-collect automatically',
    );
  });

  it.each([
    [' am04 ', 'AM04'],
    ['ms03', 'MS03'],
    ['Ac01', 'AC01'],
  ])('%j is read as %j', (raw, code) => {
    expect(normaliseSepaCode(raw)).toBe(code);
  });

  it.each([['AM05'], ['XX99'], ['AM 04'], [''], ['constructor'], ['__proto__']])(
    'an unknown reason code %j is generic, unknown and never re-presented automatically',
    (code) => {
      expect(classifyDecline({ scheme: 'sepa', code })).toMatchObject({
        category: 'generic',
        known: false,
        maxRepresentments: 0,
        representmentWindowDays: null,
      });
    },
  );
});
