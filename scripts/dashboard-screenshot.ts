// The README's picture: the dashboard overview of the demo merchant, as `npm start` serves it.
// Run with `node bin/run-ts.js scripts/dashboard-screenshot.ts` (uses DUNNER_DATA_DIR or
// DATABASE_URL like `dunner serve`, creates the demo merchant if it is missing, needs Chromium).
import { openDatabase } from '../src/adapters/db/connect.ts';
import { fairDb } from '../src/adapters/db/fair.ts';
import { migrate } from '../src/adapters/db/migrate.ts';
import { createDefaultGateway } from '../src/adapters/gateways/router.ts';
import { DEMO_OPERATOR, ensureDemoOperator } from '../src/app/cli/accounts.ts';
import { DEMO_MERCHANT_ID, demoMerchantExists, runDemo } from '../src/app/cli/demo.ts';
import { systemClock } from '../src/app/clock.ts';
import { loadConfig } from '../src/app/config.ts';
import { buildApp } from '../src/app/http/app.ts';
import { launchChromium } from '../test/support/browser.ts';

const output = process.argv[2] ?? 'docs/dashboard.png';
const config = loadConfig();
const handle = await openDatabase(config.database);
try {
  await migrate(handle.db);
  const db = fairDb(handle);
  const gateway = createDefaultGateway(db, null);
  const deps = { db, clock: systemClock, gateway };
  if (!(await demoMerchantExists(deps))) await runDemo(deps);
  await ensureDemoOperator(db, DEMO_MERCHANT_ID);
  const app = buildApp({ services: { ...deps, config }, databaseKind: handle.kind });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/dashboard/`);
    await page.getByLabel('Email').fill(DEMO_OPERATOR.email);
    await page.getByLabel('Password').fill(DEMO_OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${base}/dashboard/`);
    await page.getByRole('button', { name: 'Last 90 days' }).click();
    await page.waitForSelector('canvas');
    // Charts animate in; the picture is taken once they have settled.
    await page.waitForTimeout(1500);
    await page.screenshot({ path: output, fullPage: true });
    process.stdout.write(`Saved ${output}\n`);
  } finally {
    await browser.close();
    await app.close();
  }
} finally {
  await handle.close();
}
