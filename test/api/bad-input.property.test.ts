// 10,000 generated bad requests against the public API (SPEC section 9: "a bad request gets a 4xx
// with a clear message and changes nothing"). The routes come from the OpenAPI document, so a new
// route is covered the day it is added. Each request is wrong in one way: a missing, unknown or
// mistyped field, a value out of range, a huge string, number or body, a NUL character or a lone
// surrogate, nesting 33 to 20,000 deep, an unknown currency, a bad or another
// merchant's id (in the path or the body), malformed or non-object JSON, a wrong content type,
// bad query parameters, a bad Idempotency-Key, or no valid API key. For every one: no 5xx; a 4xx with `{ error: { code, message,
// field } }` and a code from the catalogue; and no row of any table written. Writes are caught by
// row triggers installed for the test on every table, read after each request.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ERROR_CODES } from '../../src/app/result.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { day } from '../support/world.ts';

const RUNS = Number(process.env.DUNNER_BAD_INPUT_RUNS ?? 10_000);
// The idempotency ledger records a request's answer so that a retry gets the same answer; that
// record is bookkeeping, not merchant data. It is checked separately: it may only hold the 4xx.
const LEDGER = 'idempotent_requests';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  default?: unknown;
};

type Operation = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI form: /v1/customers/{id} */
  path: string;
  pathParams: { name: string; schema: Schema }[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
  bodyTypes: string[];
};

type BadRequest = {
  kind: string;
  op: Operation;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** Send no Authorization header at all (the key is replaced by `headers.authorization` otherwise). */
  noKey?: boolean;
};

type Seeds = {
  /** A real id of this merchant for the object a path segment names (customers → cus_…). */
  mine: Record<string, string>;
  /** The other merchant's id for the same kind of object: must be a 404 here. */
  theirs: Record<string, string>;
  /** Real ids for body fields that reference objects (customer_id, subscription_id, …). */
  refs: Record<string, string>;
};

let w: ApiWorld;
let ops: Operation[];
let seeds: Seeds;
let tables: string[];

beforeAll(async () => {
  w = await createApiWorld({ start: day('2026-03-01') });
  seeds = await seed(w);
  await w.app.ready();
  ops = operationsOf(w.app.swagger() as { paths: Record<string, Record<string, unknown>> });
  tables = await watchWrites(w);
}, 300_000);

afterAll(async () => {
  await w?.close();
});

