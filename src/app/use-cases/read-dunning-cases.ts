// Reading dunning cases: a filtered, cursor-paged list, and one case with its timeline — every
// attempt (raw codes, category, why), every message and its status, every decision with its why,
// the next scheduled action, and the strategy version it runs. Messages are read from the event
// log (message.queued / message.sent / message.bounced …), which every channel writes.
import type { Db } from '../../adapters/db/connect.ts';
import {
  type CaseListRow,
  findCaseCursor,
  findCaseWithCustomer,
  listCasePage,
} from '../../adapters/db/dunning-cases.repo.ts';
import { listAttemptFailedEventData, listCaseEvents } from '../../adapters/db/event-log.repo.ts';
import { listCanceledCaseMessages } from '../../adapters/db/outbox.repo.ts';
import { listCaseAttempts } from '../../adapters/db/payment-attempts.repo.ts';
import { listPaymentFailuresOfAttempts } from '../../adapters/db/payment-failures.repo.ts';
import type { AttemptRow, CaseRow } from '../../adapters/db/schema.ts';
import { getStrategyName, loadStrategyVersion } from '../../adapters/db/strategies.repo.ts';
import { CASE_STATUSES, type CaseStatus, entryAt, retryGate } from '../../domain/case/case.ts';
import { DECLINE_CATEGORIES, type DeclineCategory } from '../../domain/declines/categories.ts';
import type { FinalAction } from '../../domain/strategy/strategy.ts';
import { caseData } from '../engine/cases.ts';
import { fail, ok, type Result } from '../result.ts';

export type { CaseListRow } from '../../adapters/db/dunning-cases.repo.ts';

export type CaseFilters = {
  status?: CaseStatus;
  /** The category of the case's latest decline. */
  category?: DeclineCategory;
  strategyId?: string;
  subscriptionId?: string;
  currency?: string;
  minAmountMinor?: number;
  maxAmountMinor?: number;
  openedAfter?: Date;
  openedBefore?: Date;
};

/** Newest first; `startingAfter` is the id of the last case of the previous page. */
export async function listDunningCases(
  db: Db,
  merchantId: string,
  filters: CaseFilters,
  page: { limit: number; startingAfter?: string },
): Promise<Result<CaseListRow[]>> {
  if (filters.status !== undefined && !CASE_STATUSES.includes(filters.status))
    return fail('invalid_field', `status must be one of ${CASE_STATUSES.join(', ')}`, 'status');
  if (filters.category !== undefined && !DECLINE_CATEGORIES.includes(filters.category))
    return fail(
      'invalid_field',
      `category must be one of ${DECLINE_CATEGORIES.join(', ')}`,
      'category',
    );
  let cursor: { opened_at: Date; case_id: string } | undefined;
  if (page.startingAfter !== undefined) {
    cursor = await findCaseCursor(db, merchantId, page.startingAfter);
    if (!cursor)
      return fail('invalid_field', 'starting_after is not a case of this list', 'starting_after');
  }
  const rows = await listCasePage(db, merchantId, filters, cursor, page.limit + 1);
  return ok(rows);
}

export type TimelineAttempt = AttemptRow & {
  /** How the decline was read (tables, codes, sources); null for successes and pending ones. */
  classification: string | null;
  /** Set when the failure was reported by the merchant's billing system. */
  external_charge_id: string | null;
};

export type MessageStatusChange = { status: string; at: Date; details: Record<string, unknown> };

export type TimelineMessage = {
  /** The message's id when its channel gave one, else its outbox row, else the event. */
  id: string;
  channel: string;
  template: string | null;
  step: string | null;
  /** The latest status: queued, sent, delivered, bounced, … or canceled (never sent). */
  status: string;
  queuedAt: Date;
  updatedAt: Date;
  history: MessageStatusChange[];
};

export type TimelineDecision = {
  at: Date;
  kind: string;
  why: string;
  stepIndex: number | null;
};

export type TimelineEvent = {
  eventId: number;
  type: string;
  at: Date;
  data: Record<string, unknown>;
};

