// A dispatcher process for the crash test: delivers due messages of DATABASE_URL through SMTP_URL
// and, with CRASH_AFTER_SEND=1, kills itself (SIGKILL) the moment the SMTP server has accepted a
// mail, before the outcome is committed.

import { createChannels } from '../../src/adapters/channels/channels.ts';
import type { Channel } from '../../src/adapters/channels/port.ts';
import { openDatabase } from '../../src/adapters/db/connect.ts';
import { createTestGateway } from '../../src/adapters/gateways/test-gateway/test-gateway.ts';
import { systemClock } from '../../src/app/clock.ts';
import { loadConfig } from '../../src/app/config.ts';
import type { Services } from '../../src/app/http/v1/kit.ts';
import { dispatchDueMessages } from '../../src/app/messages/dispatch.ts';

const config = loadConfig();
const handle = await openDatabase(config.database, { poolSize: 2 });
const services: Services = {
  db: handle.db,
  clock: systemClock,
  gateway: createTestGateway(handle.db),
  config,
};
const channels = createChannels({ smtpUrl: config.smtpUrl });
const smtp = channels.email!;
const crashing: Channel<'email'> = {
  kind: 'email',
  send: async (message, destination) => {
    const outcome = await smtp.send(message, destination);
    process.stdout.write(`provider answered ${outcome.kind}\n`);
    if (process.env.CRASH_AFTER_SEND === '1') process.kill(process.pid, 'SIGKILL');
    return outcome;
  },
};
const n = await dispatchDueMessages(services, {
  limit: 10,
  workerId: `child-${process.pid}`,
  leaseMs: 60_000,
  channels: { ...channels, email: crashing },
});
process.stdout.write(`dispatched ${n}\n`);
smtp.close?.();
await handle.close();
