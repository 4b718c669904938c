// The population model: what a generated population of failed payments looks like and how its
// customers and cards behave. Read from JSON (docs/population-model.json by default) and checked
// strictly; the format is documented field by field in docs/simulation-model.md.
import { IANAZone } from 'luxon';
import { DECLINE_CATEGORIES, type DeclineCategory } from '../../domain/declines/categories.ts';
import { isAmountMinor, isCurrencyCode } from '../../domain/money.ts';
import {
  HOLIDAY_CALENDARS,
  type HolidayCalendar,
  WEEKDAYS,
  WEEKEND_RULES,
  type Weekday,
  type WeekendRule,
} from './paydays.ts';

export const MODEL_VERSION = 1;

export const CARD_NETWORKS = ['visa', 'mastercard', 'amex', 'discover', 'other'] as const;
export type CardNetwork = (typeof CARD_NETWORKS)[number];

export const PAY_CYCLE_KINDS = [
  'monthly_1st',
  'semi_monthly',
  'biweekly',
  'weekly',
  'last_business_day',
] as const;
export type PayCycleKind = (typeof PAY_CYCLE_KINDS)[number];

/** Categories whose retries can succeed on the same credential; the others never do. */
export const RETRYABLE_CATEGORIES = ['insufficient_funds', 'temporary', 'generic'] as const;
export type RetryableCategory = (typeof RETRYABLE_CATEGORIES)[number];

/** A raw decline as Stripe reports it: `decline_code` and the issuer's `network_decline_code`. */
export type DeclineCode = {
  readonly code: string;
  readonly networkCode: string | null;
  readonly weight: number;
};

export type Plan = {
  readonly amountMinor: number;
  readonly currency: string;
  readonly weight: number;
};

/**
 * Chance that an off-session retry succeeds, for a customer whose card can recover at all:
 *   p = min(1, base × rise(h) × decay(h) × boost(d))
 *   rise(h)  = 1 − 2^(−h / riseHalfLifeHours)            (1 when riseHalfLifeHours is 0)
 *   decay(h) = floor + (1 − floor) × 2^(−h / decayHalfLifeHours)
 *   boost(d) = paydayBoost when 0 ≤ d < paydayWindowHours, else 1
 * with h = hours since the first failure and d = hours since the customer's pay last arrived;
 * the optional extras and financial health scale it further (docs "retrySuccess").
 */
export type RetryCurve = {
  readonly recoverableShare: number;
  readonly base: number;
  readonly riseHalfLifeHours: number;
  readonly decayHalfLifeHours: number;
  readonly floor: number;
  readonly paydayBoost: number;
  readonly paydayWindowHours: number;
} & RetryCurveExtras;

/**
 * One way customers are paid, with its share of customers. Weekly and biweekly pay falls on a
 * weekday drawn from `weekdays`; monthly pay on a day drawn from `daysOfMonth` (31 = the last day
 * of every month); semimonthly pay on both `days`. See docs/simulation-model.md "payCalendars".
 */
export type PayCalendar = (
  | {
      readonly frequency: 'weekly' | 'biweekly';
      readonly weekdays: Readonly<Partial<Record<Weekday, number>>>;
    }
  | { readonly frequency: 'semimonthly'; readonly days: readonly [number, number] }
  | { readonly frequency: 'monthly'; readonly daysOfMonth: Readonly<Record<string, number>> }
) & {
  readonly weight: number;
  readonly weekend: WeekendRule;
  readonly holidays: HolidayCalendar;
  readonly arrivalHour: number;
};

/** Optional effects on retries (each absent = today's model): see docs "retrySuccess". */
export type RetryCurveExtras = {
  /** When set, the payday boost fades with this half-life instead of stopping at the window. */
  readonly paydayHalfLifeHours?: number;
  /** Each declined retry on the card multiplies the chance of later ones by this. */
  readonly declineFactor?: number;
};

