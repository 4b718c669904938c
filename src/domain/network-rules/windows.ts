export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

// Counting windows hold both ends: an attempt exactly 30 days (or 24 h) old still counts and leaves
// 1 ms later; a deadline ("within 180 days") has passed at its exact instant. Every boundary errs
// toward not sending, as reference/declines.md charges each excessive attempt.

/** Whether `at` lies in the window [end - windowMs, end]. */
export function inWindow(at: Date, end: Date, windowMs: number): boolean {
  const ageMs = end.getTime() - at.getTime();
  return ageMs >= 0 && ageMs <= windowMs;
}

/** The first instant an event at `at` no longer counts in a window of `windowMs`. */
export function leavesWindowAt(at: Date, windowMs: number): Date {
  return new Date(at.getTime() + windowMs + 1);
}

/**
 * When fewer than `limit` of the counted events (oldest first, all inside the window) remain in the
 * window, so one more is allowed; null if the limit allows none at all.
 */
export function whenBelowLimit(
  countedOldestFirst: readonly Date[],
  limit: number,
  windowMs: number,
): Date | null {
  const mustLeave = countedOldestFirst[countedOldestFirst.length - limit];
  return limit >= 1 && mustLeave ? leavesWindowAt(mustLeave, windowMs) : null;
}
