// `dunner simulate --history failures.csv`: a merchant's own past failed charges, replayed under
// each strategy. Each row is one customer whose charge failed at `failed_at` with the row's
// decline; the money (or a working card) is taken to be there from `paid_at` on, when the row
// says it was eventually paid. Checked whole before anything runs: a bad row stops the run with
// its line and column, and nothing is half-imported.
import { parse } from 'csv-parse/sync';
import { IANAZone } from 'luxon';
import { blocksRetryUntilMethodChanges } from '../../domain/declines/categories.ts';
import {
  type Classification,
  classifyDecline,
  type RawDecline,
} from '../../domain/declines/classify.ts';
import { CARD_NETWORKS, type CardNetwork, type PopulationModel } from './model.ts';
import { DAY_MS } from './paydays.ts';
import type { Customer, Population } from './population.ts';

export const HISTORY_COLUMNS = [
  'failed_at',
  'amount_minor',
  'currency',
  'decline_scheme',
  'decline_code',
  'time_zone',
  'paid_at',
] as const;
/** Optional: the card network (visa, mastercard, amex, discover, other; default other). */
export const OPTIONAL_HISTORY_COLUMNS = ['network'] as const;
export const MAX_HISTORY_ROWS = 1_000_000;
const SCHEMES = ['stripe', 'iso8583'] as const;

export type HistoryRow = {
  readonly line: number;
  readonly failedAtMs: number;
  readonly amountMinor: number;
  readonly currency: string;
  readonly raw: RawDecline;
  readonly network: CardNetwork;
  readonly timeZone: string;
  /** When the charge was eventually paid; null: never (or not known). */
  readonly paidAtMs: number | null;
};

export type HistoryError = {
  readonly line: number;
  readonly column: string | null;
  readonly problem: string;
};

