// `dunner demo`: a test-mode merchant with a generated customer base, walked day by day through
// its test clock so renewals fail, dunning runs and cases close. Seeded, so runs are reproducible.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { merchantExists } from '../../adapters/db/merchants.repo.ts';
import { TEST_CARDS, type TestCardName } from '../../adapters/gateways/test-gateway/cards.ts';
import { mulberry32 } from '../../domain/random.ts';
import { periodBounds } from '../../domain/subscription/period.ts';
import type { Deps } from '../deps.ts';
import type { AppConfig } from '../http/v1/kit.ts';
import { unwrap } from '../result.ts';
import { addPaymentMethod } from '../use-cases/add-payment-method.ts';
import { advanceTestClock } from '../use-cases/advance-test-clock.ts';
import { createCustomer } from '../use-cases/create-customer.ts';
import { createMerchant } from '../use-cases/create-merchant.ts';
import { createSubscription } from '../use-cases/create-subscription.ts';
import { saveStrategy } from '../use-cases/save-strategy.ts';
import {
  type DemoReport,
  loadDemoProgress,
  loadDemoReport,
  recoveryRate,
  renderDemoReport,
} from './demo-report.ts';

export const DEMO_MERCHANT_ID = 'mer_demo';
export const DEMO_START = new Date('2026-01-01T09:00:00Z');
// The help of `dunner demo` (main.ts) repeats these in words.
export const DEMO_DEFAULTS = { subscriptions: 1000, days: 60, seed: 1 } as const;

const DEMO_MESSAGE_CONFIG: AppConfig = {
  publicUrl: 'http://127.0.0.1:3000',
  smtpUrl: null,
  stripeSecretKey: null,
  stripeWebhookSecret: null,
  stripePublishableKey: null,
  stripeMerchantId: null,
  allowLoopbackUrls: false,
};

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
// Renewals (and so dunning steps, which keep the time of day) happen every SLOT_HOURS from 09:00 UTC.
const SLOT_HOURS = 6;
// Share of customers who sign up during the walk rather than before it.
const SIGNUP_SHARE = 0.15;
// Customers created per transaction: few commits, yet short enough (a fraction of a second) that
// requests served beside the seeding (`serve --demo`) wait little for PGlite's one connection.
const SEED_CHUNK = 25;

export class DemoMerchantExistsError extends Error {
  override name = 'DemoMerchantExistsError';
}

export type DemoOptions = {
  subscriptions?: number;
  days?: number;
  seed?: number;
  /** Stops the walk after the current day; the report covers the days done. */
  signal?: AbortSignal;
  /** Worker settings used while the test clock advances. */
  batchSize?: number;
  leaseMs?: number;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Called as customers are seeded and after each day walked (the dashboard shows it). */
  onProgress?: (progress: DemoProgress) => void;
};

export type DemoProgress =
  | { stage: 'seeding'; customersSeeded: number; customersTotal: number }
  | { stage: 'walking'; day: number; days: number };

export type DemoResult = {
  merchantId: string;
  daysSimulated: number;
  interrupted: boolean;
  seedMs: number;
  simulateMs: number;
  report: DemoReport;
};

export async function demoMerchantExists(deps: Pick<Deps, 'db'>): Promise<boolean> {
  return merchantExists(deps.db, DEMO_MERCHANT_ID);
}

/** The demo merchant and its customers, walked through `days` days of its test clock. */
export async function runDemo(deps: Deps, options: DemoOptions = {}): Promise<DemoResult> {
  await createDemoMerchant(deps);
  return walkDemo(deps, options);
}

/** The demo merchant alone, at the start of its test clock: enough to sign in to the dashboard. */
export async function createDemoMerchant(deps: Deps): Promise<void> {
  if (await demoMerchantExists(deps)) {
    throw new DemoMerchantExistsError(
      `the demo merchant ${DEMO_MERCHANT_ID} already exists in this database; ` +
        'set DUNNER_DATA_DIR to a fresh folder (or DATABASE_URL to an empty database) to run it again',
    );
  }
  unwrap(
    await createMerchant(deps, {
      merchantId: DEMO_MERCHANT_ID,
      name: 'Demo Co',
      mode: 'test',
      testClockAt: DEMO_START,
    }),
  );
}