/** A latent per-customer multiplier, lognormal with mean 1, on retry and action chances. */
export type FinancialHealth = {
  readonly spread: number;
  readonly retryElasticity: number;
  readonly actionElasticity: number;
};

export type ExchangeRates = {
  readonly reportingCurrency: string;
  /** Units of the reporting currency for one (major) unit of each other currency. */
  readonly rates: Readonly<Record<string, number>>;
};

export type Source = { readonly id: string; readonly title: string; readonly url: string | null };

export type PopulationModel = {
  readonly version: number;
  readonly description: string;
  readonly sources: readonly Source[];
  /** UTC date (yyyy-mm-dd) at whose midnight the simulated clock starts. */
  readonly startDate: string;
  readonly firstFailureWithinDays: number;
  readonly declineMix: Readonly<Record<DeclineCategory, number>>;
  readonly declineCodes: Readonly<Record<DeclineCategory, readonly DeclineCode[]>>;
  readonly networks: Readonly<Partial<Record<CardNetwork, number>>>;
  /** Per category, weights of Mastercard merchant advice codes; the key `none` means no MAC. */
  readonly mastercardAdvice: Readonly<Record<DeclineCategory, Readonly<Record<string, number>>>>;
  readonly plans: readonly Plan[];
  /** How customers are paid: `payCycles` of older files are read as their equivalent calendars. */
  readonly payCalendars: readonly PayCalendar[];
  readonly timeZones: Readonly<Record<string, number>>;
  readonly retrySuccess: Readonly<Record<RetryableCategory, RetryCurve>>;
  readonly customerAction: {
    readonly afterMessage: Readonly<Record<DeclineCategory, number>>;
    readonly delayHours: { readonly min: number; readonly max: number };
    /** The n-th delivered message moves a customer with afterMessage × responseFactor^(n−1). */
    readonly fatigue: { readonly responseFactor: number } | null;
    /** Customers who cancel after too many messages (voluntary churn). */
    readonly churn: {
      readonly toleratedMessages: number;
      readonly chancePerExtraMessage: number;
    } | null;
  };
  readonly email: { readonly bounceRate: number };
  readonly engine: { readonly knownPayCycleShare: number };
  readonly financialHealth: FinancialHealth | null;
  readonly exchangeRates: ExchangeRates | null;
};

export type ModelError = { readonly path: string; readonly problem: string };
export type ModelResult =
  | { readonly ok: true; readonly model: PopulationModel }
  | { readonly ok: false; readonly error: ModelError };

/** Shares must sum to 1 within this much. */
export const SHARE_TOLERANCE = 0.001;
const MAX_DAYS = 366;
const MAX_HOURS = 24 * MAX_DAYS;
const NOTE = '_source';

