// biome-ignore-all lint/style/noRestrictedImports: this test reads the auditor's source; the rule is for non-test files.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('.', import.meta.url));

// SPEC section 8: the simulator's network-rule audit is a separate implementation. It can only
// catch the engine's mistakes if it shares none of the engine's code.
describe('the network audit', () => {
  it('imports nothing: no engine rules, no decline tables', () => {
    for (const file of readdirSync(DIR).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    )) {
      const source = readFileSync(`${DIR}${file}`, 'utf8');
      expect(source.match(/^\s*(import|export)\b.*\bfrom\s/gm) ?? [], file).toEqual([]);
    }
  });
});
