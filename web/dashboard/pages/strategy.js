// The strategy editor: start from a preset, add, remove and edit steps, switch a step's retry or
// message off, set the final step and its action, and save as a new version.
import { flash } from '../actions.js';
import { ApiError, get, post } from '../api.js';
import { add, announce, field, fill, h, notice, uid } from '../dom.js';
import { dateTime } from '../format.js';
import { METHOD_LABEL } from '../labels.js';

export async function render(root, { params, navigate }) {
  const [id] = params;
  const [presets, templates] = await Promise.all([
    get('/v1/strategy_presets'),
    get('/v1/templates'),
  ]);
  const templateKeys = templates.data.map((t) => t.key);
  if (id === 'new') return renderNew(root, presets, navigate);
  const strategy = await get(`/v1/strategies/${encodeURIComponent(id)}`);
  renderEditor(root, strategy, presets, templateKeys, navigate);
}

function renderNew(root, presets, navigate) {
  const name = h('input', { name: 'name', type: 'text', required: true, maxlength: '200' });
  const type = h(
    'select',
    { name: 'payment_method_type' },
    Object.entries(METHOD_LABEL).map(([v, label]) => h('option', { value: v }, label)),
  );
  const preset = h(
    'select',
    { name: 'preset' },
    presets.data.map((p) => h('option', { value: p.id }, `${p.name} — ${p.description}`)),
  );
  const makeDefault = h('input', { type: 'checkbox', name: 'make_default' });
  const result = h('div');
  const form = h(
    'form',
    {
      class: 'card form-grid',
      onsubmit: async (event) => {
        event.preventDefault();
        const button = form.querySelector('button[type=submit]');
        button.disabled = true;
        try {
          const created = await post('/v1/strategies', {
            name: name.value.trim(),
            preset: preset.value,
            payment_method_type: type.value,
            make_default: makeDefault.checked,
          });
          flash(
            `Strategy “${created.name}” created at version ${created.current_version}. Edit its steps below.`,
          );
          await navigate(`/dashboard/strategies/${encodeURIComponent(created.id)}`);
        } catch (err) {
          fill(result, notice(err.message, 'error'));
          button.disabled = false;
        }
      },
    },
    field('Name', name),
    field('Payment method type', type),
    field('Start from the preset', preset),
    h('label', { class: 'check' }, makeDefault, 'Make it the default for this payment-method type'),
    h('button', { type: 'submit', class: 'button primary' }, 'Create strategy'),
  );
  add(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'New strategy'),
      h('a', { href: '/dashboard/strategies' }, 'All strategies'),
    ),
    result,
    form,
  );
}

