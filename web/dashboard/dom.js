// A small DOM builder: every text goes in as a text node, so data from the API can never become
// markup. `h('a', { href, class: 'x', onclick: fn }, 'text', child, [more])`.

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (key === 'class') {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      } else if (key === 'dataset') {
        for (const [k, v] of Object.entries(value)) if (v !== undefined) el.dataset[k] = String(v);
      } else if (key === 'value' && 'value' in el) {
        el.value = value;
      } else if (key === 'checked' || key === 'selected' || key === 'disabled') {
        el[key] = Boolean(value);
        if (key === 'disabled') el.toggleAttribute('disabled', Boolean(value));
      } else if (value === true) {
        el.setAttribute(key, '');
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Appends children, skipping null and false (Element.append would write "null"). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  return add(clear(el), ...children);
}

/** A label with its control, linked by id. */
let nextId = 0;
export function field(labelText, control, hint) {
  if (!control.id) control.id = `f${++nextId}`;
  const hintEl = hint ? h('span', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, labelText), control, hintEl);
}

export function uid(prefix = 'u') {
  return `${prefix}${++nextId}`;
}

/** A table that scrolls sideways on a phone; focusable so a keyboard can scroll it too. */
export function table(caption, headers, rows, options = {}) {
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h(
      'table',
      { class: options.class ?? 'data' },
      h('caption', { class: options.showCaption ? '' : 'visually-hidden' }, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}

export function badge(text, kind) {
  return h('span', { class: ['badge', kind ? `badge-${kind}` : ''] }, text);
}

/** A polite announcement for screen readers (results of actions, loaded pages). */
export function announce(message) {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  // A fresh node so the same text twice is announced twice.
  setTimeout(() => {
    live.textContent = message;
  }, 30);
}

/** A message shown in the page and read out: role=alert for errors, status otherwise. */
export function notice(message, kind = 'ok') {
  return h(
    'p',
    { class: ['alert', `alert-${kind}`], role: kind === 'error' ? 'alert' : 'status' },
    message,
  );
}

/** A modal question answered with two real buttons; resolves true when confirmed. */
export function confirmDialog({ title, body, confirm, cancel = 'Keep it' }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('p', null, body),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          { type: 'button', class: 'button danger', onclick: () => dialog.close('yes') },
          confirm,
        ),
        h('button', { type: 'button', class: 'button', onclick: () => dialog.close('no') }, cancel),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'yes');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
