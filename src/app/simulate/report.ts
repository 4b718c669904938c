// Results side by side: a table for people, JSON for programs. Every amount is reported per
// currency, in that currency's minor units (JSON) or formatted in its major units (table); only a
// model with `exchangeRates` adds totals converted to its reporting currency, at its rates.
import Table from 'cli-table3';
import { DECLINE_CATEGORIES } from '../../domain/declines/categories.ts';
import { currencyExponent, formatMoney } from '../../domain/money.ts';
import type { ExchangeRates } from './model.ts';
import { type CurrencyTotals, emptyCurrency, type StrategyTotals } from './run.ts';
import type { SimulationResult } from './simulation.ts';

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
const count = (n: number) => n.toLocaleString('en-US');
const percent = (part: number, whole: number) =>
  whole === 0 ? '–' : `${(100 * ratio(part, whole)).toFixed(1)} %`;

function currenciesOf(result: SimulationResult): string[] {
  const all = new Set<string>();
  for (const s of result.strategies) for (const c of Object.keys(s.totals.byCurrency)) all.add(c);
  return [...all].sort();
}

const churned = (t: StrategyTotals) => t.canceled + t.unpaid;

/**
 * Per-currency totals converted into the reporting currency and added up: each currency's total
 * is converted once and rounded to the reporting currency's minor unit (half away from zero).
 */
export function inReportingCurrency(t: StrategyTotals, fx: ExchangeRates): CurrencyTotals {
  const out = emptyCurrency();
  const to = currencyExponent(fx.reportingCurrency);
  for (const [code, c] of Object.entries(t.byCurrency)) {
    const factor = fx.rates[code]! * 10 ** (to - currencyExponent(code));
    for (const k of Object.keys(out) as (keyof CurrencyTotals)[]) {
      out[k] += Math.round(c[k] * factor);
    }
  }
  return out;
}

