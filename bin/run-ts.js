#!/usr/bin/env node
// Runs one TypeScript file through tsx: `node bin/run-ts.js bench/drain.bench.ts [args…]`.
// The script sees itself as argv[1] and its own arguments from argv[2], as if run directly.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bin/run-ts.js <file.ts> [args…]\n');
  process.exit(2);
}
const resolved = path.resolve(process.cwd(), file);
if (!existsSync(resolved)) {
  process.stderr.write(`run-ts: no such file: ${resolved}\n`);
  process.exit(2);
}
register();
process.argv.splice(1, 2, resolved);
await import(pathToFileURL(resolved).href);
