// Lock order everywhere: the subscription, then its case (adapters/db/locks.repo.ts).
export {
  type LockedCase,
  lockSubscription,
  lockSubscriptionAndCase,
  releaseLease,
} from '../../adapters/db/locks.repo.ts';
