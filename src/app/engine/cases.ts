// Opening, recovering and closing dunning cases. Each function decides against the loaded world
// and records its writes (case, subscription, events, outbox) in the unit of work, which the
// caller's transaction flushes; the async form beside each does both for one call from the API.
import type { Db } from '../../adapters/db/connect.ts';
import type { MessageIntent } from '../../adapters/db/events.repo.ts';
import type { CaseRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { loadStrategyVersion } from '../../adapters/db/strategies.repo.ts';
import {
  addEvent,
  addMessage,
  cancelMessagesOf,
  insertRow,
  type Unit,
  updateRow,
} from '../../adapters/db/unit-of-work.ts';
import { type CaseData, nextActionAt, planNext, seededRandom } from '../../domain/case/case.ts';
import { messageIntent } from '../../domain/case/message-intent.ts';
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { blocksRetryUntilMethodChanges } from '../../domain/declines/categories.ts';
import {
  type Cohort,
  cohortOf,
  controlShareOf,
  controlStrategy,
} from '../../domain/experiment/control-group.ts';
import { learnPayCycle } from '../../domain/retry-timing/pay-cycle.ts';
import type {
  FinalAction,
  MessageSpec,
  PaymentMethodType,
  StrategyDefinition,
} from '../../domain/strategy/strategy.ts';
import { newId } from '../ids.ts';
import { applySubscriptionEventIn } from './subscription-state.ts';
import { key, paymentMethodIn, strategyIn, type Work, type World, withWork } from './world.ts';

export function caseData(row: CaseRow): CaseData {
  return {
    status: row.status,
    openedAt: row.opened_at,
    stepIndex: row.step_index,
    timeZone: row.time_zone,
    paymentMethodType: row.payment_method_type,
    lastCategory: row.last_category as DeclineCategory | null,
    awaitingNewMethod: row.awaiting_new_method,
    renewalRetryAt: row.renewal_retry_at,
    renewalRetryReason: row.renewal_retry_reason,
    stepAt: row.step_at,
    quickRetryAt: row.quick_retry_at,
    quickRetries: row.quick_retries,
    lastDeclineAt: row.last_decline_at,
    retriesMade: row.retries_made,
    skipRetry:
      row.skip_retry_step === null
        ? null
        : { stepIndex: row.skip_retry_step, why: row.skip_retry_why ?? '' },
  };
}

/** The strategy a case runs: its version, at fixed times for a control-group case. */
function forCohort(def: StrategyDefinition, cohort: Cohort): StrategyDefinition {
  return cohort === 'control' ? controlStrategy(def) : def;
}

export function caseStrategy(w: World, row: CaseRow): StrategyDefinition {
  return forCohort(
    strategyIn(w, row.merchant_id, row.strategy_id, row.strategy_version),
    row.cohort,
  );
}

export async function strategyOf(db: Db, row: CaseRow): Promise<StrategyDefinition> {
  return forCohort(
    await loadStrategyVersion(db, row.merchant_id, row.strategy_id, row.strategy_version),
    row.cohort,
  );
}

const caseKey = (row: CaseRow) => ({ merchant_id: row.merchant_id, case_id: row.case_id });

export type SaveExtra = Partial<
  Pick<CaseRow, 'pending_attempt_id' | 'retries_made' | 'amount_due_minor'>
> & {
  now: Date;
  nextActionAt?: Date | null;
  /** Let the worker pick the case up again at its next action time. */
  release?: boolean;
};

/**
 * Writes the case data back. First plans what is not planned yet (the current step's time with
 * smart retries, a quick retry after a temporary error) and records why; then stores the next
 * action time that follows. The row object is updated too, so later decisions see it.
 */
export function saveCaseIn(
  w: Work,
  row: CaseRow,
  data: CaseData,
  def: StrategyDefinition,
  extra: SaveExtra,
): CaseData {
  let planned = data;
  if (
    data.status === 'open' &&
    (data.stepAt == null ||
      (def.smartRetries && data.lastCategory === 'temporary' && data.quickRetryAt == null))
  ) {
    const plan = planNext(data, def, {
      now: extra.now,
      payCycle: learnPayCycle(
        w.world.subscribers.get(key(row.merchant_id, row.subscription_id))?.payment_times ?? [],
        data.timeZone,
      ),
      // Seeded by the case and its position, so a re-run plans the very same time.
      random: seededRandom(`${row.case_id}:${data.stepIndex}:${data.quickRetries ?? 0}`),
    });
    planned = plan.case;
    for (const why of plan.why) {
      addEvent(w.unit, {
        merchantId: row.merchant_id,
        type: 'dunning_case.decision',
        occurredAt: extra.now,
        subscriptionId: row.subscription_id,
        caseId: row.case_id,
        data: { kind: 'plan', why, step_index: planned.stepIndex },
      });
    }
  }
  const next = extra.nextActionAt !== undefined ? extra.nextActionAt : nextActionAt(planned, def);
  const patch: Partial<CaseRow> = {
    status: planned.status,
    step_index: planned.stepIndex,
    last_category: planned.lastCategory,
    awaiting_new_method: planned.awaitingNewMethod,
    renewal_retry_at: planned.renewalRetryAt,
    renewal_retry_reason: planned.renewalRetryReason ?? null,
    step_at: planned.stepAt ?? null,
    quick_retry_at: planned.quickRetryAt ?? null,
    quick_retries: planned.quickRetries ?? 0,
    last_decline_at: planned.lastDeclineAt ?? null,
    skip_retry_step: planned.skipRetry?.stepIndex ?? null,
    skip_retry_why: planned.skipRetry?.why ?? null,
    next_action_at: next,
    ...(extra.pending_attempt_id !== undefined
      ? { pending_attempt_id: extra.pending_attempt_id }
      : {}),
    ...(extra.retries_made !== undefined ? { retries_made: extra.retries_made } : {}),
    ...(extra.amount_due_minor !== undefined ? { amount_due_minor: extra.amount_due_minor } : {}),
    ...(extra.release ? { lease_owner: null, lease_until: null } : {}),
    updated_at: new Date(),
  };
  Object.assign(row, patch);
  updateRow(w.unit, 'dunning_cases', caseKey(row), patch);
  return planned;
}

/** Lets the worker pick the case up again at its next action time. */
export function releaseCaseIn(w: Work, row: CaseRow): void {
  row.lease_owner = null;
  row.lease_until = null;
  updateRow(w.unit, 'dunning_cases', caseKey(row), { lease_owner: null, lease_until: null });
}

export async function saveCase(
  trx: Db,
  row: CaseRow,
  data: CaseData,
  def: StrategyDefinition,
  extra: SaveExtra,
): Promise<CaseData> {
  const copy = { ...row };
  return withWork(trx, { subs: [], cases: [copy] }, (w) => saveCaseIn(w, copy, data, def, extra));
}

export type FailedCharge = {
  sub: SubscriptionRow;
  amountMinor: number;
  chargeIds: string[];
  category: DeclineCategory | null;
  reason: string;
  at: Date;
  /** Group primaries put their whole group into dunning; members only themselves. */
  scope: 'subscription' | 'group';
};

/** A group primary (a subscription others point to) takes its whole group into dunning. */
export function scopeIn(w: World, sub: SubscriptionRow): 'subscription' | 'group' {
  if (sub.primary_subscription_id) return 'subscription';
  return (w.members.get(key(sub.merchant_id, sub.subscription_id))?.length ?? 0) > 0
    ? 'group'
    : 'subscription';
}

/**
 * A charge failed: open a case, or add the amount to the open one without resetting its
 * schedule (SPEC section 3). Moves the subscription (and a primary's group) to past_due.
 * Needs the world loaded with `openCases`.
 */
export function openOrContinueCaseIn(w: Work, f: FailedCharge): CaseRow {
  const { sub, at } = f;
  const subKey = key(sub.merchant_id, sub.subscription_id);
  const open = w.world.openCases.get(subKey);

  if (open) {
    const amount = open.amount_due_minor + f.amountMinor;
    open.amount_due_minor = amount;
    updateRow(w.unit, 'dunning_cases', caseKey(open), {
      amount_due_minor: amount,
      updated_at: new Date(),
    });
    tagCharges(w.unit, sub.merchant_id, f.chargeIds, open.case_id);
    addEvent(w.unit, {
      merchantId: sub.merchant_id,
      type: 'dunning_case.amount_added',
      occurredAt: at,
      subscriptionId: sub.subscription_id,
      caseId: open.case_id,
      data: {
        amount_minor: f.amountMinor,
        amount_due_minor: amount,
        currency: sub.currency,
        reason: f.reason,
        why: 'the open case continues its schedule; it is not reset',
      },
    });
    return open;
  }

  const pm = paymentMethodIn(w.world, sub.merchant_id, sub.payment_method_id);
  const pmType: PaymentMethodType = pm?.type ?? 'pay_link';
  const strategy = w.world.defaults.get(key(sub.merchant_id, pmType));
  if (!strategy)
    throw new Error(`merchant ${sub.merchant_id} has no default strategy for ${pmType}`);
  const timeZone = w.world.subscribers.get(subKey)?.time_zone;
  if (timeZone === undefined) throw new Error(`no customer ${sub.customer_id}`);
  const caseId = newId('case');
  // A share of new cases is held out as the control group: the same strategy at fixed times.
  const merchant = w.world.merchants.get(sub.merchant_id);
  const cohort = cohortOf(caseId, merchant ? controlShareOf(merchant.settings, merchant.mode) : 0);
  const def = forCohort(
    strategyIn(w.world, sub.merchant_id, strategy.strategy_id, strategy.current_version),
    cohort,
  );

  const data: CaseData = {
    status: 'open',
    openedAt: at,
    stepIndex: 0,
    timeZone,
    paymentMethodType: pmType,
    lastCategory: f.category,
    awaitingNewMethod: f.category !== null && blocksRetryUntilMethodChanges(f.category),
    renewalRetryAt: null,
    lastDeclineAt: f.category !== null ? at : null,
  };
  const row: CaseRow = {
    merchant_id: sub.merchant_id,
    case_id: caseId,
    subscription_id: sub.subscription_id,
    scope: f.scope,
    payment_method_id: sub.payment_method_id,
    payment_method_type: pmType,
    strategy_id: strategy.strategy_id,
    strategy_version: strategy.current_version,
    status: 'open',
    outcome_reason: null,
    opened_at: at,
    time_zone: timeZone,
    step_index: 0,
    last_category: f.category,
    awaiting_new_method: data.awaitingNewMethod,
    renewal_retry_at: null,
    renewal_retry_reason: null,
    step_at: null,
    quick_retry_at: null,
    quick_retries: 0,
    last_decline_at: data.lastDeclineAt ?? null,
    hard_declined_at: null,
    skip_retry_step: null,
    skip_retry_why: null,
    cohort,
    next_action_at: nextActionAt(data, def),
    amount_due_minor: f.amountMinor,
    currency: sub.currency,
    retries_made: 0,
    pending_attempt_id: null,
    lease_owner: null,
    lease_until: null,
    closed_at: null,
    created_at: new Date(),
    updated_at: new Date(),
  };
  insertRow(w.unit, 'dunning_cases', row);
  w.world.openCases.set(subKey, row);
  saveCaseIn(w, row, data, def, { now: at });
  tagCharges(w.unit, sub.merchant_id, f.chargeIds, row.case_id);
  addEvent(w.unit, {
    merchantId: sub.merchant_id,
    type: 'dunning_case.opened',
    occurredAt: at,
    subscriptionId: sub.subscription_id,
    caseId: row.case_id,
    data: {
      amount_due_minor: f.amountMinor,
      currency: sub.currency,
      category: f.category,
      reason: f.reason,
      scope: f.scope,
      strategy_id: strategy.strategy_id,
      strategy_version: strategy.current_version,
      cohort,
      next_action_at: row.next_action_at?.toISOString() ?? null,
    },
  });
  applySubscriptionEventIn(w, sub, { kind: 'charge_failed' }, at, {
    scope: f.scope,
    reason: f.reason,
    caseId: row.case_id,
  });
  return row;
}

export async function openOrContinueCase(trx: Db, f: FailedCharge): Promise<CaseRow> {
  const sub = { ...f.sub };
  return withWork(trx, { subs: [sub], openCases: true }, (w) =>
    openOrContinueCaseIn(w, { ...f, sub }),
  );
}

function tagCharges(u: Unit, merchantId: string, chargeIds: string[], caseId: string): void {
  for (const chargeId of chargeIds)
    updateRow(u, 'charges', { merchant_id: merchantId, charge_id: chargeId }, { case_id: caseId });
}

/** Everything owed is paid: charges paid, balance cleared, case recovered, subscription active. */
export function recoverCaseIn(
  w: Work,
  row: CaseRow,
  sub: SubscriptionRow,
  at: Date,
  via: string,
  amountPaidMinor: number,
): void {
  w.unit.chargesPaid.push({
    merchant_id: sub.merchant_id,
    subscription_id: sub.subscription_id,
    paid_at: at,
  });
  const balanceAfter = Math.max(0, sub.balance_minor - amountPaidMinor);
  const patch = { balance_minor: balanceAfter, pending_attempt_id: null, updated_at: new Date() };
  Object.assign(sub, patch);
  updateRow(
    w.unit,
    'subscriptions',
    { merchant_id: sub.merchant_id, subscription_id: sub.subscription_id },
    patch,
  );
  closeCaseIn(w, row, 'recovered', via, at);
  addEvent(w.unit, {
    merchantId: sub.merchant_id,
    type: 'payment.recovered',
    occurredAt: at,
    subscriptionId: sub.subscription_id,
    caseId: row.case_id,
    data: { amount_minor: amountPaidMinor, currency: sub.currency, via },
  });
  applySubscriptionEventIn(
    w,
    sub,
    { kind: 'charge_succeeded', balanceAfterMinor: balanceAfter },
    at,
    { scope: row.scope, reason: `payment recovered (${via})`, caseId: row.case_id },
  );
}

export async function recoverCase(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  at: Date,
  via: string,
  amountPaidMinor: number,
): Promise<void> {
  const [r, s] = [{ ...row }, { ...sub }];
  await withWork(trx, { subs: [s] }, (w) => recoverCaseIn(w, r, s, at, via, amountPaidMinor));
}

export async function markOutstandingChargesPaid(
  trx: Db,
  sub: SubscriptionRow,
  at: Date,
): Promise<void> {
  await withWork(trx, { subs: [] }, (w) => {
    w.unit.chargesPaid.push({
      merchant_id: sub.merchant_id,
      subscription_id: sub.subscription_id,
      paid_at: at,
    });
  });
}

/** The final step: cancel or mark unpaid, with its optional message. */
export function finalizeCaseIn(
  w: Work,
  row: CaseRow,
  sub: SubscriptionRow,
  action: FinalAction,
  message: MessageSpec | null,
  at: Date,
  why: string,
): void {
  const outcome = action === 'cancel' ? 'canceled' : 'unpaid';
  closeCaseIn(w, row, outcome, why, at);
  if (message) {
    queueMessageIn(w.unit, {
      merchantId: row.merchant_id,
      caseId: row.case_id,
      subscriptionId: row.subscription_id,
      customerId: sub.customer_id,
      template: message.template,
      bcc: message.bcc,
      intent: messageIntent(row.last_category as DeclineCategory | null),
      dedupeKey: `msg_${row.case_id}_final`,
      step: 'final',
      at,
    });
  }
  applySubscriptionEventIn(w, sub, { kind: 'final_action', action }, at, {
    scope: row.scope,
    reason: `final step: ${action}`,
    caseId: row.case_id,
  });
}

/** Ends a case for a reason outside its schedule (canceled subscription, refund, dispute). */
export async function stopCase(trx: Db, row: CaseRow, reason: string, at: Date): Promise<void> {
  await withWork(trx, { subs: [] }, (w) => closeCaseIn(w, { ...row }, 'stopped', reason, at));
}

function closeCaseIn(
  w: Work,
  row: CaseRow,
  status: CaseRow['status'],
  reason: string,
  at: Date,
): void {
  const patch: Partial<CaseRow> = {
    status,
    outcome_reason: reason,
    closed_at: at,
    next_action_at: null,
    renewal_retry_at: null,
    pending_attempt_id: null,
    lease_owner: null,
    lease_until: null,
    updated_at: new Date(),
  };
  updateRow(w.unit, 'dunning_cases', caseKey(row), patch);
  cancelMessagesOf(w.unit, row.merchant_id, row.case_id, at);
  addEvent(w.unit, {
    merchantId: row.merchant_id,
    type: `dunning_case.${status}`,
    occurredAt: at,
    subscriptionId: row.subscription_id,
    caseId: row.case_id,
    data: {
      outcome: status,
      reason,
      amount_due_minor: row.amount_due_minor,
      currency: row.currency,
      retries_made: row.retries_made,
    },
  });
  Object.assign(row, patch);
  const open = w.world.openCases.get(key(row.merchant_id, row.subscription_id));
  if (open?.case_id === row.case_id)
    w.world.openCases.delete(key(row.merchant_id, row.subscription_id));
}

/** Queues a customer message and its `message.queued` event (skipped if already queued). */
export function queueMessageIn(u: Unit, m: MessageIntent): boolean {
  return addMessage(u, m);
}
