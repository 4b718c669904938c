export type RetryBudget = { readonly maxRetries: number; readonly withinDays: number };

/**
 * Default automatic-retry budget for cards: 3–4 retries over about two weeks (reference/declines.md
 * "Timing evidence", seed 003; SPEC section 3). Well under Stripe's 8 in 2 weeks: too many retries
 * get a merchant flagged. Network rules may still forbid a retry inside this budget.
 */
export const CARD_RETRY_BUDGET: RetryBudget = { maxRetries: 4, withinDays: 14 };

/**
 * Whether a case that has made `retriesMade` automatic retries (step, renewal and quick retries
 * alike) may plan another one with smart timing. The step days still say when messages go out;
 * once the budget is spent the remaining steps send their messages only.
 */
export function retryBudgetLeft(retriesMade: number, budget: RetryBudget = CARD_RETRY_BUDGET) {
  return retriesMade < budget.maxRetries;
}