describe('bad input', () => {
  test('the OpenAPI document lists the creating and updating routes, and every body rejects unknown fields', () => {
    const changing = ops.filter((o) => o.method !== 'GET');
    expect(changing.length).toBeGreaterThan(20);
    for (const path of [
      'POST /v1/customers',
      'POST /v1/customers/{id}/payment_methods',
      'POST /v1/subscriptions',
      'POST /v1/strategies',
      'POST /v1/test_clock/advance',
      'POST /v1/merchant',
      'POST /v1/api_keys',
    ])
      expect(changing.map((o) => `${o.method} ${o.path}`)).toContain(path);
    const open = changing
      .filter((o) => o.body && o.body.additionalProperties !== false)
      .map((o) => `${o.method} ${o.path}`);
    expect(open).toEqual([]);
  });

  test('a path the router refuses (too long, bad percent-encoding) gets the error shape', async () => {
    const written = await writes(w);
    for (const op of ops.filter((o) => o.pathParams.length > 0)) {
      const name = op.pathParams[0]!.name;
      for (const url of [
        urlOf(op, seeds, { name, value: 'a'.repeat(300) }),
        op.path.replace(`{${name}}`, '%E0%A4%A'),
      ]) {
        const res = await send({ kind: 'bad_path_id', op, url, headers: {} });
        expect(res.statusCode, `${op.method} ${op.path}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${op.method} ${op.path}`).toBeLessThan(500);
        expect(Object.keys(ERROR_CODES), `${op.method} ${op.path}: ${res.body}`).toContain(
          (JSON.parse(res.body) as { error?: { code?: string } }).error?.code,
        );
      }
    }
    expect(await writes(w)).toEqual(written);
  });

  test(`${RUNS} generated bad requests: no 5xx, the error shape on every 4xx, nothing written`, async () => {
    const seen = new Map<string, number>();
    const before = await checksum(w, tables);
    let written = await writes(w);
    await fc.assert(
      fc.asyncProperty(badRequest(ops, seeds), async (req) => {
        seen.set(req.kind, (seen.get(req.kind) ?? 0) + 1);
        const res = await send(req);
        const what = `${req.kind}: ${req.op.method} ${req.url} ${JSON.stringify(req.headers)} ${req.payload?.slice(0, 300) ?? ''}\n-> ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, what).toBeLessThan(500);
        const body = JSON.parse(res.body) as {
          error?: { code?: unknown; message?: unknown; field?: unknown };
        };
        expect(Object.keys(ERROR_CODES), what).toContain(body.error?.code);
        expect(typeof body.error?.message, what).toBe('string');
        expect(body.error?.field === null || typeof body.error?.field === 'string', what).toBe(
          true,
        );
        // Nothing is ever written, so the counts after one request are the counts before the next.
        const now = await writes(w);
        const previous = written;
        written = now;
        expect(now, what).toEqual(previous);
        const key = req.headers['idempotency-key'];
        if (key) {
          const kept = await w.db
            .selectFrom('idempotent_requests')
            .select('status_code')
            .where('merchant_id', '=', w.merchantId)
            .where('key', '=', key)
            .executeTakeFirst();
          // A recorded answer to this key is a 4xx: replaying it can never run anything.
          if (kept) expect(kept.status_code === null || kept.status_code >= 400, what).toBe(true);
        }
      }),
      {
        numRuns: RUNS,
        ...(process.env.DUNNER_BAD_INPUT_SEED
          ? { seed: Number(process.env.DUNNER_BAD_INPUT_SEED) }
          : {}),
      },
    );
    expect(await checksum(w, tables)).toEqual(before);
    // Every kind of bad input was tried many times.
    for (const kind of KINDS) expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(RUNS / 100);
  }, 900_000);
});

async function send(req: BadRequest) {
  const headers: Record<string, string> = { ...req.headers };
  if (!req.noKey && headers.authorization === undefined) headers.authorization = `Bearer ${w.key}`;
  return w.app.inject({
    method: req.op.method,
    url: req.url,
    headers,
    ...(req.payload !== undefined ? { payload: req.payload } : {}),
  });
}

// --- the world the requests are thrown at ------------------------------------------------------

async function seed(world: ApiWorld): Promise<Seeds> {
  const api = world.api;
  const ok = (res: { status: number; body: { id?: string } }, what: string): string => {
    if (res.status >= 300 || !res.body.id)
      throw new Error(`seeding ${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  };
  const customer = ok(
    await api('POST', '/v1/customers', { body: { name: 'Ada', email: 'ada@example.com' } }),
    'customer',
  );
  const method = ok(
    await api('POST', `/v1/customers/${customer}/payment_methods`, {
      body: { test_card: 'success' },
    }),
    'method',
  );
  const subscription = ok(
    await api('POST', '/v1/subscriptions', {
      body: {
        customer_id: customer,
        payment_method_id: method,
        product_name: 'Pro',
        price_in_cents: 2000,
        currency: 'USD',
        interval: 'month',
      },
    }),
    'subscription',
  );
  // A second subscription whose renewal fails: a past-due subscription with an open case.
  const poor = ok(
    await api('POST', '/v1/customers', { body: { name: 'Bob', email: 'bob@example.com' } }),
    'customer',
  );
  const poorMethod = ok(
    await api('POST', `/v1/customers/${poor}/payment_methods`, {
      body: { test_card: 'insufficient_funds' },
    }),
    'method',
  );
  const pastDue = ok(
    await api('POST', '/v1/subscriptions', {
      body: {
        customer_id: poor,
        payment_method_id: poorMethod,
        product_name: 'Pro',
        price_in_cents: 2000,
        currency: 'USD',
        interval: 'month',
      },
    }),
    'subscription',
  );
  await api('POST', '/v1/test_clock/advance', { body: { to: '2026-04-01T12:00:00Z' } });
  const openCase = await world.db
    .selectFrom('dunning_cases')
    .select('case_id')
    .where('merchant_id', '=', world.merchantId)
    .where('subscription_id', '=', pastDue)
    .executeTakeFirstOrThrow();
  const strategy = (await api('GET', '/v1/strategies')).body.data[0].id as string;
  const spareKey = ok(await api('POST', '/v1/api_keys', { body: { label: 'spare' } }), 'api key');
  const endpoint = await api('POST', '/v1/webhook_endpoints', {
    body: { url: 'https://hooks.example.com/dunner', enabled_events: ['*'] },
  });

  const other = await world.otherMerchant();
  const as = { key: other.key };
  const theirCustomer = ok(
    await api('POST', '/v1/customers', { ...as, body: { name: 'Eve', email: 'eve@example.com' } }),
    'their customer',
  );
  const theirMethod = ok(
    await api('POST', `/v1/customers/${theirCustomer}/payment_methods`, {
      ...as,
      body: { test_card: 'success' },
    }),
    'their method',
  );
  const theirSubscription = ok(
    await api('POST', '/v1/subscriptions', {
      ...as,
      body: {
        customer_id: theirCustomer,
        payment_method_id: theirMethod,
        product_name: 'Pro',
        price_in_cents: 100,
        currency: 'EUR',
        interval: 'year',
      },
    }),
    'their subscription',
  );
  const theirStrategy = (await api('GET', '/v1/strategies', as)).body.data[0].id as string;
  const theirKey = ok(await api('POST', '/v1/api_keys', { ...as, body: {} }), 'their key');

  return {
    mine: {
      customers: customer,
      payment_methods: method,
      subscriptions: pastDue,
      strategies: strategy,
      api_keys: spareKey,
      dunning_cases: openCase.case_id,
      ...(endpoint.status === 201 ? { webhook_endpoints: endpoint.body.id } : {}),
      templates: 'first_notice',
    },
    theirs: {
      customers: theirCustomer,
      payment_methods: theirMethod,
      subscriptions: theirSubscription,
      strategies: theirStrategy,
      api_keys: theirKey,
    },
    refs: {
      customer_id: customer,
      payment_method_id: method,
      subscription_id: subscription,
      primary_subscription_id: subscription,
      strategy_id: strategy,
      case_id: openCase.case_id,
    },
  };
}

/** Row triggers on every table but the idempotency ledger; returns the tables watched. */
async function watchWrites(world: ApiWorld): Promise<string[]> {
  const names = (
    await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(
      world.db,
    )
  ).rows
    .map((r) => r.table_name)
    .filter((t) => t !== LEDGER);
  await sql`CREATE SCHEMA bad_input_watch`.execute(world.db);
  await sql`CREATE TABLE bad_input_watch.writes (tbl text PRIMARY KEY, n bigint NOT NULL)`.execute(
    world.db,
  );
  await sql
    .raw(`CREATE FUNCTION bad_input_watch.bump() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO bad_input_watch.writes VALUES (TG_TABLE_NAME, 1)
          ON CONFLICT (tbl) DO UPDATE SET n = bad_input_watch.writes.n + 1;
        RETURN NULL;
      END $fn$`)
    .execute(world.db);
  for (const t of names) {
    await sql
      .raw(
        `CREATE TRIGGER bad_input_rows AFTER INSERT OR UPDATE OR DELETE ON public."${t}" FOR EACH ROW EXECUTE FUNCTION bad_input_watch.bump()`,
      )
      .execute(world.db);
    await sql
      .raw(
        `CREATE TRIGGER bad_input_truncate AFTER TRUNCATE ON public."${t}" FOR EACH STATEMENT EXECUTE FUNCTION bad_input_watch.bump()`,
      )
      .execute(world.db);
  }
  return names;
}

async function writes(world: ApiWorld): Promise<Record<string, number>> {
  const rows = await sql<{
    tbl: string;
    n: number;
  }>`SELECT tbl, n FROM bad_input_watch.writes`.execute(world.db);
  return Object.fromEntries(rows.rows.map((r) => [r.tbl, Number(r.n)]));
}

/** Row count and an order-independent hash of every row, per table: the before/after comparison. */
async function checksum(world: ApiWorld, names: string[]): Promise<Record<string, string>> {
  const query = names
    .map(
      (t) =>
        `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(sum(hashtext(x::text)::bigint), 0)::text AS sum FROM public."${t}" x`,
    )
    .join(' UNION ALL ');
  const rows = await sql.raw<{ t: string; sum: string }>(query).execute(world.db);
  return Object.fromEntries(rows.rows.map((r) => [r.t, r.sum]));
}

// --- the routes, from the OpenAPI document ------------------------------------------------------

function operationsOf(doc: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const op = raw as {
        parameters?: { in: string; name: string; schema: Schema }[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
      };
      const content = op.requestBody?.content ?? {};
      out.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path'),
        query: (op.parameters ?? []).filter((p) => p.in === 'query'),
        body: content['application/json']?.schema ?? null,
        bodyTypes: Object.keys(content),
      });
    }
  }
  // Reads are here only for their bad ids and query parameters.
  return out.filter((o) => o.method !== 'GET' || o.query.length > 0 || o.pathParams.length > 0);
}

// --- bad requests -------------------------------------------------------------------------------

const KINDS = [
  'missing_field',
  'unknown_field',
  'wrong_type',
  'out_of_range',
  'huge_string',
  'huge_body',
  'nul_in_text',
  'bad_path_id',
  'foreign_path_id',
  'bad_reference',
  'malformed_json',
  'not_an_object',
  'wrong_content_type',
  'bad_query',
  'bad_idempotency_key',
  'no_valid_key',
] as const;

/** A plausible value for a schema: real ids where a field references an object. */
function sample(schema: Schema, name: string | null, s: Seeds): unknown {
  const types = typeList(schema);
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const t = types.find((x) => x !== 'null') ?? 'string';
  switch (t) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = sample(v, k, s);
      return out;
    }
    case 'array':
      return schema.items ? [sample(schema.items, null, s)] : [];
    case 'integer':
    case 'number':
      return (
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1)
      );
    case 'boolean':
      return true;
    default: {
      if (name && s.refs[name]) return s.refs[name];
      if (schema.format === 'date-time') return '2026-04-02T00:00:00Z';
      if (schema.pattern?.includes('A-Z')) return 'USD';
      if (schema.pattern?.includes(':')) return '21:00';
      if (schema.pattern?.includes('@')) return 'someone@example.com';
      if (schema.pattern?.includes('0-9]{4}')) return '4242';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    }
  }
}

