#!/usr/bin/env node
// The `dunner` command. TypeScript runs through tsx (no build step); registration must happen
// before the first .ts import, hence the dynamic import.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/app/cli/main.ts');
process.exitCode = await runCli(process.argv);
