// Results side by side: a table for people, JSON for programs. Money is never converted between
// currencies: every amount is reported per currency, in that currency's minor units (JSON) or
// formatted in its major units (table), and revenue recovery is a rate per currency.
import Table from 'cli-table3';
import { DECLINE_CATEGORIES } from '../../domain/declines/categories.ts';
import { formatMoney } from '../../domain/money.ts';
import type { CurrencyTotals, StrategyTotals } from './run.ts';
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
  row('involuntary churn (canceled or unpaid)', (t) => percent(churned(t), t.customers));
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
  for (const category of DECLINE_CATEGORIES) {
    if (!cols.some((s) => s.totals.byCategory[category])) continue;
    row(`recovered: ${category}`, (t) => {
      const c = t.byCategory[category];
      return c ? percent(c.recovered, c.customers) : '–';
    });
  }
  return table.toString();
}

function emptyCurrency(): CurrencyTotals {
  return { dunnedMinor: 0, recoveredMinor: 0, mrrSavedMinor: 0, mrrLostMinor: 0, mrrOpenMinor: 0 };
}

/** The same results as the table, as data: counts, rates (0–1) and amounts in minor units. */
export function resultJson(result: SimulationResult, modelName: string) {
  return {
    model: modelName,
    startDate: result.startDate,
    customers: result.customers,
    days: result.days,
    seed: result.seed,
    money: 'amounts in minor units, per currency; no currency is converted',
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
            const c = t.byCurrency[code]!;
            return [
              code,
              {
                dunnedMinor: c.dunnedMinor,
                recoveredMinor: c.recoveredMinor,
                recoveryRateByRevenue: round6(ratio(c.recoveredMinor, c.dunnedMinor)),
                mrrSavedMinor: c.mrrSavedMinor,
                mrrLostMinor: c.mrrLostMinor,
                mrrStillInDunningMinor: c.mrrOpenMinor,
              },
            ];
          }),
      ),
      byCategory: Object.fromEntries(
        DECLINE_CATEGORIES.filter((c) => t.byCategory[c]).map((c) => {
          const v = t.byCategory[c]!;
          return [c, { ...v, recoveryRate: round6(ratio(v.recovered, v.customers)) }];
        }),
      ),
    })),
  };
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
