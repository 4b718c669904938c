// Resident memory and speed of embedded PGlite, PGlite's defaults against what Dunner opens, in
// one run: `node bin/run-ts.js scripts/pglite-memory.ts [rounds]`. Memory: each variant in its
// own child process on a fresh data folder, so its RSS and high-water mark are its own. Speed:
// one process, the buffer sizes side by side, taking turns, so the machine's load falls on all.
// Findings: docs/decisions/002-pglite-memory.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import Table from 'cli-table3';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { initialiseDataDir, openDatabase } from '../src/adapters/db/connect.ts';
import { migrate } from '../src/adapters/db/migrate.ts';
import type { Database } from '../src/adapters/db/schema.ts';

const MEMORY_VARIANTS = {
  'PGlite defaults': { childInit: false, sharedBuffers: null },
  'initdb in a child, 160MB buffers': { childInit: true, sharedBuffers: null },
  'openDatabase (Dunner: child, 32MB)': null,
  'initdb in a child, 16MB buffers': { childInit: true, sharedBuffers: '16MB' },
} as const;
type VariantName = keyof typeof MEMORY_VARIANTS;
const SPEED_BUFFERS = ['160MB', '32MB', '16MB'] as const;

const ROWS = 10_000;
// 10,000 rows of ~4 KB: a table larger than 32 MB of buffers, so scans read through the file system.
const PAYLOAD = 'x'.repeat(4_000);

type Sample = { rssMb: number; hwmMb: number };
type Memory = { created: Sample; migrated: Sample; filled: Sample; openMs: number };

function sample(): Sample {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rssMb: Math.round(kb('VmRSS') / 1024), hwmMb: Math.round(kb('VmHWM') / 1024) };
}

