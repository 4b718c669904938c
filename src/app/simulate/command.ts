// `dunner simulate`: generate a population of failed renewals from a population model, replay it
// under each strategy with the engine's own decision functions, and compare the outcomes.
// Exit codes: 0 done; 1 a retry was sent against the network rules (an engine bug); 2 bad
// options or a bad model file, reported on one line: `dunner: <model file>: <field> <problem>`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { checkDeclineCodes } from './declines.ts';
import {
  type HistoryRow,
  historyDays,
  historyStartDate,
  missingRate,
  parseHistory,
} from './history.ts';
import { type PopulationModel, validateModel } from './model.ts';
import { DAY_MS } from './paydays.ts';
import { renderTable, resultJson } from './report.ts';
import { runSimulation } from './simulation.ts';
import {
  DEFAULT_STRATEGIES,
  isStrategyKey,
  STRATEGY_KEYS,
  type StrategyKey,
} from './strategies.ts';

export type SimulateOptions = {
  customers: number;
  days: number;
  /** Null: the default model, docs/population-model.json. */
  modelPath: string | null;
  /** Strategy keys; empty means the default comparison (naive, gentle_30, smart). */
  strategies: string[];
  json: boolean;
  seed: number;
  /** A CSV of past failures to replay instead of a generated population (history.ts). */
  historyPath?: string | null;
  /** Whether --customers / --days were given (with a history, --days defaults to its span). */
  customersGiven?: boolean;
  daysGiven?: boolean;
};

export type SimulateIo = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

export const DEFAULT_MODEL_NAME = 'docs/population-model.json';
const DEFAULT_MODEL_FILE = fileURLToPath(
  new URL('../../../docs/population-model.json', import.meta.url),
);
export const MAX_CUSTOMERS = 10_000_000;
export const MAX_DAYS = 366;

const EXIT = { ok: 0, violation: 1, usage: 2 } as const;

type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export async function runSimulateCommand(opts: SimulateOptions, io: SimulateIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`dunner: ${message}\n`);
    return EXIT.usage;
  };
  const options = checkOptions(opts);
  if (!options.ok) return fail(options.message);
  const modelName = opts.modelPath ?? DEFAULT_MODEL_NAME;
  const model = loadModel(opts.modelPath ?? DEFAULT_MODEL_FILE);
  if (!model.ok) return fail(`${modelName}: ${model.message}`);

  const { seed, strategies } = options.value;
  let { customers, days } = options.value;
  let history: HistoryRow[] | undefined;
  if (opts.historyPath) {
    if (opts.customersGiven)
      return fail(
        "--customers and --history exclude each other: the history's rows are the customers",
      );
    const read = loadHistory(opts.historyPath, model.value);
    if (!read.ok) return fail(read.message);
    history = read.value;
    customers = history.length;
    if (!opts.daysGiven) days = Math.min(MAX_DAYS, historyDays(history));
    const startMs = Date.parse(`${historyStartDate(history)}T00:00:00Z`);
    const late = history.find((r) => r.failedAtMs >= startMs + days * DAY_MS);
    if (late)
      return fail(
        `${opts.historyPath}: line ${late.line}, column failed_at: falls after the ${days} simulated days from ${historyStartDate(history)} (--days)`,
      );
  }
  const bar = opts.json ? null : progressBar(io.stderr);
  bar?.start(days * strategies.length, 0, { strategy: strategies[0] });
  const startedMs = performance.now();
  let result: Awaited<ReturnType<typeof runSimulation>>;
  try {
    result = await runSimulation({
      model: model.value,
      customers,
      days,
      seed,
      strategies,
      onProgress: (done, _total, strategy) => bar?.update(done, { strategy }),
      ...(history ? { history } : {}),
    });
  } finally {
    bar?.stop();
  }
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);

  if (opts.json) {
    const json = resultJson(result, modelName);
    const out = opts.historyPath ? { ...json, history: opts.historyPath } : json;
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout.write(
      opts.historyPath
        ? `Replayed ${customers.toLocaleString('en-US')} past failures from ${opts.historyPath} over ${days} days from ${result.startDate} (email delivery and exchange rates from model ${modelName}).\n`
        : `Simulated ${customers.toLocaleString('en-US')} failed renewals over ${days} days from ${result.startDate} (model ${modelName}, seed ${seed}).\n`,
    );
    io.stdout.write(`${renderTable(result)}\n`);
    const fx = result.exchangeRates;
    io.stdout.write(
      (fx
        ? `Money per currency; the "all currencies" rows convert to ${fx.reportingCurrency} at the model's exchangeRates. Strategies: `
        : 'Money per currency, never converted. Strategies: ') +
        result.strategies.map((s) => `${s.key} = ${s.description}`).join('; ') +
        '.\n',
    );
    io.stderr.write(`simulate: ${seconds} s on ${result.threads} thread(s)\n`);
  }
  const violations = result.strategies.reduce((n, s) => n + s.totals.retriesInViolation, 0);
  if (violations > 0) {
    const example = result.strategies.flatMap((s) => s.totals.violationExamples)[0] ?? '';
    io.stderr.write(
      `dunner: ${violations} retries were sent against the network rules (an engine bug): ${example}\n`,
    );
    return EXIT.violation;
  }
  return EXIT.ok;
}