export function renderTable(result: SimulationResult): string {
  const cols = result.strategies;
  const table = new Table({
    head: ['', ...cols.map((s) => s.key)],
    colAligns: ['left', ...cols.map(() => 'right' as const)],
    style: { head: [], border: [] },
    // No rule between body rows: the table is long, and rows group by their labels.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const row = (label: string, cell: (t: StrategyTotals) => string) =>
    table.push([label, ...cols.map((s) => cell(s.totals))]);
  const money = (currency: string, pick: (c: CurrencyTotals) => number) => (t: StrategyTotals) =>
    formatMoney({ amountMinor: pick(t.byCurrency[currency] ?? emptyCurrency()), currency });

  row('customers with a failed renewal', (t) => count(t.customers));
  row('recovery rate by count', (t) => percent(t.recovered, t.customers));
  row('  recovered by a retry', (t) => count(t.recoveredByRetry));
  row('  recovered by the customer', (t) => count(t.recoveredByCustomer));
  for (const currency of currenciesOf(result)) {
    row(`recovery rate by revenue, ${currency}`, (t) => {
      const c = t.byCurrency[currency];
      return c ? percent(c.recoveredMinor, c.dunnedMinor) : '–';
    });
  }
  const fx = result.exchangeRates;
  if (fx) {
    const all = `all currencies in ${fx.reportingCurrency}`;
    const total = (pick: (c: CurrencyTotals) => number) => (t: StrategyTotals) => {
      const c = inReportingCurrency(t, fx);
      return formatMoney({ amountMinor: pick(c), currency: fx.reportingCurrency });
    };
    row(`recovery rate by revenue, ${all}`, (t) => {
      const c = inReportingCurrency(t, fx);
      return percent(c.recoveredMinor, c.dunnedMinor);
    });
    row(
      `recovered revenue, ${all}`,
      total((c) => c.recoveredMinor),
    );
    row(
      '  by a retry',
      total((c) => c.recoveredByRetryMinor),
    );
    row(
      '  by the customer',
      total((c) => c.recoveredByCustomerMinor),
    );
  }
  row('involuntary churn (canceled or unpaid)', (t) => percent(churned(t), t.customers));
  row('voluntary churn (canceled after messages)', (t) =>
    percent(t.canceledByCustomer, t.customers),
  );
  row(`still in dunning on day ${result.days}`, (t) => count(t.open));
  row('retries sent', (t) => count(t.retriesSent));
  row('  of them quick retries (temporary)', (t) => count(t.retriesByKind.quick));
  row('retries blocked by network rules', (t) => count(t.retriesBlocked));
  row('retries sent in violation of the rules', (t) => count(t.retriesInViolation));
  row('messages sent', (t) => count(t.messagesSent));
  row('emails bounced', (t) => count(t.emailsBounced));
  for (const currency of currenciesOf(result)) {
    row(
      `MRR saved, ${currency}`,
      money(currency, (c) => c.mrrSavedMinor),
    );
    row(
      `MRR lost, ${currency}`,
      money(currency, (c) => c.mrrLostMinor),
    );
  }
  if (fx) {
    for (const [label, pick] of [
      ['MRR saved', (c: CurrencyTotals) => c.mrrSavedMinor],
      ['MRR lost', (c: CurrencyTotals) => c.mrrLostMinor],
    ] as const) {
      row(`${label}, all currencies in ${fx.reportingCurrency}`, (t) =>
        formatMoney({
          amountMinor: pick(inReportingCurrency(t, fx)),
          currency: fx.reportingCurrency,
        }),
      );
    }
  }
  for (const category of DECLINE_CATEGORIES) {
    if (!cols.some((s) => s.totals.byCategory[category])) continue;
    row(`recovered: ${category}`, (t) => {
      const c = t.byCategory[category];
      return c ? percent(c.recovered, c.customers) : '–';
    });
  }
  return table.toString();
}

/** The same results as the table, as data: counts, rates (0–1) and amounts in minor units. */
export function resultJson(result: SimulationResult, modelName: string) {
  const fx = result.exchangeRates;
  return {
    model: modelName,
    startDate: result.startDate,
    customers: result.customers,
    days: result.days,
    seed: result.seed,
    money: fx
      ? `amounts in minor units, per currency; inReportingCurrency converts them to ${fx.reportingCurrency} at exchangeRates`
      : 'amounts in minor units, per currency; no currency is converted',
    ...(fx ? { exchangeRates: fx } : {}),
    strategies: result.strategies.map(({ key, description, totals: t }) => ({
      key,
      description,
      customers: t.customers,
      recovered: t.recovered,
      recoveryRateByCount: round6(ratio(t.recovered, t.customers)),
      recoveredByRetry: t.recoveredByRetry,
      recoveredByCustomer: t.recoveredByCustomer,
      involuntaryChurn: round6(ratio(churned(t), t.customers)),
      canceled: t.canceled,
      unpaid: t.unpaid,
      canceledByCustomer: t.canceledByCustomer,
      voluntaryChurn: round6(ratio(t.canceledByCustomer, t.customers)),
      stillInDunning: t.open,
      retriesSent: t.retriesSent,
      retriesSucceeded: t.retriesSucceeded,
      retriesByKind: t.retriesByKind,
      retriesBlockedByNetworkRules: t.retriesBlocked,
      retriesBlockedByRule: sortedRecord(t.blockedByRule),
      retriesSentInViolation: t.retriesInViolation,
      retriesSentInViolationByRule: sortedRecord(t.violationsByRule),
      violationExamples: t.violationExamples,
      messagesSent: t.messagesSent,
      emailsBounced: t.emailsBounced,
      messagesNotSentAfterBounce: t.messagesSuppressed,
      byCurrency: Object.fromEntries(
        Object.keys(t.byCurrency)
          .sort()
          .map((code) => {
            return [code, currencyJson(t.byCurrency[code]!)];
          }),
      ),
      ...(fx
        ? {
            inReportingCurrency: {
              currency: fx.reportingCurrency,
              ...currencyJson(inReportingCurrency(t, fx)),
            },
          }
        : {}),
      byCategory: Object.fromEntries(
        DECLINE_CATEGORIES.filter((c) => t.byCategory[c]).map((c) => {
          const v = t.byCategory[c]!;
          return [c, { ...v, recoveryRate: round6(ratio(v.recovered, v.customers)) }];
        }),
      ),
    })),
  };
}

function currencyJson(c: CurrencyTotals) {
  return {
    dunnedMinor: c.dunnedMinor,
    recoveredMinor: c.recoveredMinor,
    recoveredByRetryMinor: c.recoveredByRetryMinor,
    recoveredByCustomerMinor: c.recoveredByCustomerMinor,
    recoveryRateByRevenue: round6(ratio(c.recoveredMinor, c.dunnedMinor)),
    mrrSavedMinor: c.mrrSavedMinor,
    mrrLostMinor: c.mrrLostMinor,
    mrrStillInDunningMinor: c.mrrOpenMinor,
    mrrLostToVoluntaryChurnMinor: c.mrrLostVoluntaryMinor,
  };
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
