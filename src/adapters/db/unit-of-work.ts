// A unit of work: the engine decides a whole batch in memory and records here what to write;
// `flushUnit` then writes it with a handful of multi-row statements, whatever the batch size.
// Rows travel as one JSON parameter each (jsonb_populate_recordset), typed by the table itself.
import { sql } from 'kysely';
import { publicTypeOf } from '../../domain/webhooks/public-events.ts';
import type { Db } from './connect.ts';
import type { EventInput, MessageIntent } from './events.repo.ts';

type Table = 'dunning_cases' | 'subscriptions' | 'charges' | 'payment_attempts' | 'customers';
type Row = Record<string, unknown>;

const KEYS: Record<Table, readonly string[]> = {
  dunning_cases: ['merchant_id', 'case_id'],
  subscriptions: ['merchant_id', 'subscription_id'],
  charges: ['merchant_id', 'charge_id'],
  payment_attempts: ['merchant_id', 'attempt_id'],
  customers: ['merchant_id', 'customer_id'],
};

/** An event, or a customer message whose `message.queued` event is recorded only if it is new. */
type Entry = { event: EventInput; message?: MessageIntent };

export type Unit = {
  readonly inserts: Map<Table, Map<string, Row>>;
  readonly updates: Map<Table, Map<string, Row>>;
  readonly entries: Entry[];
  /** Subscriptions whose failed and pending charges are now paid. */
  readonly chargesPaid: { merchant_id: string; subscription_id: string; paid_at: Date }[];
  /** Cases whose undelivered messages are canceled (they were resolved). */
  readonly canceledMessages: { merchant_id: string; case_id: string; at: Date }[];
  readonly unknownCodes: { merchant_id: string; scheme: string; code: string }[];
};

export function newUnit(): Unit {
  return {
    inserts: new Map(),
    updates: new Map(),
    entries: [],
    chargesPaid: [],
    canceledMessages: [],
    unknownCodes: [],
  };
}

function keyOf(table: Table, row: Row): string {
  return KEYS[table].map((k) => String(row[k])).join('\u0000');
}

function tableMap(maps: Map<Table, Map<string, Row>>, table: Table): Map<string, Row> {
  const m = maps.get(table) ?? new Map<string, Row>();
  maps.set(table, m);
  return m;
}

export function insertRow(u: Unit, table: Table, row: Row): void {
  tableMap(u.inserts, table).set(keyOf(table, row), { ...row });
}

/** Patches a row by its key; patches of one row merge, later ones win; a new row takes them in. */
export function updateRow(u: Unit, table: Table, key: Row, patch: Row): void {
  const k = keyOf(table, key);
  const inserted = u.inserts.get(table)?.get(k);
  if (inserted) {
    Object.assign(inserted, patch);
    return;
  }
  const m = tableMap(u.updates, table);
  m.set(k, { ...(m.get(k) ?? key), ...patch });
}

export function addEvent(u: Unit, event: EventInput): void {
  u.entries.push({ event });
}

/**
 * Queues a customer message and its `message.queued` event (recorded only if the message is new);
 * false when this unit already queued one with the same dedupe key.
 */
export function addMessage(u: Unit, m: MessageIntent): boolean {
  if (
    u.entries.some(
      (e) => e.message?.merchantId === m.merchantId && e.message.dedupeKey === m.dedupeKey,
    )
  )
    return false;
  u.entries.push({ event: messageQueuedEvent(m), message: m });
  return true;
}

/** A resolved case sends nothing more, including what this unit had queued for it. */
export function cancelMessagesOf(u: Unit, merchantId: string, caseId: string, at: Date): void {
  for (let i = u.entries.length - 1; i >= 0; i--) {
    const m = u.entries[i]!.message;
    if (m && m.merchantId === merchantId && m.caseId === caseId) u.entries.splice(i, 1);
  }
  u.canceledMessages.push({ merchant_id: merchantId, case_id: caseId, at });
}

const json = (rows: unknown[]) => JSON.stringify(rows);

