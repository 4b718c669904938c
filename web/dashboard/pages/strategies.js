// Strategies: one per payment-method type is the default new cases follow; each is versioned.
import { get } from '../api.js';
import { add, badge, h, table } from '../dom.js';
import { humanize } from '../format.js';
import { METHOD_LABEL } from '../labels.js';

export async function render(root) {
  const strategies = await get('/v1/strategies');
  const rows = strategies.data.map((s) =>
    h(
      'tr',
      { dataset: { strategy: s.id } },
      h('td', null, h('a', { href: `/dashboard/strategies/${encodeURIComponent(s.id)}` }, s.name)),
      h('td', null, METHOD_LABEL[s.payment_method_type] ?? s.payment_method_type),
      h('td', null, s.is_default ? badge('default', 'ok') : '—'),
      h('td', { class: 'num' }, `v${s.current_version}`),
      h('td', null, summary(s.definition)),
    ),
  );
  add(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Strategies'),
      h('a', { class: 'button primary', href: '/dashboard/strategies/new' }, 'New strategy'),
    ),
    h(
      'p',
      { class: 'muted' },
      'A strategy is the schedule of retries and messages a case follows. Saving one makes a new version: running cases keep the version they started with.',
    ),
    table('Strategies', ['Name', 'Payment method', 'Default', 'Version', 'Schedule'], rows),
  );
}

export function summary(def) {
  const retries = def.steps.filter((s) => s.retry).length;
  const messages =
    def.steps.filter((s) => s.message.enabled).length + (def.final.message.enabled ? 1 : 0);
  return `${def.steps.length} step${def.steps.length === 1 ? '' : 's'} (${retries} retr${retries === 1 ? 'y' : 'ies'}, ${messages} message${messages === 1 ? '' : 's'}); day ${def.final.day}: ${humanize(def.final.action).toLowerCase()}`;
}
