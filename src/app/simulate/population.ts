// A generated population: N customers whose subscription renewal failed, drawn from the model
// with one seeded stream, so every strategy in a run replays exactly the same customers.
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { DECLINE_CATEGORIES } from '../../domain/declines/categories.ts';
import type { Classification } from '../../domain/declines/classify.ts';
import type { PayCycle } from '../../domain/retry-timing/pay-cycle.ts';
import { type DeclineSource, DeclineSources } from './declines.ts';
import { enginePayCycle } from './engine-knowledge.ts';
import {
  CARD_NETWORKS,
  type CardNetwork,
  type FinancialHealth,
  type PayCalendar,
  type Plan,
  type PopulationModel,
  RETRYABLE_CATEGORIES,
  type RetryableCategory,
  type RetryCurve,
} from './model.ts';
import { DAY_MS, PaydayCalendar, type PaySchedule, type Weekday } from './paydays.ts';
import { deriveSeed, mulberry32, type Random, WeightedPick, weightsOf } from './prng.ts';

export type Customer = {
  readonly index: number;
  /** Category of the first failure; every later decline of this card says the same. */
  readonly category: DeclineCategory;
  readonly declines: DeclineSource;
  readonly firstDecline: Classification;
  readonly network: CardNetwork;
  readonly plan: Plan;
  readonly timeZone: string;
  /** How the customer is really paid (the world's truth, drawn from `payCalendars`); null in a replayed history. */
  readonly paySchedule: PaySchedule | null;
  /** Instants the customer's pay arrives (ms), ascending. */
  readonly paydays: Float64Array;
  /** What the engine's smart timing knows of the pay cycle: null = its default guesses. */
  readonly knownPayCycle: PayCycle | null;
  readonly firstFailureAtMs: number;
  /** The curve retries follow; null when retries on this card never succeed. */
  readonly curve: RetryCurve | null;
  /** Multipliers from the customer's latent financial health (1 and 1 without one). */
  readonly health: { readonly retry: number; readonly action: number };
  /** The customer's email address hard-bounces (the first message tells). */
  readonly emailBounces: boolean;
  /** Seed of the customer's own stream: the same draws under every strategy. */
  readonly seed: number;
  /**
   * A replayed history (history.ts): a retry succeeds from this instant on, never before; null, it
   * never does. Absent for generated customers, whose retries follow `curve`.
   */
  readonly paidAtMs?: number | null;
  /** A replayed history: the customer fixes the problem on the hosted page then, if still open. */
  readonly customerPaysAt?: number | null;
};

export type Population = {
  readonly model: PopulationModel;
  readonly seed: number;
  readonly startMs: number;
  readonly customers: readonly Customer[];
};

export function startOf(model: PopulationModel): number {
  return Date.parse(`${model.startDate}T00:00:00Z`);
}

const isRetryable = (c: DeclineCategory): c is RetryableCategory =>
  (RETRYABLE_CATEGORIES as readonly string[]).includes(c);

/**
 * Generates `count` customers. First failures spread evenly over the model's
 * `firstFailureWithinDays`, cut to the simulated `horizonDays` so every failure happens in view.
 */
