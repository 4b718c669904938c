import { describe, expect, it } from 'vitest';
import { DAY_MS, inWindow, leavesWindowAt, whenBelowLimit } from './windows.ts';

const NOW = new Date('2026-03-02T15:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const WINDOW = 30 * DAY_MS;

describe('rolling windows', () => {
  it.each([
    ['now itself', 0, true],
    ['29 days ago', 29 * DAY_MS, true],
    ['exactly 30 days ago', WINDOW, true],
    ['30 days and 1 ms ago', WINDOW + 1, false],
    ['1 ms in the future', -1, false],
  ])('an attempt %s is inside a 30-day window: %s', (_label, ageMs, inside) => {
    expect(inWindow(ago(ageMs), NOW, WINDOW)).toBe(inside);
  });

  it('an attempt leaves the window 30 days and 1 ms after it happened', () => {
    const at = ago(DAY_MS);
    const leaves = leavesWindowAt(at, WINDOW);
    expect(leaves.getTime() - at.getTime()).toBe(WINDOW + 1);
    expect(inWindow(at, new Date(leaves.getTime() - 1), WINDOW)).toBe(true);
    expect(inWindow(at, leaves, WINDOW)).toBe(false);
  });

  it.each([
    ['at the cap, the oldest must leave', 3, 3, 0],
    ['two over the cap, the third oldest must leave', 5, 3, 2],
  ])('%s', (_label, count, limit, index) => {
    const times = Array.from({ length: count }, (_, i) => ago((10 - i) * DAY_MS));
    expect(whenBelowLimit(times, limit, WINDOW)).toEqual(leavesWindowAt(times[index]!, WINDOW));
  });

  it('a cap of zero never frees', () => {
    expect(whenBelowLimit([ago(DAY_MS)], 0, WINDOW)).toBeNull();
    expect(whenBelowLimit([], 0, WINDOW)).toBeNull();
  });
});
