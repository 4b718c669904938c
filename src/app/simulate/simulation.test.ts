// Whole runs on small populations. Where the model leaves nothing to chance (every retry
// succeeds, or none can), the outcome is worked out by hand from the strategy's schedule.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from './command.ts';
import { generatePopulation } from './population.ts';
import { responseChance } from './run.ts';
import { runSimulation, type SimulationInput } from './simulation.ts';
import type { StrategyKey } from './strategies.ts';
import { type ModelJson, modelWith, onlyCategory, POPULATION_FILES } from './test-models.ts';

type Json = ModelJson;

/** No chance left: no bounces, no customer acts, one card network without advice codes. */
function certain(json: Json): void {
  json.email.bounceRate = 0;
  for (const key of Object.keys(json.customerAction.afterMessage)) {
    json.customerAction.afterMessage[key] = 0;
  }
  json.networks = { visa: 1 };
}

const alwaysSucceeds = {
  recoverableShare: 1,
  base: 1,
  riseHalfLifeHours: 0,
  decayHalfLifeHours: 1,
  floor: 1,
  paydayBoost: 1,
  paydayWindowHours: 0,
};

async function run(
  patch: (json: Json) => void,
  strategies: StrategyKey[],
  extra: Partial<SimulationInput> = {},
) {
  const result = await runSimulation({
    model: modelWith(patch),
    customers: 40,
    days: 60,
    seed: 7,
    strategies,
    threads: 1,
    ...extra,
  });
  return Object.fromEntries(result.strategies.map((s) => [s.key, s.totals]));
}

describe('simulate: outcomes worked out by hand', () => {
  it('recovers every customer with the first retry when every retry succeeds', async () => {
    const totals = await run(
      (j) => {
        certain(j);
        onlyCategory(j, 'insufficient_funds');
        j.retrySuccess.insufficient_funds = alwaysSucceeds;
      },
      ['naive', 'gentle_30', 'one_step'],
    );
    // naive: day 1 first notice, day 2 retry succeeds. gentle_30: day 1 notice, day 4 retry.
    for (const key of ['naive', 'gentle_30'] as const) {
      expect(totals[key]).toMatchObject({
        customers: 40,
        recovered: 40,
        recoveredByRetry: 40,
        retriesSent: 40,
        messagesSent: 40,
        canceled: 0,
        retriesBlocked: 0,
        retriesInViolation: 0,
      });
      for (const c of Object.values(totals[key]!.byCurrency)) {
        expect(c.recoveredMinor).toBe(c.dunnedMinor);
        expect(c.mrrLostMinor).toBe(0);
      }
    }
    // one_step: the first failure cancels at once, with its one message; nothing is retried.
    expect(totals.one_step).toMatchObject({
      recovered: 0,
      canceled: 40,
      retriesSent: 0,
      messagesSent: 40,
    });
  });

  it('never retries hard declines and sends each step message before canceling', async () => {
    const totals = await run(
      (j) => {
        certain(j);
        onlyCategory(j, 'hard');
      },
      ['naive', 'gentle_30'],
    );
    // naive: first notice (day 1), reminder (day 4), final warning (day 8), canceled (day 9).
    expect(totals.naive).toMatchObject({
      retriesSent: 0,
      retriesBlocked: 0,
      canceled: 40,
      messagesSent: 160,
    });
    // gentle_30: first notice, reminders on days 8 and 19, final warning day 25, canceled day 30.
    expect(totals.gentle_30).toMatchObject({ retriesSent: 0, canceled: 40, messagesSent: 200 });
  });

  it('sends one email to a bounced address and none after it', async () => {
    const totals = await run(
      (j) => {
        certain(j);
        onlyCategory(j, 'hard');
        j.email.bounceRate = 1;
      },
      ['naive'],
    );
    expect(totals.naive).toMatchObject({
      messagesSent: 40,
      emailsBounced: 40,
      messagesSuppressed: 120,
    });
  });

  it('recovers a customer who pays on the hosted page an hour after the first notice', async () => {
    const totals = await run(
      (j) => {
        certain(j);
        onlyCategory(j, 'update_method');
        j.customerAction.afterMessage.update_method = 1;
        j.customerAction.delayHours = { min: 1, max: 1 };
      },
      ['naive'],
    );
    expect(totals.naive).toMatchObject({
      recovered: 40,
      recoveredByCustomer: 40,
      retriesSent: 0,
      messagesSent: 40,
    });
  });

  it('adds a renewal that falls due while the case is open to the amount due', async () => {
    // February has 28 days: a failure on 1 Feb renews on 1 Mar, day 29 of gentle_30's 30.
    const totals = await run(
      (j) => {
        certain(j);
        onlyCategory(j, 'hard');
        j.startDate = '2026-02-01';
        j.firstFailureWithinDays = 1;
        j.plans = [{ amountMinor: 1000, currency: 'EUR', weight: 1 }];
      },
      ['gentle_30'],
    );
    expect(totals.gentle_30!.byCurrency.EUR).toMatchObject({
      dunnedMinor: 40 * 2 * 1000,
      mrrLostMinor: 40 * 1000,
    });
    expect(totals.gentle_30).toMatchObject({ canceled: 40, retriesSent: 0 });
  });
});

