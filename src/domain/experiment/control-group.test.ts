import { describe, expect, it } from 'vitest';
import { buildPreset } from '../strategy/presets.ts';
import {
  cohortOf,
  compareCohorts,
  controlShareOf,
  controlStrategy,
  DEFAULT_CONTROL_SHARE,
  wilson,
} from './control-group.ts';

describe('the control group', () => {
  it('holds out about the share asked, the same cases every time', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `case_${i.toString(36)}x${i * 7919}`);
    const control = ids.filter((id) => cohortOf(id, 0.05) === 'control');
    expect(control.length / ids.length).toBeGreaterThan(0.045);
    expect(control.length / ids.length).toBeLessThan(0.055);
    expect(ids.filter((id) => cohortOf(id, 0.05) === 'control')).toEqual(control);
    expect(ids.some((id) => cohortOf(id, 0) === 'control')).toBe(false);
  });

  it('defaults to 5 % for a live merchant and none in test mode; a set share wins', () => {
    expect(controlShareOf({}, 'live')).toBe(DEFAULT_CONTROL_SHARE);
    expect(controlShareOf(null, 'test')).toBe(0);
    expect(controlShareOf({ control_share: 0 }, 'live')).toBe(0);
    expect(controlShareOf({ control_share: 0.2 }, 'test')).toBe(0.2);
    expect(controlShareOf({ control_share: 0.9 }, 'live')).toBe(DEFAULT_CONTROL_SHARE);
  });

  it('runs the same steps at fixed times', () => {
    const card = buildPreset('gentle_30', 'card');
    expect(controlStrategy(card)).toEqual({ ...card, smartRetries: false });
    const ach = buildPreset('gentle_30', 'ach');
    expect(controlStrategy(ach)).toBe(ach);
  });
});

describe('comparing the groups', () => {
  it('gives Wilson intervals that stay inside 0 and 1', () => {
    expect(wilson(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775, 4) });
    const half = wilson(50, 100)!;
    expect(half.low).toBeCloseTo(0.4038, 4);
    expect(half.high).toBeCloseTo(0.5962, 4);
    expect(wilson(0, 0)).toBeNull();
  });

  it('says a difference is significant only when its interval excludes 0', () => {
    const clear = compareCohorts({ cases: 1000, recovered: 480 }, { cases: 1000, recovered: 400 });
    expect(clear.difference).toBeCloseTo(0.08, 10);
    expect(clear.interval!.low).toBeGreaterThan(0.03);
    expect(clear.interval!.high).toBeLessThan(0.13);
    expect(clear.significant).toBe(true);
    const small = compareCohorts({ cases: 40, recovered: 20 }, { cases: 5, recovered: 2 });
    expect(small.difference).toBeCloseTo(0.1, 10);
    expect(small.significant).toBe(false);
    const none = compareCohorts({ cases: 40, recovered: 20 }, { cases: 0, recovered: 0 });
    expect(none).toMatchObject({ difference: null, interval: null, significant: false });
    expect(none.treatment.rate).toBe(0.5);
  });
});
