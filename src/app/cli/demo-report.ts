// What the demo shows at the end: dunning outcomes by case status and currency, retries made and
// renewals charged. Queries only read; they run the same on PGlite and PostgreSQL.
import Table from 'cli-table3';
import type { Db } from '../../adapters/db/connect.ts';
import {
  countCasesByStatus,
  countSucceededRenewalAttempts,
  sumCasesByStatusAndCurrency,
  sumRetriesMade,
  sumSucceededRenewalsByCurrency,
} from '../../adapters/db/metrics.repo.ts';
import type { CaseRow } from '../../adapters/db/schema.ts';
import { formatMoney } from '../../domain/money.ts';

type CaseStatus = CaseRow['status'];

export type AmountsByCurrency = Record<string, number>;

export type DemoReport = {
  cases: Record<CaseStatus, { count: number; amountMinor: AmountsByCurrency }>;
  retriesMade: number;
  renewalsSucceeded: { count: number; amountMinor: AmountsByCurrency };
  currencies: string[];
};

export type DemoProgress = {
  renewalsSucceeded: number;
  open: number;
  recovered: number;
  canceled: number;
  unpaid: number;
};

const STATUS_ORDER = ['recovered', 'unpaid', 'canceled', 'open', 'stopped'] as const;

/** Cheap counts for the progress bar, read after each simulated day. */
export async function loadDemoProgress(db: Db, merchantId: string): Promise<DemoProgress> {
  const byStatus = await countCasesByStatus(db, merchantId);
  const count = (status: CaseStatus) =>
    Number(byStatus.find((r) => r.status === status)?.count ?? 0);
  return {
    renewalsSucceeded: await countSucceededRenewals(db, merchantId),
    open: count('open'),
    recovered: count('recovered'),
    canceled: count('canceled'),
    unpaid: count('unpaid'),
  };
}

export async function loadDemoReport(db: Db, merchantId: string): Promise<DemoReport> {
  const caseRows = await sumCasesByStatusAndCurrency(db, merchantId);
  const retries = await sumRetriesMade(db, merchantId);
  const renewalRows = await sumSucceededRenewalsByCurrency(db, merchantId);

  const cases = Object.fromEntries(
    STATUS_ORDER.map((s) => [s, { count: 0, amountMinor: {} as AmountsByCurrency }]),
  ) as DemoReport['cases'];
  const currencies = new Set<string>();
  for (const row of caseRows) {
    const entry = cases[row.status];
    entry.count += Number(row.count);
    entry.amountMinor[row.currency] = Number(row.amount_minor);
    currencies.add(row.currency);
  }
  const renewalsSucceeded = { count: 0, amountMinor: {} as AmountsByCurrency };
  for (const row of renewalRows) {
    renewalsSucceeded.count += Number(row.count);
    renewalsSucceeded.amountMinor[row.currency] = Number(row.amount_minor);
    currencies.add(row.currency);
  }
  return {
    cases,
    retriesMade: Number(retries?.retries ?? 0),
    renewalsSucceeded,
    currencies: [...currencies].sort(),
  };
}

async function countSucceededRenewals(db: Db, merchantId: string): Promise<number> {
  const row = await countSucceededRenewalAttempts(db, merchantId);
  return Number(row?.count ?? 0);
}

/** The outcome table: one row per case status, amounts per currency, then retries and renewals. */
export function renderDemoReport(report: DemoReport): string {
  const money = (amounts: AmountsByCurrency, currency: string) =>
    formatMoney({ amountMinor: amounts[currency] ?? 0, currency });
  const table = new Table({
    head: ['Dunning cases', 'Cases', ...report.currencies.map((c) => `Amount ${c}`)],
    colAligns: ['left', 'right', ...report.currencies.map(() => 'right' as const)],
    style: { head: [], border: [] },
  });
  for (const status of STATUS_ORDER) {
    const entry = report.cases[status];
    // 'stopped' only happens when an operator stops a case; hide the row when it is empty.
    if (status === 'stopped' && entry.count === 0) continue;
    table.push([
      status,
      String(entry.count),
      ...report.currencies.map((c) => money(entry.amountMinor, c)),
    ]);
  }
  table.push([
    'renewals charged successfully',
    String(report.renewalsSucceeded.count),
    ...report.currencies.map((c) => money(report.renewalsSucceeded.amountMinor, c)),
  ]);
  table.push(['retries made', String(report.retriesMade), ...report.currencies.map(() => '')]);
  return table.toString();
}

/** Share of closed cases that ended recovered, by count; null before any case has closed. */
export function recoveryRate(report: DemoReport): number | null {
  const { recovered, unpaid, canceled } = report.cases;
  const closed = recovered.count + unpaid.count + canceled.count;
  return closed === 0 ? null : recovered.count / closed;
}
