import { describe, expect, it } from 'vitest';
import { loadModel } from './command.ts';
import { checkDeclineCodes } from './declines.ts';
import { validateModel } from './model.ts';
import { defaultModelJson, type ModelJson, modelWith, POPULATION_FILES } from './test-models.ts';

type Json = ModelJson;

function problemOf(patch: (json: Json) => void): string {
  const json = defaultModelJson();
  patch(json);
  const checked = validateModel(json);
  if (checked.ok) {
    const declines = checkDeclineCodes(checked.model);
    return declines ? `${declines.path} ${declines.problem}` : 'valid';
  }
  return `${checked.error.path} ${checked.error.problem}`;
}

describe('population model validation', () => {
  it('accepts the shipped default model, whose decline codes classify as their categories', () => {
    expect(problemOf(() => {})).toBe('valid');
  });

  it.each([
    [
      'a share out of range',
      (j: Json) => {
        j.declineMix.insufficient_funds = 1.5;
      },
      'declineMix.insufficient_funds must be a number from 0 to 1',
    ],
    [
      'a share of the wrong type',
      (j: Json) => {
        j.declineMix.generic = '0.24';
      },
      'declineMix.generic must be a number from 0 to 1',
    ],
    [
      'shares that do not sum to 1',
      (j: Json) => {
        j.declineMix.generic = 0.2;
      },
      'declineMix shares must sum to 1 (they sum to 0.96)',
    ],
    [
      'an unknown field',
      (j: Json) => {
        j.retrySuccess.generic.baes = 0.2;
      },
      'retrySuccess.generic.baes is not a known field',
    ],
    [
      'a missing field',
      (j: Json) => {
        delete j.payCycles.weekly;
      },
      'payCycles.weekly is required',
    ],
    [
      'a retry curve for a category that never succeeds',
      (j: Json) => {
        j.retrySuccess.hard = j.retrySuccess.generic;
      },
      'retrySuccess.hard is not allowed: hard declines never succeed on the same credential',
    ],
    [
      'a plan currency that is not ISO 4217',
      (j: Json) => {
        j.plans[1].currency = 'usd';
      },
      'plans[1].currency must be an ISO 4217 code such as "USD"',
    ],
    [
      'an amount in major units',
      (j: Json) => {
        j.plans[0].amountMinor = 9.99;
      },
      'plans[0].amountMinor must be a whole number of minor units greater than 0',
    ],
    [
      'an unknown time zone',
      (j: Json) => {
        j.timeZones['Mars/Olympus'] = j.timeZones['Asia/Tokyo'];
        delete j.timeZones['Asia/Tokyo'];
      },
      'timeZones.Mars/Olympus is not an IANA time zone',
    ],
    [
      'a decline code of another category',
      (j: Json) => {
        j.declineCodes.hard[0] = { code: 'expired_card', networkCode: '54', weight: 0.4 };
      },
      'declineCodes.hard[0] classifies as update_method on visa, not hard',
    ],
    [
      'an advice code that changes the category',
      (j: Json) => {
        j.mastercardAdvice.insufficient_funds = { none: 0.9, '03': 0.1 };
      },
      'mastercardAdvice.insufficient_funds.03 turns insufficient_funds declines (insufficient_funds) into hard',
    ],
    [
      'a delay range upside down',
      (j: Json) => {
        j.customerAction.delayHours = { min: 5, max: 1 };
      },
      'customerAction.delayHours.max must be at least customerAction.delayHours.min',
    ],
    [
      'a start date that does not exist',
      (j: Json) => {
        j.startDate = '2026-02-30';
      },
      'startDate must be a date as yyyy-mm-dd',
    ],
    [
      'a _source note that is not text',
      (j: Json) => {
        j.email._source = 3;
      },
      'email._source must be a string',
    ],
    [
      'both pay formats',
      (j: Json) => {
        j.payCalendars = [{ frequency: 'weekly', weight: 1, weekdays: { fri: 1 } }];
      },
      'payCycles cannot be given with payCalendars: name one of the two',
    ],
    [
      'no pay format',
      (j: Json) => {
        delete j.payCycles;
      },
      'payCalendars is required (or the older payCycles)',
    ],
    [
      'a weekday that is not one',
      (j: Json) => {
        delete j.payCycles;
        j.payCalendars = [{ frequency: 'biweekly', weight: 1, weekdays: { friday: 1 } }];
      },
      'payCalendars[0].weekdays.friday is not a weekday (one of mon, tue, wed, thu, fri, sat, sun)',
    ],
    [
      'a day of the month past 31',
      (j: Json) => {
        delete j.payCycles;
        j.payCalendars = [{ frequency: 'monthly', weight: 1, daysOfMonth: { '32': 1 } }];
      },
      'payCalendars[0].daysOfMonth.32 is not a day of the month',
    ],
    [
      'semimonthly days out of order',
      (j: Json) => {
        delete j.payCycles;
        j.payCalendars = [{ frequency: 'semimonthly', weight: 1, days: [15, 1] }];
      },
      'payCalendars[0].days must be two days of the month in order',
    ],
    [
      'an unknown holiday calendar',
      (j: Json) => {
        delete j.payCycles;
        j.payCalendars = [{ frequency: 'weekly', weight: 1, weekdays: { fri: 1 }, holidays: 'uk' }];
      },
      'payCalendars[0].holidays must be one of none, us_federal, target',
    ],
    [
      'a plan currency without an exchange rate',
      (j: Json) => {
        delete j.exchangeRates.rates.GBP;
      },
      'exchangeRates.rates.GBP is required: a plan is billed in GBP',
    ],
    [
      'a fatigue factor above 1',
      (j: Json) => {
        j.customerAction.fatigue = { responseFactor: 1.2 };
      },
      'customerAction.fatigue.responseFactor must be a number from 0 to 1',
    ],
  ])('names the field at fault: %s', (_, patch, expected) => {
    expect(problemOf(patch)).toContain(expected);
  });

  it.each(POPULATION_FILES)('accepts the shipped population %s', (file) => {
    const checked = loadModel(file);
    expect(checked.ok ? 'valid' : checked.message).toBe('valid');
  });

  it('reads the older payCycles as calendars, with every new field at its default', () => {
    const model = modelWith(() => {});
    expect(model.payCalendars.map((c) => [c.frequency, c.weight])).toEqual([
      ['monthly', 0.05],
      ['semimonthly', 0.2],
      ['biweekly', 0.37],
      ['weekly', 0.32],
      ['monthly', 0.06],
    ]);
    expect(model.payCalendars[4]).toMatchObject({
      daysOfMonth: { '31': 1 },
      weekend: 'before',
      holidays: 'none',
      arrivalHour: 0,
    });
    expect(model.financialHealth).toBeNull();
    expect(model.customerAction).toMatchObject({ fatigue: null, churn: null });
    expect(model.retrySuccess.generic.declineFactor).toBeUndefined();
  });

  it('reports a top level that is not an object', () => {
    expect(validateModel([])).toEqual({
      ok: false,
      error: { path: '(top level)', problem: 'must be an object, not an array' },
    });
  });
});
