// A generated population: N customers whose subscription renewal failed, drawn from the model
// with one seeded stream, so every strategy in a run replays exactly the same customers.
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { DECLINE_CATEGORIES } from '../../domain/declines/categories.ts';
import type { Classification } from '../../domain/declines/classify.ts';
import type { PayCycle } from '../../domain/retry-timing/pay-cycle.ts';
import { type DeclineSource, DeclineSources } from './declines.ts';
import {
  CARD_NETWORKS,
  type CardNetwork,
  PAY_CYCLE_KINDS,
  type PayCycleKind,
  type Plan,
  type PopulationModel,
  RETRYABLE_CATEGORIES,
  type RetryableCategory,
  type RetryCurve,
} from './model.ts';
import { DAY_MS, enginePayCycle, PaydayCalendar } from './paydays.ts';
import { deriveSeed, mulberry32, WeightedPick, weightsOf } from './prng.ts';

export type Customer = {
  readonly index: number;
  /** Category of the first failure; every later decline of this card says the same. */
  readonly category: DeclineCategory;
  readonly declines: DeclineSource;
  readonly firstDecline: Classification;
  readonly network: CardNetwork;
  readonly plan: Plan;
  readonly timeZone: string;
  readonly payCycle: PayCycleKind;
  /** Local-midnight instants of the customer's real paydays (ms), ascending. */
  readonly paydays: Float64Array;
  /** What the engine's smart timing knows of the pay cycle: null = its default guesses. */
  readonly knownPayCycle: PayCycle | null;
  readonly firstFailureAtMs: number;
  /** The curve retries follow; null when retries on this card never succeed. */
  readonly curve: RetryCurve | null;
  /** The customer's email address hard-bounces (the first message tells). */
  readonly emailBounces: boolean;
  /** Seed of the customer's own stream: the same draws under every strategy. */
  readonly seed: number;
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
  const calendar = new PaydayCalendar(startDay - 40, startDay + horizonDays + 2);
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
  const cycles = new WeightedPick(
    PAY_CYCLE_KINDS.map((value) => ({ value, weight: model.payCycles[value] })),
  );
  const zones = new WeightedPick(weightsOf(model.timeZones));
  const spreadMs = Math.min(model.firstFailureWithinDays, horizonDays) * DAY_MS;

  const customers: Customer[] = [];
  for (let index = 0; index < count; index++) {
    // One draw per field in a fixed order: a model change moves only what it should.
    const category = categories.pick(random);
    const codeIndex = codes[category].pick(random);
    const network = networks.pick(random);
    const plan = plans.pick(random);
    const payCycle = cycles.pick(random);
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
    customers.push({
      index,
      category,
      declines,
      firstDecline,
      network,
      plan,
      timeZone,
      payCycle,
      paydays: calendar.instants(payCycle, parity, timeZone),
      knownPayCycle: knows ? enginePayCycle(payCycle, parity, startDay) : null,
      firstFailureAtMs,
      curve: curve && recoverableDraw < curve.recoverableShare ? curve : null,
      emailBounces,
      seed: deriveSeed(seed, index, 1),
    });
  }
  return { model, seed, startMs, customers };
}