export type NextAction = {
  at: Date;
  kind: 'step' | 'final' | 'renewal_retry' | 'quick_retry' | 'recheck';
  stepIndex: number;
  /** Day of the schedule the step belongs to (day 1 = the first failure). */
  day: number;
  retry: boolean;
  messageTemplate: string | null;
  finalAction: FinalAction | null;
  why: string;
};

export type CaseTimeline = {
  row: CaseListRow;
  strategy: { id: string; version: number; name: string };
  nextAction: NextAction | null;
  attempts: TimelineAttempt[];
  messages: TimelineMessage[];
  decisions: TimelineDecision[];
  events: TimelineEvent[];
};

export async function getDunningCase(
  db: Db,
  merchantId: string,
  caseId: string,
): Promise<Result<CaseTimeline>> {
  const row = await findCaseWithCustomer(db, merchantId, caseId);
  if (!row) return fail('not_found', `no dunning case ${caseId}`, 'id');
  const strategyName = await getStrategyName(db, merchantId, row.strategy_id);

  const [attempts, events] = await Promise.all([caseAttempts(db, row), caseEvents(db, row)]);
  return ok({
    row,
    strategy: { id: row.strategy_id, version: row.strategy_version, name: strategyName },
    nextAction: await nextActionOf(db, row),
    attempts,
    messages: await caseMessages(db, row, events),
    decisions: events
      .filter((e) => e.type === 'dunning_case.decision')
      .map((e) => ({
        at: e.at,
        kind: String(e.data.kind ?? 'decision'),
        why: String(e.data.why ?? ''),
        stepIndex: typeof e.data.step_index === 'number' ? e.data.step_index : null,
      })),
    events,
  });
}

/**
 * The case's own attempts, and those of its subscription made while it was open with no case id:
 * the renewal that opened it (completed at the opening instant) and manual charges.
 */
async function caseAttempts(db: Db, row: CaseRow): Promise<TimelineAttempt[]> {
  const attempts = await listCaseAttempts(db, row);
  if (attempts.length === 0) return [];
  const ids = attempts.map((a) => a.attempt_id);
  const [failedEvents, reported] = await Promise.all([
    listAttemptFailedEventData(db, row.merchant_id, row.subscription_id, ids),
    listPaymentFailuresOfAttempts(db, row.merchant_id, ids),
  ]);
  const classification = new Map<string, string>();
  for (const e of failedEvents) {
    const d = e.data as { attempt_id?: unknown; classification?: unknown };
    if (typeof d.attempt_id === 'string' && typeof d.classification === 'string')
      classification.set(d.attempt_id, d.classification);
  }
  const external = new Map(reported.map((r) => [r.attempt_id, r]));
  return attempts.map((a) => ({
    ...a,
    classification:
      classification.get(a.attempt_id) ?? external.get(a.attempt_id)?.classification ?? null,
    external_charge_id: external.get(a.attempt_id)?.external_charge_id ?? null,
  }));
}

async function caseEvents(db: Db, row: CaseRow): Promise<TimelineEvent[]> {
  const rows = await listCaseEvents(db, row.merchant_id, row.case_id);
  return rows.map((e) => ({
    eventId: e.event_id,
    type: e.type,
    at: e.occurred_at,
    data: (e.data ?? {}) as Record<string, unknown>,
  }));
}

/**
 * Folds message.* events into one entry per message, in the order they were first queued. The
 * queuing event names the message by its outbox row; the channel's later events by the message id
 * and its step, which binds them to the earliest queued entry of that step not yet bound.
 */
