// Words for the API's codes, shared by the pages.

export const CASE_STATUSES = ['open', 'recovered', 'canceled', 'unpaid', 'stopped'];
export const CATEGORIES = [
  'hard',
  'update_method',
  'authentication_required',
  'insufficient_funds',
  'temporary',
  'generic',
];

export const STATUS_KIND = {
  open: 'warn',
  recovered: 'ok',
  canceled: 'danger',
  unpaid: 'danger',
  stopped: '',
  succeeded: 'ok',
  failed: 'danger',
  pending: 'warn',
  queued: 'info',
  sent: 'info',
  delivered: 'ok',
  bounced: 'danger',
  clicked: 'ok',
};

export const CATEGORY_LABEL = {
  hard: 'Hard decline',
  update_method: 'Update method',
  authentication_required: 'Authentication required',
  insufficient_funds: 'Insufficient funds',
  temporary: 'Temporary',
  generic: 'Generic',
  none: 'No decline',
};

export const METHOD_LABEL = {
  card: 'Card',
  ach: 'ACH',
  direct_debit: 'Direct debit',
  pay_link: 'Pay link',
};

export const PURPOSE_LABEL = {
  renewal: 'Renewal',
  retry: 'Scheduled retry',
  renewal_retry: 'Renewal retry',
  quick_retry: 'Quick retry',
  component: 'Component charge',
  manual: 'Manual retry',
};

export function categoryLabel(c) {
  return c ? (CATEGORY_LABEL[c] ?? c) : '—';
}