export function generatePopulation(
  model: PopulationModel,
  count: number,
  seed: number,
  horizonDays: number,
): Population {
  const random = mulberry32(seed);
  const startMs = startOf(model);
  const startDay = Math.floor(startMs / DAY_MS);
  const paydayCalendar = new PaydayCalendar(startDay - 40, startDay + horizonDays + 2);
  const sources = new DeclineSources(model);

  const categories = new WeightedPick(
    DECLINE_CATEGORIES.map((value) => ({ value, weight: model.declineMix[value] })),
  );
  const codes = Object.fromEntries(
    DECLINE_CATEGORIES.map((c) => [
      c,
      new WeightedPick(model.declineCodes[c].map((code, i) => ({ value: i, weight: code.weight }))),
    ]),
  ) as Record<DeclineCategory, WeightedPick<number>>;
  const networks = new WeightedPick(
    CARD_NETWORKS.map((value) => ({ value, weight: model.networks[value] ?? 0 })).filter(
      (o) => o.weight > 0,
    ),
  );
  const plans = new WeightedPick(model.plans.map((value) => ({ value, weight: value.weight })));
  const calendars = new WeightedPick(
    model.payCalendars.map((value) => ({ value, weight: value.weight })),
  );
  const within = new Map(model.payCalendars.map((c) => [c, choicesOf(c)]));
  const zones = new WeightedPick(weightsOf(model.timeZones));
  const spreadMs = Math.min(model.firstFailureWithinDays, horizonDays) * DAY_MS;

  const customers: Customer[] = [];
  for (let index = 0; index < count; index++) {
    // One draw per field in a fixed order: a model change moves only what it should.
    const category = categories.pick(random);
    const codeIndex = codes[category].pick(random);
    const network = networks.pick(random);
    const plan = plans.pick(random);
    const calendar = calendars.pick(random);
    const parity: 0 | 1 = random() < 0.5 ? 0 : 1;
    const timeZone = zones.pick(random);
    // Whole minutes, as a billing system's renewal runs would be.
    const firstFailureAtMs = startMs + Math.floor((random() * spreadMs) / 60_000) * 60_000;
    const recoverableDraw = random();
    const emailBounces = random() < model.email.bounceRate;
    const knows = random() < model.engine.knownPayCycleShare;
    const declines = sources.get(category, codeIndex, network);
    const firstDecline = declines.next(random);
    const curve = isRetryable(category) ? model.retrySuccess[category] : null;
    // Draws the older model had no field for come from the customer's own world stream, so a
    // file without the new fields draws exactly what it drew before.
    const world = mulberry32(deriveSeed(seed, index, 2));
    const paySchedule = scheduleOf(calendar, within.get(calendar)!, parity, world);
    customers.push({
      index,
      category,
      declines,
      firstDecline,
      network,
      plan,
      timeZone,
      paySchedule,
      paydays: paydayCalendar.instants(paySchedule, timeZone),
      knownPayCycle: knows ? enginePayCycle(paySchedule, startDay) : null,
      firstFailureAtMs,
      curve: curve && recoverableDraw < curve.recoverableShare ? curve : null,
      health: healthOf(model.financialHealth, world),
      emailBounces,
      seed: deriveSeed(seed, index, 1),
    });
  }
  return { model, seed, startMs, customers };
}

type Choices = WeightedPick<Weekday> | WeightedPick<number> | null;

function choicesOf(calendar: PayCalendar): Choices {
  switch (calendar.frequency) {
    case 'weekly':
    case 'biweekly':
      return new WeightedPick(weightsOf(calendar.weekdays).filter((o) => o.weight > 0));
    case 'monthly':
      return new WeightedPick(
        weightsOf(calendar.daysOfMonth)
          .filter((o) => o.weight > 0)
          .map((o) => ({ value: Number(o.value), weight: o.weight })),
      );
    case 'semimonthly':
      return null;
    default: {
      const unreachable: never = calendar;
      return unreachable;
    }
  }
}

/** The one schedule a customer is paid on: the calendar with its weekday or day drawn. */
function scheduleOf(
  calendar: PayCalendar,
  choices: Choices,
  parity: 0 | 1,
  world: Random,
): PaySchedule {
  const rest = {
    weekend: calendar.weekend,
    holidays: calendar.holidays,
    arrivalHour: calendar.arrivalHour,
  };
  switch (calendar.frequency) {
    case 'weekly':
      return {
        frequency: 'weekly',
        weekday: (choices as WeightedPick<Weekday>).pick(world),
        ...rest,
      };
    case 'biweekly':
      return {
        frequency: 'biweekly',
        weekday: (choices as WeightedPick<Weekday>).pick(world),
        parity,
        ...rest,
      };
    case 'monthly':
      return { frequency: 'monthly', day: (choices as WeightedPick<number>).pick(world), ...rest };
    case 'semimonthly':
      return { frequency: 'semimonthly', days: calendar.days, ...rest };
    default: {
      const unreachable: never = calendar;
      return unreachable;
    }
  }
}

const NEUTRAL = { retry: 1, action: 1 } as const;

/** exp(σz − σ²/2) with z standard normal: a multiplier of mean 1 and spread σ (Box–Muller). */
function healthOf(health: FinancialHealth | null, world: Random) {
  if (!health || health.spread === 0) return NEUTRAL;
  const z = Math.sqrt(-2 * Math.log(1 - world())) * Math.cos(2 * Math.PI * world());
  const m = Math.exp(health.spread * z - (health.spread * health.spread) / 2);
  return { retry: m ** health.retryElasticity, action: m ** health.actionElasticity };
}
