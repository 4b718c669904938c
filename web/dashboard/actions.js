// Running an action from a button: busy while it runs, the outcome shown in the page and read out.
import { ApiError } from './api.js';
import { announce, fill, notice } from './dom.js';

export function errorText(err) {
  if (err instanceof ApiError) return err.message;
  return String(err?.message ?? err);
}

/**
 * Runs `run()`; shows `describe(value)` (or the error) in `result`. Resolves to the value, or
 * null when the API refused (the reason is on screen).
 */
export async function act(button, result, run, describe) {
  if (button) button.disabled = true;
  try {
    const value = await run();
    const text = describe(value);
    if (text) {
      fill(result, notice(text, 'ok'));
      announce(text);
    }
    return value;
  } catch (err) {
    const text = errorText(err);
    fill(result, notice(text, 'error'));
    announce(text);
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

let pending = null;

/** A message to show on the next rendered page (after a save that navigates). */
export function flash(text, kind = 'ok') {
  pending = { text, kind };
}

export function takeFlash() {
  const f = pending;
  pending = null;
  return f;
}
