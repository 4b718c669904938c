// The first `npm start` on a fresh clone, measured: starts `dunner serve --demo` on a new data
// folder, times until /health and the dashboard sign-in answer, then samples a dashboard GET
// while the demo walk runs in the background, until it is ready.
// Run with `node bin/run-ts.js scripts/first-start.ts [port] [max seconds of sampling]`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DEMO_OPERATOR } from '../src/app/cli/accounts.ts';

const port = Number(process.argv[2] ?? 3917);
const maxSamplingMs = Number(process.argv[3] ?? Number.POSITIVE_INFINITY) * 1000;
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dunner-first-start-'));
const bin = fileURLToPath(new URL('../bin/dunner.js', import.meta.url));
const startedMs = performance.now();
const server = spawn(process.execPath, [bin, 'serve', '--demo'], {
  env: { ...process.env, DUNNER_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
/** The server's resident and peak memory, from /proc (Linux). */
const memory = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const mb = (key: string) =>
    Math.round(Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1]) / 1024);
  return `RSS ${mb('VmRSS')} MB, peak ${mb('VmHWM')} MB`;
};
const elapsed = () => ((performance.now() - startedMs) / 1000).toFixed(1);

try {
  while (
    !(await fetch(`${base}/health`)
      .then((r) => r.ok)
      .catch(() => false))
  )
    await delay(100);
  const healthS = elapsed();
  const signIn = await fetch(`${base}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ method: 'password', ...DEMO_OPERATOR }).toString(),
  });
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0];
  if (signIn.status !== 303 || !cookie) throw new Error(`sign-in answered ${signIn.status}`);
  const dashboard = await fetch(`${base}/dashboard/`, { headers: { cookie } });
  if (!dashboard.ok) throw new Error(`dashboard answered ${dashboard.status}`);
  const signedInS = elapsed();
  console.log(
    `\n/health answered after ${healthS} s, sign-in and dashboard after ${signedInS} s (${memory()}).`,
  );

  // One dashboard request every 250 ms, as the overview's metrics and the banner ask.
  const latenciesMs: number[] = [];
  let status = 'preparing';
  let day = 0;
  const samplingFromMs = performance.now();
  while (status === 'preparing' && performance.now() - samplingFromMs < maxSamplingMs) {
    const t = performance.now();
    await fetch(`${base}/v1/metrics`, { headers: { cookie } }).then((r) => r.arrayBuffer());
    latenciesMs.push(performance.now() - t);
    const p = (await (
      await fetch(`${base}/v1/demo_preparation`, { headers: { cookie } })
    ).json()) as { status: string; day: number };
    status = p.status;
    day = p.day;
    await delay(250);
  }
  // The same request once the walk is over, for comparison.
  const idleMs: number[] = [];
  for (let i = 0; status !== 'preparing' && i < 40; i++) {
    const t = performance.now();
    await fetch(`${base}/v1/metrics`, { headers: { cookie } }).then((r) => r.arrayBuffer());
    idleMs.push(performance.now() - t);
    await delay(100);
  }
  const percentile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  };
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number) => percentile(sorted, q);
  console.log(
    `\nfirst start: /health answered after ${healthS} s, sign-in and dashboard after ${signedInS} s; ` +
      `demo ${status} at day ${day} after ${elapsed()} s (${memory()}).\n` +
      `GET /v1/metrics during the walk (${sorted.length} samples): p50 ${at(0.5).toFixed(0)} ms, ` +
      `p95 ${at(0.95).toFixed(0)} ms, max ${at(1).toFixed(0)} ms; after it (${idleMs.length} samples): ` +
      `p50 ${percentile(idleMs, 0.5).toFixed(0)} ms, p95 ${percentile(idleMs, 0.95).toFixed(0)} ms.`,
  );
} finally {
  server.kill('SIGINT');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
