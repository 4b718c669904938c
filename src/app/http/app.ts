// The HTTP app factory. Tests drive it through inject(); `dunner serve` calls listen().
// /v1 is the public API (API key or dashboard session); files in site/ are mounted at the root and
// bring their own auth (signed update links, Stripe signatures, dashboard sign-in).
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { Db } from '../../adapters/db/connect.ts';
import { listAppliedMigrations, pingDatabase } from '../../adapters/db/health.repo.ts';
import { listMigrations } from '../../adapters/db/migrate.ts';
import { authenticateApiKey } from '../access/api-keys.ts';
import { authenticateSession, SESSION_COOKIE } from '../access/sessions.ts';
import { registerApiReference } from './openapi.ts';
import {
  createLimiters,
  DEFAULT_RATE_LIMITS,
  type Limiters,
  type RateLimits,
  signInRateLimited,
} from './rate-limits.ts';
import { registerIdempotency } from './v1/idempotency.ts';
import { ApiError, type Services, type SitePlugin, type V1Plugin } from './v1/kit.ts';

export type AppDeps = {
  readonly services: Services;
  readonly databaseKind: 'pglite' | 'postgres';
  /** Off by default (tests); `serve` passes pino options, JSON lines on stdout. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Defaults: DEFAULT_RATE_LIMITS (DUNNER_API_RATE_LIMIT, DUNNER_SIGN_IN_LIMIT). */
  readonly rateLimits?: Partial<RateLimits>;
  /** The client address is the proxy's X-Forwarded-For (DUNNER_TRUST_PROXY). */
  readonly trustProxy?: boolean;
};

export type Readiness =
  | { ready: true }
  | { ready: false; reason: 'database_unavailable' | 'migrations_pending' };

// A readiness probe must answer promptly even when the database hangs.
const READY_TIMEOUT_MS = 3000;
const BODY_LIMIT_BYTES = 1_048_576;
/** Deeper than any request body of the API needs (a strategy's steps are four levels). */
export const MAX_JSON_DEPTH = 32;

const ROUTES_DIR = fileURLToPath(new URL('./v1/routes/', import.meta.url));
const SITE_DIR = fileURLToPath(new URL('./site/', import.meta.url));