/** Seeds the customers of the merchant createDemoMerchant made and walks its test clock. */
export async function walkDemo(deps: Deps, options: DemoOptions = {}): Promise<DemoResult> {
  const subscriptions = options.subscriptions ?? DEMO_DEFAULTS.subscriptions;
  const days = options.days ?? DEMO_DEFAULTS.days;
  const seed = options.seed ?? DEMO_DEFAULTS.seed;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const plans = planCustomers(subscriptions, days, seed);
  const existing = plans.filter((p) => p.signupDay === 0);

  const seedStarted = performance.now();
  const seedBar = progressBar(stderr, 'seeding {bar} {value}/{total} customers');
  seedBar.start(existing.length, 0);
  options.onProgress?.({ stage: 'seeding', customersSeeded: 0, customersTotal: existing.length });
  try {
    for (let from = 0; from < existing.length; from += SEED_CHUNK) {
      if (options.signal?.aborted) break;
      await createCustomers(deps, existing.slice(from, from + SEED_CHUNK));
      const done = Math.min(from + SEED_CHUNK, existing.length);
      seedBar.update(done);
      options.onProgress?.({
        stage: 'seeding',
        customersSeeded: done,
        customersTotal: existing.length,
      });
    }
  } finally {
    seedBar.stop();
  }
  const seedMs = performance.now() - seedStarted;

  // A quarter of the way in, the merchant switches cards to the firm preset: cases already open
  // keep Gentle 30-day (ending canceled); later cases follow Firm 14-day (ending unpaid).
  const firmAfterDay = Math.max(1, Math.floor(days / 4));
  stdout.write(
    `Demo Co (${DEMO_MERCHANT_ID}): ${existing.length} customers with a subscription seeded in ` +
      `${seconds(seedMs)}, ${plans.length - existing.length} more sign up during the walk.\n` +
      `Walking the test clock ${days} days from ${DEMO_START.toISOString()}; card cases opened ` +
      `after day ${firmAfterDay} follow Firm 14-day instead of Gentle 30-day.\n`,
  );

  const simulateStarted = performance.now();
  const bar = progressBar(stderr, 'day {value}/{total} {bar} {counts}');
  let daysSimulated = 0;
  bar.start(days, 0, { counts: '' });
  options.onProgress?.({ stage: 'walking', day: 0, days });
  try {
    for (let day = 1; day <= days; day++) {
      if (options.signal?.aborted) break;
      if (day === firmAfterDay + 1) {
        unwrap(
          await saveStrategy(deps, {
            merchantId: DEMO_MERCHANT_ID,
            name: 'Firm 14-day (card)',
            preset: 'firm_14',
            paymentMethodType: 'card',
            makeDefault: true,
          }),
        );
      }
      unwrap(
        await advanceTestClock(deps, DEMO_MERCHANT_ID, dayAt(day), {
          // Made-up customers: their messages are rendered and stored, never emailed.
          deliverMessages: { ...deps, config: DEMO_MESSAGE_CONFIG },
          ...(options.batchSize ? { batchSize: options.batchSize } : {}),
          ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
        }),
      );
      await createCustomers(
        deps,
        plans.filter((p) => p.signupDay === day),
      );
      daysSimulated = day;
      options.onProgress?.({ stage: 'walking', day, days });
      // Let the progress bar, timers and a Ctrl-C in between days, whatever the database driver.
      await yieldToEventLoop();
      const p = await loadDemoProgress(deps.db, DEMO_MERCHANT_ID);
      bar.update(day, {
        counts:
          `renewals paid ${p.renewalsSucceeded} | cases open ${p.open}, recovered ${p.recovered}, ` +
          `canceled ${p.canceled}, unpaid ${p.unpaid}`,
      });
    }
  } finally {
    bar.stop();
  }
  const simulateMs = performance.now() - simulateStarted;

  const report = await loadDemoReport(deps.db, DEMO_MERCHANT_ID);
  const interrupted = daysSimulated < days;
  const rate = recoveryRate(report);
  stdout.write(
    `${interrupted ? `Interrupted after day ${daysSimulated} of ${days}. ` : ''}` +
      `Simulated ${daysSimulated} days in ${seconds(simulateMs)}; the test clock of ` +
      `${DEMO_MERCHANT_ID} is now at ${dayAt(daysSimulated).toISOString()}.\n` +
      `${renderDemoReport(report)}\n` +
      (rate === null ? '' : `Recovered: ${(rate * 100).toFixed(1)}% of closed cases.\n`),
  );
  return {
    merchantId: DEMO_MERCHANT_ID,
    daysSimulated,
    interrupted,
    seedMs,
    simulateMs,
    report,
  };
}

