// biome-ignore-all lint/style/noRestrictedImports: this test reads the domain's source files; the rule is for non-test files.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DOMAIN_DIR = fileURLToPath(new URL('.', import.meta.url));

const NODE_BUILTINS = new Set(builtinModules);

/** Module specifiers a file imports or re-exports, static or dynamic. */
function importedSpecifiers(source: string): string[] {
  const patterns = [
    /\bimport\s+(?:type\s+)?[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((re) => [...source.matchAll(re)].map((m) => m[1]!));
}

/** Drops comments so a comment that mentions `Date.now()` is not mistaken for a call. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every way a domain source file breaks purity, as readable messages. */
function purityProblems(source: string): string[] {
  const code = withoutComments(source);
  const problems: string[] = [];
  for (const spec of importedSpecifiers(code)) {
    if (/(^|\/)adapters(\/|$)/.test(spec)) problems.push(`imports adapters: ${spec}`);
    if (/(^|\/)app(\/|$)/.test(spec)) problems.push(`imports app: ${spec}`);
    if (spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]!)) {
      problems.push(`imports a Node module: ${spec}`);
    }
  }
  if (/\bDate\s*\.\s*now\s*\(/.test(code)) problems.push('reads the clock with Date.now()');
  if (/\bnew\s+Date\s*\(\s*\)/.test(code)) problems.push('reads the clock with new Date()');
  return problems;
}

function domainSourceFiles(): string[] {
  return readdirSync(DOMAIN_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(DOMAIN_DIR, f))
    .sort();
}

describe('domain purity', () => {
  const files = domainSourceFiles();

  it('finds the domain source files to check', () => {
    const names = files.map((f) => relative(DOMAIN_DIR, f).split('\\').join('/'));
    expect(names).toEqual(
      expect.arrayContaining([
        'money.ts',
        'case/case.ts',
        'declines/classify.ts',
        'strategy/strategy.ts',
        'subscription/state.ts',
      ]),
    );
    expect(names.some((n) => n.endsWith('.test.ts'))).toBe(false);
  });

  it.each(files.map((f) => [relative(DOMAIN_DIR, f), f]))(
    '%s does no I/O and takes the clock as a parameter',
    (_name, file) => {
      expect(purityProblems(readFileSync(file, 'utf8'))).toEqual([]);
    },
  );
});

describe('the purity check itself', () => {
  it.each([
    [
      "import { db } from '../adapters/db/connect.ts';",
      'imports adapters: ../adapters/db/connect.ts',
    ],
    ["import type { Config } from '../../app/config.ts';", 'imports app: ../../app/config.ts'],
    ["export { x } from '../app/use-cases/x.ts';", 'imports app: ../app/use-cases/x.ts'],
    [
      "const m = await import('../adapters/email/smtp.ts');",
      'imports adapters: ../adapters/email/smtp.ts',
    ],
    ["import { readFileSync } from 'node:fs';", 'imports a Node module: node:fs'],
    ["import { randomUUID } from 'crypto';", 'imports a Node module: crypto'],
    ["import 'node:process';", 'imports a Node module: node:process'],
    ['const t = Date.now();', 'reads the clock with Date.now()'],
    ['const t = new Date();', 'reads the clock with new Date()'],
    ['const t = new Date( );', 'reads the clock with new Date()'],
  ])('flags %s', (source, problem) => {
    expect(purityProblems(source)).toEqual([problem]);
  });

  it.each([
    ["import { DateTime } from 'luxon';"],
    ["import { money } from './money.ts';"],
    ["import type { CaseData } from '../case/case.ts';"],
    ['const end = new Date(start.getTime() + delayMs);'],
    ["const at = new Date('2026-03-02T15:00:00Z');"],
    ['// never call Date.now() here: the clock is a parameter'],
    ['/* no new Date() in the domain */'],
    ["const url = 'https://example.com/app/adapters';"],
  ])('accepts %s', (source) => {
    expect(purityProblems(source)).toEqual([]);
  });
});
