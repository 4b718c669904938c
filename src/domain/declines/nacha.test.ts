import { describe, expect, it } from 'vitest';
import type { DeclineCategory } from './categories.ts';
import { classifyDecline } from './classify.ts';
import { NACHA_RETURN_CODES, normaliseNachaCode } from './nacha.ts';

type Row = readonly [
  code: string,
  category: DeclineCategory,
  max: number,
  windowDays: number | null,
];

// Every return code of declines.md and declines-sourced.md §5. R01/R09: at most 2
// reinitiations (3 presentments) within 180 days; every other code: none automatically.
const ROWS: readonly Row[] = [
  ['R01', 'insufficient_funds', 2, 180],
  ['R09', 'insufficient_funds', 2, 180],
  ['R02', 'update_method', 0, null],
  ['R03', 'update_method', 0, null],
  ['R04', 'update_method', 0, null],
  ['R20', 'update_method', 0, null],
  ['R05', 'hard', 0, null],
  ['R07', 'hard', 0, null],
  ['R08', 'hard', 0, null],
  ['R10', 'hard', 0, null],
  ['R11', 'hard', 0, null],
  ['R16', 'hard', 0, null],
  ['R29', 'hard', 0, null],
  ['R31', 'hard', 0, null],
  ['R51', 'hard', 0, null],
];

describe('NACHA ACH return codes', () => {
  it('the table holds exactly the codes the references list', () => {
    expect(Object.keys(NACHA_RETURN_CODES).sort()).toEqual(ROWS.map(([code]) => code).sort());
  });

  it.each(ROWS)(
    '%s is %s: %i automatic re-presentments, window %s days',
    (code, category, max, days) => {
      expect(classifyDecline({ scheme: 'nacha', code })).toEqual({
        category,
        known: true,
        why: expect.stringContaining(`NACHA return code ${code} (`),
        visaCategory: null,
        advice: { kind: 'none' },
        hideReasonFromCustomer: false,
        maxRepresentments: max,
        representmentWindowDays: days,
      });
    },
  );

  it('the why for R01 states the re-presentment rule and its source', () => {
    expect(classifyDecline({ scheme: 'nacha', code: 'R01' }).why).toBe(
      'NACHA return code R01 (insufficient funds) → insufficient_funds, ' +
        're-present at most 2 times within 180 days [NACHA return codes, declines-sourced.md §5]',
    );
  });

  it.each([
    [' r01 ', 'R01'],
    ['r09', 'R09'],
    ['R1', 'R01'],
    ['R001', 'R001'],
  ])('%j is read as %j', (raw, code) => {
    expect(normaliseNachaCode(raw)).toBe(code);
  });

  it.each([['R99'], ['R001'], ['01'], [''], ['constructor'], ['__proto__']])(
    'an unknown return code %j is generic, unknown and never re-presented automatically',
    (code) => {
      expect(classifyDecline({ scheme: 'nacha', code })).toMatchObject({
        category: 'generic',
        known: false,
        maxRepresentments: 0,
        representmentWindowDays: null,
      });
    },
  );
});
