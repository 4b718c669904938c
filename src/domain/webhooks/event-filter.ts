// Which events an endpoint receives: its `enabled_events` list holds public event types,
// `*` for every type, or `group.*` for every type of a group (e.g. `subscription.*`).

export const ALL_EVENTS = '*';
export const MAX_ENABLED_EVENTS = 50;

/** Whether an endpoint with this filter receives events of `type`. */
export function acceptsEvent(enabledEvents: readonly string[], type: string): boolean {
  return enabledEvents.some(
    (pattern) =>
      pattern === ALL_EVENTS ||
      pattern === type ||
      (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}

export type FilterCheck =
  | { ok: true; enabledEvents: string[] }
  | { ok: false; index: number | null; why: string };

/**
 * Checks a filter against the known public types: every entry must match at least one of them,
 * so a typo is refused instead of silently receiving nothing. Duplicates are dropped.
 */
export function checkEnabledEvents(list: readonly string[], known: readonly string[]): FilterCheck {
  if (list.length === 0)
    return { ok: false, index: null, why: `list at least one event type, or "${ALL_EVENTS}"` };
  if (list.length > MAX_ENABLED_EVENTS)
    return { ok: false, index: null, why: `list at most ${MAX_ENABLED_EVENTS} event types` };
  const out: string[] = [];
  for (const [index, pattern] of list.entries()) {
    const matchesSomething =
      pattern === ALL_EVENTS ||
      (pattern.endsWith('.*') && pattern.length > 2
        ? known.some((t) => acceptsEvent([pattern], t))
        : known.includes(pattern));
    if (!matchesSomething)
      return { ok: false, index, why: `"${pattern}" is not a webhook event type` };
    if (!out.includes(pattern)) out.push(pattern);
  }
  return { ok: true, enabledEvents: out };
}