const dayAt = (day: number) => new Date(DEMO_START.getTime() + day * DAY_MS);

// Mostly good cards, and enough of each decline for every path of the engine to show up.
const CARD_WEIGHTS: ReadonlyArray<readonly [TestCardName, number]> = [
  ['success', 55],
  ['success_mastercard', 10],
  ['insufficient_funds_until', 18],
  ['insufficient_funds', 3],
  ['generic_decline', 3],
  ['processing_error', 2],
  ['expired', 2],
  ['authentication_required', 2],
  ['stolen', 2],
  ['timeout', 3],
];

const ZONES: ReadonlyArray<
  readonly [zone: string, locale: string, currency: string, weight: number]
> = [
  ['America/New_York', 'en-US', 'USD', 22],
  ['America/Chicago', 'en-US', 'USD', 10],
  ['America/Los_Angeles', 'en-US', 'USD', 14],
  ['Europe/Berlin', 'de-DE', 'EUR', 14],
  ['Europe/Paris', 'fr-FR', 'EUR', 8],
  ['Europe/London', 'en-GB', 'USD', 8],
  ['Asia/Tokyo', 'ja-JP', 'USD', 8],
  ['Australia/Sydney', 'en-AU', 'USD', 8],
  ['UTC', 'en-US', 'USD', 8],
];

const MONTHLY_PRICES_MINOR = [900, 1900, 4900, 9900] as const;
const YEARLY_PRICES_MINOR = [9900, 19900, 49900, 99900] as const;
const PLAN_NAMES: Readonly<Record<number, string>> = {
  900: 'Starter',
  1900: 'Basic',
  4900: 'Pro',
  9900: 'Business',
  19900: 'Basic',
  49900: 'Pro',
  99900: 'Business',
};
const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Mia',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Uma',
  'Victor',
  'Wen',
  'Yara',
];
const LAST_NAMES = [
  'Adams',
  'Becker',
  'Chen',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Hughes',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Martin',
  'Nakamura',
  'Okafor',
  'Patel',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Weber',
];

type CustomerPlan = {
  index: number;
  name: string;
  email: string;
  locale: string;
  timeZone: string;
  currency: string;
  card: TestCardName;
  expMonth: number;
  expYear: number;
  succeedsFrom: Date;
  interval: 'month' | 'year';
  priceMinor: number;
  /** 0: a customer before the walk starts; otherwise the day of the walk they sign up on. */
  signupDay: number;
  periodStart: Date;
};