type Parsed = { ok: true; rows: HistoryRow[] } | { ok: false; error: HistoryError };

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Reads the CSV text; the first line names the columns, in any order. */
export function parseHistory(text: string): Parsed {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    records = parse(text, {
      bom: true,
      columns: (names: string[]) => {
        header = names.map((n) => n.trim());
        return header;
      },
      info: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (error) {
    const e = error as Error & { lines?: number };
    return {
      ok: false,
      error: { line: e.lines ?? 1, column: null, problem: `is not valid CSV (${e.message})` },
    };
  }
  const known = new Set<string>([...HISTORY_COLUMNS, ...OPTIONAL_HISTORY_COLUMNS]);
  for (const name of header) {
    if (!known.has(name))
      return {
        ok: false,
        error: {
          line: 1,
          column: name,
          problem: `is not a column of a failure history; the columns are ${[...HISTORY_COLUMNS, ...OPTIONAL_HISTORY_COLUMNS].join(', ')}`,
        },
      };
  }
  for (const name of HISTORY_COLUMNS) {
    if (!header.includes(name))
      return { ok: false, error: { line: 1, column: name, problem: 'is missing from the header' } };
  }
  if (records.length === 0)
    return { ok: false, error: { line: 1, column: null, problem: 'holds no failures' } };
  if (records.length > MAX_HISTORY_ROWS)
    return {
      ok: false,
      error: {
        line: MAX_HISTORY_ROWS + 2,
        column: null,
        problem: `more than ${MAX_HISTORY_ROWS.toLocaleString('en-US')} failures in one file`,
      },
    };
  const rows: HistoryRow[] = [];
  for (const { record, info } of records) {
    const row = checkRow(record, info.lines);
    if ('problem' in row) return { ok: false, error: row };
    rows.push(row);
  }
  return { ok: true, rows };
}

function checkRow(r: Record<string, string>, line: number): HistoryRow | HistoryError {
  const bad = (column: string, problem: string): HistoryError => ({ line, column, problem });
  const value = (c: string) => r[c] ?? '';

  if (!INSTANT.test(value('failed_at')) || Number.isNaN(Date.parse(value('failed_at'))))
    return bad('failed_at', 'must be a time with its offset, e.g. 2026-03-02T09:30:00Z');
  const failedAtMs = Date.parse(value('failed_at'));
  if (!/^[1-9][0-9]{0,11}$/.test(value('amount_minor')))
    return bad('amount_minor', 'must be a whole number of minor units above 0, e.g. 1900');
  if (!/^[A-Z]{3}$/.test(value('currency')))
    return bad('currency', 'must be an ISO 4217 code in capitals, e.g. USD');
  const scheme = value('decline_scheme');
  if (!(SCHEMES as readonly string[]).includes(scheme))
    return bad(
      'decline_scheme',
      `must be stripe (a Stripe decline_code) or iso8583 (the issuer's response code); card declines only`,
    );
  const code = value('decline_code');
  if (code.length === 0 || code.length > 64)
    return bad('decline_code', 'must be the code the gateway answered, 1 to 64 characters');
  if (!IANAZone.isValidZone(value('time_zone')))
    return bad('time_zone', 'must be an IANA time zone, e.g. America/New_York');
  const networkText = value('network') || 'other';
  if (!(CARD_NETWORKS as readonly string[]).includes(networkText))
    return bad('network', `must be one of ${CARD_NETWORKS.join(', ')}, or empty`);
  const network = networkText as CardNetwork;
  let paidAtMs: number | null = null;
  if (value('paid_at') !== '') {
    if (!INSTANT.test(value('paid_at')) || Number.isNaN(Date.parse(value('paid_at'))))
      return bad('paid_at', 'must be a time with its offset, or empty when it was never paid');
    paidAtMs = Date.parse(value('paid_at'));
    if (paidAtMs < failedAtMs) return bad('paid_at', 'is before failed_at');
  }
  const raw: RawDecline =
    scheme === 'stripe'
      ? { scheme: 'stripe', code, network }
      : { scheme: 'iso8583', code, network };
  return {
    line,
    failedAtMs,
    amountMinor: Number(value('amount_minor')),
    currency: value('currency'),
    raw,
    network,
    timeZone: value('time_zone'),
    paidAtMs,
  };
}

/** A currency of the history the model has no exchange rate for, with the first row that uses it. */
export function missingRate(
  model: PopulationModel,
  rows: readonly HistoryRow[],
): HistoryError | null {
  const fx = model.exchangeRates;
  if (!fx) return null;
  const row = rows.find(
    (r) => r.currency !== fx.reportingCurrency && fx.rates[r.currency] === undefined,
  );
  return row
    ? {
        line: row.line,
        column: 'currency',
        problem: `${row.currency} has no rate in the model's exchangeRates`,
      }
    : null;
}

/** The UTC date whose midnight starts the replay: that of the earliest failure. */
export function historyStartDate(rows: readonly HistoryRow[]): string {
  const first = Math.min(...rows.map((r) => r.failedAtMs));
  return new Date(Math.floor(first / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** Days from the start to 60 days after the latest failure: every case can run its course. */
export function historyDays(rows: readonly HistoryRow[]): number {
  const start = Date.parse(`${historyStartDate(rows)}T00:00:00Z`);
  const last = Math.max(...rows.map((r) => r.failedAtMs));
  return Math.ceil((last - start) / DAY_MS) + 60;
}

/**
 * The replay's population. Customers act on messages only as the history says: a customer whose
 * decline needs a new card (or authentication) fixes it at `paid_at` if the case is still open
 * then; the model's message responses, fatigue and churn are not used. Every address delivers.
 */
export function historyPopulation(model: PopulationModel, rows: readonly HistoryRow[]): Population {
  const startDate = historyStartDate(rows);
  const replayModel: PopulationModel = {
    ...model,
    startDate,
    customerAction: {
      ...model.customerAction,
      afterMessage: Object.fromEntries(
        Object.keys(model.customerAction.afterMessage).map((k) => [k, 0]),
      ) as PopulationModel['customerAction']['afterMessage'],
      fatigue: null,
      churn: null,
    },
  };
  const customers: Customer[] = rows.map((row, index) => {
    const first: Classification = classifyDecline(row.raw);
    return {
      index,
      category: first.category,
      declines: {
        category: first.category,
        code: { code: row.raw.code, networkCode: null, weight: 1 },
        network: row.network,
        next: () => first,
        raw: () => row.raw,
      },
      firstDecline: first,
      network: row.network,
      plan: { amountMinor: row.amountMinor, currency: row.currency, weight: 1 },
      timeZone: row.timeZone,
      paySchedule: null,
      paydays: new Float64Array(0),
      knownPayCycle: null,
      firstFailureAtMs: row.failedAtMs,
      curve: null,
      health: { retry: 1, action: 1 },
      emailBounces: false,
      // A distinct seed per row (multiplying by an odd constant is one-to-one on 32 bits).
      seed: Math.imul(index + 1, 0x9e3779b1) >>> 0,
      paidAtMs: row.paidAtMs,
      customerPaysAt:
        row.paidAtMs !== null && blocksRetryUntilMethodChanges(first.category)
          ? row.paidAtMs
          : null,
    };
  });
  return { model: replayModel, seed: 0, startMs: Date.parse(`${startDate}T00:00:00Z`), customers };
}
