import { DAY_MS, HOUR_MS } from './code-table.ts';

/** What the card network (or Stripe on its behalf) says about charging this credential again. */
export type NetworkAdvice =
  | { readonly kind: 'none' }
  | { readonly kind: 'do_not_retry'; readonly source: string }
  | { readonly kind: 'retry_after'; readonly afterMs: number; readonly source: string };

export const NO_ADVICE: NetworkAdvice = { kind: 'none' };

/**
 * The advice to follow when several sources speak: do-not-retry beats retry-after, and the longest
 * wait wins, because retrying against any one of them is what networks charge for.
 */
export function strictestAdvice(candidates: readonly NetworkAdvice[]): NetworkAdvice {
  let strictest: NetworkAdvice = NO_ADVICE;
  for (const advice of candidates) {
    if (advice.kind === 'do_not_retry') return advice;
    if (
      advice.kind === 'retry_after' &&
      (strictest.kind === 'none' ||
        (strictest.kind === 'retry_after' && advice.afterMs > strictest.afterMs))
    ) {
      strictest = advice;
    }
  }
  return strictest;
}

export function formatDelay(delayMs: number): string {
  if (delayMs >= 2 * DAY_MS && delayMs % DAY_MS === 0) return `${delayMs / DAY_MS} d`;
  if (delayMs % HOUR_MS === 0) return `${delayMs / HOUR_MS} h`;
  return `${Math.ceil(delayMs / 60_000)} min`;
}

export function describeAdvice(advice: NetworkAdvice): string {
  switch (advice.kind) {
    case 'none':
      return 'no network advice';
    case 'do_not_retry':
      return `do not retry (${advice.source})`;
    case 'retry_after':
      return `retry no sooner than ${formatDelay(advice.afterMs)} (${advice.source})`;
    default: {
      const unreachable: never = advice;
      return unreachable;
    }
  }
}