export function buildApp(deps: AppDeps): FastifyInstance {
  const { services } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    // One line per request from the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    trustProxy: deps.trustProxy ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Our ids and cursors never need more; a longer parameter is answered 400, not parsed.
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: (error, _request, reply) =>
      (reply as FastifyReply)
        .code(400)
        .send(
          new ApiError(
            'invalid_field',
            error.code === 'FST_ERR_MAX_PARAM_LENGTH'
              ? 'a path segment is longer than 200 characters'
              : 'the URL is malformed (bad percent-encoding)',
            null,
          ).body(),
        ),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    const err = new ApiError(
      'not_found',
      `no route ${request.method} ${request.url.split('?')[0]}`,
      null,
    );
    return reply.code(404).send(err.body());
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, not the URL: an update link's token is in its path.
    // Probes would fill the log: they are logged at debug.
    const probe = request.url === '/health' || request.url === '/ready';
    request.log[probe ? 'debug' : 'info'](
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        merchant_id: request.caller?.merchantId ?? null,
      },
      'request',
    );
  });
  app.register(cookie);
  app.register(formbody);
  app.register(rateLimit, { global: false });
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS, ...deps.rateLimits };
  let limiters: Limiters | undefined;
  app.after(() => {
    limiters = createLimiters(app, limits);
  });
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Dunner API',
        version: '1',
        description:
          'Recover failed subscription payments. Authenticate with `Authorization: Bearer <API key>`. ' +
          'Errors are `{ "error": { "code", "message", "field" } }`. Creating requests accept an ' +
          '`Idempotency-Key` header.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'dk_test_… or dk_live_…' },
        },
      },
      security: [{ apiKey: [] }],
    },
    // Only the public API goes in the document.
    hideUntagged: false,
    transform: ({ schema, url }) =>
      url.startsWith('/v1/') ? { schema, url } : { schema: { ...schema, hide: true }, url },
  });

  registerApiReference(app);

  const expectedVersions = listMigrations().map((m) => m.version);

  // Liveness: the process answers. It never touches the database, so a slow database does not
  // get a healthy process restarted.
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const readiness = await withTimeout(checkReadiness(services.db, expectedVersions), {
      ready: false,
      reason: 'database_unavailable',
    });
    if (readiness.ready) return { status: 'ready', database: deps.databaseKind };
    return reply.code(503).send({ status: 'not_ready', reason: readiness.reason });
  });

  app.register(
    async (v1) => {
      v1.decorateRequest('caller', null as never);
      // The API speaks JSON only; forms and plain text are for the pages in site/.
      v1.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
      // No request of ours nests deeper than a few levels; a body that does is refused before it
      // is parsed, so a 20,000-deep array costs a scan, not a stack.
      const parseJson = app.getDefaultJsonParser('error', 'error');
      v1.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
        if (jsonDeeperThan(body as string, MAX_JSON_DEPTH))
          return done(
            new ApiError(
              'invalid_json',
              `the body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep`,
              null,
            ),
          );
        return parseJson(request, body as string, done);
      });
      v1.addHook('onRequest', async (request, reply) => {
        const caller = await authenticate(services, request, reply, limiters!);
        await limiters!.countRequest(request, reply, caller);
        // A session cookie rides along with any request the browser makes, so a changing request
        // must also carry a header a cross-site form cannot set (CSRF).
        if (
          request.caller.via === 'session' &&
          request.method !== 'GET' &&
          request.headers['x-requested-with'] !== 'dunner-dashboard'
        )
          throw new ApiError(
            'unauthenticated',
            'a dashboard request that changes data must send X-Requested-With: dunner-dashboard',
            'X-Requested-With',
          );
      });
      // PostgreSQL text cannot hold U+0000, nor JSON a lone UTF-16 surrogate (`"\ud800"`): refuse
      // them up front, naming where they were, rather than failing in the database.
      v1.addHook('preValidation', async (request) => {
        for (const [part, value] of [
          ['params', request.params],
          ['query', request.query],
          ['body', request.body],
        ] as const) {
          const bad = findUnstorable(value, '');
          if (bad !== null)
            throw new ApiError(
              'invalid_field',
              `${bad.at || part} must not contain ${bad.what}`,
              bad.at || part,
            );
        }
      });
      registerIdempotency(v1, services.db);
      for (const plugin of await loadPlugins<V1Plugin>(ROUTES_DIR))
        await v1.register(plugin, { services });
    },
    { prefix: '/v1' },
  );
  app.register(async (site) => {
    for (const plugin of await loadPlugins<SitePlugin>(SITE_DIR))
      await site.register(plugin, { services, limiters: limiters! });
  });
  return app;
}

async function authenticate(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  limiters: Limiters,
) {
  const authorization = request.headers.authorization;
  const sessionCookie = request.cookies[SESSION_COOKIE];
  if (authorization !== undefined) {
    const wait = await limiters.signInBlocked(request, 'api_key');
    if (wait !== null) {
      reply.header('Retry-After', wait);
      throw signInRateLimited('api_key', wait);
    }
    const key = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    const caller = key ? await authenticateApiKey(services.db, key) : null;
    if (!caller) await limiters.signInFailed(request, 'api_key');
    if (!caller)
      throw new ApiError(
        'unauthenticated',
        'the API key is not valid (expected Authorization: Bearer dk_test_… or dk_live_…)',
        'Authorization',
      );
    return caller;
  }
  if (sessionCookie) {
    const caller = await authenticateSession(services, sessionCookie);
    if (!caller)
      throw new ApiError('unauthenticated', 'the session has ended; sign in again', null);
    return caller;
  }
  throw new ApiError(
    'unauthenticated',
    'send your API key as Authorization: Bearer <key>',
    'Authorization',
  );
}

/** Every .ts file (not a test) in `dir` default-exports a plugin; loaded in name order. */
async function loadPlugins<P>(dir: string): Promise<P[]> {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  const plugins: P[] = [];
  for (const file of files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) {
    const mod = (await import(pathToFileURL(dir + file).href)) as { default?: P };
    if (!mod.default) throw new Error(`${dir}${file} must default-export a route plugin`);
    plugins.push(mod.default);
  }
  return plugins;
}

// Bodies are checked strictly (a string is not a number); query strings and path parameters are
// text by nature, so their numbers and booleans are converted.
const strictAjv = addFormats(
  new Ajv({
    coerceTypes: false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  }),
);
const coercingAjv = addFormats(
  new Ajv({
    coerceTypes: 'array',
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  }),
);

