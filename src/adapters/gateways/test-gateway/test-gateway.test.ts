import { describe, expect, it } from 'vitest';
import { simulatedLatencyMs } from './test-gateway.ts';

describe('test gateway latency', () => {
  it.each([
    ['no jitter: the latency as set', 300, 0, 0.9, 300],
    ['the lowest draw: latency minus jitter', 300, 100, 0, 200],
    ['the middle draw: the latency', 300, 100, 0.5, 300],
    ['a high draw: towards latency plus jitter', 300, 100, 0.75, 350],
    ['never below zero', 50, 100, 0, 0],
  ])('%s', (_label, latencyMs, jitterMs, draw, expected) => {
    expect(simulatedLatencyMs(latencyMs, jitterMs, () => draw)).toBe(expected);
  });
});
