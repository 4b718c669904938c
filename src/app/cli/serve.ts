// `dunner serve`: migrate, listen for HTTP, and run the worker loop in the same process until a
// shutdown signal. Several `serve` processes can share one PostgreSQL (work is claimed SKIP LOCKED).
// With --demo on a fresh database it listens first and prepares the demo merchant after.
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { type DatabaseHandle, type Db, openDatabase } from '../../adapters/db/connect.ts';
import { fairDb } from '../../adapters/db/fair.ts';
import { migrate } from '../../adapters/db/migrate.ts';
import { countUnsealedSecrets, listLiveMerchantIds } from '../../adapters/db/secrets.repo.ts';
import { createDefaultGateway } from '../../adapters/gateways/router.ts';
import { systemClock } from '../clock.ts';
import { type Config, ConfigError } from '../config.ts';
import { type DemoPreparation, reportDemoPreparation } from '../demo-preparation.ts';
import type { Deps } from '../deps.ts';
import { buildApp } from '../http/app.ts';
import type { Services } from '../http/v1/kit.ts';
import { newId } from '../ids.ts';
import { applyHardDeclineDunningConfig } from '../use-cases/hard-decline-dunning.ts';
import { dispatchSideEffects } from '../worker/side-effects.ts';
import {
  GATEWAY_CALLS_IN_FLIGHT,
  runWorker,
  workerConcurrency,
  workerLanes,
} from '../worker/worker.ts';
import { DEMO_OPERATOR, ensureDemoOperator } from './accounts.ts';
import { configure, LIVE_NEEDS_KEY } from './configure.ts';
import {
  createDemoMerchant,
  DEMO_DEFAULTS,
  DEMO_MERCHANT_ID,
  type DemoOptions,
  demoMerchantExists,
  walkDemo,
} from './demo.ts';

/** The port is taken or not allowed: an operator error, reported on one line. */
export class ListenError extends Error {
  override name = 'ListenError';
}

export type ServeOptions = {
  demo: boolean;
  /** A smaller (or larger) demo than DEMO_DEFAULTS, when a new one is made. */
  demoSize?: { subscriptions?: number; days?: number };
  /** Aborted on SIGINT/SIGTERM: the worker stops, the server and the database close. */
  signal: AbortSignal;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
};

/** DUNNER_HARD_DECLINE_DUNNING_MERCHANTS: what the operator makes available at every start. */
async function applyOperatorSwitches(
  deps: Deps,
  config: Config,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<void> {
  const listed = config.hardDeclineDunningMerchants;
  if (listed !== 'all' && listed.length === 0) return;
  const { madeAvailable, unknown } = await applyHardDeclineDunningConfig(deps, listed);
  if (madeAvailable.length > 0)
    stdout.write(
      `Hard-decline dunning is now available to ${madeAvailable.join(', ')} (DUNNER_HARD_DECLINE_DUNNING_MERCHANTS).\n`,
    );
  if (unknown.length > 0)
    stderr.write(
      `DUNNER_HARD_DECLINE_DUNNING_MERCHANTS names no merchant ${unknown.join(', ')}; ignored.\n`,
    );
}

export async function serve(options: ServeOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const config = configure();
  const handle = await openDatabase(config.database, {
    waitForServer: { signal: options.signal, log: (line) => stderr.write(`${line}\n`) },
  });
  let app: FastifyInstance | undefined;
  let worker: Promise<void> | undefined;
  // The worker gets its own controller so that a failure below also stops it before the close.
  const stopWorker = new AbortController();
  const onAbort = () => stopWorker.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await migrate(handle.db);
    if (options.signal.aborted) return;
    await checkSecretsKey(handle.db, config, stderr);
    const db = fairDb(handle);
    const gateway = createDefaultGateway(db, {
      secretKey: config.stripeSecretKey,
      webhookSecret: config.stripeWebhookSecret,
      publishableKey: config.stripePublishableKey,
      merchantId: config.stripeMerchantId,
    });
    const deps: Deps = { db, clock: systemClock, gateway };
    // The merchant and its operator now, so sign-in works at once; its customers and 60 days of
    // dunning come after listen (a minute or more), with progress here and in the dashboard.
    const prepareDemo = options.demo && !(await demoMerchantExists(deps));
    if (prepareDemo) await createDemoMerchant(deps);
    if (options.demo) await ensureDemoOperator(db, DEMO_MERCHANT_ID);
    await applyOperatorSwitches(deps, config, stdout, stderr);
    if (options.signal.aborted) return;

    const services: Services = { ...deps, config };
    app = buildApp({
      services,
      databaseKind: handle.kind,
      logger: { level: config.logLevel, stream: stdout },
      trustProxy: config.trustProxy,
      rateLimits: { apiRequestsPerSecond: config.apiRateLimit, signInFailures: config.signInLimit },
    });
    const address = await listen(app, config);
    const where = handle.kind === 'pglite' ? describePglite(config) : 'PostgreSQL';
    stdout.write(
      `Dunner listening on ${address} (database: ${where})` +
        (options.demo ? `; demo merchant: ${DEMO_MERCHANT_ID}` : '') +
        '. Ctrl-C stops it.\n',
    );
    stdout.write(
      `Dashboard: ${config.publicUrl}/dashboard/` +
        (options.demo
          ? ` (sign in as ${DEMO_OPERATOR.email} / ${DEMO_OPERATOR.password})`
          : ' (create a merchant with `dunner merchant create`)') +
        `\nAPI reference: ${config.publicUrl}/docs\n`,
    );

    const demoWalk = prepareDemo
      ? walkDemoInBackground(deps, {
          ...options.demoSize,
          signal: options.signal,
          batchSize: config.workerBatchSize,
          leaseMs: config.leaseMs,
          stdout,
          stderr,
        })
      : Promise.resolve();
    // The walk moves the demo merchant's test clock and runs its due items itself; the serve loop
    // starts after it, so the two never carry the demo merchant at once. (Other merchants' due
    // items wait for it too; only a first start with --demo has a walk.)
    worker = demoWalk.then(async () => {
      if (stopWorker.signal.aborted) return;
      await Promise.all([
        superviseWorker(deps, config, handle.kind, stopWorker.signal, stderr),
        superviseSideEffects(
          services,
          config,
          workerConcurrency(handle.kind),
          stopWorker.signal,
          stderr,
        ),
      ]);
    });
    await untilAborted(options.signal);
  } finally {
    stopWorker.abort();
    options.signal.removeEventListener('abort', onAbort);
    // Let the batch in flight finish before the database goes away under it.
    await worker;
    await app?.close();
    await handle.close();
  }
}