/** Writes the unit: inserts, updates, paid charges, canceled messages, then events and outbox. */
export async function flushUnit(trx: Db, u: Unit): Promise<void> {
  // Cases before attempts and charges that point at them; updates after the rows they touch.
  for (const table of ['dunning_cases', 'charges', 'payment_attempts'] as const) {
    const rows = [...(u.inserts.get(table)?.values() ?? [])];
    if (rows.length > 0) await insertRows(trx, table, rows);
  }
  for (const [table, m] of u.updates) await updateRows(trx, table, [...m.values()]);
  if (u.chargesPaid.length > 0)
    await sql`UPDATE charges c SET status = 'paid', paid_at = v.paid_at
      FROM jsonb_to_recordset(${json(u.chargesPaid)}::jsonb) AS v(merchant_id text, subscription_id text, paid_at timestamptz)
      WHERE c.merchant_id = v.merchant_id AND c.subscription_id = v.subscription_id AND c.status IN ('failed', 'pending')`.execute(
      trx,
    );
  if (u.canceledMessages.length > 0)
    await sql`UPDATE outbox o SET canceled_at = v.at
      FROM jsonb_to_recordset(${json(u.canceledMessages)}::jsonb) AS v(merchant_id text, case_id text, at timestamptz)
      WHERE o.merchant_id = v.merchant_id AND o.case_id = v.case_id AND o.topic = 'message'
        AND o.delivered_at IS NULL AND o.canceled_at IS NULL`.execute(trx);
  if (u.entries.length > 0) await insertEntries(trx, u.entries);
  if (u.unknownCodes.length > 0)
    await sql`INSERT INTO unknown_decline_codes (merchant_id, scheme, code)
      SELECT merchant_id, scheme, code FROM jsonb_to_recordset(${json(u.unknownCodes)}::jsonb) AS v(merchant_id text, scheme text, code text)
      ON CONFLICT (merchant_id, scheme, code) DO UPDATE SET seen = unknown_decline_codes.seen + 1, last_seen_at = now()`.execute(
      trx,
    );
}

/** Rows of one table in one statement; the column list is the union of the rows' keys. */
async function insertRows(trx: Db, table: Table, rows: Row[]): Promise<void> {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  await sql`INSERT INTO ${sql.table(table)} (${cols})
    SELECT ${cols} FROM jsonb_populate_recordset(NULL::${sql.table(table)}, ${json(rows)}::jsonb)`.execute(
    trx,
  );
}

