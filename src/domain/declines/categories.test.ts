import { describe, expect, it } from 'vitest';
import { blocksRetryUntilMethodChanges, DECLINE_CATEGORIES } from './categories.ts';

describe('decline categories', () => {
  it('are the six categories of the spec, in order', () => {
    expect(DECLINE_CATEGORIES).toEqual([
      'hard',
      'update_method',
      'authentication_required',
      'insufficient_funds',
      'temporary',
      'generic',
    ]);
  });

  it.each([
    ['hard', true],
    ['update_method', true],
    ['authentication_required', true],
    ['insufficient_funds', false],
    ['temporary', false],
    ['generic', false],
  ] as const)('a %s decline blocks retries until the method changes: %s', (category, blocks) => {
    expect(blocksRetryUntilMethodChanges(category)).toBe(blocks);
  });
});