/** Thrown only inside this module, to stop at the first problem; callers get a ModelResult. */
class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path} ${problem}`);
  }
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);
const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

type Json = Record<string, unknown>;

/** An object whose keys are exactly `required` (+ `optional`), each optional `_source` a string. */
function object(
  value: unknown,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid(path || '(top level)', `must be an object, not ${describe(value)}`);
  }
  const obj = value as Json;
  const allowed = new Set([...required, ...optional, NOTE]);
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      throw new Invalid(
        join(path, key),
        `is not a known field (allowed: ${[...allowed].join(', ')})`,
      );
    }
  }
  for (const key of required) {
    if (!Object.hasOwn(obj, key)) throw new Invalid(join(path, key), 'is required');
  }
  if (Object.hasOwn(obj, NOTE) && typeof obj[NOTE] !== 'string') {
    throw new Invalid(join(path, NOTE), 'must be a string');
  }
  return obj;
}

function number(
  value: unknown,
  path: string,
  min: number,
  max: number,
  opts: { integer?: boolean; minExclusive?: boolean } = {},
): number {
  const kind = opts.integer ? 'a whole number' : 'a number';
  const range = `${kind} ${opts.minExclusive ? `greater than ${min} and at most` : `from ${min} to`} ${max}`;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Invalid(path, `must be ${range}`);
  if (opts.integer && !Number.isInteger(value)) throw new Invalid(path, `must be ${range}`);
  if (value < min || value > max || (opts.minExclusive && value === min)) {
    throw new Invalid(path, `must be ${range}`);
  }
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Invalid(path, 'must be a non-empty string');
  }
  return value;
}

function sumsToOne(weights: readonly number[], path: string, what = 'shares'): void {
  const total = weights.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > SHARE_TOLERANCE) {
    throw new Invalid(path, `${what} must sum to 1 (they sum to ${round(total)})`);
  }
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** A map of `keys` (all required) to shares from 0 to 1 that sum to 1. */
function shares<K extends string>(
  value: unknown,
  path: string,
  keys: readonly K[],
): Record<K, number> {
  const obj = object(value, path, keys);
  const out = {} as Record<K, number>;
  for (const key of keys) out[key] = number(obj[key], join(path, key), 0, 1);
  sumsToOne(Object.values<number>(out), path);
  return out;
}

/** A map of free keys (checked by `keyOk`) to shares from 0 to 1 that sum to 1. */
function openShares(
  value: unknown,
  path: string,
  keyOk: (key: string) => string | null,
): Record<string, number> {
  const obj = looseObject(value, path);
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(obj)) {
    if (key === NOTE) continue;
    const bad = keyOk(key);
    if (bad) throw new Invalid(join(path, key), bad);
    out[key] = number(v, join(path, key), 0, 1);
  }
  if (Object.keys(out).length === 0) throw new Invalid(path, 'must name at least one entry');
  sumsToOne(Object.values(out), path);
  return out;
}

function looseObject(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid(path, `must be an object, not ${describe(value)}`);
  }
  const obj = value as Json;
  if (Object.hasOwn(obj, NOTE) && typeof obj[NOTE] !== 'string') {
    throw new Invalid(join(path, NOTE), 'must be a string');
  }
  return obj;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(path, `must be an array, not ${describe(value)}`);
  if (value.length === 0) throw new Invalid(path, 'must not be empty');
  return value;
}

function sources(value: unknown, path: string): Source[] {
  return array(value, path).map((entry, i) => {
    const p = `${path}[${i}]`;
    const obj = object(entry, p, ['id', 'title'], ['url', 'note']);
    if (Object.hasOwn(obj, 'note') && typeof obj.note !== 'string') {
      throw new Invalid(`${p}.note`, 'must be a string');
    }
    const url = obj.url === undefined || obj.url === null ? null : string(obj.url, `${p}.url`);
    return { id: string(obj.id, `${p}.id`), title: string(obj.title, `${p}.title`), url };
  });
}

function startDate(value: unknown, path: string): string {
  const text = string(value, path);
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
    Number.isNaN(ms) ||
    new Date(ms).toISOString().slice(0, 10) !== text
  ) {
    throw new Invalid(path, 'must be a date as yyyy-mm-dd');
  }
  return text;
}

function declineCodes(value: unknown, path: string): Record<DeclineCategory, DeclineCode[]> {
  const obj = object(value, path, DECLINE_CATEGORIES);
  const out = {} as Record<DeclineCategory, DeclineCode[]>;
  for (const category of DECLINE_CATEGORIES) {
    const p = join(path, category);
    out[category] = array(obj[category], p).map((entry, i) => {
      const ep = `${p}[${i}]`;
      const e = object(entry, ep, ['code', 'weight'], ['networkCode']);
      const networkCode =
        e.networkCode === undefined || e.networkCode === null
          ? null
          : string(e.networkCode, `${ep}.networkCode`);
      return {
        code: string(e.code, `${ep}.code`),
        networkCode,
        weight: number(e.weight, `${ep}.weight`, 0, 1),
      };
    });
    sumsToOne(
      out[category].map((c) => c.weight),
      p,
      'weights',
    );
  }
  return out;
}

function mastercardAdvice(
  value: unknown,
  path: string,
): Record<DeclineCategory, Record<string, number>> {
  const obj = object(value, path, [], DECLINE_CATEGORIES);
  const out = {} as Record<DeclineCategory, Record<string, number>>;
  for (const category of DECLINE_CATEGORIES) {
    out[category] =
      obj[category] === undefined
        ? { none: 1 }
        : openShares(obj[category], join(path, category), (key) =>
            key === 'none' || /^\d{2}$/.test(key)
              ? null
              : 'is not a merchant advice code: use two digits (e.g. "25") or "none"',
          );
  }
  return out;
}

function plans(value: unknown, path: string): Plan[] {
  const out = array(value, path).map((entry, i) => {
    const p = `${path}[${i}]`;
    const e = object(entry, p, ['amountMinor', 'currency', 'weight']);
    if (!isAmountMinor(e.amountMinor) || e.amountMinor === 0) {
      throw new Invalid(`${p}.amountMinor`, 'must be a whole number of minor units greater than 0');
    }
    if (typeof e.currency !== 'string' || !isCurrencyCode(e.currency)) {
      throw new Invalid(`${p}.currency`, 'must be an ISO 4217 code such as "USD"');
    }
    return {
      amountMinor: e.amountMinor,
      currency: e.currency,
      weight: number(e.weight, `${p}.weight`, 0, 1),
    };
  });
  sumsToOne(
    out.map((p) => p.weight),
    path,
    'weights',
  );
  return out;
}

function retryCurve(value: unknown, path: string): RetryCurve {
  const keys = [
    'recoverableShare',
    'base',
    'riseHalfLifeHours',
    'decayHalfLifeHours',
    'floor',
    'paydayBoost',
    'paydayWindowHours',
  ] as const;
  const obj = object(value, path, keys, ['paydayHalfLifeHours', 'declineFactor']);
  const extras: { paydayHalfLifeHours?: number; declineFactor?: number } = {};
  if (obj.paydayHalfLifeHours !== undefined) {
    extras.paydayHalfLifeHours = number(
      obj.paydayHalfLifeHours,
      join(path, 'paydayHalfLifeHours'),
      0,
      MAX_HOURS,
      { minExclusive: true },
    );
  }
  if (obj.declineFactor !== undefined) {
    extras.declineFactor = number(obj.declineFactor, join(path, 'declineFactor'), 0, 1);
  }
  return {
    ...extras,
    recoverableShare: number(obj.recoverableShare, join(path, 'recoverableShare'), 0, 1),
    base: number(obj.base, join(path, 'base'), 0, 1),
    riseHalfLifeHours: number(obj.riseHalfLifeHours, join(path, 'riseHalfLifeHours'), 0, MAX_HOURS),
    decayHalfLifeHours: number(
      obj.decayHalfLifeHours,
      join(path, 'decayHalfLifeHours'),
      0,
      MAX_HOURS,
      {
        minExclusive: true,
      },
    ),
    floor: number(obj.floor, join(path, 'floor'), 0, 1),
    paydayBoost: number(obj.paydayBoost, join(path, 'paydayBoost'), 0, 10),
    paydayWindowHours: number(obj.paydayWindowHours, join(path, 'paydayWindowHours'), 0, MAX_HOURS),
  };
}

function retrySuccess(value: unknown, path: string): Record<RetryableCategory, RetryCurve> {
  const obj = looseObject(value, path);
  for (const key of Object.keys(obj)) {
    if (key === NOTE) continue;
    if (
      (DECLINE_CATEGORIES as readonly string[]).includes(key) &&
      !(RETRYABLE_CATEGORIES as readonly string[]).includes(key)
    ) {
      throw new Invalid(
        join(path, key),
        `is not allowed: ${key} declines never succeed on the same credential`,
      );
    }
  }
  const checked = object(obj, path, RETRYABLE_CATEGORIES);
  const out = {} as Record<RetryableCategory, RetryCurve>;
  for (const category of RETRYABLE_CATEGORIES) {
    out[category] = retryCurve(checked[category], join(path, category));
  }
  return out;
}

function probabilities<K extends string>(
  value: unknown,
  path: string,
  keys: readonly K[],
): Record<K, number> {
  const obj = object(value, path, keys);
  const out = {} as Record<K, number>;
  for (const key of keys) out[key] = number(obj[key], join(path, key), 0, 1);
  return out;
}

/** What each `payCycles` kind of older files means, as a calendar (docs "payCycles"). */
export function legacyPayCalendar(kind: PayCycleKind, weight: number): PayCalendar {
  const rest = { weight, weekend: 'before', holidays: 'none', arrivalHour: 0 } as const;
  switch (kind) {
    case 'weekly':
    case 'biweekly':
      return { frequency: kind, weekdays: { fri: 1 }, ...rest };
    case 'semi_monthly':
      return { frequency: 'semimonthly', days: [1, 15], ...rest };
    case 'monthly_1st':
      return { frequency: 'monthly', daysOfMonth: { '1': 1 }, ...rest };
    case 'last_business_day':
      return { frequency: 'monthly', daysOfMonth: { '31': 1 }, ...rest };
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/** In the order of PAY_CYCLE_KINDS, so a population draws exactly as it did from `payCycles`. */
const legacyPayCalendars = (weights: Record<PayCycleKind, number>) =>
  PAY_CYCLE_KINDS.map((kind) => legacyPayCalendar(kind, weights[kind]));

const FREQUENCIES = ['weekly', 'biweekly', 'semimonthly', 'monthly'] as const;

function oneOf<T extends string>(value: unknown, path: string, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    throw new Invalid(path, `must be one of ${options.join(', ')}`);
  }
  return value as T;
}

const dayOfMonthKey = (key: string) =>
  /^\d{1,2}$/.test(key) && Number(key) >= 1 && Number(key) <= 31
    ? null
    : 'is not a day of the month: use "1" to "31" (31 = the last day of every month)';

function payCalendars(value: unknown, path: string): PayCalendar[] {
  const out = array(value, path).map((entry, i): PayCalendar => {
    const p = `${path}[${i}]`;
    const head = looseObject(entry, p);
    const frequency = oneOf(head.frequency, `${p}.frequency`, FREQUENCIES);
    const when =
      frequency === 'semimonthly' ? 'days' : frequency === 'monthly' ? 'daysOfMonth' : 'weekdays';
    const e = object(
      entry,
      p,
      ['frequency', 'weight', when],
      ['weekend', 'holidays', 'arrivalHour'],
    );
    const rest = {
      weight: number(e.weight, `${p}.weight`, 0, 1),
      weekend: e.weekend === undefined ? 'before' : oneOf(e.weekend, `${p}.weekend`, WEEKEND_RULES),
      holidays:
        e.holidays === undefined ? 'none' : oneOf(e.holidays, `${p}.holidays`, HOLIDAY_CALENDARS),
      arrivalHour:
        e.arrivalHour === undefined
          ? 0
          : number(e.arrivalHour, `${p}.arrivalHour`, 0, 23, { integer: true }),
    } as const;
    switch (frequency) {
      case 'weekly':
      case 'biweekly': {
        const weekdays = openShares(e.weekdays, `${p}.weekdays`, (key) =>
          (WEEKDAYS as readonly string[]).includes(key)
            ? null
            : `is not a weekday (one of ${WEEKDAYS.join(', ')})`,
        );
        return { frequency, weekdays, ...rest };
      }
      case 'semimonthly': {
        const days = e.days;
        if (
          !Array.isArray(days) ||
          days.length !== 2 ||
          !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 31) ||
          days[0] >= days[1]
        ) {
          throw new Invalid(
            `${p}.days`,
            'must be two days of the month in order, e.g. [1, 15] or [15, 31] (31 = the last day)',
          );
        }
        return { frequency, days: [days[0], days[1]], ...rest };
      }
      case 'monthly':
        return {
          frequency,
          daysOfMonth: openShares(e.daysOfMonth, `${p}.daysOfMonth`, dayOfMonthKey),
          ...rest,
        };
      default: {
        const unreachable: never = frequency;
        return unreachable;
      }
    }
  });
  sumsToOne(
    out.map((c) => c.weight),
    path,
    'weights',
  );
  return out;
}

function financialHealth(value: unknown, path: string): FinancialHealth {
  const obj = object(value, path, ['spread'], ['retryElasticity', 'actionElasticity']);
  const elasticity = (key: string) =>
    obj[key] === undefined ? 1 : number(obj[key], join(path, key), -3, 3);
  return {
    spread: number(obj.spread, join(path, 'spread'), 0, 3),
    retryElasticity: elasticity('retryElasticity'),
    actionElasticity: elasticity('actionElasticity'),
  };
}

function exchangeRates(value: unknown, path: string, used: readonly Plan[]): ExchangeRates {
  const obj = object(value, path, ['reportingCurrency', 'rates']);
  const reporting = obj.reportingCurrency;
  if (typeof reporting !== 'string' || !isCurrencyCode(reporting)) {
    throw new Invalid(join(path, 'reportingCurrency'), 'must be an ISO 4217 code such as "USD"');
  }
  const ratesPath = join(path, 'rates');
  const raw = looseObject(obj.rates, ratesPath);
  const rates: Record<string, number> = {};
  for (const [code, rate] of Object.entries(raw)) {
    if (code === NOTE) continue;
    if (!isCurrencyCode(code)) throw new Invalid(join(ratesPath, code), 'is not an ISO 4217 code');
    rates[code] = number(rate, join(ratesPath, code), 0, 1e9, { minExclusive: true });
  }
  rates[reporting] ??= 1;
  if (rates[reporting] !== 1) {
    throw new Invalid(join(ratesPath, reporting), 'must be 1: it is the reporting currency');
  }
  for (const plan of used) {
    if (rates[plan.currency] === undefined) {
      throw new Invalid(
        join(ratesPath, plan.currency),
        `is required: a plan is billed in ${plan.currency}`,
      );
    }
  }
  return { reportingCurrency: reporting, rates };
}

/** Checks parsed JSON against the model format; the first problem names its field path. */
export function validateModel(json: unknown): ModelResult {
  try {
    return { ok: true, model: readModel(json) };
  } catch (error) {
    if (error instanceof Invalid)
      return { ok: false, error: { path: error.path, problem: error.problem } };
    throw error;
  }
}

function readModel(json: unknown): PopulationModel {
  const top = object(
    json,
    '',
    [
      'version',
      'sources',
      'startDate',
      'firstFailureWithinDays',
      'declineMix',
      'declineCodes',
      'networks',
      'plans',
      'timeZones',
      'retrySuccess',
      'customerAction',
      'email',
    ],
    [
      'description',
      '$schema',
      'mastercardAdvice',
      'engine',
      'payCycles',
      'payCalendars',
      'financialHealth',
      'exchangeRates',
    ],
  );
  // Older files say `payCycles`; a file names exactly one of the two.
  if ((top.payCycles === undefined) === (top.payCalendars === undefined)) {
    throw new Invalid(
      top.payCycles === undefined ? 'payCalendars' : 'payCycles',
      top.payCycles === undefined
        ? 'is required (or the older payCycles)'
        : 'cannot be given with payCalendars: name one of the two',
    );
  }
  if (top.version !== MODEL_VERSION) {
    throw new Invalid('version', `must be ${MODEL_VERSION}`);
  }
  if (top.description !== undefined && typeof top.description !== 'string') {
    throw new Invalid('description', 'must be a string');
  }
  const action = object(
    top.customerAction,
    'customerAction',
    ['afterMessage', 'delayHours'],
    ['fatigue', 'churn'],
  );
  const fatigue =
    action.fatigue === undefined
      ? null
      : object(action.fatigue, 'customerAction.fatigue', ['responseFactor']);
  const churn =
    action.churn === undefined
      ? null
      : object(action.churn, 'customerAction.churn', [
          'toleratedMessages',
          'chancePerExtraMessage',
        ]);
  const planList = plans(top.plans, 'plans');
  const delay = object(action.delayHours, 'customerAction.delayHours', ['min', 'max']);
  const delayMin = number(delay.min, 'customerAction.delayHours.min', 0, MAX_HOURS);
  const delayMax = number(delay.max, 'customerAction.delayHours.max', 0, MAX_HOURS);
  if (delayMax < delayMin) {
    throw new Invalid(
      'customerAction.delayHours.max',
      'must be at least customerAction.delayHours.min',
    );
  }
  const email = object(top.email, 'email', ['bounceRate']);
  const engine =
    top.engine === undefined
      ? { knownPayCycleShare: 0 }
      : object(top.engine, 'engine', ['knownPayCycleShare']);
  const zones = openShares(top.timeZones, 'timeZones', (zone) =>
    IANAZone.isValidZone(zone) ? null : 'is not an IANA time zone (e.g. "Europe/Berlin")',
  );

  return {
    version: MODEL_VERSION,
    description: typeof top.description === 'string' ? top.description : '',
    sources: sources(top.sources, 'sources'),
    startDate: startDate(top.startDate, 'startDate'),
    firstFailureWithinDays: number(
      top.firstFailureWithinDays,
      'firstFailureWithinDays',
      1,
      MAX_DAYS,
      {
        integer: true,
      },
    ),
    declineMix: shares(top.declineMix, 'declineMix', DECLINE_CATEGORIES),
    declineCodes: declineCodes(top.declineCodes, 'declineCodes'),
    networks: openShares(top.networks, 'networks', (key) =>
      (CARD_NETWORKS as readonly string[]).includes(key)
        ? null
        : `is not a card network (one of ${CARD_NETWORKS.join(', ')})`,
    ),
    mastercardAdvice: mastercardAdvice(top.mastercardAdvice ?? {}, 'mastercardAdvice'),
    plans: planList,
    payCalendars:
      top.payCalendars === undefined
        ? legacyPayCalendars(shares(top.payCycles, 'payCycles', PAY_CYCLE_KINDS))
        : payCalendars(top.payCalendars, 'payCalendars'),
    timeZones: zones,
    retrySuccess: retrySuccess(top.retrySuccess, 'retrySuccess'),
    customerAction: {
      afterMessage: probabilities(
        action.afterMessage,
        'customerAction.afterMessage',
        DECLINE_CATEGORIES,
      ),
      delayHours: { min: delayMin, max: delayMax },
      fatigue: fatigue && {
        responseFactor: number(
          fatigue.responseFactor,
          'customerAction.fatigue.responseFactor',
          0,
          1,
        ),
      },
      churn: churn && {
        toleratedMessages: number(
          churn.toleratedMessages,
          'customerAction.churn.toleratedMessages',
          0,
          100,
          { integer: true },
        ),
        chancePerExtraMessage: number(
          churn.chancePerExtraMessage,
          'customerAction.churn.chancePerExtraMessage',
          0,
          1,
        ),
      },
    },
    email: { bounceRate: number(email.bounceRate, 'email.bounceRate', 0, 1) },
    engine: {
      knownPayCycleShare: number(engine.knownPayCycleShare, 'engine.knownPayCycleShare', 0, 1),
    },
    financialHealth:
      top.financialHealth === undefined
        ? null
        : financialHealth(top.financialHealth, 'financialHealth'),
    exchangeRates:
      top.exchangeRates === undefined
        ? null
        : exchangeRates(top.exchangeRates, 'exchangeRates', planList),
  };
}