/** One UPDATE per set of patched columns (a batch has few), each joined on the table's key. */
async function updateRows(trx: Db, table: Table, rows: Row[]): Promise<void> {
  const keys = KEYS[table];
  const bySignature = new Map<string, Row[]>();
  for (const r of rows) {
    const signature = Object.keys(r).sort().join(',');
    const group = bySignature.get(signature) ?? [];
    group.push(r);
    bySignature.set(signature, group);
  }
  for (const group of bySignature.values()) {
    const columns = Object.keys(group[0]!).filter((c) => !keys.includes(c));
    if (columns.length === 0) continue;
    const set = sql.join(columns.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`));
    const on = sql.join(
      keys.map((k) => sql`t.${sql.ref(k)} = v.${sql.ref(k)}`),
      sql` AND `,
    );
    await sql`UPDATE ${sql.table(table)} AS t SET ${set}
      FROM jsonb_populate_recordset(NULL::${sql.table(table)}, ${json(group)}::jsonb) AS v
      WHERE ${on}`.execute(trx);
  }
}

/**
 * Events, messages and the outbox rows that carry them out, in one statement: new messages go to
 * the outbox (a dedupe key already there is skipped, with its event), then every event in order,
 * then a webhook row for each event that an enabled endpoint of its merchant would receive at
 * this moment (the fan-out's own test, `acceptsEvent` on the public type, in SQL). An endpoint
 * committed while this statement runs may miss its events (docs/webhooks.md).
 */
async function insertEntries(trx: Db, entries: Entry[]): Promise<void> {
  const input = entries.map(({ event: e, message: m }, ord) => ({
    ord,
    merchant_id: e.merchantId,
    type: e.type,
    subscription_id: e.subscriptionId ?? null,
    case_id: e.caseId ?? null,
    data: e.data ?? {},
    occurred_at: e.occurredAt,
    msg_dedupe: m?.dedupeKey ?? null,
    msg_payload: m ? messagePayload(m) : null,
    msg_at: m?.at ?? null,
    public_type: publicTypeOf(e.type),
  }));
  await sql`WITH input AS (
      SELECT * FROM jsonb_to_recordset(${json(input)}::jsonb) AS x(ord int, merchant_id text, type text,
        subscription_id text, case_id text, data jsonb, occurred_at timestamptz, msg_dedupe text,
        msg_payload jsonb, msg_at timestamptz, public_type text)
    ), published AS (
      SELECT DISTINCT type, public_type FROM input WHERE public_type IS NOT NULL
    ), msg AS (
      INSERT INTO outbox (merchant_id, topic, event_id, case_id, dedupe_key, payload, available_at)
      SELECT merchant_id, 'message', NULL, case_id, msg_dedupe, msg_payload, msg_at
      FROM input WHERE msg_dedupe IS NOT NULL ORDER BY ord
      ON CONFLICT (merchant_id, dedupe_key) DO NOTHING
      RETURNING merchant_id, dedupe_key, outbox_id
    ), ev AS (
      INSERT INTO events (merchant_id, type, subscription_id, case_id, data, occurred_at)
      SELECT i.merchant_id, i.type, i.subscription_id, i.case_id,
        CASE WHEN i.msg_dedupe IS NULL THEN i.data ELSE i.data || jsonb_build_object('outbox_id', m.outbox_id) END,
        i.occurred_at
      FROM input i LEFT JOIN msg m ON m.merchant_id = i.merchant_id AND m.dedupe_key = i.msg_dedupe
      WHERE i.msg_dedupe IS NULL OR m.outbox_id IS NOT NULL
      ORDER BY i.ord
      RETURNING merchant_id, event_id, type, subscription_id, case_id, data, occurred_at
    )
    INSERT INTO outbox (merchant_id, topic, event_id, case_id, dedupe_key, payload, available_at)
    SELECT ev.merchant_id, 'webhook', ev.event_id, ev.case_id, 'evt_' || ev.event_id,
      jsonb_build_object('type', ev.type, 'subscription_id', ev.subscription_id, 'case_id', ev.case_id)
        || ev.data
        || jsonb_build_object('event_id', ev.event_id,
             'occurred_at', to_char(ev.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
      ev.occurred_at
    FROM ev JOIN published p ON p.type = ev.type
    WHERE EXISTS (
      SELECT 1 FROM webhook_endpoints w, jsonb_array_elements_text(w.enabled_events) AS f(pattern)
      WHERE w.merchant_id = ev.merchant_id AND w.status = 'enabled'
        AND (f.pattern = '*' OR f.pattern = p.public_type
          OR (right(f.pattern, 2) = '.*' AND starts_with(p.public_type, left(f.pattern, -1))))
    )
    ORDER BY ev.event_id`.execute(trx);
}

/** The outbox payload of a customer message (what the dispatcher reads). */
function messagePayload(m: MessageIntent): Record<string, unknown> {
  return {
    channel: 'email',
    template: m.template,
    bcc: m.bcc,
    customer_id: m.customerId,
    subscription_id: m.subscriptionId,
    case_id: m.caseId,
    step: m.step,
    intent: m.intent ?? 'payment_failed',
    ...m.details,
  };
}

/** The `message.queued` event of a message (its outbox id is added when it is written). */
function messageQueuedEvent(m: MessageIntent): EventInput {
  return {
    merchantId: m.merchantId,
    type: 'message.queued',
    occurredAt: m.at,
    subscriptionId: m.subscriptionId,
    caseId: m.caseId,
    data: {
      template: m.template,
      intent: m.intent ?? 'payment_failed',
      step: m.step,
      channel: 'email',
    },
  };
}
