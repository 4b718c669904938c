import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulateCommand, type SimulateOptions } from './command.ts';
import { HISTORY_COLUMNS, parseHistory } from './history.ts';
import { capture } from './test-io.ts';

const HEADER =
  'failed_at,amount_minor,currency,decline_scheme,decline_code,time_zone,paid_at,network';

function csv(...rows: string[]): string {
  return `${[HEADER, ...rows].join('\n')}\n`;
}

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dunner-history-'));
  const path = join(dir, 'failures.csv');
  writeFileSync(path, text);
  return path;
}

const replay = (historyPath: string, extra: Partial<SimulateOptions> = {}): SimulateOptions => ({
  customers: 10_000,
  days: 60,
  modelPath: null,
  strategies: ['naive', 'gentle_30'],
  json: true,
  seed: 1,
  historyPath,
  ...extra,
});

describe('parseHistory: a bad row is named by line and column, and nothing is imported', () => {
  it.each([
    [
      csv(
        '2026-03-02T09:30:00Z,1900,USD,stripe,insufficient_funds,America/New_York,,visa',
        '2026-03-03T09:30:00Z,19.00,USD,stripe,insufficient_funds,America/New_York,,visa',
      ),
      3,
      'amount_minor',
      'must be a whole number of minor units above 0',
    ],
    [
      csv('2026-03-02 09:30,1900,USD,stripe,insufficient_funds,UTC,,visa'),
      2,
      'failed_at',
      'must be a time with its offset',
    ],
    [csv('2026-03-02T09:30:00Z,1900,usd,stripe,x,UTC,,visa'), 2, 'currency', 'ISO 4217'],
    [
      csv('2026-03-02T09:30:00Z,1900,USD,nacha,R01,UTC,,'),
      2,
      'decline_scheme',
      'card declines only',
    ],
    [csv('2026-03-02T09:30:00Z,1900,USD,stripe,,UTC,,'), 2, 'decline_code', '1 to 64 characters'],
    [csv('2026-03-02T09:30:00Z,1900,USD,stripe,x,Mars/Olympus,,'), 2, 'time_zone', 'IANA'],
    [
      csv('2026-03-02T09:30:00Z,1900,USD,stripe,x,UTC,2026-03-01T00:00:00Z,'),
      2,
      'paid_at',
      'is before failed_at',
    ],
    [csv('2026-03-02T09:30:00Z,1900,USD,stripe,x,UTC,,maestro'), 2, 'network', 'must be one of'],
  ])('%#: line %i, column %s', (text, line, column, problem) => {
    const parsed = parseHistory(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatchObject({ line, column });
    expect(parsed.error.problem).toContain(problem);
  });

  it('names a missing or unknown column on line 1, and a broken quote by its line', () => {
    const missing = parseHistory('failed_at,amount_minor\n2026-03-02T09:30:00Z,1900\n');
    expect(!missing.ok && missing.error).toMatchObject({ line: 1, column: 'currency' });
    const unknown = parseHistory(`${HEADER},plan\n`);
    expect(!unknown.ok && unknown.error).toMatchObject({ line: 1, column: 'plan' });
    const broken = parseHistory(
      csv(
        '2026-03-02T09:30:00Z,1900,USD,stripe,x,UTC,,visa',
        '2026-03-03T09:30:00Z,1900,USD,stripe,"x,UTC,,visa',
      ),
    );
    expect(!broken.ok && broken.error.problem).toContain('is not valid CSV');
  });

  it('reads a good file in any column order, the network optional', () => {
    const header = [...HISTORY_COLUMNS].reverse().join(',');
    const parsed = parseHistory(
      `${header}\n,America/New_York,51,iso8583,EUR,900,2026-03-02T09:30:00+01:00\n`,
    );
    expect(parsed).toEqual({
      ok: true,
      rows: [
        {
          line: 2,
          failedAtMs: Date.parse('2026-03-02T08:30:00Z'),
          amountMinor: 900,
          currency: 'EUR',
          raw: { scheme: 'iso8583', code: '51', network: 'other' },
          network: 'other',
          timeZone: 'America/New_York',
          paidAtMs: null,
        },
      ],
    });
  });
});

describe('dunner simulate --history', () => {
  it('replays each failure under each strategy: the money is there from paid_at on', async () => {
    const path = file(
      csv(
        // Paid on day 12: naive has canceled on day 9, gentle_30 still retries and recovers it.
        '2026-03-02T14:00:00Z,1900,USD,stripe,insufficient_funds,America/New_York,2026-03-13T12:00:00Z,visa',
        // Paid on day 3: both retry after it and recover it.
        '2026-03-02T14:00:00Z,4900,USD,stripe,insufficient_funds,America/New_York,2026-03-04T12:00:00Z,visa',
        // Never paid: nobody recovers it.
        '2026-03-02T14:00:00Z,900,USD,stripe,do_not_honor,America/New_York,,mastercard',
        // A stolen card is never retried; the customer's new card on day 5 pays while a case is open.
        '2026-03-02T14:00:00Z,2900,USD,stripe,stolen_card,America/New_York,2026-03-06T12:00:00Z,visa',
      ),
    );
    const { io, text } = capture();
    expect(await runSimulateCommand(replay(path), io)).toBe(0);
    const json = JSON.parse(text.out);
    // Until 60 days after the latest failure (14:00 on the first day): 61 whole days.
    expect(json).toMatchObject({ history: path, customers: 4, startDate: '2026-03-02', days: 61 });
    const [naive, gentle] = json.strategies;
    expect(naive).toMatchObject({ key: 'naive', recovered: 2, recoveredByCustomer: 1 });
    expect(naive.byCurrency.USD.recoveredMinor).toBe(4900 + 2900);
    expect(gentle).toMatchObject({ key: 'gentle_30', recovered: 3, recoveredByCustomer: 1 });
    expect(gentle.byCurrency.USD.recoveredMinor).toBe(1900 + 4900 + 2900);
    expect(gentle.retriesSentInViolation).toBe(0);
  });

  it('stops at a bad row with exit code 2 and one line, and runs nothing', async () => {
    const path = file(
      csv(
        '2026-03-02T14:00:00Z,1900,USD,stripe,insufficient_funds,UTC,,visa',
        '2026-03-02T14:00:00Z,1900,XYZ,stripe,insufficient_funds,UTC,,visa',
      ),
    );
    const { io, text } = capture();
    expect(await runSimulateCommand(replay(path), io)).toBe(2);
    expect(text.err).toBe(
      `dunner: ${path}: line 3, column currency: XYZ has no rate in the model's exchangeRates\n`,
    );
    expect(text.out).toBe('');
  });

  it('refuses --customers beside a history, and a failure past --days', async () => {
    const path = file(
      csv(
        '2026-04-20T14:00:00Z,1900,USD,stripe,x,UTC,,visa',
        '2026-03-02T14:00:00Z,1900,USD,stripe,x,UTC,,visa',
      ),
    );
    const one = capture();
    expect(await runSimulateCommand(replay(path, { customersGiven: true }), one.io)).toBe(2);
    expect(one.text.err).toContain('--customers and --history exclude each other');
    const two = capture();
    expect(await runSimulateCommand(replay(path, { days: 30, daysGiven: true }), two.io)).toBe(2);
    expect(two.text.err).toBe(
      `dunner: ${path}: line 2, column failed_at: falls after the 30 simulated days from 2026-03-02 (--days)\n`,
    );
  });
});

describe('the dunner simulate command line', () => {
  it('takes --history, and refuses --customers beside it', () => {
    const path = file(
      csv('2026-03-02T14:00:00Z,1900,USD,stripe,insufficient_funds,UTC,2026-03-03T12:00:00Z,visa'),
    );
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/dunner.js', 'simulate', '--history', path, ...args], {
        encoding: 'utf8',
      });
    const good = run('--strategy', 'naive', '--json');
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout).strategies[0]).toMatchObject({ customers: 1, recovered: 1 });
    const both = run('--customers', '5');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--customers and --history exclude each other');
  }, 30_000);
});