describe('simulate: reproducible and within the network rules', () => {
  const input = (seed: number, threads: number): SimulationInput => ({
    model: modelWith(() => {}),
    customers: 300,
    days: 45,
    seed,
    strategies: ['naive', 'smart'],
    threads,
  });

  it('gives the same results for the same seed, and other results for another seed', async () => {
    const a = await runSimulation(input(11, 1));
    const b = await runSimulation(input(11, 1));
    const c = await runSimulation(input(12, 1));
    expect(b.strategies).toEqual(a.strategies);
    expect(c.strategies).not.toEqual(a.strategies);
  });

  it('gives the same results whatever the number of worker threads', async () => {
    const one = await runSimulation(input(5, 1));
    const two = await runSimulation(input(5, 2));
    expect(two.threads).toBe(2);
    expect(two.strategies).toEqual(one.strategies);
  }, 60_000);

  it('sends no retry the independent network audit finds against the rules, while the rules do block some', async () => {
    const result = await runSimulation({
      model: modelWith(() => {}),
      customers: 1000,
      days: 60,
      seed: 3,
      strategies: ['naive', 'gentle_30', 'firm_14', 'smart'],
      threads: 1,
    });
    for (const { key, totals } of result.strategies) {
      expect({
        key,
        violations: totals.retriesInViolation,
        byRule: totals.violationsByRule,
        examples: totals.violationExamples,
      }).toEqual({
        key,
        violations: 0,
        byRule: {},
        examples: [],
      });
      expect(totals.retriesSent).toBeGreaterThan(0);
    }
    const naive = result.strategies.find((s) => s.key === 'naive')!.totals;
    // Mastercard retry-after advice (MAC 26–28) outlasts naive's two-day spacing.
    expect(naive.blockedByRule.retry_after_advice).toBeGreaterThan(0);
    const smart = result.strategies.find((s) => s.key === 'smart')!.totals;
    expect(smart.retriesByKind.quick).toBeGreaterThan(0);
  }, 60_000);
});

