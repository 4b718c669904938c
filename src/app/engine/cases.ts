// Opening, recovering and closing dunning cases. Callers hold the transaction; these functions
// write the case, the subscription, the events and the outbox rows inside it.
import type { Db } from '../../adapters/db/connect.ts';
import { cancelPendingMessages, queueMessage, recordEvent } from '../../adapters/db/events.repo.ts';
import type { CaseRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { defaultStrategyFor, loadStrategyVersion } from '../../adapters/db/strategies.repo.ts';
import { type CaseData, nextActionAt, planNext, seededRandom } from '../../domain/case/case.ts';
import { messageIntent } from '../../domain/case/message-intent.ts';
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { blocksRetryUntilMethodChanges } from '../../domain/declines/categories.ts';
import { learnPayCycle, type PayCycle } from '../../domain/retry-timing/pay-cycle.ts';
import type {
  FinalAction,
  MessageSpec,
  PaymentMethodType,
  StrategyDefinition,
} from '../../domain/strategy/strategy.ts';
import { newId } from '../ids.ts';
import { applySubscriptionEvent } from './subscription-state.ts';

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
  };
}

export async function strategyOf(db: Db, row: CaseRow): Promise<StrategyDefinition> {
  return loadStrategyVersion(db, row.merchant_id, row.strategy_id, row.strategy_version);
}

/**
 * Writes the case data back. First plans what is not planned yet (the current step's time with
 * smart retries, a quick retry after a temporary error) and records why; then stores the next
 * action time that follows.
 */
