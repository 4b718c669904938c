import type { Db } from '../adapters/db/connect.ts';
import type { PaymentGateway } from '../adapters/gateways/port.ts';
import type { Clock } from './clock.ts';

/** What use cases and the worker need from the outside world. */
export type Deps = {
  readonly db: Db;
  readonly gateway: PaymentGateway;
  readonly clock: Clock;
};