async function caseMessages(
  db: Db,
  row: CaseRow,
  events: TimelineEvent[],
): Promise<TimelineMessage[]> {
  const entries: (TimelineMessage & { messageId: string | null })[] = [];
  const byMessageId = new Map<string, TimelineMessage & { messageId: string | null }>();
  const byOutboxId = new Map<number, TimelineMessage & { messageId: string | null }>();
  for (const e of events) {
    if (!e.type.startsWith('message.')) continue;
    const { template, step, channel, ...details } = e.data;
    const messageId = typeof e.data.message_id === 'string' ? e.data.message_id : null;
    const outboxId = typeof e.data.outbox_id === 'number' ? e.data.outbox_id : null;
    const stepName = typeof step === 'string' ? step : null;
    let entry =
      (messageId !== null ? byMessageId.get(messageId) : undefined) ??
      (outboxId !== null ? byOutboxId.get(outboxId) : undefined) ??
      (outboxId === null && stepName !== null
        ? entries.find((m) => m.messageId === null && m.step === stepName)
        : undefined);
    const status = e.type.slice('message.'.length);
    const change = { status, at: e.at, details };
    if (!entry) {
      entry = {
        id: messageId ?? (outboxId !== null ? `outbox_${outboxId}` : `evt_${e.eventId}`),
        messageId: null,
        channel: 'email',
        template: null,
        step: stepName,
        status,
        queuedAt: e.at,
        updatedAt: e.at,
        history: [],
      };
      entries.push(entry);
    }
    if (messageId !== null && entry.messageId === null) {
      entry.messageId = messageId;
      entry.id = messageId;
      byMessageId.set(messageId, entry);
    }
    if (outboxId !== null) byOutboxId.set(outboxId, entry);
    if (typeof channel === 'string') entry.channel = channel;
    if (entry.template === null && typeof template === 'string') entry.template = template;
    if (entry.step === null) entry.step = stepName;
    entry.status = status;
    entry.updatedAt = e.at;
    entry.history.push(change);
  }
  // A queued message whose outbox row was canceled (the case closed first) was never sent.
  const canceled = await listCanceledCaseMessages(db, row.merchant_id, row.case_id);
  for (const c of canceled) {
    const message = byOutboxId.get(c.outbox_id);
    if (message?.status !== 'queued' || !c.canceled_at) continue;
    message.status = 'canceled';
    message.updatedAt = c.canceled_at;
    message.history.push({
      status: 'canceled',
      at: c.canceled_at,
      details: { why: 'the case ended before it was sent' },
    });
  }
  return entries.map(({ messageId: _, ...m }) => m);
}

/** What the worker will do next with an open case, and when. */
async function nextActionOf(db: Db, row: CaseRow): Promise<NextAction | null> {
  if (row.status !== 'open' || row.next_action_at === null) return null;
  const def = await loadStrategyVersion(db, row.merchant_id, row.strategy_id, row.strategy_version);
  const at = row.next_action_at;
  const entry = entryAt(def, row.step_index);
  const base = {
    at,
    stepIndex: row.step_index,
    day: entry.day,
    retry: false,
    messageTemplate: null,
    finalAction: null,
  };
  const same = (d: Date | null) => d !== null && d.getTime() === at.getTime();
  if (row.pending_attempt_id)
    return {
      ...base,
      kind: 'recheck',
      retry: true,
      why: 'the last charge got no answer; it is re-sent with the same idempotency key',
    };
  if (same(row.quick_retry_at))
    return {
      ...base,
      kind: 'quick_retry',
      retry: true,
      why: 'quick retry after a temporary error',
    };
  if (same(row.renewal_retry_at))
    return {
      ...base,
      kind: 'renewal_retry',
      retry: true,
      why: row.renewal_retry_reason ?? 'renewal at period end',
    };
  const message = entry.message.enabled ? entry.message.template : null;
  if (entry.kind === 'final')
    return {
      ...base,
      kind: 'final',
      messageTemplate: message,
      finalAction: entry.action,
      why: `day ${entry.day} final step: ${entry.action}`,
    };
  const gate = retryGate(caseData(row));
  const retry = entry.retry && gate.allowed;
  return {
    ...base,
    kind: 'step',
    retry,
    messageTemplate: message,
    why: `day ${entry.day} step ${entry.index + 1}: ${
      retry
        ? 'retry (subject to the network rules at that time)'
        : entry.retry
          ? `no retry: ${gate.why}`
          : 'no retry on this step'
    }${message ? `; message ${message}` : ''}`,
  };
}