export async function saveCase(
  trx: Db,
  row: CaseRow,
  data: CaseData,
  def: StrategyDefinition,
  extra: Partial<Pick<CaseRow, 'pending_attempt_id' | 'retries_made' | 'amount_due_minor'>> & {
    now: Date;
    nextActionAt?: Date | null;
  },
): Promise<CaseData> {
  let planned = data;
  if (
    data.status === 'open' &&
    (data.stepAt == null ||
      (def.smartRetries && data.lastCategory === 'temporary' && data.quickRetryAt == null))
  ) {
    const plan = planNext(data, def, {
      now: extra.now,
      payCycle: await payCycleOf(trx, row, data.timeZone),
      // Seeded by the case and its position, so a re-run plans the very same time.
      random: seededRandom(`${row.case_id}:${data.stepIndex}:${data.quickRetries ?? 0}`),
    });
    planned = plan.case;
    for (const why of plan.why) {
      await recordEvent(trx, {
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
  await trx
    .updateTable('dunning_cases')
    .set({
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
      next_action_at: next,
      ...(extra.pending_attempt_id !== undefined
        ? { pending_attempt_id: extra.pending_attempt_id }
        : {}),
      ...(extra.retries_made !== undefined ? { retries_made: extra.retries_made } : {}),
      ...(extra.amount_due_minor !== undefined ? { amount_due_minor: extra.amount_due_minor } : {}),
      updated_at: new Date(),
    })
    .where('merchant_id', '=', row.merchant_id)
    .where('case_id', '=', row.case_id)
    .execute();
  return planned;
}

/** The customer's pay cycle, learned from the times their payments went through. */
async function payCycleOf(trx: Db, row: CaseRow, timeZone: string): Promise<PayCycle | null> {
  const paid = await trx
    .selectFrom('payment_attempts as a')
    .innerJoin('subscriptions as s', (j) =>
      j
        .onRef('s.merchant_id', '=', 'a.merchant_id')
        .onRef('s.subscription_id', '=', 'a.subscription_id'),
    )
    .innerJoin('subscriptions as mine', (j) =>
      j
        .onRef('mine.merchant_id', '=', 's.merchant_id')
        .onRef('mine.customer_id', '=', 's.customer_id'),
    )
    .select('a.completed_at')
    .where('mine.merchant_id', '=', row.merchant_id)
    .where('mine.subscription_id', '=', row.subscription_id)
    .where('a.status', '=', 'succeeded')
    .orderBy('a.completed_at', 'desc')
    .limit(24)
    .execute();
  return learnPayCycle(
    paid.flatMap((p) => (p.completed_at ? [p.completed_at] : [])),
    timeZone,
  );
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

/**
 * A charge failed: open a case, or add the amount to the open one without resetting its
 * schedule (SPEC section 3). Moves the subscription (and a primary's group) to past_due.
 */
export async function openOrContinueCase(trx: Db, f: FailedCharge): Promise<CaseRow> {
  const { sub, at } = f;
  const open = await trx
    .selectFrom('dunning_cases')
    .selectAll()
    .where('merchant_id', '=', sub.merchant_id)
    .where('subscription_id', '=', sub.subscription_id)
    .where('status', '=', 'open')
    .forUpdate()
    .executeTakeFirst();

  if (open) {
    const amount = open.amount_due_minor + f.amountMinor;
    await trx
      .updateTable('dunning_cases')
      .set({ amount_due_minor: amount, updated_at: new Date() })
      .where('merchant_id', '=', open.merchant_id)
      .where('case_id', '=', open.case_id)
      .execute();
    await tagCharges(trx, sub.merchant_id, f.chargeIds, open.case_id);
    await recordEvent(trx, {
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
    return { ...open, amount_due_minor: amount };
  }

  const pm = sub.payment_method_id
    ? await trx
        .selectFrom('payment_methods')
        .select('type')
        .where('merchant_id', '=', sub.merchant_id)
        .where('payment_method_id', '=', sub.payment_method_id)
        .executeTakeFirst()
    : undefined;
  const pmType: PaymentMethodType = pm?.type ?? 'pay_link';
  const strategy = await defaultStrategyFor(trx, sub.merchant_id, pmType);
  if (!strategy)
    throw new Error(`merchant ${sub.merchant_id} has no default strategy for ${pmType}`);
  const customer = await trx
    .selectFrom('customers')
    .select('time_zone')
    .where('merchant_id', '=', sub.merchant_id)
    .where('customer_id', '=', sub.customer_id)
    .executeTakeFirstOrThrow();
  const def = await loadStrategyVersion(
    trx,
    sub.merchant_id,
    strategy.strategy_id,
    strategy.current_version,
  );

  const data: CaseData = {
    status: 'open',
    openedAt: at,
    stepIndex: 0,
    timeZone: customer.time_zone,
    paymentMethodType: pmType,
    lastCategory: f.category,
    awaitingNewMethod: f.category !== null && blocksRetryUntilMethodChanges(f.category),
    renewalRetryAt: null,
    lastDeclineAt: f.category !== null ? at : null,
  };
  const inserted = await trx
    .insertInto('dunning_cases')
    .values({
      merchant_id: sub.merchant_id,
      case_id: newId('case'),
      subscription_id: sub.subscription_id,
      scope: f.scope,
      payment_method_id: sub.payment_method_id,
      payment_method_type: pmType,
      strategy_id: strategy.strategy_id,
      strategy_version: strategy.current_version,
      status: 'open',
      outcome_reason: null,
      opened_at: at,
      time_zone: customer.time_zone,
      last_category: f.category,
      awaiting_new_method: data.awaitingNewMethod,
      renewal_retry_at: null,
      renewal_retry_reason: null,
      step_at: null,
      quick_retry_at: null,
      last_decline_at: data.lastDeclineAt ?? null,
      next_action_at: nextActionAt(data, def),
      amount_due_minor: f.amountMinor,
      currency: sub.currency,
      pending_attempt_id: null,
      lease_owner: null,
      lease_until: null,
      closed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const planned = await saveCase(trx, inserted, data, def, { now: at });
  const row = {
    ...inserted,
    next_action_at: nextActionAt(planned, def),
    step_at: planned.stepAt ?? null,
    quick_retry_at: planned.quickRetryAt ?? null,
  };
  await tagCharges(trx, sub.merchant_id, f.chargeIds, row.case_id);
  await recordEvent(trx, {
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
      next_action_at: row.next_action_at?.toISOString() ?? null,
    },
  });
  await applySubscriptionEvent(trx, sub, { kind: 'charge_failed' }, at, {
    scope: f.scope,
    reason: f.reason,
    caseId: row.case_id,
  });
  return row;
}

async function tagCharges(
  trx: Db,
  merchantId: string,
  chargeIds: string[],
  caseId: string,
): Promise<void> {
  if (chargeIds.length === 0) return;
  await trx
    .updateTable('charges')
    .set({ case_id: caseId })
    .where('merchant_id', '=', merchantId)
    .where('charge_id', 'in', chargeIds)
    .execute();
}

/** Everything owed is paid: charges paid, balance cleared, case recovered, subscription active. */
export async function recoverCase(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  at: Date,
  via: string,
  amountPaidMinor: number,
): Promise<void> {
  await markOutstandingChargesPaid(trx, sub, at);
  const balanceAfter = Math.max(0, sub.balance_minor - amountPaidMinor);
  await trx
    .updateTable('subscriptions')
    .set({ balance_minor: balanceAfter, pending_attempt_id: null, updated_at: new Date() })
    .where('merchant_id', '=', sub.merchant_id)
    .where('subscription_id', '=', sub.subscription_id)
    .execute();
  await closeCase(trx, row, 'recovered', via, at);
  await recordEvent(trx, {
    merchantId: sub.merchant_id,
    type: 'payment.recovered',
    occurredAt: at,
    subscriptionId: sub.subscription_id,
    caseId: row.case_id,
    data: { amount_minor: amountPaidMinor, currency: sub.currency, via },
  });
  await applySubscriptionEvent(
    trx,
    { ...sub, balance_minor: balanceAfter },
    { kind: 'charge_succeeded', balanceAfterMinor: balanceAfter },
    at,
    { scope: row.scope, reason: `payment recovered (${via})`, caseId: row.case_id },
  );
}

export async function markOutstandingChargesPaid(
  trx: Db,
  sub: SubscriptionRow,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('charges')
    .set({ status: 'paid', paid_at: at })
    .where('merchant_id', '=', sub.merchant_id)
    .where('subscription_id', '=', sub.subscription_id)
    .where('status', 'in', ['failed', 'pending'])
    .execute();
}

/** The final step: cancel or mark unpaid, with its optional message. */
export async function finalizeCase(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  action: FinalAction,
  message: MessageSpec | null,
  at: Date,
  why: string,
): Promise<void> {
  const outcome = action === 'cancel' ? 'canceled' : 'unpaid';
  await closeCase(trx, row, outcome, why, at);
  if (message) {
    await queueMessage(trx, {
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
  await applySubscriptionEvent(trx, sub, { kind: 'final_action', action }, at, {
    scope: row.scope,
    reason: `final step: ${action}`,
    caseId: row.case_id,
  });
}

/** Ends a case for a reason outside its schedule (canceled subscription, refund, dispute). */
export async function stopCase(trx: Db, row: CaseRow, reason: string, at: Date): Promise<void> {
  await closeCase(trx, row, 'stopped', reason, at);
}

async function closeCase(
  trx: Db,
  row: CaseRow,
  status: CaseRow['status'],
  reason: string,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('dunning_cases')
    .set({
      status,
      outcome_reason: reason,
      closed_at: at,
      next_action_at: null,
      renewal_retry_at: null,
      pending_attempt_id: null,
      lease_owner: null,
      lease_until: null,
      updated_at: new Date(),
    })
    .where('merchant_id', '=', row.merchant_id)
    .where('case_id', '=', row.case_id)
    .execute();
  await cancelPendingMessages(trx, row.merchant_id, row.case_id, at);
  await recordEvent(trx, {
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
}