function renderEditor(root, strategy, presets, templateKeys, navigate) {
  // The draft being edited: a deep copy of the current definition.
  let draft = structuredClone(strategy.definition);
  const result = h('div', { class: 'results' });
  const name = h('input', {
    name: 'name',
    type: 'text',
    value: strategy.name,
    required: true,
    maxlength: '200',
  });
  const stepsBox = h('div');
  const finalBox = h('div');
  const optionsBox = h('div');

  const presetSel = h(
    'select',
    { name: 'preset' },
    presets.data.map((p) => h('option', { value: p.id }, `${p.name} — ${p.description}`)),
  );
  const usePreset = h(
    'button',
    {
      type: 'button',
      class: 'button',
      onclick: () => {
        const p = presets.data.find((x) => x.id === presetSel.value);
        if (!p) return;
        draft = {
          ...structuredClone(p.definition),
          payment_method_type: draft.payment_method_type,
        };
        drawAll();
        announce(`The form now holds the preset ${p.name}. Save to make it a new version.`);
        fill(
          result,
          notice(
            `The form now holds the preset “${p.name}”. Nothing is saved until you save.`,
            'info',
          ),
        );
      },
    },
    'Use this preset',
  );

  const templateOptions = (selected) => {
    const keys =
      templateKeys.includes(selected) || !selected ? templateKeys : [selected, ...templateKeys];
    return keys.map((k) => h('option', { value: k, selected: k === selected }, k));
  };

  function messageControls(message, label) {
    const on = h('input', {
      type: 'checkbox',
      checked: message.enabled,
      'aria-label': `Send a message on ${label}`,
      onchange: () => {
        message.enabled = on.checked;
        if (on.checked && !message.template) message.template = templateKeys[0] ?? 'reminder';
        // The rows are drawn again; the keyboard stays on the box just switched.
        const name = on.getAttribute('aria-label');
        drawAll();
        root.querySelector(`input[aria-label="${CSS.escape(name)}"]`)?.focus();
      },
    });
    const tpl = h(
      'select',
      {
        class: 'step-template',
        'aria-label': `Message template of ${label}`,
        disabled: !message.enabled,
        onchange: () => {
          message.template = tpl.value;
        },
      },
      templateOptions(message.template),
    );
    const bcc = h('input', {
      type: 'checkbox',
      checked: message.bcc,
      disabled: !message.enabled,
      'aria-label': `BCC the merchant on ${label}`,
      onchange: () => {
        message.bcc = bcc.checked;
      },
    });
    return { on, tpl, bcc };
  }

  function drawSteps() {
    const rows = draft.steps.map((step, i) => {
      const label = `step ${i + 1}`;
      const day = h('input', {
        type: 'number',
        min: '1',
        max: '120',
        value: String(step.day),
        'aria-label': `Day of ${label}`,
        oninput: () => {
          step.day = Number(day.value);
        },
      });
      const retry = h('input', {
        type: 'checkbox',
        checked: step.retry,
        'aria-label': `Retry the payment on ${label}`,
        onchange: () => {
          step.retry = retry.checked;
        },
      });
      const m = messageControls(step.message, label);
      const remove = h(
        'button',
        {
          type: 'button',
          class: 'button small danger',
          'aria-label': `Remove ${label}`,
          onclick: () => {
            draft.steps.splice(i, 1);
            drawAll();
            announce(`Step ${i + 1} removed.`);
            (stepsBox.querySelector('button.add-step') ?? stepsBox).focus();
          },
        },
        'Remove',
      );
      return h(
        'tr',
        { dataset: { step: String(i + 1) } },
        h('th', { scope: 'row' }, String(i + 1)),
        h('td', null, day),
        h('td', null, retry),
        h('td', null, m.on),
        h('td', null, m.tpl),
        h('td', null, m.bcc),
        h('td', null, remove),
      );
    });
    const add = h(
      'button',
      {
        type: 'button',
        class: 'button add-step',
        onclick: () => {
          const last = draft.steps[draft.steps.length - 1];
          const day = Math.min(120, (last?.day ?? 0) + 3);
          draft.steps.push({
            day,
            retry: true,
            message: { enabled: false, template: '', bcc: false },
          });
          drawAll();
          announce(`Step ${draft.steps.length} added on day ${day}.`);
          stepsBox.querySelector(`tr[data-step="${draft.steps.length}"] input`)?.focus();
        },
      },
      'Add a step',
    );
    fill(
      stepsBox,
      h(
        'div',
        { class: 'table-wrap', role: 'region', 'aria-label': 'Steps', tabindex: '0' },
        h(
          'table',
          { class: 'data steps' },
          h(
            'caption',
            { class: 'visually-hidden' },
            'Steps, by day from the first failure (day 1)',
          ),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['#', 'Day', 'Retry', 'Message', 'Template', 'BCC', ''].map((x) =>
                h('th', { scope: 'col' }, x),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            rows.length
              ? rows
              : h(
                  'tr',
                  null,
                  h('td', { colspan: '7', class: 'empty' }, 'No steps: the final step runs alone.'),
                ),
          ),
        ),
      ),
      h('p', { class: 'actions' }, add),
    );
  }

  function drawFinal() {
    const day = h('input', {
      type: 'number',
      min: '1',
      max: '120',
      value: String(draft.final.day),
      oninput: () => {
        draft.final.day = Number(day.value);
      },
    });
    const action = h(
      'select',
      {
        onchange: () => {
          draft.final.action = action.value;
        },
      },
      h(
        'option',
        { value: 'cancel', selected: draft.final.action === 'cancel' },
        'Cancel the subscription',
      ),
      h(
        'option',
        { value: 'mark_unpaid', selected: draft.final.action === 'mark_unpaid' },
        'Mark the subscription unpaid',
      ),
    );
    const m = messageControls(draft.final.message, 'the final step');
    fill(
      finalBox,
      h(
        'fieldset',
        null,
        h('legend', null, 'Final step'),
        h(
          'div',
          { class: 'toolbar' },
          field('Day', day, 'Day 1 ends dunning at the first failure.'),
          field('Final action', action),
          h('label', { class: 'check' }, m.on, 'Send a message'),
          m.tpl,
          h('label', { class: 'check' }, m.bcc, 'BCC'),
        ),
      ),
    );
  }

  function drawOptions() {
    const smart = h('input', {
      type: 'checkbox',
      checked: draft.smart_retries,
      onchange: () => {
        draft.smart_retries = smart.checked;
      },
    });
    const component = h('input', {
      type: 'checkbox',
      checked: draft.dun_on_component_failure,
      onchange: () => {
        draft.dun_on_component_failure = component.checked;
      },
    });
    fill(
      optionsBox,
      h(
        'fieldset',
        null,
        h('legend', null, 'Options'),
        h(
          'div',
          { class: 'form-grid' },
          h(
            'label',
            { class: 'check' },
            smart,
            'Smart retries: time each retry by decline category, time zone and pay cycle',
          ),
          h(
            'label',
            { class: 'check' },
            component,
            'Start dunning when a component allocation charge fails',
          ),
        ),
      ),
    );
  }

  function drawAll() {
    drawSteps();
    drawFinal();
    drawOptions();
  }
  drawAll();

  const endAfterFirst = h(
    'button',
    {
      type: 'button',
      class: 'button',
      onclick: () => {
        draft.steps = [];
        draft.final.day = 1;
        drawAll();
        announce('The form now ends dunning at the first failure: no steps, final step on day 1.');
      },
    },
    'End dunning after the first failure',
  );

  const makeDefault = strategy.is_default
    ? null
    : h('input', { type: 'checkbox', name: 'make_default' });
  const save = h('button', { type: 'submit', class: 'button primary' }, 'Save as a new version');
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        save.disabled = true;
        for (const el of form.querySelectorAll('[aria-invalid]'))
          el.removeAttribute('aria-invalid');
        try {
          const saved = await post(`/v1/strategies/${encodeURIComponent(strategy.id)}`, {
            name: name.value.trim(),
            definition: draft,
            ...(makeDefault?.checked ? { make_default: true } : {}),
          });
          flash(
            `Saved as version ${saved.current_version}. New cases follow it; running cases keep the version they started with.`,
          );
          await navigate(`/dashboard/strategies/${encodeURIComponent(strategy.id)}`, {
            replace: true,
          });
        } catch (err) {
          const text =
            err instanceof ApiError && err.field ? `${err.message} (${err.field})` : err.message;
          fill(result, notice(`Not saved: ${text}`, 'error'));
          markField(form, err);
          save.disabled = false;
        }
      },
    },
    field('Name', name),
    h('h2', null, 'Steps'),
    h(
      'p',
      { class: 'muted small' },
      'Day 1 is the day of the first failure. Switch a step’s retry or message off with its boxes.',
    ),
    stepsBox,
    finalBox,
    optionsBox,
    makeDefault
      ? h(
          'label',
          { class: 'check' },
          makeDefault,
          `Make it the default for ${METHOD_LABEL[strategy.payment_method_type] ?? strategy.payment_method_type}`,
        )
      : null,
    h(
      'p',
      { class: 'alert alert-info', id: uid('version-note') },
      `Saving creates version ${strategy.current_version + 1}. Cases already running keep the version they started with; only new cases follow the new version.`,
    ),
    h(
      'div',
      { class: 'actions' },
      save,
      h(
        'a',
        { class: 'button', href: `/dashboard/strategies/${encodeURIComponent(strategy.id)}` },
        'Discard changes',
      ),
    ),
  );

  add(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, strategy.name),
      h('a', { href: '/dashboard/strategies' }, 'All strategies'),
    ),
    h(
      'p',
      { class: 'muted' },
      `${METHOD_LABEL[strategy.payment_method_type] ?? strategy.payment_method_type} · version ${strategy.current_version}${strategy.is_default ? ' · default for new cases' : ''}`,
    ),
    result,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'preset-title' },
      h('h2', { id: 'preset-title' }, 'Start from a preset'),
      h('div', { class: 'toolbar' }, field('Preset', presetSel), usePreset, endAfterFirst),
    ),
    h('section', { class: 'card', 'aria-label': 'Edit the strategy' }, form),
    versions(strategy),
  );
}

function markField(form, err) {
  if (!(err instanceof ApiError) || !err.field) return;
  // definition.steps[2].day -> the day input of step 3.
  const step = /steps\[(\d+)\]\.(\w+)/.exec(err.field);
  let el = null;
  if (step) {
    const row = form.querySelector(`tr[data-step="${Number(step[1]) + 1}"]`);
    el = row?.querySelector(step[2] === 'day' ? 'input[type=number]' : 'select, input');
  } else if (/final/.test(err.field)) {
    el = form.querySelector('fieldset input[type=number]');
  }
  if (el) {
    el.setAttribute('aria-invalid', 'true');
    el.focus();
  }
}

function versions(strategy) {
  if (!strategy.versions?.length) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'versions-title' },
    h('h2', { id: 'versions-title' }, 'Versions'),
    h(
      'ol',
      { class: 'small' },
      [...strategy.versions].map((v) =>
        h(
          'li',
          null,
          `Version ${v.version}, saved ${dateTime(v.created_at)}`,
          v.version === strategy.current_version ? ' (current: new cases follow it)' : '',
        ),
      ),
    ),
  );
}
