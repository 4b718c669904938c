/** A draw from `random` forced into [0, 1): a faulty source (NaN, 1, negative) must not push a time out of its window. */
export function drawUnit(random: () => number): number {
  const r = random();
  if (!Number.isFinite(r) || r <= 0) return 0;
  return r >= 1 ? 1 - Number.EPSILON : r;
}

const MINUTE_MS = 60_000;

/** A jittered instant in [startMs, endMs), on a whole minute after `startMs` so the time reads well in a timeline. */
export function pickWithin(startMs: number, endMs: number, random: () => number): number {
  const wholeMinutes = Math.floor((endMs - startMs) / MINUTE_MS);
  return startMs + Math.floor(drawUnit(random) * wholeMinutes) * MINUTE_MS;
}