/**
 * Seeds and walks the demo merchant made before listen, reporting progress for the dashboard. A
 * failure is reported, not thrown: the server keeps serving what was prepared.
 */
async function walkDemoInBackground(deps: Deps, options: DemoOptions): Promise<void> {
  const stderr = options.stderr ?? process.stderr;
  stderr.write(
    'Preparing the demo merchant in the background (first start only); the dashboard shows how far it is.\n',
  );
  let progress: Omit<DemoPreparation, 'updatedAt'> = {
    merchantId: DEMO_MERCHANT_ID,
    status: 'preparing',
    stage: 'seeding',
    customersSeeded: 0,
    customersTotal: 0,
    day: 0,
    days: 0,
    error: null,
  };
  reportDemoPreparation(progress);
  try {
    const result = await walkDemo(deps, {
      ...options,
      onProgress: (p) => {
        progress = { ...progress, ...p };
        reportDemoPreparation(progress);
      },
    });
    if (!result.interrupted) reportDemoPreparation({ ...progress, status: 'ready', stage: null });
    else
      stderr.write(
        `The demo stopped at day ${result.daysSimulated} of ${options.days ?? DEMO_DEFAULTS.days}; ` +
          'later starts use it as it is (an empty DUNNER_DATA_DIR or database prepares it again).\n',
      );
  } catch (error) {
    const message = (error as Error).message;
    stderr.write(`dunner: preparing the demo stopped: ${message}\n`);
    reportDemoPreparation({ ...progress, status: 'failed', error: message });
  }
}

/** Runs the worker until the signal aborts; a failed batch (database down) is logged and retried. */
async function superviseWorker(
  deps: Deps,
  config: Config,
  database: DatabaseHandle['kind'],
  signal: AbortSignal,
  stderr: NodeJS.WritableStream,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await runWorker(deps, {
        batchSize: config.workerBatchSize,
        leaseMs: config.leaseMs,
        pollMs: config.workerPollMs,
        concurrency: GATEWAY_CALLS_IN_FLIGHT,
        lanes: workerLanes(database),
        signal,
      });
    } catch (error) {
      stderr.write(`dunner worker: batch failed, retrying: ${(error as Error).message}\n`);
      await delay(config.workerPollMs, undefined, { signal }).catch(() => {});
    }
  }
}

/** Delivers customer messages and webhooks until the signal aborts; a failed round is retried. */
async function superviseSideEffects(
  services: Services,
  config: Config,
  concurrency: number,
  signal: AbortSignal,
  stderr: NodeJS.WritableStream,
): Promise<void> {
  const workerId = newId('dsp');
  while (!signal.aborted) {
    let handled = 0;
    try {
      handled = await dispatchSideEffects(services, {
        workerId,
        batchSize: config.workerBatchSize,
        leaseMs: config.leaseMs,
        concurrency,
        log: (line) => stderr.write(`${line}\n`),
      });
    } catch (error) {
      stderr.write(`dunner dispatch: round failed, retrying: ${(error as Error).message}\n`);
    }
    if (handled === 0) await delay(config.workerPollMs, undefined, { signal }).catch(() => {});
  }
}

async function listen(app: FastifyInstance, config: Config): Promise<string> {
  try {
    return await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new ListenError(
        `cannot listen on ${config.host}:${config.port} (${code}); set PORT or HOST to another value`,
      );
    }
    throw error;
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

function describePglite(config: Config): string {
  return config.database.kind === 'pglite' && config.database.dataDir
    ? `PGlite in ${config.database.dataDir}`
    : 'PGlite in memory';
}

/**
 * Live mode does not start without a secrets key. Without one (test mode only), or with stored
 * secrets still unsealed, says so once.
 */
async function checkSecretsKey(db: Db, config: Config, stderr: NodeJS.WritableStream) {
  if (config.secretsKeys.current === null) {
    const live = await listLiveMerchantIds(db);
    if (live.length > 0)
      throw new ConfigError(`${LIVE_NEEDS_KEY}; live merchants: ${live.join(', ')}`);
    if (/^(sk|rk)_live_/.test(config.stripeSecretKey ?? ''))
      throw new ConfigError(`${LIVE_NEEDS_KEY}; STRIPE_SECRET_KEY is a live key`);
    stderr.write(
      'DUNNER_SECRETS_KEY is not set: signing secrets and Stripe keys are stored unencrypted (test mode only; live merchants need the key).\n',
    );
    return;
  }
  const unsealed = await countUnsealedSecrets(db);
  if (unsealed > 0)
    stderr.write(
      `${unsealed} stored secrets are not encrypted yet (stored before DUNNER_SECRETS_KEY was set): run \`dunner secrets rotate\` to encrypt them.\n`,
    );
}
