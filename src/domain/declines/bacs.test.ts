import { describe, expect, it } from 'vitest';
import { BACS_RETURN_CODES, normaliseBacsCode } from './bacs.ts';
import type { DeclineCategory } from './categories.ts';
import { classifyDecline } from './classify.ts';

type Row = readonly [
  code: string,
  category: DeclineCategory,
  max: number,
  windowDays: number | null,
];

// Every ARUDD code of declines-sourced.md §6. Code 0 is the only re-presentable one; the
// sourced file's "any number within a month" is unverified, so we cap at 2 in 30 days.
const ROWS: readonly Row[] = [
  ['0', 'insufficient_funds', 2, 30],
  ['1', 'hard', 0, null],
  ['2', 'hard', 0, null],
  ['3', 'update_method', 0, null],
  ['4', 'hard', 0, null],
  ['5', 'update_method', 0, null],
  ['6', 'hard', 0, null],
  ['7', 'update_method', 0, null],
  ['8', 'update_method', 0, null],
  ['9', 'update_method', 0, null],
  ['A', 'update_method', 0, null],
  ['B', 'update_method', 0, null],
];

describe('Bacs ARUDD return codes', () => {
  it('the table holds exactly the codes the sourced reference lists', () => {
    expect(Object.keys(BACS_RETURN_CODES).sort()).toEqual(ROWS.map(([code]) => code).sort());
  });

  it.each(ROWS)(
    '%s is %s: %i automatic re-presentments, window %s days',
    (code, category, max, days) => {
      expect(classifyDecline({ scheme: 'bacs', code })).toEqual({
        category,
        known: true,
        why: expect.stringContaining(`Bacs ARUDD code ${code} (`),
        visaCategory: null,
        advice: { kind: 'none' },
        hideReasonFromCustomer: false,
        maxRepresentments: max,
        representmentWindowDays: days,
      });
    },
  );

  it.each([
    [' a ', 'A'],
    ['b', 'B'],
    [' 0 ', '0'],
  ])('%j is read as %j', (raw, code) => {
    expect(normaliseBacsCode(raw)).toBe(code);
  });

  it.each([['C'], ['00'], ['10'], [''], ['constructor'], ['__proto__']])(
    'an unknown code %j is generic, unknown and never re-presented automatically',
    (code) => {
      expect(classifyDecline({ scheme: 'bacs', code })).toMatchObject({
        category: 'generic',
        known: false,
        maxRepresentments: 0,
        representmentWindowDays: null,
      });
    },
  );
});
