// The `dunner` command line. Exit codes: 0 done, 1 runtime failure, 2 bad usage or configuration.
// Expected failures print one line, `dunner: <message>`; only DUNNER_DEBUG=1 adds a stack trace.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { SecretsKeyError } from '../../adapters/crypto/secret-box.ts';
import { ConfigError } from '../config.ts';
import { configure, LIVE_NEEDS_KEY } from './configure.ts';

// Commands load their modules (database drivers, Fastify, the engine) when they run, so that
// `--help` and usage errors answer in a fraction of the time.

export const EXIT = { ok: 0, runtime: 1, usage: 2, interrupted: 130 } as const;

const ENVIRONMENT_HELP = `
Environment:
  DATABASE_URL           PostgreSQL server (postgres://user@host:port/db); unset: embedded PGlite
  DUNNER_DATA_DIR        PGlite data folder (default .data/pglite)
  HOST, PORT             where \`serve\` listens (default 127.0.0.1:3000)
  DUNNER_WORKER_BATCH    items a worker claims at once (default 50)
  DUNNER_WORKER_POLL_MS  worker sleep when nothing is due (default 1000)
  DUNNER_LEASE_MS        how long a claimed item stays with its worker (default 60000)
  PUBLIC_URL             where customers reach update links and operators the dashboard
                         (default http://HOST:PORT)
  SMTP_URL               customer email (smtp://user:pass@host:587); unset: messages are stored
  STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PUBLISHABLE_KEY
                         Stripe keys for a single-merchant set-up (see docs/stripe.md)
  STRIPE_MERCHANT_ID     the merchant those keys belong to
  DUNNER_HARD_DECLINE_DUNNING_MERCHANTS
                         merchants \`serve\` makes hard-decline dunning available to at each
                         start: mer_a,mer_b or * (every merchant); docs/hard-decline-dunning.md
  DUNNER_ALLOW_LOOPBACK_URLS
                         true: test-mode merchants may send webhooks to this machine
  DUNNER_API_RATE_LIMIT  /v1 requests per second per API key (default 100)
  DUNNER_SIGN_IN_LIMIT   failed sign-ins per address and method per 15 minutes (default 20)
  DUNNER_TRUST_PROXY     true behind a reverse proxy (client address from X-Forwarded-For)
  DUNNER_LOG_LEVEL       level of the JSON log on stdout (default info)
  DUNNER_SECRETS_KEY     encrypts signing secrets and Stripe keys at rest; required for live
                         merchants (32 bytes, \`openssl rand -base64 32\`); docs/security.md
  DUNNER_SECRETS_KEY_PREVIOUS
                         earlier keys, comma-separated, until \`dunner secrets rotate\`
  DUNNER_DEBUG=1         print stack traces of unexpected errors`;

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** Parses argv, runs the command and returns the exit code; never throws. */
export async function runCli(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    return await reportError(error, io.stderr);
  }
}

function buildProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('dunner')
    .description(
      'Dunner: a self-hostable dunning engine that recovers failed subscription payments.',
    )
    .version(packageVersion(), '-V, --version')
    // Errors come back to runCli as exceptions, which prints them on one line.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => {},
    })
    .addHelpText('after', ENVIRONMENT_HELP);

  program
    .command('serve')
    .description('run the HTTP API and the worker (migrates the database first)')
    .option('--demo', 'also create the demo merchant mer_demo if it does not exist yet')
    .option(
      '--demo-subscriptions <n>',
      'with --demo: customers of a new demo merchant (default 1000)',
      wholeNumber(1, 100_000),
    )
    .option(
      '--demo-days <d>',
      'with --demo: days a new demo merchant walks (default 60)',
      wholeNumber(1, 730),
    )
    .action(async (opts: { demo?: boolean; demoSubscriptions?: number; demoDays?: number }) => {
      const { serve } = await import('./serve.ts');
      await withShutdownSignal((signal) =>
        serve({
          demo: opts.demo === true,
          demoSize: {
            ...(opts.demoSubscriptions ? { subscriptions: opts.demoSubscriptions } : {}),
            ...(opts.demoDays ? { days: opts.demoDays } : {}),
          },
          signal,
          stdout: io.stdout,
          stderr: io.stderr,
        }),
      );
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const config = configure();
      const { openDatabase } = await import('../../adapters/db/connect.ts');
      const { migrate } = await import('../../adapters/db/migrate.ts');
      const handle = await openDatabase(config.database);
      try {
        const applied = await migrate(handle.db);
        io.stdout.write(
          applied.length === 0
            ? 'Database is up to date.\n'
            : `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`,
        );
      } finally {
        await handle.close();
      }
    });

  const merchant = program.command('merchant').description('merchants (tenants) of this instance');
  merchant
    .command('create')
    .description('create a merchant and print its first API key (shown once)')
    .requiredOption('--name <name>', 'the merchant name customers see')
    .option('--mode <mode>', 'test or live (default test)', 'test')
    .option('--operator-email <email>', 'also create a dashboard operator with this email')
    .option('--operator-password <password>', "the operator's password (10 characters or more)")
    .action(
      async (opts: {
        name: string;
        mode: string;
        operatorEmail?: string;
        operatorPassword?: string;
      }) => {
        if (opts.mode !== 'test' && opts.mode !== 'live')
          throw new InvalidArgumentError(`--mode must be test or live (got ${opts.mode})`);
        const mode = opts.mode;
        if (mode === 'live' && configure().secretsKeys.current === null)
          throw new UsageFailure(LIVE_NEEDS_KEY);
        await withDatabase(async (deps) => {
          const { onboardMerchant } = await import('./accounts.ts');
          const done = await onboardMerchant(deps, {
            name: opts.name,
            mode,
            ...(opts.operatorEmail !== undefined ? { operatorEmail: opts.operatorEmail } : {}),
            ...(opts.operatorPassword !== undefined
              ? { operatorPassword: opts.operatorPassword }
              : {}),
          });
          if (!done.ok) throw new UsageFailure(done.error.message);
          io.stdout.write(
            `Merchant ${done.value.merchantId} (${mode} mode).\n` +
              `API key (shown once, store it now): ${done.value.apiKey}\n` +
              (done.value.operatorId
                ? `Operator ${opts.operatorEmail} can sign in at /dashboard.\n`
                : ''),
          );
        });
      },
    );

  merchant
    .command('hard-decline-dunning')
    .description(
      'make hard-decline dunning available to a merchant (the merchant then activates it), or withdraw it',
    )
    .option('--available <id>', 'the merchant may activate it (POST /v1/merchant, dashboard)')
    .option('--unavailable <id>', 'withdraw it; this also switches it off for the merchant')
    .action(async (opts: { available?: string; unavailable?: string }) => {
      if ((opts.available === undefined) === (opts.unavailable === undefined))
        throw new InvalidArgumentError('give either --available <id> or --unavailable <id>');
      const merchantId = (opts.available ?? opts.unavailable)!;
      const available = opts.available !== undefined;
      await withDatabase(async (deps) => {
        const { setHardDeclineDunning } = await import('../use-cases/hard-decline-dunning.ts');
        const done = await setHardDeclineDunning(deps, { merchantId, available });
        if (!done.ok) throw new UsageFailure(done.error.message);
        io.stdout.write(
          available
            ? `Hard-decline dunning is available to ${merchantId}; it is ${done.value.active ? 'active' : 'off until the merchant activates it'}.\n`
            : `Hard-decline dunning is no longer available to ${merchantId}, and is off.\n`,
        );
      });
    });

  program
    .command('secrets')
    .description('signing secrets and Stripe keys at rest (docs/security.md)')
    .command('rotate')
    .description(
      'seal every stored secret under DUNNER_SECRETS_KEY, opening it with that key, one of DUNNER_SECRETS_KEY_PREVIOUS, or as stored',
    )
    .action(async () => {
      const config = configure();
      if (config.secretsKeys.current === null)
        throw new UsageFailure(
          'set DUNNER_SECRETS_KEY to the new key (and DUNNER_SECRETS_KEY_PREVIOUS to the old ones) first',
        );
      await withDatabase(async (deps) => {
        const { resealAllSecrets } = await import('../../adapters/db/secrets.repo.ts');
        const counts = await resealAllSecrets(deps.db, config.secretsKeys);
        const total = Object.values(counts).reduce((n, c) => n + c.resealed, 0);
        for (const [table, c] of Object.entries(counts))
          io.stdout.write(`${table}: ${c.resealed} of ${c.rows} rows sealed again\n`);
        io.stdout.write(
          `Every stored secret is now sealed with key ${config.secretsKeys.current!.id} (${total} rows changed); DUNNER_SECRETS_KEY_PREVIOUS can be removed.\n`,
        );
      });
    });

  program
    .command('api-key')
    .description('create another API key for a merchant (shown once)')
    .requiredOption('--merchant <id>', 'the merchant id, e.g. mer_demo')
    .option('--label <label>', 'a note to tell keys apart', '')
    .action(async (opts: { merchant: string; label: string }) => {
      await withDatabase(async (deps) => {
        const { mintApiKey } = await import('./accounts.ts');
        const done = await mintApiKey(deps.db, opts.merchant, opts.label);
        if (!done.ok) throw new UsageFailure(done.error.message);
        io.stdout.write(`API key (shown once, store it now): ${done.value.apiKey}\n`);
      });
    });

  program
    .command('operator')
    .description('add a dashboard operator (email and password) to a merchant')
    .requiredOption('--merchant <id>', 'the merchant id')
    .requiredOption('--email <email>', "the operator's email")
    .requiredOption('--password <password>', '10 characters or more')
    .action(async (opts: { merchant: string; email: string; password: string }) => {
      await withDatabase(async (deps) => {
        const { addOperator } = await import('./accounts.ts');
        const done = await addOperator(deps.db, {
          merchantId: opts.merchant,
          email: opts.email,
          password: opts.password,
        });
        if (!done.ok) throw new UsageFailure(done.error.message);
        io.stdout.write(`Operator ${opts.email} can sign in at /dashboard.\n`);
      });
    });

  program
    .command('demo')
    .description(
      'create the demo merchant mer_demo and walk its test clock through weeks of dunning',
    )
    // Defaults are runDemo's (DEMO_DEFAULTS in demo.ts); the help repeats them in words.
    .option(
      '--subscriptions <n>',
      'customers, each with one subscription (default 1000)',
      wholeNumber(1, 100_000),
    )
    .option('--days <d>', 'days to walk the test clock (default 60)', wholeNumber(1, 730))
    .option(
      '--seed <s>',
      'seed of the generated data; same seed, same outcome (default 1)',
      wholeNumber(0, 2 ** 32 - 1),
    )
    .action(async (opts: { subscriptions?: number; days?: number; seed?: number }) => {
      const config = configure();
      const { openDatabase } = await import('../../adapters/db/connect.ts');
      const { migrate } = await import('../../adapters/db/migrate.ts');
      const { createTestGateway } = await import(
        '../../adapters/gateways/test-gateway/test-gateway.ts'
      );
      const { systemClock } = await import('../clock.ts');
      const { runDemo } = await import('./demo.ts');
      const { fairDb } = await import('../../adapters/db/fair.ts');
      const handle = await openDatabase(config.database);
      try {
        await migrate(handle.db);
        const db = fairDb(handle);
        const deps = { db, clock: systemClock, gateway: createTestGateway(db) };
        const result = await withShutdownSignal((signal) =>
          runDemo(deps, {
            ...opts,
            signal,
            batchSize: config.workerBatchSize,
            leaseMs: config.leaseMs,
            stdout: io.stdout,
            stderr: io.stderr,
          }),
        );
        if (result.interrupted) setExitCode(EXIT.interrupted);
      } finally {
        await handle.close();
      }
    });

  program
    .command('simulate')
    .description(
      'replay a generated population of failed renewals under several strategies and compare them',
    )
    .option(
      '--customers <n>',
      'customers in the population (default 10000)',
      wholeNumber(1, 10_000_000),
    )
    .option('--days <d>', 'days to simulate (default 60)', wholeNumber(1, 366))
    .option('--model <file>', 'population model (JSON; default docs/population-model.json)')
    .option(
      '--strategy <key>',
      'a strategy to compare (repeatable): naive, gentle_30, firm_14, one_step, smart',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--seed <s>',
      'seed of the generated population (default 1)',
      wholeNumber(0, 2 ** 32 - 1),
    )
    .option(
      '--history <file>',
      'replay past failures from a CSV instead of a generated population (docs/simulation-model.md)',
    )
    .option('--json', 'print the results as JSON')
    .action(
      async (opts: {
        customers?: number;
        days?: number;
        model?: string;
        history?: string;
        strategy?: string[];
        seed?: number;
        json?: boolean;
      }) => {
        const { runSimulateCommand } = await import('../simulate/command.ts');
        setExitCode(
          await runSimulateCommand(
            {
              customers: opts.customers ?? 10_000,
              days: opts.days ?? 60,
              modelPath: opts.model ?? null,
              strategies: opts.strategy ?? [],
              json: opts.json === true,
              seed: opts.seed ?? 1,
              historyPath: opts.history ?? null,
              customersGiven: opts.customers !== undefined,
              daysGiven: opts.days !== undefined,
            },
            io,
          ),
        );
      },
    );

  return program;
}