/** Draws every customer up front, so the same seed gives the same customers and outcomes. */
function planCustomers(count: number, days: number, seed: number): CustomerPlan[] {
  const random = mulberry32(seed);
  const plans: CustomerPlan[] = [];
  for (let index = 0; index < count; index++) {
    const [timeZone, locale, currency] = pickWeighted(
      random,
      ZONES.map((z) => [z, z[3]] as const),
    );
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const yearly = random() < 0.05;
    const interval = yearly ? 'year' : 'month';
    // New sign-ups during the walk keep failures (and open cases) coming in its second half.
    const signupDay = random() < SIGNUP_SHARE ? 1 + Math.floor(random() * days) : 0;
    // Periods start at a few fixed times of day over the past month (a year for yearly plans),
    // so renewals fall throughout the walk and the test clock stops a bounded number of times.
    const lookbackSlots = 1 + Math.floor((random() * (yearly ? 365 : 30) * 24) / SLOT_HOURS);
    const periodStart =
      signupDay > 0
        ? dayAt(signupDay)
        : new Date(DEMO_START.getTime() - lookbackSlots * SLOT_HOURS * HOUR_MS);
    const firstRenewal = periodBounds({ anchorAt: periodStart, interval, intervalCount: 1 }, 0).end;
    plans.push({
      index,
      name: `${first} ${last}`,
      email: `${first}.${last}.${index + 1}@example.com`.toLowerCase(),
      locale,
      timeZone,
      currency,
      card: pickWeighted(random, CARD_WEIGHTS),
      expMonth: 1 + Math.floor(random() * 12),
      expYear: 2027 + Math.floor(random() * 4),
      // A dated card succeeds some time after the renewal it fails: within a strategy's retries
      // for some customers (recovered), too late for others.
      succeedsFrom: new Date(firstRenewal.getTime() + Math.floor(random() * 30 * 24) * HOUR_MS),
      interval,
      priceMinor: pick(random, yearly ? YEARLY_PRICES_MINOR : MONTHLY_PRICES_MINOR),
      signupDay,
      periodStart,
    });
  }
  return plans;
}

/**
 * One customer, one card and one subscription per plan, through the use cases, in one
 * transaction: one commit instead of dozens, and never a half-created customer.
 */
async function createCustomers(deps: Deps, plans: readonly CustomerPlan[]): Promise<void> {
  if (plans.length === 0) return;
  await deps.db.transaction().execute(async (trx) => {
    const tx = { ...deps, db: trx };
    for (const plan of plans) {
      const { customerId } = unwrap(
        await createCustomer(tx, {
          merchantId: DEMO_MERCHANT_ID,
          name: plan.name,
          email: plan.email,
          locale: plan.locale,
          timeZone: plan.timeZone,
        }),
      );
      const { paymentMethodId } = unwrap(
        await addPaymentMethod(tx, {
          merchantId: DEMO_MERCHANT_ID,
          customerId,
          type: 'card',
          testCard: {
            number: TEST_CARDS[plan.card].number,
            expMonth: plan.expMonth,
            expYear: plan.expYear,
            ...(plan.card === 'insufficient_funds_until'
              ? { succeedsFrom: plan.succeedsFrom }
              : {}),
          },
        }),
      );
      unwrap(
        await createSubscription(tx, {
          merchantId: DEMO_MERCHANT_ID,
          customerId,
          paymentMethodId,
          productName: `${PLAN_NAMES[plan.priceMinor] ?? 'Plan'} (${plan.interval === 'year' ? 'yearly' : 'monthly'})`,
          priceMinor: plan.priceMinor,
          currency: plan.currency,
          interval: plan.interval,
          currentPeriodStart: plan.periodStart,
        }),
      );
    }
  });
}

function progressBar(stream: NodeJS.WritableStream, format: string): cliProgress.SingleBar {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  return new cliProgress.SingleBar({
    format,
    stream,
    barsize: 24,
    hideCursor: tty,
    // Without a terminal (CI, a log file) print a plain line every few seconds instead.
    noTTYOutput: !tty,
    notTTYSchedule: 5000,
    barCompleteChar: '#',
    barIncompleteChar: '.',
  });
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function pickWeighted<T>(random: () => number, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [item, weight] of items) {
    r -= weight;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