function checkOptions(
  opts: SimulateOptions,
): Checked<{ customers: number; days: number; seed: number; strategies: StrategyKey[] }> {
  const whole = (n: number, min: number, max: number) =>
    Number.isInteger(n) && n >= min && n <= max;
  if (!whole(opts.customers, 1, MAX_CUSTOMERS)) {
    return { ok: false, message: `--customers must be a whole number from 1 to ${MAX_CUSTOMERS}` };
  }
  if (!whole(opts.days, 1, MAX_DAYS)) {
    return { ok: false, message: `--days must be a whole number from 1 to ${MAX_DAYS}` };
  }
  if (!whole(opts.seed, 0, 0xffffffff)) {
    return { ok: false, message: '--seed must be a whole number from 0 to 4294967295' };
  }
  const strategies: StrategyKey[] = [];
  for (const key of opts.strategies) {
    if (!isStrategyKey(key)) {
      return {
        ok: false,
        message: `--strategy ${JSON.stringify(key)} is not one of ${STRATEGY_KEYS.join(', ')}`,
      };
    }
    if (!strategies.includes(key)) strategies.push(key);
  }
  return {
    ok: true,
    value: {
      customers: opts.customers,
      days: opts.days,
      seed: opts.seed,
      strategies: strategies.length > 0 ? strategies : [...DEFAULT_STRATEGIES],
    },
  };
}

/** Reads and checks a failure history; the message names the line and column at fault. */
export function loadHistory(file: string, model: PopulationModel): Checked<HistoryRow[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, message: `${file}: cannot be read (${code})` };
  }
  const parsed = parseHistory(text);
  const error = parsed.ok ? missingRate(model, parsed.rows) : parsed.error;
  if (error)
    return {
      ok: false,
      message: `${file}: line ${error.line}${error.column ? `, column ${error.column}` : ''}: ${error.problem}`,
    };
  return { ok: true, value: (parsed as { rows: HistoryRow[] }).rows };
}

/** Reads and checks a model file; the message names the field at fault. */
export function loadModel(file: string): Checked<PopulationModel> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, message: `cannot be read (${code})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `is not valid JSON (${(error as Error).message})` };
  }
  const checked = validateModel(json);
  if (!checked.ok) return { ok: false, message: `${checked.error.path} ${checked.error.problem}` };
  const declines = checkDeclineCodes(checked.model);
  if (declines) return { ok: false, message: `${declines.path} ${declines.problem}` };
  return { ok: true, value: checked.model };
}

function progressBar(stream: NodeJS.WritableStream): cliProgress.SingleBar {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  return new cliProgress.SingleBar({
    format: 'simulating {bar} {value}/{total} strategy-days ({strategy})',
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
