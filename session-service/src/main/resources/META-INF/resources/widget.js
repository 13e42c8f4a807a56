/*
 * ChatRoute chat widget. Embed it with one tag:
 *
 *   <script src="https://chat.example.com/widget.js" data-form="default" defer></script>
 *
 * Optional attributes: data-title ("Chat with us"), data-subtitle, data-color (a hex accent such as #4f46e5),
 * data-open="true" (open the panel at once). Plain modern JavaScript, no framework, no build step.
 *
 * Rules kept throughout: every text that comes from a visitor, an agent or the server is put on the page with
 * textContent or as a text node, never as HTML; the widget lives in its own shadow root and loads its styles from
 * widget.css next to this file (no inline styles, so a strict Content-Security-Policy is fine); the visitor token
 * and the chat's last seq live in sessionStorage, so a page reload (same tab) resumes the chat.
 */
(() => {
  'use strict';

  if (window.__chatrouteWidget) {
    return; // embedded twice: one widget
  }
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script) {
    return;
  }

  // ------------------------------------------------------------------ settings
  const BASE = new URL('./', script.src);
  const FORM_ID = script.dataset.form || 'default';
  const TITLE = script.dataset.title || 'Chat with us';
  const SUBTITLE = script.dataset.subtitle || 'We usually reply in minutes';
  const ACCENT = /^#[0-9a-fA-F]{3,8}$/.test(script.dataset.color || '') ? script.dataset.color : null;
  const STORE_KEY = 'chatroute:' + BASE.origin + ':' + FORM_ID;
  const MAX_STORED_MESSAGES = 300;
  const TYPING_IDLE_MS = 3000;
  const TYPING_SHOWN_MS = 6000;
  const LOCALE = navigator.language || 'en';

  // ------------------------------------------------------------------ small helpers

  /** Builds an element. Strings among the children become text nodes: nothing is ever parsed as HTML. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) {
        continue;
      }
      if (k === 'class') {
        el.className = v;
      } else if (k === 'text') {
        el.textContent = v;
      } else if (k.startsWith('on')) {
        el.addEventListener(k.slice(2), v);
      } else if (k in el && !k.startsWith('aria') && k !== 'role' && k !== 'for') {
        el[k] = v;
      } else {
        el.setAttribute(k === 'for' ? 'for' : k, v === true ? '' : String(v));
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) {
        continue;
      }
      el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return el;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const ICONS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.5 3.6A.5.5 0 0 1 4 21.2V18a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2Z',
    close: 'M6 6l12 12M18 6L6 18',
    minimise: 'M6 12h12',
    send: 'M4 12l16-8-6 16-2.5-6.5L4 12Z',
    check: 'M5 13l4 4L19 7',
    clock: 'M12 7v5l3 2M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z',
  };

  /** A fixed icon (path data above, never data from outside). */
  function icon(name, cls) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'cr-icon' + (cls ? ' ' + cls : ''));
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID && window.isSecureContext) {
      return crypto.randomUUID();
    }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function initials(name) {
    const parts = String(name || '').trim().split(/\s+/).filter(Boolean);
    const letters = parts.length === 0 ? '?' : parts.length === 1 ? parts[0].slice(0, 1) : parts[0][0] + parts[parts.length - 1][0];
    return letters.toUpperCase();
  }

  /** Only https: pictures (or this server's own) are shown; anything else gets initials. */
  function safeImageUrl(url) {
    if (typeof url !== 'string' || url.length === 0 || url.length > 2000) {
      return null;
    }
    try {
      const u = new URL(url, BASE);
      return u.protocol === 'https:' || u.origin === BASE.origin ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function avatar(agent, cls) {
    if (!agent) {
      return h('span', { class: 'cr-avatar cr-avatar-brand ' + (cls || ''), 'aria-hidden': 'true' }, icon('chat'));
    }
    const name = agent.displayName || 'Agent';
    const box = h('span', { class: 'cr-avatar ' + (cls || ''), 'aria-hidden': 'true' }, initials(name));
    const src = safeImageUrl(agent.avatarUrl);
    if (src) {
      const img = h('img', { alt: '', src, referrerPolicy: 'no-referrer', decoding: 'async' });
      img.addEventListener('load', () => box.classList.add('cr-avatar-loaded'));
      img.addEventListener('error', () => img.remove());
      box.appendChild(img);
    }
    return box;
  }

  const timeFormat = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit' });
  const dateTimeFormat = new Intl.DateTimeFormat(LOCALE, { weekday: 'long', hour: '2-digit', minute: '2-digit' });
  function formatTime(iso) {
    const d = iso ? new Date(iso) : new Date();
    return isNaN(d) ? '' : timeFormat.format(d);
  }
  function formatOpening(iso) {
    const d = new Date(iso);
    if (isNaN(d)) {
      return null;
    }
    const sameDay = d.toDateString() === new Date().toDateString();
    return sameDay ? 'today at ' + timeFormat.format(d) : dateTimeFormat.format(d);
  }
  function formatWait(seconds) {
    if (typeof seconds !== 'number' || seconds < 0) {
      return null;
    }
    if (seconds < 60) {
      return 'less than a minute';
    }
    const m = Math.round(seconds / 60);
    return m === 1 ? 'about 1 minute' : `about ${m} minutes`;
  }
  const DAY_NAMES = { MON: 'Mon', TUE: 'Tue', WED: 'Wed', THU: 'Thu', FRI: 'Fri', SAT: 'Sat', SUN: 'Sun' };
  function describeHours(q) {
    const windows = (q.weekly || []).map((w) => {
      const days = (w.days || []).map((d) => DAY_NAMES[String(d).slice(0, 3).toUpperCase()] || String(d));
      const span = days.length > 2 && isConsecutive(w.days) ? days[0] + '–' + days[days.length - 1] : days.join(', ');
      return `${span} ${w.from}–${w.to}`;
    });
    return windows.join('; ') + (q.timezone ? ` (${q.timezone})` : '');
  }
  function isConsecutive(days) {
    const order = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
    const idx = days.map((d) => order.indexOf(String(d).slice(0, 3).toUpperCase()));
    return idx.every((v, i) => v >= 0 && (i === 0 || v === idx[i - 1] + 1));
  }
  let languageNames = null;
  try {
    languageNames = new Intl.DisplayNames([LOCALE], { type: 'language' });
  } catch (e) {
    languageNames = null;
  }
  /** An option's label: language codes of a language field by their names (en -> English), others capitalised. */
  function optionLabel(field, value) {
    if (languageNames && /^(language|lang|locale)$/i.test(field) && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(value)) {
      try {
        const name = languageNames.of(value);
        if (name && name !== value) {
          return name.charAt(0).toUpperCase() + name.slice(1);
        }
      } catch (e) {
        // not a language code after all
      }
    }
    return label(value);
  }

  function label(name) {
    const s = String(name).replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // ------------------------------------------------------------------ state (sessionStorage survives a reload)

  /** The stored chat: {chatId, token, lastSeq, name, status, agent, messages, pending, surveyRequested, surveyDone, readUpTo}. */
  let chat = load();
  let config = null;
  let panelOpen = false;
  let socket = null;
  let reconnectAttempt = 0;
  let reconnectTimer = null;
  let typingOn = false;
  let typingTimer = null;
  let agentTypingTimer = null;
  let readSent = 0;
  let unread = 0;
  let queueInfo = null;
  // live frames that said where the chat stands, counted: a state read (GET) that one of them overtook may be older
  // than what the widget shows, and is not applied. The server's own account of the chat at the socket's open
  // (`atOpen`, read when the read was) does not count; when the server has no account to give, it sends none.
  const STATE_FRAMES = new Set(['queued', 'offline', 'agent.joined', 'transferred', 'closed']);
  let stateFrames = 0;
  let stateReads = 0; // state reads under way: the status line is aria-busy meanwhile
  let readsSent = 0;
  let readApplied = 0; // the newest read applied: an older one answering later is not
  let connection = 'idle';

  function load() {
    try {
      const raw = sessionStorage.getItem(STORE_KEY);
      const c = raw ? JSON.parse(raw) : null;
      return c && typeof c.chatId === 'string' && typeof c.token === 'string' ? c : null;
    } catch (e) {
      return null;
    }
  }
  function save() {
    if (!chat) {
      try { sessionStorage.removeItem(STORE_KEY); } catch (e) { /* storage off: nothing to keep */ }
      return;
    }
    chat.messages = chat.messages.slice(-MAX_STORED_MESSAGES);
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(chat)); } catch (e) { /* storage full or off */ }
  }

  // ------------------------------------------------------------------ the shell: host, shadow root, launcher, panel

  const host = h('div', { id: 'chatroute-widget', hidden: true });
  const root = host.attachShadow({ mode: 'open' });
  const stylesheet = h('link', { rel: 'stylesheet', href: new URL('widget.css', BASE).href });
  stylesheet.addEventListener('load', () => { host.hidden = false; });
  stylesheet.addEventListener('error', () => { host.hidden = false; });
  const frame = h('div', { class: 'cr-root' });
  if (ACCENT) {
    frame.style.setProperty('--cr-accent', ACCENT); // CSSOM, not a style attribute: allowed by CSP
  }
  root.append(stylesheet, frame);

  const badge = h('span', { class: 'cr-badge', hidden: true, 'aria-hidden': 'true' });
  const launcherDot = h('span', { class: 'cr-launcher-dot', 'aria-hidden': 'true' });
  const launcher = h('button', {
    class: 'cr-launcher', type: 'button', 'aria-label': 'Open chat: ' + TITLE, 'aria-expanded': 'false',
    'aria-controls': 'cr-panel', onclick: () => (panelOpen ? closePanel() : openPanel()),
  }, icon('chat', 'cr-launcher-chat'), icon('close', 'cr-launcher-close'), launcherDot, badge);

  const headerAvatar = h('span', { class: 'cr-header-avatar' });
  const headerTitle = h('div', { class: 'cr-header-title', id: 'cr-title' });
  const headerSub = h('div', { class: 'cr-header-sub' });
  const endButton = h('button', { class: 'cr-end-button', type: 'button', hidden: true, onclick: () => askToEnd() }, 'End chat');
  const minimiseButton = h('button', { class: 'cr-icon-button', type: 'button', 'aria-label': 'Minimise chat', title: 'Minimise',
    onclick: () => closePanel() }, icon('minimise'));
  const header = h('header', { class: 'cr-header' }, headerAvatar,
    h('div', { class: 'cr-header-text' }, headerTitle, headerSub), endButton, minimiseButton);
  const body = h('div', { class: 'cr-body' });
  const panel = h('section', { class: 'cr-panel', id: 'cr-panel', role: 'dialog', 'aria-labelledby': 'cr-title', hidden: true },
    header, body, h('div', { class: 'cr-footer' }, 'Powered by ChatRoute'));
  frame.append(panel, launcher);

  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      closePanel();
    }
  });

  function openPanel() {
    panelOpen = true;
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    launcher.setAttribute('aria-label', 'Close chat');
    frame.classList.add('cr-open');
    unread = 0;
    renderBadge();
    if (chat) {
      chat.panelOpen = true;
      save();
      markRead();
    }
    if (!config && !chat) {
      loadConfig();
    }
    requestAnimationFrame(() => focusFirst());
  }

  function closePanel() {
    panelOpen = false;
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', 'Open chat: ' + TITLE);
    frame.classList.remove('cr-open');
    if (chat) {
      chat.panelOpen = false;
      save();
    }
    launcher.focus();
  }

  function focusFirst() {
    const target = body.querySelector('[data-autofocus]:not([disabled])') || body.querySelector('input, select, textarea, button');
    if (target) {
      target.focus();
    }
  }

  function renderBadge() {
    badge.hidden = unread === 0;
    badge.textContent = unread > 9 ? '9+' : String(unread);
  }

  function setHeader() {
    headerAvatar.replaceChildren(avatar(chat && chat.agent, 'cr-avatar-md'));
    if (chat && chat.agent && chat.agent.displayName) {
      headerTitle.textContent = chat.agent.displayName;
      headerSub.textContent = chat.agent.title || 'Customer support';
    } else {
      headerTitle.textContent = TITLE;
      headerSub.textContent = config && !config.open ? 'We are offline right now' : SUBTITLE;
    }
    endButton.hidden = !chat || chat.status === 'CLOSED';
    frame.classList.toggle('cr-offline', !!(config && !config.open));
    launcherDot.hidden = !config || !config.open;
  }

  // ------------------------------------------------------------------ HTTP

  async function api(method, path, payload, extraHeaders) {
    const headers = Object.assign({ Accept: 'application/json' }, extraHeaders || {});
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await fetch(new URL(path, BASE).href, {
      method, headers, body: payload === undefined ? undefined : JSON.stringify(payload), mode: 'cors', credentials: 'omit',
      cache: method === 'GET' ? 'default' : 'no-store',
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { status: response.status, ok: response.ok, data, retryAfter: Number(response.headers.get('Retry-After')) || null };
  }

  let configRetry = 0;
  async function loadConfig() {
    if (!chat) {
      renderLoading();
    }
    try {
      const r = await api('GET', 'api/v1/widget/config?formId=' + encodeURIComponent(FORM_ID));
      if (r.ok && r.data && Array.isArray(r.data.fields)) {
        config = r.data;
        configRetry = 0;
        setHeader();
        if (!chat) {
          renderForm();
        }
        return;
      }
      if (r.status === 404) {
        config = null;
        if (!chat) {
          renderProblem('This chat is not set up yet (unknown form "' + FORM_ID + '").', false);
        }
        return;
      }
      throw new Error('config ' + r.status);
    } catch (e) {
      if (!chat) {
        renderProblem('Chat is unavailable right now. We will keep trying.', true);
      }
      const delay = Math.min(30000, 1000 * 2 ** configRetry++);
      setTimeout(() => { if (!config) loadConfig(); }, delay);
    }
  }

  // ------------------------------------------------------------------ views

  function renderLoading() {
    body.replaceChildren(h('div', { class: 'cr-center', role: 'status' }, h('span', { class: 'cr-spinner', 'aria-hidden': 'true' }),
      h('span', { class: 'cr-muted' }, 'Loading…')));
  }

  function renderProblem(text, retry) {
    body.replaceChildren(h('div', { class: 'cr-center', role: 'alert' },
      h('p', { class: 'cr-problem' }, text),
      retry ? h('button', { class: 'cr-button cr-secondary', type: 'button', onclick: () => loadConfig() }, 'Try again') : null));
  }

  /** The pre-chat form: the visitor's name (asked by the widget itself), the configured fields, the first message. */
  function renderForm(notice) {
    setHeader();
    const fields = config ? config.fields : [];
    const open = !config || config.open;
    const errorSummary = h('div', { class: 'cr-error-summary', role: 'alert', hidden: true });
    const inputs = {};

    function field(name, labelText, control, hint) {
      const id = 'cr-f-' + name.replace(/[^A-Za-z0-9_-]/g, '_');
      control.id = id;
      const err = h('div', { class: 'cr-field-error', id: id + '-err', hidden: true });
      control.setAttribute('aria-describedby', id + '-err');
      inputs[name] = { control, err };
      const clear = () => {
        control.removeAttribute('aria-invalid');
        err.hidden = true;
        err.textContent = '';
      };
      control.addEventListener('input', clear);
      control.addEventListener('change', clear);
      return h('div', { class: 'cr-field' + (control.type === 'checkbox' ? ' cr-field-check' : '') },
        control.type === 'checkbox' ? [control, h('label', { for: id }, labelText)] : [h('label', { for: id }, labelText), control],
        hint ? h('div', { class: 'cr-hint' }, hint) : null, err);
    }

    const form = h('form', { class: 'cr-form', novalidate: true });
    const intro = open
      ? h('p', { class: 'cr-intro' }, 'Hi! Tell us a little about your question and we will connect you with the right person.')
      : offlineNotice();
    const nameInput = h('input', { type: 'text', name: 'name', autocomplete: 'name', required: true, maxLength: 200, 'data-autofocus': true });
    form.append(field('visitor.name', 'Your name', nameInput));
    for (const f of fields) {
      if (!f || typeof f.name !== 'string') {
        continue;
      }
      const required = f.required === true;
      const text = label(f.name) + (required ? '' : ' (optional)');
      let control;
      switch (f.type) {
        case 'select': {
          control = h('select', { name: f.name, required },
            h('option', { value: '' }, required ? 'Choose…' : '—'),
            (f.options || []).map((o) => h('option', { value: String(o) }, optionLabel(f.name, String(o)))));
          if (f.name === 'language') {
            const mine = LOCALE.slice(0, 2).toLowerCase();
            if ((f.options || []).some((o) => String(o).toLowerCase() === mine)) {
              control.value = (f.options || []).find((o) => String(o).toLowerCase() === mine);
            }
          }
          break;
        }
        case 'email':
          control = h('input', { type: 'email', name: f.name, autocomplete: 'email', required, maxLength: 254 });
          break;
        case 'number':
          control = h('input', { type: 'number', name: f.name, required, inputMode: 'decimal' });
          break;
        case 'boolean':
          control = h('input', { type: 'checkbox', name: f.name });
          break;
        default:
          control = h('input', { type: 'text', name: f.name, required, maxLength: (config && config.limits && config.limits.formMaxValueChars) || 500 });
      }
      form.append(field('form.' + f.name, text, control));
    }
    const maxChars = (config && config.limits && config.limits.messageMaxChars) || 4000;
    const message = h('textarea', { name: 'message', rows: 3, required: true, maxLength: maxChars,
      placeholder: open ? 'How can we help?' : 'Leave us a message and we will get back to you' });
    form.append(field('message', open ? 'Your question' : 'Your message', message));
    const submit = h('button', { class: 'cr-button cr-primary', type: 'submit' }, open ? 'Start chat' : 'Leave a message');
    form.append(errorSummary, submit);

    let idempotencyKey = uuid(); // the same key for retries of this submission: one chat, whatever happens

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors();
      const visitor = { name: nameInput.value.trim(), locale: LOCALE.length <= 35 ? LOCALE : undefined };
      const answers = {};
      const problems = [];
      if (!visitor.name) {
        problems.push(['visitor.name', 'Please tell us your name.']);
      }
      for (const f of fields) {
        const input = inputs['form.' + f.name];
        if (!input) {
          continue;
        }
        const c = input.control;
        if (f.type === 'boolean') {
          answers[f.name] = c.checked;
          continue;
        }
        const v = c.value.trim();
        if (!v) {
          if (f.required) {
            problems.push(['form.' + f.name, 'Please fill this in.']);
          }
          continue;
        }
        if (f.type === 'email' && !/^[^@\s]+@[^@\s]+$/.test(v)) {
          problems.push(['form.' + f.name, 'Please enter an e-mail address.']);
          continue;
        }
        if (f.type === 'number') {
          const n = Number(v);
          if (!Number.isFinite(n)) {
            problems.push(['form.' + f.name, 'Please enter a number.']);
            continue;
          }
          answers[f.name] = n;
        } else {
          answers[f.name] = v;
        }
        if (f.type === 'email') {
          visitor.email = v;
        }
      }
      const text = message.value.trim();
      if (!text) {
        problems.push(['message', 'Please write your question.']);
      }
      if (problems.length) {
        showErrors(problems);
        return;
      }
      submit.disabled = true;
      submit.textContent = 'Connecting…';
      try {
        const r = await api('POST', 'api/v1/chats', { formId: FORM_ID, visitor, form: answers, message: text },
          { 'Idempotency-Key': idempotencyKey });
        if (r.status === 201 && r.data && r.data.chatId) {
          startChat(r.data, visitor.name, text);
          return;
        }
        if (r.status === 400 && r.data && Array.isArray(r.data.errors)) {
          showErrors(r.data.errors.map((x) => [x.field, x.message]));
          idempotencyKey = uuid(); // a corrected form is a new request
        } else if (r.status === 429) {
          showErrors([[null, 'Too many chats were started from here. Please try again' +
            (r.retryAfter ? ` in ${r.retryAfter} seconds.` : ' in a minute.')]]);
        } else if (r.status === 422) {
          idempotencyKey = uuid();
          showErrors([[null, 'Something changed while we were connecting. Please press the button again.']]);
        } else {
          showErrors([[null, 'We could not start the chat right now. Please try again in a moment.']]);
        }
      } catch (err) {
        showErrors([[null, 'We could not reach the chat service. Please check your connection and try again.']]);
      }
      submit.disabled = false;
      submit.textContent = open ? 'Start chat' : 'Leave a message';
    });

    function clearErrors() {
      errorSummary.hidden = true;
      errorSummary.replaceChildren();
      for (const { control, err } of Object.values(inputs)) {
        control.removeAttribute('aria-invalid');
        err.hidden = true;
        err.textContent = '';
      }
    }

    function showErrors(list) {
      let firstInvalid = null;
      const general = [];
      for (const [fieldName, text] of list) {
        const key = fieldName === 'visitor.email' ? Object.keys(inputs).find((k) => inputs[k].control.type === 'email') : fieldName;
        const input = key && inputs[key];
        if (input) {
          input.control.setAttribute('aria-invalid', 'true');
          input.err.hidden = false;
          input.err.textContent = text;
          firstInvalid = firstInvalid || input.control;
        } else {
          general.push(text);
        }
      }
      if (general.length) {
        errorSummary.hidden = false;
        errorSummary.replaceChildren(...general.map((t) => h('p', {}, t)));
      }
      if (firstInvalid) {
        firstInvalid.focus();
      }
    }

    body.replaceChildren(h('div', { class: 'cr-scroll' }, notice ? h('p', { class: 'cr-notice' }, notice) : null, intro, form));
  }

  function offlineNotice() {
    const when = config && config.nextOpenAt ? formatOpening(config.nextOpenAt) : null;
    const hours = (config && config.hours ? config.hours : []).filter((q) => !q.alwaysOpen && (q.weekly || []).length);
    const box = h('div', { class: 'cr-offline-box' },
      h('p', { class: 'cr-offline-title' }, 'We are offline right now'),
      h('p', {}, when ? `We open again ${when}. Leave a message and we will answer as soon as we are back.`
        : 'Leave a message and we will answer as soon as we can.'));
    if (hours.length) {
      box.append(h('details', { class: 'cr-hours' }, h('summary', {}, 'Opening hours'),
        h('ul', {}, hours.map((q) => h('li', {}, h('strong', {}, q.name || q.queueId), ': ', describeHours(q))))));
    }
    return box;
  }

  // ------------------------------------------------------------------ the chat

  const log = h('ol', { class: 'cr-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Messages' });
  const statusBar = h('div', { class: 'cr-status', role: 'status', 'aria-live': 'polite' });
  const typingLine = h('div', { class: 'cr-typing', 'aria-live': 'polite', hidden: true });
  const composerInput = h('textarea', { class: 'cr-composer-input', rows: 1, id: 'cr-composer', placeholder: 'Write a message…',
    'aria-label': 'Message', 'data-autofocus': true, maxLength: 4000 });
  const sendButton = h('button', { class: 'cr-send', type: 'submit', 'aria-label': 'Send message', title: 'Send' }, icon('send'));
  const composer = h('form', { class: 'cr-composer' }, composerInput, sendButton);
  const after = h('div', { class: 'cr-after' });
  const scroller = h('div', { class: 'cr-scroll cr-chat-scroll' }, log, typingLine, after);

  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    sendText();
  });
  composerInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendText();
    }
  });
  composerInput.addEventListener('input', () => {
    autoGrow();
    if (!chat || chat.status === 'CLOSED') {
      return;
    }
    if (composerInput.value.trim() && !typingOn) {
      typingOn = true;
      frameOut({ type: 'typing', on: true });
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  function autoGrow() {
    composerInput.style.height = 'auto';
    composerInput.style.height = Math.min(composerInput.scrollHeight, 120) + 'px';
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingOn) {
      typingOn = false;
      frameOut({ type: 'typing', on: false });
    }
  }

  function startChat(created, name, firstText) {
    chat = {
      chatId: created.chatId, token: created.visitorToken, lastSeq: 1, name, status: created.status, agent: null,
      messages: [{ seq: 1, from: 'visitor', text: firstText, sentAt: new Date().toISOString() }], pending: [],
      surveyRequested: false, surveyDone: false, readUpTo: 0, panelOpen: true, routingPending: created.routing === 'pending',
      nextOpenAt: created.nextOpenAt || null,
    };
    queueInfo = { position: created.position, estimatedWaitSeconds: created.estimatedWaitSeconds };
    save();
    renderChat();
    connect();
  }

  function renderChat() {
    setHeader();
    composerInput.maxLength = (config && config.limits && config.limits.messageMaxChars) || 4000;
    log.replaceChildren();
    for (const m of chat.messages) {
      log.appendChild(messageItem(m));
    }
    for (const p of Array.isArray(chat.refused) ? chat.refused : []) {
      log.appendChild(refusedItem(p));
    }
    for (const p of chat.pending) {
      log.appendChild(pendingItem(p));
    }
    regroup();
    body.replaceChildren(statusBar, scroller, composer);
    renderStatus();
    renderAfter();
    scrollDown();
  }

  function renderStatus() {
    if (!chat) {
      return;
    }
    let text = '';
    let cls = '';
    if (connection === 'reconnecting') {
      text = 'Connection lost. Reconnecting…';
      cls = 'cr-status-warn';
    } else if (chat.status === 'OFFLINE') {
      const when = chat.nextOpenAt ? formatOpening(chat.nextOpenAt) : null;
      text = when ? `We are offline. Your message is saved; we will reply when we open ${when}.`
        : 'We are offline. Your message is saved and we will reply as soon as we can.';
      cls = 'cr-status-offline';
    } else if (chat.status === 'QUEUED' || chat.status === 'OFFERED') {
      if (chat.status === 'OFFERED') {
        text = 'An agent is about to join…';
      } else if (queueInfo && typeof queueInfo.position === 'number') {
        const wait = formatWait(queueInfo.estimatedWaitSeconds);
        text = `You are number ${queueInfo.position} in the queue` + (wait ? ` · estimated wait ${wait}` : '');
      } else {
        text = 'Connecting you to an agent…';
      }
    } else if (chat.status === 'ACTIVE' && connection === 'open') {
      text = '';
    }
    statusBar.textContent = text;
    statusBar.className = 'cr-status ' + cls;
    statusBar.hidden = !text;
  }

  function renderAfter() {
    const closed = chat.status === 'CLOSED';
    composer.hidden = closed;
    endButton.hidden = closed;
    after.replaceChildren();
    if (!closed) {
      return;
    }
    if (chat.surveyRequested && !chat.surveyDone) {
      after.appendChild(surveyForm());
    } else {
      after.appendChild(h('div', { class: 'cr-done' },
        chat.surveyDone ? h('p', { class: 'cr-thanks' }, 'Thank you for your feedback!') : null,
        h('button', { class: 'cr-button cr-secondary', type: 'button', onclick: newChat }, 'Start a new chat')));
    }
  }

  function newChat() {
    disconnect();
    chat = null;
    save();
    queueInfo = null;
    if (config) {
      renderForm();
    } else {
      loadConfig();
    }
    requestAnimationFrame(() => focusFirst());
  }

  function messageItem(m) {
    const mine = m.from === 'visitor';
    // an agent's message keeps the name of the agent who wrote it (after a transfer the earlier agent's stay theirs)
    const who = mine ? 'You' : m.from === 'agent' ? m.agentName || (chat.agent && chat.agent.displayName) || 'Agent'
      : m.from === 'bot' ? 'Assistant (bot)' : 'System';
    if (m.from === 'system') {
      return h('li', { class: 'cr-msg cr-system', 'data-seq': m.seq }, h('span', {}, m.text));
    }
    const status = mine ? h('span', { class: 'cr-receipt' }) : null;
    const li = h('li', { class: 'cr-msg ' + (mine ? 'cr-mine' : 'cr-theirs') + (m.from === 'bot' ? ' cr-bot' : ''), 'data-seq': m.seq,
      'data-from': m.from, 'data-named': m.agentName ? 'yes' : null },
      h('span', { class: 'cr-sr' }, who + ': '),
      !mine ? h('span', { class: 'cr-who', 'aria-hidden': 'true' }, who) : null,
      h('div', { class: 'cr-bubble' }, m.text),
      h('div', { class: 'cr-meta' }, h('time', { dateTime: m.sentAt || '' }, formatTime(m.sentAt)), status));
    if (status) {
      setReceipt(li, m.seq <= (chat.readUpTo || 0) ? 'read' : 'sent');
    }
    return li;
  }

  /**
   * A message refused for good because the chat had ended: kept with the chat (so a reload shows it too), on screen
   * with its text, marked as not sent.
   */
  function refuse(p) {
    chat.refused = Array.isArray(chat.refused) ? chat.refused : [];
    chat.refused.push(p);
    const li = log.querySelector(`[data-client="${CSS.escape(p.id)}"]`);
    if (li) {
      li.classList.replace('cr-pending', 'cr-refused');
      setReceipt(li, 'refused');
    }
    save();
  }

  function refusedItem(p) {
    const li = pendingItem(p);
    li.classList.replace('cr-pending', 'cr-refused');
    setReceipt(li, 'refused');
    return li;
  }

  function pendingItem(p) {
    const li = h('li', { class: 'cr-msg cr-mine cr-pending', 'data-client': p.id, 'data-from': 'visitor' },
      h('span', { class: 'cr-sr' }, 'You: '),
      h('div', { class: 'cr-bubble' }, p.text),
      h('div', { class: 'cr-meta' }, h('span', { class: 'cr-receipt' })));
    setReceipt(li, p.failed ? 'failed' : 'pending');
    return li;
  }

  function setReceipt(li, state) {
    const r = li.querySelector('.cr-receipt');
    if (!r) {
      return;
    }
    r.dataset.state = state;
    r.replaceChildren(state === 'pending' ? icon('clock') : state === 'failed' || state === 'refused' ? '' : icon('check'),
      state === 'read' ? icon('check', 'cr-second-check') : '',
      h('span', { class: 'cr-receipt-text' }, { pending: 'Sending', sent: 'Sent', read: 'Read', failed: 'Not sent yet, retrying',
        refused: 'Not sent: the chat had ended' }[state]));
  }

  /** Consecutive messages of one sender: the name is shown once. */
  function regroup() {
    let prev = null;
    for (const li of log.children) {
      const from = li.dataset.from || null;
      li.classList.toggle('cr-follow', !!from && from === prev);
      prev = from;
    }
  }

  function addSystemLine(text) {
    log.appendChild(h('li', { class: 'cr-msg cr-system' }, h('span', {}, text)));
    regroup();
    scrollDown();
  }

  function scrollDown() {
    requestAnimationFrame(() => { scroller.scrollTop = scroller.scrollHeight; });
  }

  function sendText() {
    const text = composerInput.value.trim();
    if (!text || !chat || chat.status === 'CLOSED') {
      return;
    }
    const p = { id: uuid(), text };
    chat.pending.push(p);
    save();
    log.appendChild(pendingItem(p));
    regroup();
    composerInput.value = '';
    autoGrow();
    stopTyping();
    scrollDown();
    frameOut({ type: 'message', clientMsgId: p.id, text });
  }

  function markRead() {
    if (!chat || !panelOpen || document.visibilityState !== 'visible') {
      return;
    }
    const upTo = chat.messages.reduce((max, m) => (m.from !== 'visitor' && m.seq > max ? m.seq : max), 0);
    if (upTo > readSent && socket && socket.readyState === WebSocket.OPEN) {
      readSent = upTo;
      frameOut({ type: 'read', upToSeq: upTo });
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (panelOpen && document.visibilityState === 'visible') {
      unread = 0;
      renderBadge();
    }
    markRead();
  });

  function askToEnd() {
    if (!chat || chat.status === 'CLOSED') {
      return;
    }
    const existing = after.querySelector('.cr-confirm');
    if (existing) {
      existing.querySelector('button').focus();
      return;
    }
    const box = h('div', { class: 'cr-confirm', role: 'alertdialog', 'aria-label': 'End the chat?' },
      h('p', {}, 'End this chat?'),
      h('div', { class: 'cr-confirm-actions' },
        h('button', { class: 'cr-button cr-danger', type: 'button', onclick: () => { box.remove(); endChat(); } }, 'End chat'),
        h('button', { class: 'cr-button cr-secondary', type: 'button', onclick: () => { box.remove(); composerInput.focus(); } }, 'Cancel')));
    after.appendChild(box);
    scrollDown();
    box.querySelector('button').focus();
  }

  async function endChat() {
    const closing = chat;
    if (!frameOut({ type: 'close' })) {
      const r = await api('POST', `api/v1/chats/${encodeURIComponent(closing.chatId)}/close`, undefined,
        { Authorization: 'Bearer ' + closing.token }).catch(() => null);
      if (r && r.ok) {
        if (chat === closing) {
          onClosed('visitor', !!chat.agent);
        }
      } else if (!r || r.status === 503) {
        retryEndChat(); // no connection, or the service briefly unable: asked again in a moment
      }
    }
  }

  // a frame answered busy (a store briefly away) or rate-limited is sent again after a delay that doubles with each
  // refusal in a row (0.75-1.5 s, then 1.5-3 s, 3-6 s... up to 7.5-15 s), drawn at random within its range, so pages
  // refused at the same moment do not all come back at the same moment; an acknowledgement or a new connection starts
  // again from the first range
  let refusedInARow = 0;
  function retryDelay() {
    const ceiling = Math.min(15000, 1500 * 2 ** Math.min(refusedInARow, 4));
    refusedInARow++;
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  // an end of the chat that was not done (busy, or no connection) is asked again (retryDelay), 40 times at most, as
  // long as that chat is the one on screen and still open
  let retryCloseTimer = null;
  let retryCloseChat = null;
  let retryCloseLeft = 0;
  function retryEndChat() {
    if (retryCloseChat !== chat) {
      retryCloseChat = chat;
      retryCloseLeft = 40;
    }
    clearTimeout(retryCloseTimer);
    if (retryCloseLeft-- <= 0) {
      return;
    }
    const closing = chat;
    retryCloseTimer = setTimeout(() => {
      if (chat === closing && chat.status !== 'CLOSED') {
        endChat();
      }
    }, retryDelay());
  }

  function surveyForm() {
    const scale = (name, legend, low, high) => h('fieldset', { class: 'cr-scale' },
      h('legend', {}, legend),
      h('div', { class: 'cr-scale-options' }, [1, 2, 3, 4, 5].map((n) => {
        const id = `cr-${name}-${n}`;
        return h('span', { class: 'cr-scale-option' },
          h('input', { type: 'radio', name, value: String(n), id }),
          h('label', { for: id, title: n === 1 ? low : n === 5 ? high : String(n) }, String(n)));
      })),
      h('div', { class: 'cr-scale-ends', 'aria-hidden': 'true' }, h('span', {}, low), h('span', {}, high)));
    const comment = h('textarea', { id: 'cr-survey-comment', rows: 2, maxLength: 1000, placeholder: 'Anything else you want to tell us?' });
    const error = h('div', { class: 'cr-field-error', role: 'alert', hidden: true });
    const submit = h('button', { class: 'cr-button cr-primary', type: 'submit' }, 'Send feedback');
    const form = h('form', { class: 'cr-survey', 'aria-labelledby': 'cr-survey-title' },
      h('h2', { id: 'cr-survey-title' }, 'How did we do?'),
      scale('csat', 'How satisfied are you with this chat?', 'Very unsatisfied', 'Very satisfied'),
      scale('ces', 'How easy was it to get the help you needed?', 'Very difficult', 'Very easy'),
      h('div', { class: 'cr-field' }, h('label', { for: 'cr-survey-comment' }, 'Comment (optional)'), comment),
      error, submit,
      h('button', { class: 'cr-link', type: 'button', onclick: () => { chat.surveyDone = true; chat.surveyRequested = false; save(); disconnect(); renderAfter(); } },
        'No thanks'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const csat = Number((form.querySelector('input[name=csat]:checked') || {}).value) || null;
      const ces = Number((form.querySelector('input[name=ces]:checked') || {}).value) || null;
      if (!csat && !ces) {
        error.hidden = false;
        error.textContent = 'Please choose at least one rating.';
        return;
      }
      submit.disabled = true;
      const payload = { csat, ces, comment: comment.value.trim() || null };
      // REST: the answer tells us it was stored, also when the socket is down
      try {
        const r = await api('POST', `api/v1/chats/${encodeURIComponent(chat.chatId)}/survey`, payload,
          { Authorization: 'Bearer ' + chat.token });
        if (r.status === 201 || (r.data && /already-surveyed/.test(r.data.type || ''))) {
          onSurveyReceived();
          return;
        }
        error.hidden = false;
        error.textContent = (r.data && r.data.errors && r.data.errors[0] && r.data.errors[0].message) || 'Your feedback could not be sent. Please try again.';
      } catch (err) {
        error.hidden = false;
        error.textContent = 'Your feedback could not be sent. Please check your connection and try again.';
      }
      submit.disabled = false;
    });
    return form;
  }

  function onSurveyReceived() {
    chat.surveyDone = true;
    save();
    disconnect();
    renderAfter();
    scrollDown();
  }

  function onClosed(by, surveyRequested, reason) {
    if (chat.status === 'CLOSED') {
      return;
    }
    chat.status = 'CLOSED';
    chat.surveyRequested = !!surveyRequested;
    save();
    stopTyping();
    typingLine.hidden = true;
    addSystemLine(reason === 'not-routed'
      ? 'Sorry, we could not find anyone to take this chat. Please start a new chat or contact us another way.'
      : reason === 'visitor-left'
        ? 'This chat was closed while you were away and it waited for an agent. Start a new chat if you still need help.'
        : by === 'visitor' ? 'You ended the chat.' : 'The chat has ended.');
    if (!chat.surveyRequested) {
      disconnectWhenAnswered(chat, Date.now() + 3000);
    }
    setHeader();
    renderStatus();
    renderAfter();
    scrollDown();
  }

  // ------------------------------------------------------------------ the socket

  function frameOut(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function connect() {
    if (!chat || (socket && socket.readyState <= WebSocket.OPEN)) {
      return;
    }
    clearTimeout(reconnectTimer);
    const url = new URL(`ws/visitor/${encodeURIComponent(chat.chatId)}`, BASE);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', chat.token);
    const ws = new WebSocket(url.href);
    socket = ws;
    ws.addEventListener('open', () => {
      reconnectAttempt = 0;
      refusedInARow = 0;
      // the pending messages are sent below: a resend waiting from the last socket ends here
      clearTimeout(retryPendingTimer);
      retryPendingTimer = null;
      connection = 'open';
      readSent = 0;
      // pending messages first (acked with their seq, stored once), then whatever was missed
      for (const p of chat.pending) {
        frameOut({ type: 'message', clientMsgId: p.id, text: p.text });
      }
      frameOut({ type: 'resume', afterSeq: chat.lastSeq || 0 });
      refreshState();
      renderStatus();
      markRead();
    });
    ws.addEventListener('message', (e) => {
      let f;
      try {
        f = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (f && typeof f.type === 'string') {
        onFrame(f);
      }
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) {
        return;
      }
      socket = null;
      if (!chat || (chat.status === 'CLOSED' && (chat.surveyDone || !chat.surveyRequested))) {
        connection = 'idle';
        return;
      }
      connection = 'reconnecting';
      renderStatus();
      scheduleReconnect();
    });
  }

  /**
   * The chat closed and no survey keeps its socket: it closes once the messages still on their way were answered (an
   * ack, or the error that refuses a message sent as the chat closed), at most until the deadline; what is still
   * unanswered then is shown as not sent. Closing at once left such a message "Sending" for good.
   */
  function disconnectWhenAnswered(closing, deadline) {
    if (chat !== closing) {
      return; // a new chat meanwhile: its socket is not this one's to close
    }
    if (chat.pending.length > 0 && Date.now() < deadline) {
      setTimeout(() => disconnectWhenAnswered(closing, deadline), 100);
      return;
    }
    for (const p of chat.pending.splice(0)) {
      refuse(p);
    }
    disconnect();
  }

  function disconnect() {
    clearTimeout(reconnectTimer);
    if (socket) {
      const s = socket;
      socket = null;
      s.close(1000);
    }
    connection = 'idle';
  }

  function scheduleReconnect() {
    clearTimeout(reconnectTimer);
    const attempt = reconnectAttempt++;
    const delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    reconnectTimer = setTimeout(async () => {
      if (attempt >= 2 && !(await chatStillThere())) {
        return;
      }
      connect();
    }, delay);
  }
  window.addEventListener('online', () => {
    if (chat && !socket) {
      reconnectAttempt = 0;
      connect();
    }
  });

  /** After failed reconnects: is the token still good? 401/403/404 mean the chat is gone for this visitor. */
  async function chatStillThere() {
    try {
      const r = await api('GET', `api/v1/chats/${encodeURIComponent(chat.chatId)}`, undefined, { Authorization: 'Bearer ' + chat.token });
      if ([401, 403, 404].includes(r.status)) {
        disconnect();
        chat = null;
        save();
        if (config) {
          renderForm('Your previous chat has expired. You can start a new one.');
        } else {
          loadConfig();
        }
        return false;
      }
    } catch (e) {
      // offline: keep trying
    }
    return true;
  }

  /** The chat's state after (re)connecting: what the socket does not replay (status, agent, position). */
  async function refreshState() {
    const framesBefore = stateFrames;
    const read = ++readsSent;
    stateReads++;
    statusBar.setAttribute('aria-busy', 'true');
    try {
      const r = await api('GET', `api/v1/chats/${encodeURIComponent(chat.chatId)}`, undefined, { Authorization: 'Bearer ' + chat.token });
      if (!r.ok || !r.data || !chat || r.data.chatId !== chat.chatId) {
        return;
      }
      const s = r.data;
      if ((stateFrames !== framesBefore || read < readApplied) && s.status !== 'CLOSED') {
        // a frame, or a later read, came while the answer was on its way, and may be newer than it (a closed chat
        // stays closed)
        return;
      }
      readApplied = read;
      if (s.agent && (!chat.agent || chat.agent.id !== s.agent.id)) {
        chat.agent = s.agent;
      } else if (!s.agent && (s.status === 'QUEUED' || s.status === 'OFFERED' || s.status === 'OFFLINE')) {
        chat.agent = null; // back in line since the widget last knew
      }
      if (s.nextOpenAt) {
        chat.nextOpenAt = s.nextOpenAt;
      }
      if (typeof s.position === 'number') {
        queueInfo = { position: s.position, estimatedWaitSeconds: s.estimatedWaitSeconds };
      }
      if (s.status === 'CLOSED' && chat.status !== 'CLOSED') {
        onClosed(s.closedBy || 'agent', !!s.agent, s.closeReason);
      } else if (s.status !== 'CLOSED') {
        chat.status = s.status;
      }
      save();
      setHeader();
      renderStatus();
    } catch (e) {
      // the socket frames will tell
    } finally {
      if (--stateReads === 0) {
        statusBar.removeAttribute('aria-busy');
      }
    }
  }

  function onFrame(f) {
    if (!chat) {
      return;
    }
    if (STATE_FRAMES.has(f.type) && f.atOpen !== true) {
      stateFrames++;
    }
    switch (f.type) {
      case 'ack': {
        refusedInARow = 0;
        const i = chat.pending.findIndex((p) => p.id === f.clientMsgId);
        if (i < 0) {
          return;
        }
        const p = chat.pending.splice(i, 1)[0];
        const li = log.querySelector(`[data-client="${CSS.escape(p.id)}"]`);
        if (chat.messages.some((m) => m.seq === f.seq)) {
          if (li) {
            li.remove();
            regroup();
          }
        } else {
          const m = { seq: f.seq, from: 'visitor', text: p.text, sentAt: new Date().toISOString() };
          insertMessage(m);
          if (li) {
            li.replaceWith(messageItem(m));
            regroup();
          }
        }
        save();
        return;
      }
      case 'message': {
        if (typeof f.seq !== 'number' || chat.messages.some((m) => m.seq === f.seq)) {
          return;
        }
        const m = { seq: f.seq, from: f.from, text: String(f.text == null ? '' : f.text), sentAt: f.sentAt };
        if (m.from === 'agent' && chat.agent && chat.agent.displayName) {
          m.agentName = String(chat.agent.displayName);
        }
        insertMessage(m);
        const li = messageItem(m);
        const later = Array.from(log.querySelectorAll('[data-seq]')).find((x) => Number(x.dataset.seq) > m.seq);
        const firstPending = log.querySelector('.cr-pending');
        log.insertBefore(li, later || firstPending || null);
        regroup();
        if (m.from !== 'visitor') {
          typingLine.hidden = true;
          if (panelOpen && document.visibilityState === 'visible') {
            markRead();
          } else {
            unread++;
            renderBadge();
          }
        }
        save();
        scrollDown();
        return;
      }
      case 'queued':
        queueInfo = { position: f.position, estimatedWaitSeconds: f.estimatedWaitSeconds };
        if (chat.status === 'ACTIVE') {
          // routing put the chat back in line (its agent went away, or it was transferred to a queue): nothing is
          // lost, and the next agent gets the whole conversation
          chat.status = 'QUEUED';
          chat.agent = null;
          save();
          setHeader();
          addSystemLine('You are back in the queue. The next free agent will continue this chat.');
        } else if (chat.status === 'OFFLINE' || chat.status === 'OFFERED') {
          chat.status = 'QUEUED';
          save();
        }
        renderStatus();
        return;
      case 'offline':
        // the queue closed while the chat waited (an addition): it keeps its place and is answered when it opens
        if (chat.status === 'QUEUED' || chat.status === 'OFFERED' || chat.status === 'OFFLINE') {
          chat.status = 'OFFLINE';
          chat.nextOpenAt = typeof f.nextOpenAt === 'string' ? f.nextOpenAt : null;
          queueInfo = null;
          save();
          renderStatus();
        }
        return;
      case 'agent.joined':
      case 'transferred': {
        const agent = f.agent && typeof f.agent === 'object' ? f.agent : null;
        if (!agent) {
          return;
        }
        const changed = !chat.agent || chat.agent.id !== agent.id;
        chat.agent = agent;
        chat.status = 'ACTIVE';
        save();
        setHeader();
        renderStatus();
        if (changed) {
          const name = agent.displayName || 'An agent';
          addSystemLine(f.type === 'transferred' ? `You are now chatting with ${name}.` : `${name} joined the chat.`);
        }
        // agent messages shown before the agent's name was known take it (not those of an earlier agent: a transfer)
        if (f.type === 'agent.joined' && agent.displayName) {
          for (const li of log.querySelectorAll('.cr-theirs[data-from="agent"]:not([data-named])')) {
            const m = chat.messages.find((x) => x.seq === Number(li.dataset.seq));
            if (m) {
              m.agentName = String(agent.displayName);
            }
            li.dataset.named = 'yes';
            for (const el of li.querySelectorAll('.cr-who')) {
              el.textContent = agent.displayName;
            }
            const sr = li.querySelector('.cr-sr');
            if (sr) {
              sr.textContent = agent.displayName + ': ';
            }
          }
          save();
        }
        return;
      }
      case 'typing': {
        if (f.from === 'visitor') {
          return;
        }
        clearTimeout(agentTypingTimer);
        if (f.on) {
          typingLine.hidden = false;
          typingLine.replaceChildren(h('span', { class: 'cr-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
            `${(chat.agent && chat.agent.displayName) || 'The agent'} is typing…`);
          agentTypingTimer = setTimeout(() => { typingLine.hidden = true; }, TYPING_SHOWN_MS);
          scrollDown();
        } else {
          typingLine.hidden = true;
        }
        return;
      }
      case 'read': {
        if (f.by === 'visitor' || typeof f.upToSeq !== 'number') {
          return;
        }
        chat.readUpTo = Math.max(chat.readUpTo || 0, f.upToSeq);
        save();
        for (const li of log.querySelectorAll('.cr-mine[data-seq]')) {
          if (Number(li.dataset.seq) <= chat.readUpTo) {
            setReceipt(li, 'read');
          }
        }
        return;
      }
      case 'closed':
        onClosed(f.by, f.surveyRequested, f.reason);
        return;
      case 'survey.received':
        onSurveyReceived();
        return;
      case 'error':
        onError(f);
        return;
      default:
        // frames added to the protocol later are ignored
    }
  }

  function insertMessage(m) {
    chat.messages.push(m);
    chat.messages.sort((a, b) => a.seq - b.seq);
    chat.lastSeq = Math.max(chat.lastSeq || 0, m.seq);
  }

  let retryPendingTimer = null;
  function onError(f) {
    if (f.code === 'busy' && f.frame === 'close') {
      // the end of the chat was not done (a store briefly away): asked again in a moment
      retryEndChat();
      return;
    }
    switch (f.code) {
      case 'rate-limited':
      case 'busy':
        // nothing was stored: resend the pending messages (same clientMsgId) in a moment
        for (const li of log.querySelectorAll('.cr-pending')) {
          setReceipt(li, 'failed');
        }
        // one resend for all of them: several messages refused at once are one refusal, not one each (a round
        // already waiting takes the later refusals in, and the delay grows once per round)
        if (retryPendingTimer === null) {
          retryPendingTimer = setTimeout(() => {
            retryPendingTimer = null;
            for (const p of chat ? chat.pending : []) {
              frameOut({ type: 'message', clientMsgId: p.id, text: p.text });
            }
          }, retryDelay());
        }
        return;
      case 'chat-closed': {
        // the error names the message it refused (since 2026-12-07): it stays on screen, marked as not sent
        const i = f.clientMsgId ? chat.pending.findIndex((p) => p.id === f.clientMsgId) : -1;
        if (i >= 0) {
          refuse(chat.pending.splice(i, 1)[0]);
        }
        onClosed('agent', !!chat.agent);
        return;
      }
      case 'already-surveyed':
        onSurveyReceived();
        return;
      case 'chat-not-found':
        newChat();
        return;
      case 'validation':
      case 'frame-too-large':
        // a message we sent was refused: drop it from the pending list and say so (the error names it by its
        // clientMsgId; a frame too large to be read is not named, and is then the oldest pending one)
        if (chat.pending.length) {
          const named = f.clientMsgId ? chat.pending.findIndex((q) => q.id === f.clientMsgId) : -1;
          if (f.clientMsgId && named < 0) return;
          const p = chat.pending.splice(Math.max(named, 0), 1)[0];
          const li = log.querySelector(`[data-client="${CSS.escape(p.id)}"]`);
          if (li) li.remove();
          save();
          addSystemLine('A message could not be sent: ' + (f.message || 'it was refused') + '.');
        }
        return;
      default:
        // internal and the like: the socket stays; nothing to show
    }
  }

  // ------------------------------------------------------------------ start

  function start() {
    document.body.appendChild(host);
    window.__chatrouteWidget = { open: openPanel, close: closePanel };
    setHeader();
    if (chat) {
      queueInfo = null;
      renderChat();
      if (chat.status !== 'CLOSED' || (chat.surveyRequested && !chat.surveyDone)) {
        connect();
      }
      if (chat.panelOpen) {
        openPanel();
      }
      loadConfig(); // for the header and limits; the chat goes on without it
    } else {
      loadConfig();
      if (script.dataset.open === 'true') {
        openPanel();
      }
    }
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener('DOMContentLoaded', start, { once: true });
  }
})();