function typeList(schema: Schema): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

type Node = { path: (string | number)[]; schema: Schema; name: string | null };

/** Every field of a body schema with its path, nested objects and first array items included. */
function nodesOf(
  schema: Schema,
  path: (string | number)[] = [],
  name: string | null = null,
): Node[] {
  const out: Node[] = path.length > 0 ? [{ path, schema, name }] : [];
  if (typeList(schema).includes('object') || schema.properties)
    for (const [k, v] of Object.entries(schema.properties ?? {}))
      out.push(...nodesOf(v, [...path, k], k));
  if (schema.items) out.push(...nodesOf(schema.items, [...path, 0], name));
  return out;
}

function setAt(body: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

const VALUES_BY_TYPE: Record<string, unknown> = {
  string: 'text',
  integer: 7,
  number: 1.5,
  boolean: true,
  null: null,
  object: { a: 1 },
  array: [1],
};

/** JSON values none of the schema's types allow. */
function wrongValues(schema: Schema): unknown[] {
  const types = typeList(schema);
  return Object.entries(VALUES_BY_TYPE)
    .filter(([t, v]) => {
      if (types.includes(t)) return false;
      if (t === 'integer' && types.includes('number')) return false;
      if (t === 'number' && types.includes('integer') && Number.isInteger(v)) return false;
      return true;
    })
    .map(([, v]) => v);
}

/** Values that break one constraint of a schema (the type itself is right). */
function outOfRange(schema: Schema): unknown[] {
  const out: unknown[] = [];
  const types = typeList(schema);
  if (schema.enum) out.push('not_one_of_them', '');
  if (types.includes('string')) {
    if (schema.maxLength !== undefined) out.push('x'.repeat(schema.maxLength + 1));
    if ((schema.minLength ?? 0) > 0) out.push('');
    if (schema.pattern)
      out.push(...[' ', '!!', 'zz9'].filter((v) => !new RegExp(schema.pattern!, 'u').test(v)));
    if (schema.format === 'date-time') out.push('next tuesday', '2026-13-45T99:99:99Z');
  }
  if (types.includes('integer') || types.includes('number')) {
    if (schema.maximum !== undefined) out.push(schema.maximum + 1);
    if (schema.minimum !== undefined) out.push(schema.minimum - 1);
    if (schema.exclusiveMinimum !== undefined) out.push(schema.exclusiveMinimum);
    if (types.includes('integer') && !types.includes('number')) out.push(2.5);
  }
  if (types.includes('array')) {
    if (schema.maxItems !== undefined && schema.items)
      out.push(Array.from({ length: schema.maxItems + 1 }, () => VALUES_BY_TYPE.string));
    if ((schema.minItems ?? 0) > 0) out.push([]);
  }
  return out;
}

function urlOf(
  op: Operation,
  s: Seeds,
  override?: { name: string; value: string },
  query = '',
): string {
  let url = op.path;
  for (const p of op.pathParams) {
    const value =
      override?.name === p.name
        ? override.value
        : (s.mine[collectionOf(op.path, p.name)] ?? 'id_unknown');
    url = url.replace(`{${p.name}}`, encodeURIComponent(value));
  }
  return url + query;
}

/** `customers` for /v1/customers/{id}/payment_methods: the segment before the parameter. */
function collectionOf(path: string, param: string): string {
  const segs = path.split('/');
  return segs[segs.indexOf(`{${param}}`) - 1] ?? '';
}

const json = (body: unknown) => ({
  payload: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

const idempotencyKey = fc.option(fc.constantFrom('k-1', 'k-2', 'k-3', 'bad-input-key'), {
  nil: undefined,
});

function badRequest(all: Operation[], s: Seeds): fc.Arbitrary<BadRequest> {
  // Built once per route and kind: the arbitraries are reused by every run.
  const perRoute = all.map((op) => {
    const base = op.body ? sample(op.body, null, s) : undefined;
    const nodes = op.body ? nodesOf(op.body) : [];
    const url = urlOf(op, s);
    const choices = new Map<string, fc.Arbitrary<BadRequest>>();
    const add = (kind: string, arb: fc.Arbitrary<BadRequest>) => choices.set(kind, arb);
    const withKey = (arb: fc.Arbitrary<Omit<BadRequest, 'op'>>) =>
      fc.tuple(arb, idempotencyKey).map(([r, key]) => ({
        ...r,
        op,
        headers: {
          ...r.headers,
          ...(key && op.method === 'POST' ? { 'idempotency-key': key } : {}),
        },
      }));

    if (op.body) {
      const requiredPaths = nodes.filter((n) => {
        const parent = n.path.length === 1 ? op.body! : nodeAt(op.body!, n.path.slice(0, -1));
        return (
          typeof n.path[n.path.length - 1] === 'string' &&
          (parent?.required ?? []).includes(String(n.path[n.path.length - 1]))
        );
      });
      if (requiredPaths.length > 0)
        add(
          'missing_field',
          withKey(
            fc.constantFrom(...requiredPaths).map((n) => ({
              kind: 'missing_field',
              url,
              ...json(setAt(base, n.path, undefined, true)),
            })),
          ),
        );
      const closed = [{ path: [] as (string | number)[], schema: op.body }, ...nodes].filter(
        (n) =>
          n.schema.additionalProperties === false &&
          (n.path.length === 0 || typeList(n.schema).includes('object')),
      );
      add(
        'unknown_field',
        withKey(
          fc
            .tuple(
              fc.constantFrom(...closed),
              fc.string({ minLength: 1, maxLength: 20 }),
              fc.jsonValue({ maxDepth: 2 }),
            )
            .filter(([n, k]) => !(k in (n.schema.properties ?? {})) && k !== '__proto__')
            .map(([n, k, v]) => {
              const target = n.path.length === 0 ? base : getAt(base, n.path);
              const replaced = { ...(target as object), [k]: v };
              return {
                kind: 'unknown_field',
                url,
                ...json(n.path.length === 0 ? replaced : setAt(base, n.path, replaced)),
              };
            }),
        ),
      );
      const typed = nodes.filter((n) => typeList(n.schema).length > 0);
      if (typed.length > 0)
        add(
          'wrong_type',
          withKey(
            fc
              .constantFrom(...typed)
              .chain((n) => fc.constantFrom(...wrongValues(n.schema)).map((v) => ({ n, v })))
              .map(({ n, v }) => ({ kind: 'wrong_type', url, ...json(setAt(base, n.path, v)) })),
          ),
        );
      const ranged = nodes.filter((n) => outOfRange(n.schema).length > 0);
      if (ranged.length > 0)
        add(
          'out_of_range',
          withKey(
            fc
              .constantFrom(...ranged)
              .chain((n) => fc.constantFrom(...outOfRange(n.schema)).map((v) => ({ n, v })))
              .map(({ n, v }) => ({ kind: 'out_of_range', url, ...json(setAt(base, n.path, v)) })),
          ),
        );
      const bounded = nodes.filter(
        (n) =>
          typeList(n.schema).includes('string') &&
          n.schema.maxLength !== undefined &&
          !n.schema.enum,
      );
      if (bounded.length > 0)
        add(
          'huge_string',
          withKey(
            fc
              .tuple(
                fc.constantFrom(...bounded),
                fc.integer({ min: 1, max: 20_000 }),
                fc.constantFrom('x', 'é', '💸', '\u0000'),
              )
              .map(([n, extra, ch]) => ({
                kind: 'huge_string',
                url,
                ...json(setAt(base, n.path, ch.repeat(n.schema.maxLength! + extra))),
              })),
          ),
        );
      // PostgreSQL text cannot hold U+0000: a string with it must be refused, not fail the insert.
      const texts = nodes.filter(
        (n) =>
          typeList(n.schema).includes('string') &&
          !n.schema.enum &&
          !n.schema.format &&
          (n.schema.maxLength ?? 10) >= 3,
      );
      if (texts.length > 0)
        add(
          'nul_in_text',
          withKey(
            fc
              .tuple(fc.constantFrom(...texts), fc.constantFrom('\u0000', 'a\u0000b', 'ok\u0000'))
              .map(([n, v]) => ({ kind: 'nul_in_text', url, ...json(setAt(base, n.path, v)) })),
          ),
        );
      // A lone UTF-16 half is no character: JSON can carry its escape, no database column can.
      if (texts.length > 0)
        add(
          'lone_surrogate',
          withKey(
            fc
              .tuple(fc.constantFrom(...texts), fc.constantFrom('\ud800', 'a\udfffb', 'ok\udbff'))
              .map(([n, v]) => ({ kind: 'lone_surrogate', url, ...json(setAt(base, n.path, v)) })),
          ),
        );
      // Any field set to arrays or objects nested far deeper than any request needs.
      if (nodes.length > 0)
        add(
          'deep_nesting',
          withKey(
            fc
              .tuple(
                fc.constantFrom(...nodes),
                fc.integer({ min: 33, max: 20_000 }),
                fc.constantFrom('[', '{"a":'),
              )
              .map(([n, depth, open]) => {
                const close = open === '[' ? ']' : '}';
                const marker = '"__deep__"';
                const text = JSON.stringify(setAt(base, n.path, '__deep__'));
                return {
                  kind: 'deep_nesting',
                  url,
                  payload: text.replace(marker, `${open.repeat(depth)}1${close.repeat(depth)}`),
                  headers: { 'content-type': 'application/json' },
                };
              }),
          ),
        );
      // Beyond what a double holds (1e400 parses as Infinity) anywhere a number goes; past the safe
      // integers wherever the number is bounded or is money.
      const numeric = nodes.filter(
        (n) =>
          typeList(n.schema).some((t) => t === 'integer' || t === 'number') &&
          !typeList(n.schema).includes('string'),
      );
      const hugeFor = (n: Node) =>
        n.schema.maximum !== undefined || /_in_cents$/.test(n.name ?? '')
          ? ['1e400', '-1e400', '1e308', '18446744073709551616', '9007199254740993']
          : ['1e400', '-1e400'];
      if (numeric.length > 0)
        add(
          'huge_number',
          withKey(
            fc
              .constantFrom(...numeric)
              .chain((n) => fc.constantFrom(...hugeFor(n)).map((v) => ({ n, v })))
              .map(({ n, v }) => ({
                kind: 'huge_number',
                url,
                payload: JSON.stringify(setAt(base, n.path, '__num__')).replace('"__num__"', v),
                headers: { 'content-type': 'application/json' },
              })),
          ),
        );
      const currencies = nodes.filter((n) => n.name === 'currency');
      if (currencies.length > 0)
        add(
          'unknown_currency',
          withKey(
            fc
              .tuple(
                fc.constantFrom(...currencies),
                fc.constantFrom('ZZZ', 'XTS', 'XXX', 'AAA', 'BTC'),
              )
              .map(([n, v]) => ({
                kind: 'unknown_currency',
                url,
                ...json(setAt(base, n.path, v)),
              })),
          ),
        );
      add(
        'huge_body',
        withKey(
          fc.integer({ min: 1_048_577, max: 1_300_000 }).map((size) => ({
            kind: 'huge_body',
            url,
            ...json({ ...(base as object), padding: 'x'.repeat(size) }),
          })),
        ),
      );
      const references = nodes.filter(
        (n) =>
          n.name !== null && s.refs[n.name] !== undefined && typeList(n.schema).includes('string'),
      );
      if (references.length > 0)
        add(
          'bad_reference',
          withKey(
            fc
              .tuple(
                fc.constantFrom(...references),
                fc.oneof(
                  fc.constantFrom(...Object.values(s.theirs)),
                  fc.stringMatching(/^[a-z]{2,4}_[0-9a-z]{6,20}$/),
                ),
              )
              .map(([n, v]) => ({ kind: 'bad_reference', url, ...json(setAt(base, n.path, v)) })),
          ),
        );
      const text = JSON.stringify(base);
      add(
        'malformed_json',
        withKey(
          fc
            .oneof(
              fc
                .integer({ min: 0, max: Math.max(0, text.length - 1) })
                .map((n) => text.slice(0, n)),
              fc.constantFrom(
                "{'a': 1}",
                '{"a":1,}',
                'undefined',
                'NaN',
                '{"a": 01}',
                '\u0000',
                '{"a": "\\x"}',
                `${text}}`,
                `${text} trailing`,
              ),
            )
            .map((payload) => ({
              kind: 'malformed_json',
              url,
              payload,
              headers: { 'content-type': 'application/json' },
            })),
        ),
      );
      add(
        'not_an_object',
        withKey(
          fc.constantFrom('[]', '123', '"text"', 'true', '[{}]', '-0.5').map((payload) => ({
            kind: 'not_an_object',
            url,
            payload,
            headers: { 'content-type': 'application/json' },
          })),
        ),
      );
      const others = [
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/html',
        'application/octet-stream',
        'application/json-patch+json',
      ].filter((t) => !op.bodyTypes.includes(t.split(';')[0]!));
      add(
        'wrong_content_type',
        withKey(
          fc.tuple(fc.constantFrom(...others), fc.boolean()).map(([type, asForm]) => ({
            kind: 'wrong_content_type',
            url,
            payload: asForm
              ? new URLSearchParams(
                  Object.entries(base as Record<string, unknown>).map(
                    ([k, v]): [string, string] => [k, String(v)],
                  ),
                ).toString()
              : text,
            headers: { 'content-type': type },
          })),
        ),
      );
    }

    const ok: { headers: Record<string, string>; payload?: string } = op.body
      ? json(base)
      : { headers: {} };
    if (op.pathParams.length > 0) {
      const badIds = fc.oneof(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((v) => encodable(v)),
        fc.constantFrom('..', ' ', 'null', '0', "' OR 1=1 --", '{id}', '*', '\u0000', 'a\u0000b'),
        // Up to the router's limit; a longer segment never reaches a route (tested below).
        fc.integer({ min: 101, max: 190 }).map((n) => 'a'.repeat(n)),
      );
      add(
        'bad_path_id',
        withKey(
          fc
            .tuple(fc.constantFrom(...op.pathParams), badIds)
            .map(([p, value]) => ({ p, value: `zz${value}` }))
            // An id that names nothing is a 404; any other parameter (a template key, which a PUT
            // may create) must break its own schema to be bad.
            .filter(({ p, value }) => p.name === 'id' || breaks(p.schema, value))
            .map(({ p, value }) => ({
              kind: 'bad_path_id',
              url: urlOf(op, s, { name: p.name, value }),
              ...ok,
            })),
        ),
      );
      const foreign = op.pathParams.filter(
        (p) => s.theirs[collectionOf(op.path, p.name)] !== undefined,
      );
      if (foreign.length > 0)
        add(
          'foreign_path_id',
          withKey(
            fc.constantFrom(...foreign).map((p) => ({
              kind: 'foreign_path_id',
              url: urlOf(op, s, { name: p.name, value: s.theirs[collectionOf(op.path, p.name)]! }),
              ...ok,
            })),
          ),
        );
    }

    if (op.query.length > 0) {
      const badParams = fc.oneof(
        fc
          .tuple(fc.stringMatching(/^[a-z_]{1,12}$/), fc.string({ maxLength: 10 }))
          .filter(([k]) => !op.query.some((q) => q.name === k))
          .map(([k, v]) => [k, v] as const),
        fc.constantFrom(...op.query).chain((q) => {
          const values = badQueryValues(q.schema);
          return values.length > 0
            ? fc.constantFrom(...values).map((v) => [q.name, v] as const)
            : fc.constant(['not_a_parameter', '1'] as const);
        }),
      );
      add(
        'bad_query',
        withKey(
          badParams.map(([k, v]) => ({
            kind: 'bad_query',
            url: `${url}?${new URLSearchParams([[k, v]]).toString()}`,
            ...ok,
          })),
        ),
      );
    }

    if (op.method === 'POST')
      add(
        'bad_idempotency_key',
        fc
          .oneof(
            fc.string({ minLength: 256, maxLength: 400 }),
            fc.constantFrom('', ' ', 'key with spaces', 'ключ', 'k\tey'),
          )
          .map((key) => ({
            kind: 'bad_idempotency_key',
            op,
            url,
            ...(op.body ? json(base) : {}),
            headers: { ...(op.body ? json(base).headers : {}), 'idempotency-key': key },
          })),
      );

    if (op.method !== 'GET')
      add(
        'no_valid_key',
        fc
          .constantFrom(
            { noKey: true },
            { authorization: 'Bearer dk_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
            { authorization: 'Bearer dk_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
            { authorization: 'Basic YWRtaW46YWRtaW4=' },
            { authorization: 'Bearer' },
          )
          .map((auth) => ({
            kind: 'no_valid_key',
            op,
            url,
            ...(op.body ? json(base) : {}),
            headers: {
              ...(op.body ? json(base).headers : {}),
              ...('authorization' in auth ? { authorization: auth.authorization } : {}),
            },
            ...('noKey' in auth ? { noKey: true } : {}),
          })),
      );

    return choices;
  });
  // Each kind of bad input as often as the others, then any route it applies to.
  const byKind = new Map<string, fc.Arbitrary<BadRequest>[]>();
  for (const choices of perRoute)
    for (const [kind, arb] of choices) byKind.set(kind, [...(byKind.get(kind) ?? []), arb]);
  return fc.oneof(...[...byKind.values()].map((arbs) => fc.oneof(...arbs)));
}

/** Query values are text, converted to the parameter's type: only text no conversion makes valid. */
function badQueryValues(schema: Schema): string[] {
  const types = typeList(schema);
  const out = outOfRange(schema)
    .filter((v) => typeof v === 'string' || typeof v === 'number')
    .map(String);
  if (types.includes('string')) return [...out, 'a\u0000b'];
  if (types.includes('integer')) out.push('text', '1.5', 'NaN', '1e400');
  else if (types.includes('number')) out.push('text', 'NaN');
  if (types.includes('boolean')) out.push('yes', 'maybe');
  return out;
}

function breaks(schema: Schema, value: string): boolean {
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return true;
  if (schema.minLength !== undefined && value.length < schema.minLength) return true;
  return schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value);
}

function encodable(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}

function nodeAt(schema: Schema, path: (string | number)[]): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const seg of path) node = typeof seg === 'number' ? node?.items : node?.properties?.[seg];
  return node;
}

function getAt(body: unknown, path: (string | number)[]): unknown {
  let node = body as Record<string | number, unknown> | undefined;
  for (const seg of path) node = node?.[seg] as Record<string | number, unknown> | undefined;
  return node;
}