function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  return (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema);
}

function errorHandler(
  error: FastifyError,
  request: { id: string; log: { error: (o: unknown, msg: string) => void } },
  reply: import('fastify').FastifyReply,
) {
  if (error instanceof ApiError) return reply.code(error.statusCode).send(error.body());
  if (error.validation) {
    const first = error.validation[0] as ErrorObject | undefined;
    const part = error.validationContext ?? 'body';
    const field = first ? fieldOf(first, part) : part;
    const reason = first ? reasonOf(first) : 'is not valid';
    return reply.code(400).send(new ApiError('invalid_field', `${field} ${reason}`, field).body());
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply
        .code(415)
        .send(
          new ApiError(
            'unsupported_media_type',
            'send the body as application/json',
            'Content-Type',
          ).body(),
        );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply
        .code(413)
        .send(
          new ApiError(
            'too_large',
            `the body must be at most ${BODY_LIMIT_BYTES} bytes`,
            null,
          ).body(),
        );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return reply
        .code(400)
        .send(new ApiError('invalid_json', 'the body is not valid JSON', null).body());
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return reply
        .code(400)
        .send(new ApiError('invalid_json', 'Content-Length does not match the body', null).body());
  }
  if (error instanceof SyntaxError || error.statusCode === 400)
    return reply
      .code(400)
      .send(
        new ApiError('invalid_json', `the request is malformed: ${error.message}`, null).body(),
      );
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return reply
      .code(error.statusCode)
      .send(new ApiError('invalid_field', error.message, null, error.statusCode).body());
  // The log line and the answer carry the same request id (X-Request-Id), so an operator finds
  // one from the other.
  request.log.error({ err: error }, 'request failed');
  const body = new ApiError(
    'internal_error',
    'something failed on our side; the request can be sent again',
    null,
  ).body();
  return reply.code(500).send({ error: { ...body.error, request_id: request.id } });
}

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{8,100}$/;

/** A proxy's X-Request-Id when it is a plain token, else a new `req_` id. */
function requestIdOf(raw: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = raw.headers['x-request-id'];
  if (typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming)) return incoming;
  return `req_${randomBytes(8).toString('hex')}`;
}

type Unstorable = { at: string; what: string };

// With the u flag a surrogate pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Where the first string that no database column can hold is (`''` for the value itself), or null. */
function findUnstorable(value: unknown, path: string): Unstorable | null {
  if (typeof value === 'string') return unstorableIn(value, path);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = findUnstorable(value[i], `${path}[${i}]`);
      if (at !== null) return at;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      const inKey = unstorableIn(key, here);
      if (inKey !== null) return inKey;
      const at = findUnstorable(inner, here);
      if (at !== null) return at;
    }
  }
  return null;
}

function unstorableIn(text: string, at: string): Unstorable | null {
  if (text.includes('\u0000')) return { at, what: 'the NUL character' };
  if (LONE_SURROGATE.test(text)) return { at, what: 'a lone UTF-16 surrogate (not a character)' };
  return null;
}

/** True when JSON text opens more than `max` objects or arrays inside each other (strings skipped). */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** `items[0].amount_in_cents` from an error at /items/0/amount_in_cents, or the missing property. */
function fieldOf(error: ErrorObject, part: string): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra =
    error.keyword === 'required'
      ? (error.params as { missingProperty: string }).missingProperty
      : error.keyword === 'additionalProperties'
        ? (error.params as { additionalProperty: string }).additionalProperty
        : null;
  if (extra) path.push(extra);
  if (path.length === 0) return part;
  return path.reduce(
    (acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    '',
  );
}

function reasonOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return error.message ?? 'is not valid';
  }
}

/** Ready: the database answers and every migration this build knows has been applied. */
export async function checkReadiness(db: Db, expectedVersions: number[]): Promise<Readiness> {
  try {
    await pingDatabase(db);
  } catch {
    return { ready: false, reason: 'database_unavailable' };
  }
  try {
    const applied = new Set(await listAppliedMigrations(db));
    if (expectedVersions.some((v) => !applied.has(v)))
      return { ready: false, reason: 'migrations_pending' };
  } catch {
    // No schema_migrations table yet: nothing has been migrated.
    return { ready: false, reason: 'migrations_pending' };
  }
  return { ready: true };
}

function withTimeout<T>(work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), READY_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
