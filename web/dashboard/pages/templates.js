// Message templates: the built-in defaults or the merchant's versions, and the email layout.
import { get } from '../api.js';
import { add, badge, h, table } from '../dom.js';
import { dateTime } from '../format.js';

export async function render(root) {
  const [templates, layout] = await Promise.all([
    get('/v1/templates'),
    get('/v1/templates/layout'),
  ]);
  const rows = templates.data.map((t) =>
    h(
      'tr',
      { dataset: { template: t.key } },
      h(
        'td',
        null,
        h('a', { href: `/dashboard/templates/${encodeURIComponent(t.key)}`, class: 'mono' }, t.key),
      ),
      h('td', null, t.purpose ?? '—'),
      h('td', null, t.subject),
      h(
        'td',
        null,
        t.customized ? badge(`yours, revision ${t.revision}`, 'info') : badge('default'),
      ),
      h('td', { class: 'nowrap' }, t.updated_at ? dateTime(t.updated_at) : '—'),
    ),
  );
  rows.push(
    h(
      'tr',
      { dataset: { template: 'layout' } },
      h('td', null, h('a', { href: '/dashboard/templates/layout', class: 'mono' }, 'layout')),
      h('td', null, 'The HTML around every email; outputs {{ content }} once.'),
      h('td', null, '—'),
      h(
        'td',
        null,
        layout.customized ? badge(`yours, revision ${layout.revision}`, 'info') : badge('default'),
      ),
      h('td', { class: 'nowrap' }, layout.updated_at ? dateTime(layout.updated_at) : '—'),
    ),
  );
  add(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Templates')),
    h(
      'p',
      { class: 'muted' },
      'Liquid templates for each message a strategy step can send. Every value is HTML-escaped; a template that does not parse or uses an unknown variable is refused with its line.',
    ),
    table('Message templates', ['Key', 'Purpose', 'Subject', 'Version', 'Saved'], rows),
  );
}