/** An input the operator can correct: printed on one line, exit code 2. */
class UsageFailure extends Error {
  override name = 'UsageFailure';
}

/** Opens the configured database, migrates it, and closes it after `work`. */
async function withDatabase(
  work: (deps: import('../deps.ts').Deps) => Promise<void>,
): Promise<void> {
  const config = configure();
  const { openDatabase } = await import('../../adapters/db/connect.ts');
  const { migrate } = await import('../../adapters/db/migrate.ts');
  const { createTestGateway } = await import(
    '../../adapters/gateways/test-gateway/test-gateway.ts'
  );
  const { systemClock } = await import('../clock.ts');
  const handle = await openDatabase(config.database);
  try {
    await migrate(handle.db);
    await work({ db: handle.db, clock: systemClock, gateway: createTestGateway(handle.db) });
  } finally {
    await handle.close();
  }
}

function wholeNumber(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return value;
  };
}

/**
 * The first SIGINT/SIGTERM asks the work to stop and close cleanly; a second one exits at once.
 */
async function withShutdownSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write(`\nReceived ${name}: stopping (again to force).\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function reportError(error: unknown, stderr: NodeJS.WritableStream): Promise<number> {
  if (error instanceof CommanderError) {
    // --help and --version end through here too, having printed what was asked.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
      return EXIT.ok;
    // `dunner` alone prints the help to stderr; that is a usage error, with nothing more to say.
    if (error.code === 'commander.help') return EXIT.usage;
    const message = oneLine(error.message.replace(/^error: /, '')).replace(/\.$/, '');
    stderr.write(`dunner: ${message} (see dunner --help)\n`);
    return EXIT.usage;
  }
  if (error instanceof ConfigError || error instanceof UsageFailure) {
    stderr.write(`dunner: ${oneLine(error.message)}\n`);
    return EXIT.usage;
  }
  // A stored secret that the configured keys do not open: the operator has to give the key.
  if (error instanceof SecretsKeyError) {
    stderr.write(`dunner: ${oneLine(error.message)}\n`);
    return EXIT.usage;
  }
  if (await isExpectedRuntimeError(error)) {
    stderr.write(`dunner: ${oneLine((error as Error).message)}\n`);
    return EXIT.runtime;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`dunner: unexpected error: ${oneLine(message)}\n`);
  if (process.env.DUNNER_DEBUG === '1' && error instanceof Error && error.stack)
    stderr.write(`${error.stack}\n`);
  return EXIT.runtime;
}

/** Cannot connect, demo already there, port taken: the operator can act on the message alone. */
async function isExpectedRuntimeError(error: unknown): Promise<boolean> {
  try {
    // Only a command that ran can fail with these, so their modules are loaded already.
    const { DatabaseUnavailableError } = await import('../../adapters/db/connect.ts');
    const { DemoMerchantExistsError } = await import('./demo.ts');
    const { ListenError } = await import('./serve.ts');
    return (
      error instanceof DatabaseUnavailableError ||
      error instanceof DemoMerchantExistsError ||
      error instanceof ListenError
    );
  } catch {
    return false;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