async function openPglite(
  dataDir: string,
  sharedBuffers: string | null,
): Promise<Kysely<Database>> {
  const client = await PGlite.create({
    dataDir,
    ...(sharedBuffers
      ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`] }
      : {}),
  });
  return new Kysely<Database>({ dialect: new PGliteDialect(client) });
}

async function fill(db: Kysely<Database>): Promise<void> {
  await sql`CREATE TABLE memory_probe (id serial PRIMARY KEY, n integer NOT NULL, body text NOT NULL)`.execute(
    db,
  );
  await sql`INSERT INTO memory_probe (n, body) SELECT g, ${PAYLOAD} FROM generate_series(1, ${ROWS}::int) g`.execute(
    db,
  );
}

async function measureMemory(name: VariantName): Promise<Memory> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dunner-pglite-memory-'));
  try {
    const variant = MEMORY_VARIANTS[name];
    const startedMs = performance.now();
    let db: Kysely<Database>;
    if (variant === null) db = (await openDatabase({ kind: 'pglite', dataDir })).db;
    else {
      if (variant.childInit) await initialiseDataDir(dataDir);
      db = await openPglite(dataDir, variant.sharedBuffers);
    }
    const openMs = performance.now() - startedMs;
    const created = sample();
    await migrate(db);
    const migrated = sample();
    await fill(db);
    const filled = sample();
    await db.destroy();
    return { created, migrated, filled, openMs };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Speed = {
  insertMs: number;
  inserts: number;
  selectMs: number;
  selects: number;
  scanMs: number;
  scans: number;
};

/** The buffer sizes side by side in this process, each on its own 40 MB table, taking turns. */
async function measureSpeed(rounds: number): Promise<Map<string, Speed>> {
  const dirs: string[] = [];
  const dbs = new Map<string, Kysely<Database>>();
  const speed = new Map<string, Speed>();
  try {
    for (const buffers of SPEED_BUFFERS) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'dunner-pglite-speed-'));
      dirs.push(dir);
      await initialiseDataDir(dir);
      const db = await openPglite(dir, buffers);
      await fill(db);
      dbs.set(buffers, db);
      speed.set(buffers, { insertMs: 0, inserts: 0, selectMs: 0, selects: 0, scanMs: 0, scans: 0 });
    }
    for (let round = 0; round < rounds; round++) {
      // Rotate who goes first, so no size always runs on a warmer (or busier) machine.
      const order = SPEED_BUFFERS.map((_, i) => SPEED_BUFFERS[(i + round) % SPEED_BUFFERS.length]!);
      for (const buffers of order) {
        const db = dbs.get(buffers)!;
        const s = speed.get(buffers)!;
        // One statement and one commit per row, like an API request.
        let t = performance.now();
        for (let i = 0; i < 200; i++)
          await sql`INSERT INTO memory_probe (n, body) VALUES (${i}, ${PAYLOAD})`.execute(db);
        s.insertMs += performance.now() - t;
        s.inserts += 200;
        t = performance.now();
        for (let i = 0; i < 400; i++)
          await sql`SELECT n FROM memory_probe WHERE id = ${1 + (((round * 400 + i) * 7919) % ROWS)}`.execute(
            db,
          );
        s.selectMs += performance.now() - t;
        s.selects += 400;
        t = performance.now();
        for (let i = 0; i < 2; i++)
          await sql`SELECT count(*), sum(length(body)) FROM memory_probe`.execute(db);
        s.scanMs += performance.now() - t;
        s.scans += 2;
      }
    }
    return speed;
  } finally {
    for (const db of dbs.values()) await db.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

const child = process.argv[2] === '--variant' ? (process.argv[3] as VariantName) : null;
if (child) {
  process.stdout.write(JSON.stringify(await measureMemory(child)));
} else {
  const rounds = Number(process.argv[2] ?? 8);
  const self = fileURLToPath(import.meta.url);
  const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
  const memory = new Map<VariantName, Memory>();
  for (const name of Object.keys(MEMORY_VARIANTS) as VariantName[]) {
    const out = spawnSync(process.execPath, [runTs, self, '--variant', name], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`${name}: ${out.stderr}`);
    memory.set(name, JSON.parse(out.stdout) as Memory);
  }
  const memoryTable = new Table({
    style: { head: [], border: [] },
    head: [
      'variant',
      'RSS opened',
      'after migrate',
      `after ${ROWS / 1000}k rows`,
      'peak (HWM)',
      'open ms',
    ],
  });
  for (const [name, m] of memory)
    memoryTable.push([
      name,
      `${m.created.rssMb} MB`,
      `${m.migrated.rssMb} MB`,
      `${m.filled.rssMb} MB`,
      `${m.filled.hwmMb} MB`,
      Math.round(m.openMs),
    ]);
  console.log('PGlite resident memory, each variant in its own process on a fresh data folder');
  console.log(memoryTable.toString());

  const speed = await measureSpeed(rounds);
  const base = speed.get('160MB')!;
  const rate = (n: number, ms: number) => n / (ms / 1000);
  const speedTable = new Table({
    style: { head: [], border: [] },
    head: ['shared_buffers', 'inserts/s', 'point selects/s', 'ms per 40 MB scan'],
  });
  for (const [buffers, s] of speed)
    speedTable.push([
      buffers,
      `${Math.round(rate(s.inserts, s.insertMs))} (${(rate(s.inserts, s.insertMs) / rate(base.inserts, base.insertMs)).toFixed(2)}x)`,
      `${Math.round(rate(s.selects, s.selectMs))} (${(rate(s.selects, s.selectMs) / rate(base.selects, base.selectMs)).toFixed(2)}x)`,
      `${(s.scanMs / s.scans).toFixed(0)} (${(s.scanMs / s.scans / (base.scanMs / base.scans)).toFixed(2)}x)`,
    ]);
  console.log(
    `PGlite speed by shared_buffers, ${rounds} rounds taking turns in one process (ratios against 160MB, PGlite's default)`,
  );
  console.log(speedTable.toString());
}