describe('simulate: customers who tire of messages, or cancel after too many', () => {
  it('moves fewer customers with each message: the 3rd moves responseFactor² as many', () => {
    const behaviour = modelWith((j) => {
      j.customerAction.fatigue = { responseFactor: 0.5 };
    }).customerAction;
    const customer = { category: 'update_method', health: { retry: 1, action: 1 } } as const;
    const first = responseChance(behaviour, customer, 1);
    expect(first).toBe(0.12);
    expect(responseChance(behaviour, customer, 3)).toBeCloseTo(0.03);
    const fresh = modelWith(() => {}).customerAction;
    expect(responseChance(fresh, customer, 3)).toBe(0.12);
  });

  it('recovers fewer customers by their own action when messages tire them', async () => {
    const patch = (fatigue: number | null) => (j: Json) => {
      certain(j);
      onlyCategory(j, 'hard');
      j.customerAction.afterMessage.hard = 0.3;
      if (fatigue !== null) j.customerAction.fatigue = { responseFactor: fatigue };
    };
    const input = { customers: 2000 };
    const fresh = await run(patch(null), ['gentle_30'], input);
    const tired = await run(patch(0.3), ['gentle_30'], input);
    // gentle_30 sends up to five messages; with fatigue mostly the first one moves anyone.
    expect(tired.gentle_30!.recoveredByCustomer).toBeLessThan(
      0.85 * fresh.gentle_30!.recoveredByCustomer,
    );
    expect(tired.gentle_30!.recoveredByCustomer).toBeGreaterThan(0.3 * 2000 * 0.9);
  });

  it('counts customers who cancel after too many messages apart from involuntary churn', async () => {
    // Every customer tolerates one message: the second (naive's reminder on day 4) makes them
    // cancel an hour later, before the final warning; they get no more messages.
    const totals = await run(
      (j) => {
        certain(j);
        onlyCategory(j, 'hard');
        j.customerAction.delayHours = { min: 1, max: 1 };
        j.customerAction.churn = { toleratedMessages: 1, chancePerExtraMessage: 1 };
      },
      ['naive'],
    );
    expect(totals.naive).toMatchObject({
      canceledByCustomer: 40,
      canceled: 0,
      recovered: 0,
      messagesSent: 80,
    });
    for (const c of Object.values(totals.naive!.byCurrency)) {
      expect(c.mrrLostMinor).toBe(0);
      expect(c.mrrLostVoluntaryMinor).toBeGreaterThan(0);
    }
  });
});

describe('simulate: outcomes correlated per card and per customer', () => {
  it('lowers a card’s later retries after each decline (declineFactor)', async () => {
    const patch = (declineFactor: number) => (j: Json) => {
      certain(j);
      onlyCategory(j, 'insufficient_funds');
      j.retrySuccess.insufficient_funds = { ...alwaysSucceeds, base: 0.4, declineFactor };
    };
    const input = { customers: 1000 };
    const fresh = await run(patch(1), ['naive'], input);
    const stubborn = await run(patch(0), ['naive'], input);
    // With factor 0 only the first retry can succeed: about 40 %; with 1, four tries: about 87 %.
    expect(stubborn.naive!.recoveredByRetry).toBeGreaterThan(330);
    expect(stubborn.naive!.recoveredByRetry).toBeLessThan(470);
    expect(fresh.naive!.recoveredByRetry).toBeGreaterThan(800);
  });

  it('draws one financial health per customer, mean 1, that moves retries and replies together', () => {
    const model = modelWith((j) => {
      j.financialHealth = { spread: 0.6 };
    });
    const { customers } = generatePopulation(model, 20_000, 3, 60);
    const mean = customers.reduce((sum, c) => sum + c.health.retry, 0) / customers.length;
    expect(mean).toBeGreaterThan(0.97);
    expect(mean).toBeLessThan(1.03);
    expect(customers.every((c) => c.health.retry === c.health.action)).toBe(true);
    expect(new Set(customers.slice(0, 100).map((c) => c.health.retry)).size).toBe(100);
    // Fields of the older format draw what they drew: the same customers, only health added.
    const plain = generatePopulation(
      modelWith(() => {}),
      200,
      3,
      60,
    ).customers;
    const withHealth = generatePopulation(model, 200, 3, 60).customers;
    expect(withHealth.map((c) => [c.category, c.plan, c.firstFailureAtMs])).toEqual(
      plain.map((c) => [c.category, c.plan, c.firstFailureAtMs]),
    );
  });
});

describe('simulate: the shipped populations', () => {
  it.each(POPULATION_FILES.map((f) => [basename(f), f]))(
    '%s gives the same results for the same seed',
    async (_, file) => {
      const loaded = loadModel(file);
      if (!loaded.ok) throw new Error(loaded.message);
      const input: SimulationInput = {
        model: loaded.value,
        customers: 400,
        days: 60,
        seed: 9,
        strategies: ['naive', 'gentle_30', 'smart'],
        threads: 1,
      };
      const a = await runSimulation(input);
      const b = await runSimulation(input);
      expect(b.strategies).toEqual(a.strategies);
      for (const { totals } of a.strategies) {
        expect(totals.retriesInViolation).toBe(0);
        expect(totals.recovered).toBeGreaterThan(0);
      }
    },
  );
});
