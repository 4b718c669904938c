// Settings: the merchant's switches. Hard-decline dunning is shown with its state; the merchant
// turns it on or off once the operator of this deployment has made it available (SPEC section 4).
import { act } from '../actions.js';
import { get, post } from '../api.js';
import { add, badge, fill, h, notice } from '../dom.js';

export async function render(root, { refreshClock }) {
  const merchant = await get('/v1/merchant');
  add(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Settings')),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Merchant'),
      h('dd', null, `${merchant.name} (`, h('code', null, merchant.id), ')'),
      h('dt', null, 'Default grace period'),
      h('dd', null, graceText(merchant.default_grace_days)),
    ),
    hardDeclineCard(merchant, refreshClock),
    controlGroupCard(merchant),
  );
}

/** The share of new cases held out at fixed step times, so the overview can show what smart retries add. */
function controlGroupCard(merchant) {
  const result = h('div', { class: 'results', 'aria-live': 'polite' });
  const input = h('input', {
    type: 'number',
    id: 'control-share',
    min: '0',
    max: '50',
    step: '1',
    value: String(Math.round(merchant.control_share * 100)),
    'aria-describedby': 'control-group-help',
  });
  const save = h('button', { type: 'submit', class: 'button primary' }, 'Save');
  const form = h(
    'form',
    { class: 'inline-form' },
    h('label', { for: 'control-share' }, 'Hold out (% of new cases)'),
    ' ',
    input,
    ' ',
    save,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const share = Number(input.value) / 100;
    await act(
      save,
      result,
      () => post('/v1/merchant', { control_share: share }),
      (m) =>
        m.control_share > 0
          ? `${Math.round(m.control_share * 100)} % of new cases now run at fixed step times; the overview compares them with smart retries.`
          : 'The control group is off: every new case runs smart retries.',
    );
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'control-group-title' },
    h('h2', { id: 'control-group-title' }, 'Control group'),
    h(
      'p',
      { id: 'control-group-help', class: 'muted' },
      'A share of new cases runs the same strategy at fixed step times, without smart retries, so the overview can show how much more smart retries recover on your own customers. Cases already open keep their group. 0 turns it off.',
    ),
    form,
    result,
  );
}

function graceText(days) {
  return days === 0 ? 'none' : `${days} day${days === 1 ? '' : 's'}`;
}

function hardDeclineCard(merchant, refreshClock) {
  let state = merchant.hard_decline_dunning;
  const status = h('span', { id: 'hard-decline-dunning-state' });
  const result = h('div', { class: 'results', 'aria-live': 'polite' });
  const toggle = h('input', {
    type: 'checkbox',
    role: 'switch',
    id: 'hard-decline-dunning',
    'aria-describedby': 'hard-decline-help hard-decline-reason',
  });
  const show = () => {
    toggle.checked = state.active;
    toggle.setAttribute('aria-checked', String(state.active));
    toggle.disabled = !state.available;
    fill(
      status,
      state.active
        ? badge('on', 'ok')
        : badge(state.available ? 'off' : 'not available', state.available ? '' : 'warn'),
    );
  };
  toggle.addEventListener('change', async () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    const saved = await act(
      null,
      result,
      () => post('/v1/merchant', { hard_decline_dunning: wanted }),
      (m) =>
        m.hard_decline_dunning.active
          ? 'Hard-decline dunning is on: the next hard-declined renewal sends its message at once.'
          : 'Hard-decline dunning is off: hard-declined renewals follow the strategy’s schedule.',
    );
    if (saved) {
      state = saved.hard_decline_dunning;
      await refreshClock?.();
    }
    show();
  });
  show();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'hard-decline-title' },
    h('h2', { id: 'hard-decline-title' }, 'Hard-decline dunning'),
    h(
      'p',
      { id: 'hard-decline-help', class: 'muted' },
      'When a renewal is declined for good (a lost or stolen card, a closed account), email the customer at once, once, with a link to add a new payment method; a new card is charged and the subscription renewed right away. The link works while the subscription is in its grace period; with no grace period, for 3 hours after the declined charge.',
    ),
    h(
      'p',
      null,
      h(
        'label',
        { class: 'check', for: 'hard-decline-dunning' },
        toggle,
        'Send a message at once after a hard-declined renewal',
      ),
      ' ',
      status,
    ),
    state.available
      ? h('p', { id: 'hard-decline-reason', hidden: true })
      : h(
          'div',
          { id: 'hard-decline-reason' },
          notice(
            'Not available for this account yet. Whoever runs this Dunner deployment makes it available first (dunner merchant hard-decline-dunning --available); then you can turn it on here.',
            'info',
          ),
        ),
    result,
  );
}
