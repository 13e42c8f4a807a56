/*
 * ChatRoute supervisor dashboard: plain JavaScript over /ws/dashboard (routing-service's live view as `stats` frames,
 * at least once a second while anything changes, and `alert` frames) and three REST reads that session-service passes
 * on to history-service with the supervisor's own token (/api/v1/metrics/today, /api/v1/metrics, /api/v1/tags/stats).
 * Charts: Chart.js (vendor/chart.umd.min.js, from npm, served from the jar), which draws on a canvas. Every text from
 * the server (queue and agent names, alert details, tags) is put on the page with textContent or drawn on the canvas,
 * never parsed as HTML.
 *
 * Sign-in: a JWT with the supervisor or admin role, pasted or passed as /dashboard/#token=… (kept in sessionStorage
 * for this tab). In production an identity provider would sign the supervisor in and hand this page its token.
 */
(() => {
  'use strict';

  const TOKEN_KEY = 'chatroute.dashboard.token';
  const SERIES_KEY = 'chatroute.dashboard.series';
  const RANGE_KEY = 'chatroute.dashboard.range';
  const HISTORY_EVERY_MS = 30000;
  const STALE_AFTER_MS = 15000; // routing-service publishes at least every 10 s
  const SERIES_MAX = 1800;
  const SAMPLE_MIN_MS = 5000; // an unchanged view is sampled at most every 5 s
  const LOCALE = navigator.language || 'en';
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ helpers

  /** Builds an element; strings among the children become text nodes (never HTML). */
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
      } else if (k in el && !k.startsWith('aria') && k !== 'role') {
        el[k] = v;
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat(Infinity)) {
      if (c !== null && c !== undefined && c !== false) {
        el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
      }
    }
    return el;
  }

  const timeFmt = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit' });
  const timeSecFmt = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const dayFmt = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const hourFmt = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  const num = new Intl.NumberFormat(LOCALE);
  const time = (ms) => timeFmt.format(new Date(ms));
  const initials = (name) => {
    const p = String(name || '').trim().split(/\s+/).filter(Boolean);
    return (p.length === 0 ? '?' : p.length === 1 ? p[0].slice(0, 2) : p[0][0] + p[p.length - 1][0]).toUpperCase();
  };
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

  /** 42s, 4m 05s, 4m, 1h 12m. */
  function duration(seconds) {
    if (!isNum(seconds)) {
      return '–';
    }
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) {
      return `${s}s`;
    }
    if (s < 3600) {
      return s % 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s / 60}m`;
    }
    const m = Math.floor((s % 3600) / 60);
    return m ? `${Math.floor(s / 3600)}h ${String(m).padStart(2, '0')}m` : `${Math.floor(s / 3600)}h`;
  }

  const percent = (share) => (isNum(share) ? `${Math.round(share * 1000) / 10} %` : '–');

  function toast(text, kind) {
    const t = h('div', { class: 'toast' + (kind ? ' toast-' + kind : '') }, text);
    $('toasts').appendChild(t);
    setTimeout(() => t.classList.add('toast-out'), 6500);
    setTimeout(() => t.remove(), 7000);
  }

  /** The JWT's claims (not verified here: session-service verifies it; this only reads the subject and roles). */
  function claims(t) {
    const parts = String(t || '').split('.');
    if (parts.length !== 3) {
      return null;
    }
    try {
      const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '='));
      const c = JSON.parse(decodeURIComponent(Array.from(json, (ch) => '%' + ch.charCodeAt(0).toString(16).padStart(2, '0')).join('')));
      return c && typeof c === 'object' ? c : null;
    } catch (e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ sign-in

  let token = null;

  function signInProblem(c) {
    if (!c) {
      return 'That does not look like a token (three base64url parts separated by dots).';
    }
    const groups = Array.isArray(c.groups) ? c.groups : [];
    if (!groups.includes('supervisor') && !groups.includes('admin')) {
      return 'This token has neither the supervisor nor the admin role.';
    }
    if (typeof c.exp === 'number' && c.exp * 1000 < Date.now()) {
      return 'This token has expired. Get a new one.';
    }
    return null;
  }

  function init() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
    if (fromHash) {
      sessionStorage.setItem(TOKEN_KEY, fromHash);
      history.replaceState(null, '', location.pathname + location.search); // the token does not stay in the address bar
    }
    const stored = sessionStorage.getItem(TOKEN_KEY);
    if (stored && !signInProblem(claims(stored))) {
      signIn(stored);
    } else {
      if (stored) {
        sessionStorage.removeItem(TOKEN_KEY);
      }
      showSignIn(stored ? signInProblem(claims(stored)) : null);
    }
  }

  // a #token=… given while the page is open (a link followed from the sign-in form): start again with it
  window.addEventListener('hashchange', () => {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
    if (fromHash) {
      sessionStorage.setItem(TOKEN_KEY, fromHash);
      history.replaceState(null, '', location.pathname + location.search);
      location.reload();
    }
  });

  function showSignIn(problem) {
    $('board').hidden = true;
    $('signin').hidden = false;
    const err = $('signin-error');
    err.hidden = !problem;
    err.textContent = problem || '';
    $('token').focus();
  }

  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = $('token').value.trim();
    const problem = signInProblem(claims(value));
    if (problem) {
      showSignIn(problem);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, value);
    $('token').value = '';
    signIn(value);
  });

  $('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });

  function signIn(t) {
    token = t;
    const c = claims(t);
    const id = String(c.sub || c.upn || 'supervisor');
    const name = String(c.name || c.given_name || id);
    const role = (Array.isArray(c.groups) && c.groups.includes('supervisor')) ? 'Supervisor' : 'Admin';
    $('signin').hidden = true;
    $('board').hidden = false;
    $('me').replaceChildren(h('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(name)),
      h('span', { class: 'me-name' }, name), h('span', { class: 'me-id' }, role));
    setupCharts();
    renderLive();
    connect();
    loadHistory();
    setInterval(() => loadHistory(), HISTORY_EVERY_MS);
    setInterval(checkStale, 1000);
  }

  // ------------------------------------------------------------------ socket

  let socket = null;
  let attempt = 0;
  let reconnectTimer = null;
  let connectedOnce = false;
  let lastFrameAt = 0;

  function setConn(state, text) {
    const c = $('conn');
    c.className = 'conn conn-' + state;
    c.textContent = text;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    const url = new URL('/ws/dashboard', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', token);
    const ws = new WebSocket(url.href);
    socket = ws;
    setConn('connecting', connectedOnce ? 'Reconnecting…' : 'Connecting…');
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      attempt = 0;
      connectedOnce = true;
      lastFrameAt = Date.now();
      setConn('open', 'Live');
    });
    ws.addEventListener('message', (e) => {
      let f;
      try {
        f = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (f && typeof f.type === 'string') {
        lastFrameAt = Date.now();
        onFrame(f);
      }
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) {
        return;
      }
      socket = null;
      if (!opened && attempt >= 2) {
        const problem = signInProblem(claims(token));
        if (problem) {
          sessionStorage.removeItem(TOKEN_KEY);
          showSignIn(problem);
          return;
        }
      }
      setConn('down', 'Disconnected — retrying');
      const delay = Math.min(30000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      reconnectTimer = setTimeout(connect, delay);
    });
  }
  window.addEventListener('online', () => {
    if (!socket && token) {
      attempt = 0;
      connect();
    }
  });

  function checkStale() {
    if (view.receivedAt) {
      // waits and idle times go on between two frames (routing sends one at least every 10 s while nothing changes)
      renderKpis();
      renderQueues();
      renderAgents();
    }
    if (socket && socket.readyState === WebSocket.OPEN) {
      const quiet = Date.now() - lastFrameAt;
      if (quiet > STALE_AFTER_MS) {
        setConn('connecting', `No update for ${Math.round(quiet / 1000)} s`);
      } else if (!$('conn').classList.contains('conn-open')) {
        setConn('open', 'Live');
      }
    }
  }

  function onFrame(f) {
    switch (f.type) {
      case 'stats': return onStats(f);
      case 'alert': return onAlert(f);
      default: return undefined; // frames added later are ignored
    }
  }

  // ------------------------------------------------------------------ the live view

  let view = { queues: [], agents: [], alerts: [] };
  const queueNames = new Map();
  const alertSince = new Map(); // queueId + kind -> first seen (ms)

  function onStats(f) {
    view = {
      at: Date.parse(f.at) || Date.now(),
      day: typeof f.day === 'string' ? f.day : null,
      queues: Array.isArray(f.queues) ? f.queues.filter((q) => q && typeof q.queueId === 'string') : [],
      agents: Array.isArray(f.agents) ? f.agents.filter((a) => a && typeof a.agentId === 'string') : [],
      alerts: Array.isArray(f.alerts) ? f.alerts.filter((a) => a && typeof a.queueId === 'string') : [],
      receivedAt: Date.now(),
    };
    for (const q of view.queues) {
      queueNames.set(q.queueId, typeof q.name === 'string' && q.name.trim() ? q.name : q.queueId);
    }
    $('updated').textContent = 'Updated ' + timeSecFmt.format(new Date(view.at));
    renderKpis();
    renderAlerts();
    renderQueues();
    renderAgents();
    sample();
  }

  function onAlert(f) {
    if (typeof f.queueId !== 'string') {
      return;
    }
    const key = f.queueId + '\u0000' + f.kind;
    if (!alertSince.has(key)) {
      alertSince.set(key, Date.now());
    }
    if (!view.alerts.some((a) => a.queueId === f.queueId && a.kind === f.kind)) {
      view.alerts = view.alerts.concat([{ queueId: f.queueId, kind: f.kind, detail: f.detail }]);
      renderAlerts();
      renderQueues();
    }
    toast(`${queueNames.get(f.queueId) || f.queueId}: ${alertTitle(f.kind).toLowerCase()}${f.detail ? ' — ' + String(f.detail) : ''}`, 'error');
  }

  function alertTitle(kind) {
    return kind === 'wait-over-target' ? 'Wait over target' : kind === 'service-level-below-target' ? 'Service level below target'
      : String(kind || 'Alert');
  }

  /**
   * A duration of the latest frame as it stands now: the seconds since the frame came are added (at most STALE_AFTER_MS
   * worth: after that the view is marked stale rather than guessed on).
   */
  function aged(seconds) {
    if (!isNum(seconds) || !view.receivedAt) {
      return seconds;
    }
    return seconds + Math.floor(Math.min(STALE_AFTER_MS, Math.max(0, Date.now() - view.receivedAt)) / 1000);
  }
  const longestNow = (q) => (q.waiting > 0 && isNum(q.longestWaitSeconds) ? aged(q.longestWaitSeconds) : 0);

  function renderKpis() {
    const qs = view.queues;
    const waiting = qs.reduce((n, q) => n + (isNum(q.waiting) ? q.waiting : 0), 0);
    const longest = qs.reduce((m, q) => Math.max(m, longestNow(q)), 0);
    const longestQueue = qs.filter((q) => q.waiting > 0).sort((a, b) => longestNow(b) - longestNow(a))[0];
    const agents = view.agents;
    const available = agents.filter((a) => a.presence === 'AVAILABLE' && a.activeChats < a.maxConcurrentChats).length;
    const online = agents.filter((a) => a.presence !== 'OFFLINE').length;
    const active = agents.reduce((n, a) => n + (isNum(a.activeChats) ? a.activeChats : 0), 0);
    const slots = agents.filter((a) => a.presence !== 'OFFLINE').reduce((n, a) => n + (isNum(a.maxConcurrentChats) ? a.maxConcurrentChats : 0), 0);
    const answered = qs.reduce((n, q) => n + (isNum(q.answeredToday) ? q.answeredToday : 0), 0);
    const within = qs.reduce((n, q) => n + (isNum(q.answeredWithinTargetToday) ? q.answeredWithinTargetToday : 0), 0);
    const abandoned = qs.reduce((n, q) => n + (isNum(q.abandonedToday) ? q.abandonedToday : 0), 0);
    kpi('kpi-waiting', num.format(waiting), `in ${qs.filter((q) => q.waiting > 0).length} of ${qs.length} queues`, waiting > 0 ? 'warn' : null);
    kpi('kpi-longest', waiting ? duration(longest) : '–', longestQueue ? queueNames.get(longestQueue.queueId) : 'nobody waiting',
      view.alerts.some((a) => a.kind === 'wait-over-target') ? 'bad' : null);
    kpi('kpi-available', num.format(available), `${online} online of ${agents.length}`, available === 0 && waiting > 0 ? 'bad' : null);
    kpi('kpi-load', num.format(active), slots ? `${Math.round((active / slots) * 100)} % of ${slots} online slots` : 'no agent online', null);
    const sl = answered ? within / answered : null;
    kpi('kpi-sl', percent(sl), answered ? `${within} of ${answered} within target` : 'no chat answered yet', isNum(sl) && sl < 0.8 ? 'bad' : isNum(sl) ? 'good' : null);
    kpi('kpi-answered', num.format(answered), `${abandoned} abandoned`, null);
  }

  function kpi(id, value, sub, tone) {
    const el = $(id);
    el.querySelector('.kpi-value').textContent = value;
    el.querySelector('.kpi-sub').textContent = sub || '';
    el.dataset.tone = tone || '';
  }

  function renderAlerts() {
    const list = $('alerts');
    const now = new Set();
    const items = [];
    for (const a of view.alerts) {
      const key = a.queueId + '\u0000' + a.kind;
      now.add(key);
      if (!alertSince.has(key)) {
        alertSince.set(key, Date.now());
      }
      items.push(h('li', { class: 'alert-item', 'data-queue': a.queueId, 'data-kind': String(a.kind) },
        h('span', { class: 'alert-icon', 'aria-hidden': 'true' }, '!'),
        h('div', { class: 'alert-text' },
          h('strong', {}, `${queueNames.get(a.queueId) || a.queueId} — ${alertTitle(a.kind)}`),
          h('span', { class: 'alert-detail' }, String(a.detail || ''))),
        h('span', { class: 'alert-since' }, 'since ' + time(alertSince.get(key)))));
    }
    for (const key of Array.from(alertSince.keys())) {
      if (!now.has(key)) {
        alertSince.delete(key);
      }
    }
    list.replaceChildren(...items);
    $('all-clear').hidden = items.length > 0 || view.queues.length === 0;
    $('alerts-panel').classList.toggle('has-alerts', items.length > 0);
  }

  /** Keeps one row per id, updates its cells in place and puts the rows in the given order. */
  function syncRows(tbody, items, idOf, create, update) {
    const existing = new Map(Array.from(tbody.children, (tr) => [tr.dataset.id, tr]));
    const keep = new Set();
    for (const item of items) {
      const id = idOf(item);
      keep.add(id);
      let tr = existing.get(id);
      if (!tr) {
        tr = create(item);
        tr.dataset.id = id;
      }
      update(tr, item);
      tbody.appendChild(tr); // moves an existing row into place
    }
    for (const [id, tr] of existing) {
      if (!keep.has(id)) {
        tr.remove();
      }
    }
  }

  const cell = (tr, col) => tr.querySelector(`[data-col="${col}"]`);

  function renderQueues() {
    const breaking = new Set(view.alerts.map((a) => a.queueId));
    const qs = view.queues.slice().sort((a, b) => (b.waiting - a.waiting) || String(queueNames.get(a.queueId)).localeCompare(String(queueNames.get(b.queueId))));
    syncRows($('queue-rows'), qs, (q) => q.queueId, (q) => {
      const tr = h('tr', { 'data-queue': q.queueId },
        h('th', { scope: 'row', 'data-col': 'name' }, h('span', { class: 'q-name' }), h('span', { class: 'q-id' }), h('span', { class: 'q-state' })),
        h('td', { class: 'num', 'data-col': 'waiting' }),
        h('td', { class: 'num', 'data-col': 'longest' }),
        h('td', { class: 'num', 'data-col': 'estimated' }),
        h('td', { 'data-col': 'sl' }, h('div', { class: 'sl' }, h('span', { class: 'sl-bar' }, h('span', { class: 'sl-fill' }), h('span', { class: 'sl-target' })),
          h('span', { class: 'sl-text' })), h('span', { class: 'sl-sub' })),
        h('td', { class: 'num', 'data-col': 'available' }),
        h('td', { class: 'num', 'data-col': 'today' }, h('span', { class: 'today-answered' }), h('span', { class: 'today-abandoned' })));
      return tr;
    }, (tr, q) => {
      tr.querySelector('.q-name').textContent = queueNames.get(q.queueId);
      tr.querySelector('.q-id').textContent = q.queueId;
      const state = tr.querySelector('.q-state');
      state.textContent = q.open === false ? 'Closed' : '';
      state.hidden = q.open !== false;
      tr.classList.toggle('breach', breaking.has(q.queueId));
      tr.classList.toggle('closed', q.open === false);
      cell(tr, 'waiting').textContent = isNum(q.waiting) ? String(q.waiting) : '–';
      cell(tr, 'waiting').classList.toggle('hot', q.waiting > 0);
      cell(tr, 'longest').textContent = q.waiting > 0 ? duration(longestNow(q)) : '–';
      cell(tr, 'longest').classList.toggle('bad', q.waiting > 0 && isNum(q.serviceLevelTargetSeconds) && longestNow(q) > q.serviceLevelTargetSeconds);
      cell(tr, 'estimated').textContent = duration(q.estimatedWaitSeconds);
      const target = isNum(q.serviceLevelTargetSeconds) ? q.serviceLevelTargetSeconds : null;
      const sl = isNum(q.serviceLevel) ? q.serviceLevel : null;
      const slCell = cell(tr, 'sl');
      slCell.querySelector('.sl-text').textContent = sl === null ? '–' : percent(sl);
      slCell.querySelector('.sl-fill').style.width = (sl === null ? 0 : Math.round(sl * 100)) + '%';
      slCell.querySelector('.sl').dataset.tone = sl === null ? '' : sl < 0.8 ? 'bad' : 'good';
      slCell.querySelector('.sl-sub').textContent = target === null ? '' : `target 80 % ≤ ${duration(target)}`;
      cell(tr, 'available').textContent = isNum(q.agentsAvailable) ? String(q.agentsAvailable) + (isNum(q.agentsAble) ? ` / ${q.agentsAble}` : '') : '–';
      cell(tr, 'available').classList.toggle('bad', q.agentsAvailable === 0 && q.waiting > 0);
      tr.querySelector('.today-answered').textContent = isNum(q.answeredToday) ? `${q.answeredToday} answered` : '–';
      tr.querySelector('.today-abandoned').textContent = isNum(q.abandonedToday) ? `${q.abandonedToday} abandoned` : '';
    });
    $('queues-empty').hidden = qs.length > 0;
    const open = view.queues.filter((q) => q.open !== false).length;
    $('queues-count').textContent = view.queues.length ? `${view.queues.length} queues · ${open} open` : '';
    renderQueueOptions();
  }

  const PRESENCE_ORDER = { AVAILABLE: 0, AWAY: 1, OFFLINE: 2 };
  const PRESENCE_LABEL = { AVAILABLE: 'Available', AWAY: 'Away', OFFLINE: 'Offline' };
  const agentName = (a) => (typeof a.displayName === 'string' && a.displayName.trim() ? a.displayName : a.agentId);

  function renderAgents() {
    const as = view.agents.slice().sort((a, b) => ((PRESENCE_ORDER[a.presence] ?? 3) - (PRESENCE_ORDER[b.presence] ?? 3))
      || (b.activeChats - a.activeChats) || agentName(a).localeCompare(agentName(b)));
    syncRows($('agent-rows'), as, (a) => a.agentId, (a) => h('tr', { 'data-agent': a.agentId },
      h('th', { scope: 'row', 'data-col': 'name' }, h('span', { class: 'avatar avatar-xs', 'aria-hidden': 'true' }),
        h('span', { class: 'a-text' }, h('span', { class: 'a-name' }), h('span', { class: 'a-id' }))),
      h('td', { 'data-col': 'presence' }, h('span', { class: 'presence-pill' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'presence-text' })),
        h('span', { class: 'a-since' })),
      h('td', { 'data-col': 'load' }, h('div', { class: 'load' }, h('span', { class: 'load-bar' }, h('span', { class: 'load-fill' })), h('span', { class: 'load-text' }))),
      h('td', { class: 'num', 'data-col': 'idle' })), (tr, a) => {
      tr.querySelector('.avatar').textContent = initials(agentName(a));
      tr.querySelector('.a-name').textContent = agentName(a);
      tr.querySelector('.a-id').textContent = a.agentId;
      const presence = PRESENCE_LABEL[a.presence] ? a.presence : 'OFFLINE';
      tr.dataset.presence = presence;
      tr.querySelector('.dot').className = 'dot dot-' + presence.toLowerCase();
      tr.querySelector('.presence-text').textContent = PRESENCE_LABEL[presence];
      const since = Date.parse(a.statusSince);
      tr.querySelector('.a-since').textContent = isNaN(since) ? '' : 'since ' + time(since);
      const max = isNum(a.maxConcurrentChats) ? a.maxConcurrentChats : 0;
      const active = isNum(a.activeChats) ? a.activeChats : 0;
      tr.querySelector('.load-text').textContent = `${active} / ${max || '–'}`;
      tr.querySelector('.load-fill').style.width = (max ? Math.min(100, Math.round((active / max) * 100)) : 0) + '%';
      tr.querySelector('.load').dataset.tone = max && active >= max ? 'full' : active / (max || 1) >= 0.75 ? 'high' : '';
      cell(tr, 'idle').textContent = presence === 'AVAILABLE' && active === 0 ? duration(aged(a.idleSeconds)) : '–';
    });
    $('agents-empty').hidden = as.length > 0;
    const n = (p) => view.agents.filter((a) => a.presence === p).length;
    $('agents-count').textContent = view.agents.length
      ? `${n('AVAILABLE')} available · ${n('AWAY')} away · ${n('OFFLINE')} offline` : '';
  }

  // ------------------------------------------------------------------ the live series (kept in this tab)

  let series = loadSeries();

  function loadSeries() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SERIES_KEY) || 'null');
      if (s && Array.isArray(s.points)) {
        return s;
      }
    } catch (e) {
      // start afresh
    }
    return { day: null, startedAt: Date.now(), points: [] };
  }

  let savedAt = 0;
  function sample() {
    if (series.day && view.day && series.day !== view.day) {
      series = { day: view.day, startedAt: view.at, points: [] }; // a new (UTC) day starts a new curve
    }
    series.day = view.day || series.day;
    const point = { t: view.at, w: {}, l: {} };
    for (const q of view.queues) {
      point.w[q.queueId] = isNum(q.waiting) ? q.waiting : 0;
      point.l[q.queueId] = isNum(q.longestWaitSeconds) && q.waiting > 0 ? q.longestWaitSeconds : 0;
    }
    const last = series.points[series.points.length - 1];
    const same = last && JSON.stringify(last.w) === JSON.stringify(point.w) && JSON.stringify(last.l) === JSON.stringify(point.l);
    if (last && point.t <= last.t) {
      return;
    }
    if (same && point.t - last.t < SAMPLE_MIN_MS) {
      return;
    }
    series.points.push(point);
    if (series.points.length > SERIES_MAX) {
      // older half at half the resolution: pairs merged, keeping the larger figures
      const half = Math.floor(series.points.length / 2);
      const merged = [];
      for (let i = 0; i < half; i += 2) {
        const a = series.points[i];
        const b = series.points[i + 1] || a;
        const m = { t: b.t, w: {}, l: {} };
        for (const k of new Set([...Object.keys(a.w), ...Object.keys(b.w)])) {
          m.w[k] = Math.max(a.w[k] || 0, b.w[k] || 0);
          m.l[k] = Math.max(a.l[k] || 0, b.l[k] || 0);
        }
        merged.push(m);
      }
      series.points = merged.concat(series.points.slice(half));
    }
    if (Date.now() - savedAt > 10000) {
      savedAt = Date.now();
      try {
        sessionStorage.setItem(SERIES_KEY, JSON.stringify(series));
      } catch (e) {
        // storage full: the curve lives on in memory
      }
    }
    renderLive();
  }
  window.addEventListener('pagehide', () => {
    try {
      sessionStorage.setItem(SERIES_KEY, JSON.stringify(series));
    } catch (e) {
      // nothing to do
    }
  });

  function renderQueueOptions() {
    const select = $('live-queue');
    const have = new Set(Array.from(select.options, (o) => o.value));
    for (const q of view.queues) {
      if (!have.has(q.queueId)) {
        select.appendChild(h('option', { value: q.queueId }, queueNames.get(q.queueId)));
      }
    }
  }
  $('live-queue').addEventListener('change', () => renderLive());

  function renderLive() {
    if (!charts.live) {
      return;
    }
    const q = $('live-queue').value;
    const waiting = [];
    const longest = [];
    for (const p of series.points) {
      const ws = q ? [p.w[q] || 0] : Object.values(p.w);
      const ls = q ? [p.l[q] || 0] : Object.values(p.l);
      waiting.push({ x: p.t, y: ws.reduce((a, b) => a + b, 0) });
      longest.push({ x: p.t, y: ls.reduce((a, b) => Math.max(a, b), 0) });
    }
    charts.live.data.datasets[0].data = waiting;
    charts.live.data.datasets[1].data = longest;
    const target = q ? (view.queues.find((x) => x.queueId === q) || {}).serviceLevelTargetSeconds : null;
    charts.live.data.datasets[2].data = isNum(target) && waiting.length ? [{ x: waiting[0].x, y: target }, { x: waiting[waiting.length - 1].x, y: target }] : [];
    charts.live.update('none');
    $('live-empty').hidden = series.points.length > 1;
    $('live-note').textContent = series.points.length ? `Live, since ${time(series.points[0].t)} (kept in this tab; the hourly chart covers the whole day).`
      : 'Live, since this page opened.';
  }

  // ------------------------------------------------------------------ charts (Chart.js draws on a canvas: text stays text)

  const charts = {};
  const COLORS = { accent: '#4f46e5', amber: '#d97706', ok: '#16a34a', danger: '#dc2626', grey: '#cbd5e1', ink: '#374151' };
  const TAG_COLORS = ['#4f46e5', '#0891b2', '#d97706', '#db2777', '#16a34a', '#7c3aed'];

  /** Ticks of the live chart: with seconds while it spans less than ten minutes. */
  function liveTick(v) {
    const pts = series.points;
    if (pts.length < 2) {
      return ''; // nothing to show yet
    }
    const span = pts[pts.length - 1].t - pts[0].t;
    return span < 600000 ? timeSecFmt.format(new Date(v)) : time(v);
  }

  function setupCharts() {
    if (typeof window.Chart !== 'function' || charts.live) {
      return;
    }
    const Chart = window.Chart;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 11.5;
    Chart.defaults.color = '#6b7280';
    Chart.defaults.borderColor = '#eef0f4';
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.plugins.legend.labels.boxWidth = 10;
    Chart.defaults.plugins.legend.labels.boxHeight = 10;
    Chart.defaults.plugins.tooltip.backgroundColor = '#111827';

    charts.live = new Chart($('chart-live'), {
      type: 'line',
      data: { datasets: [
        { label: 'Waiting chats', data: [], borderColor: COLORS.accent, backgroundColor: 'rgba(79, 70, 229, 0.12)', fill: true,
          stepped: true, pointRadius: 0, borderWidth: 2, yAxisID: 'y' },
        { label: 'Longest wait (s)', data: [], borderColor: COLORS.amber, backgroundColor: COLORS.amber, pointRadius: 0, borderWidth: 2,
          tension: 0.2, yAxisID: 'y1' },
        { label: 'Target (s)', data: [], borderColor: COLORS.danger, borderDash: [5, 4], pointRadius: 0, borderWidth: 1.5, yAxisID: 'y1' },
      ] },
      options: {
        parsing: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: { type: 'linear', ticks: { maxTicksLimit: 7, callback: (v) => liveTick(v) }, grid: { display: false } },
          y: { beginAtZero: true, suggestedMax: 4, ticks: { precision: 0 }, title: { display: true, text: 'chats' } },
          y1: { position: 'right', beginAtZero: true, suggestedMax: 60, grid: { display: false }, title: { display: true, text: 'seconds' } },
        },
        plugins: { legend: { position: 'bottom', labels: { filter: (item, data) => data.datasets[item.datasetIndex].data.length > 0 } },
          tooltip: { callbacks: { title: (items) => (items.length ? timeSecFmt.format(new Date(items[0].parsed.x)) : '') } } },
      },
    });

    charts.hours = new Chart($('chart-hours'), {
      type: 'bar',
      data: { labels: [], datasets: [
        { label: 'Answered', data: [], backgroundColor: COLORS.accent, stack: 'chats', yAxisID: 'y', order: 2, borderRadius: 3 },
        { label: 'Abandoned', data: [], backgroundColor: COLORS.danger, stack: 'chats', yAxisID: 'y', order: 2, borderRadius: 3 },
        { label: 'Other (waiting, offline)', data: [], backgroundColor: COLORS.grey, stack: 'chats', yAxisID: 'y', order: 2, borderRadius: 3 },
        { type: 'line', label: 'Median wait (s)', data: [], borderColor: COLORS.amber, backgroundColor: COLORS.amber, yAxisID: 'y1',
          order: 1, pointRadius: 3, borderWidth: 2, spanGaps: true, tension: 0.2 },
      ] },
      options: {
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'chats' } },
          y1: { position: 'right', beginAtZero: true, grid: { display: false }, title: { display: true, text: 'seconds' } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });

    charts.csat = new Chart($('chart-csat'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'CSAT', data: [], backgroundColor: [], borderRadius: 5, maxBarThickness: 46 }] },
      options: {
        scales: {
          x: { grid: { display: false }, title: { display: true, text: 'chats the agent held' } },
          y: { min: 0, max: 5, ticks: { stepSize: 1 }, title: { display: true, text: 'CSAT' } },
        },
        plugins: { legend: { display: false },
          tooltip: { callbacks: { label: (item) => {
            const s = csatSurveys[item.dataIndex];
            return `CSAT ${isNum(item.parsed.y) ? item.parsed.y.toFixed(2) : '–'} (${s} survey${s === 1 ? '' : 's'})`;
          } } } },
      },
    });

    charts.tags = new Chart($('chart-tags'), {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'chats' } } },
        plugins: { legend: { display: false } }, // the ranked list beside the chart is its legend (same colours)
      },
    });
  }

  // ------------------------------------------------------------------ history-service's figures (through session-service)

  let rangeDays = Number(sessionStorage.getItem(RANGE_KEY)) || 7;
  let csatSurveys = [];
  let loading = false;

  for (const b of $('range').querySelectorAll('button')) {
    b.addEventListener('click', () => {
      rangeDays = Number(b.dataset.days);
      sessionStorage.setItem(RANGE_KEY, String(rangeDays));
      renderRange();
      loadHistory();
    });
  }
  function renderRange() {
    for (const b of $('range').querySelectorAll('button')) {
      const on = Number(b.dataset.days) === rangeDays;
      b.setAttribute('aria-checked', String(on));
      b.tabIndex = on ? 0 : -1;
    }
  }
  renderRange();
  $('history-refresh').addEventListener('click', () => loadHistory());

  const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

  async function get(path) {
    const r = await fetch(path, { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' }, credentials: 'omit', cache: 'no-store' });
    if (!r.ok) {
      const e = new Error('HTTP ' + r.status);
      e.status = r.status;
      throw e;
    }
    return r.json();
  }

  async function loadHistory() {
    if (loading || !token) {
      return;
    }
    loading = true;
    const status = $('history-status');
    status.textContent = 'Loading…';
    const now = Date.now();
    const from = isoDay(now - (rangeDays - 1) * 86400000);
    const to = isoDay(now + 86400000);
    const results = await Promise.allSettled([
      get('/api/v1/metrics/today?groupBy=hour'),
      get(`/api/v1/metrics?from=${from}&to=${to}&groupBy=queue`),
      get(`/api/v1/tags/stats?from=${from}&to=${to}&interval=day`),
    ]);
    loading = false;
    const [today, range, tags] = results;
    if (today.status === 'fulfilled') {
      renderToday(today.value);
      renderHours(today.value);
    }
    if (range.status === 'fulfilled') {
      renderCsat(range.value);
    }
    if (tags.status === 'fulfilled') {
      renderTags(tags.value);
    }
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length === 0) {
      status.textContent = 'History updated ' + timeSecFmt.format(new Date());
      status.className = 'muted small';
    } else if (failed.some((r) => r.reason && (r.reason.status === 401 || r.reason.status === 403))) {
      status.textContent = 'This token may not read the history figures.';
      status.className = 'error small';
    } else {
      status.textContent = 'History is unavailable right now; retrying every 30 s.';
      status.className = 'error small';
    }
  }

  function figure(id, value, sub) {
    const el = $(id);
    el.querySelector('.figure-value').textContent = value;
    el.querySelector('.figure-sub').textContent = sub || '';
  }

  const PLURAL = { chat: 'chats', reply: 'replies', survey: 'surveys' };
  const median = (m) => (m && isNum(m.p50) ? duration(m.p50) : '–');
  const samples = (m, what) => (m && isNum(m.count) && m.count ? `${num.format(m.count)} ${m.count === 1 ? what : PLURAL[what]}`
    : `no ${PLURAL[what]} yet`);
  /** The median is the figure; under it the 90th percentile and how many it is of. */
  const percentiles = (m, what) => (m && isNum(m.p90) ? `median · p90 ${duration(m.p90)} · ${samples(m, what)}` : samples(m, what));

  function renderToday(body) {
    const t = body && body.total ? body.total : {};
    figure('fig-chats', isNum(t.chats) ? num.format(t.chats) : '–', isNum(t.answered) ? `${t.answered} answered` : '');
    figure('fig-abandoned', isNum(t.abandoned) ? num.format(t.abandoned) : '–',
      isNum(t.abandoned) && t.chats ? `${Math.round((t.abandoned / t.chats) * 100)} % of chats` : '');
    figure('fig-wait', median(t.waitSeconds), percentiles(t.waitSeconds, 'chat'));
    figure('fig-first', median(t.firstResponseSeconds), percentiles(t.firstResponseSeconds, 'chat'));
    figure('fig-response', median(t.responseSeconds), percentiles(t.responseSeconds, 'reply'));
    figure('fig-handle', median(t.handleSeconds), percentiles(t.handleSeconds, 'chat'));
    figure('fig-csat', t.csat && isNum(t.csat.avg) ? `${t.csat.avg.toFixed(2)} / 5` : '–', samples(t.csat, 'survey'));
    figure('fig-ces', t.ces && isNum(t.ces.avg) ? `${t.ces.avg.toFixed(2)} / 5` : '–', samples(t.ces, 'survey'));
  }

  function renderHours(body) {
    if (!charts.hours) {
      return;
    }
    const groups = new Map((Array.isArray(body && body.groups) ? body.groups : []).filter((g) => typeof g.key === 'string')
      .map((g) => [g.key.slice(0, 13), g]));
    const day = Date.parse((typeof (body && body.from) === 'string' ? body.from : new Date().toISOString()).slice(0, 10) + 'T00:00:00Z');
    const lastHour = new Date().getUTCHours();
    const labels = [];
    const answered = [];
    const abandoned = [];
    const other = [];
    const wait = [];
    for (let hr = 0; hr <= lastHour; hr++) {
      const at = day + hr * 3600000;
      const g = groups.get(new Date(at).toISOString().slice(0, 13));
      labels.push(hourFmt.format(new Date(at)));
      answered.push(g && isNum(g.answered) ? g.answered : 0);
      abandoned.push(g && isNum(g.abandoned) ? g.abandoned : 0);
      other.push(g && isNum(g.chats) ? Math.max(0, g.chats - (g.answered || 0) - (g.abandoned || 0)) : 0);
      wait.push(g && g.waitSeconds && isNum(g.waitSeconds.p50) ? g.waitSeconds.p50 : null);
    }
    charts.hours.data.labels = labels;
    charts.hours.data.datasets[0].data = answered;
    charts.hours.data.datasets[1].data = abandoned;
    charts.hours.data.datasets[2].data = other;
    charts.hours.data.datasets[3].data = wait;
    charts.hours.update('none');
    $('hours-empty').hidden = groups.size > 0;
  }

  function renderCsat(body) {
    if (!charts.csat) {
      return;
    }
    const levels = Array.isArray(body && body.total && body.total.csatByConcurrency) ? body.total.csatByConcurrency : [];
    const rows = levels.filter((l) => isNum(l.concurrency)).sort((a, b) => a.concurrency - b.concurrency);
    charts.csat.data.labels = rows.map((l) => `${l.concurrency}`);
    charts.csat.data.datasets[0].data = rows.map((l) => (isNum(l.csat) ? l.csat : null));
    charts.csat.data.datasets[0].backgroundColor = rows.map((l) => (!isNum(l.csat) ? COLORS.grey : l.csat >= 4 ? COLORS.ok : l.csat >= 3 ? COLORS.amber : COLORS.danger));
    csatSurveys = rows.map((l) => (isNum(l.surveys) ? l.surveys : 0));
    charts.csat.update('none');
    $('csat-empty').hidden = csatSurveys.some((s) => s > 0);
  }

  function renderTags(body) {
    if (!charts.tags) {
      return;
    }
    const buckets = (Array.isArray(body && body.buckets) ? body.buckets : []).filter((b) => b && typeof b.start === 'string');
    const totals = new Map();
    for (const b of buckets) {
      for (const [tag, n] of Object.entries(b.tags || {})) {
        if (isNum(n)) {
          totals.set(tag, (totals.get(tag) || 0) + n);
        }
      }
    }
    const top = Array.from(totals.entries()).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
    charts.tags.data.labels = buckets.map((b) => dayFmt.format(new Date(b.start)));
    charts.tags.data.datasets = top.map(([tag], i) => ({
      label: tag, data: buckets.map((b) => (b.tags && isNum(b.tags[tag]) ? b.tags[tag] : 0)),
      borderColor: TAG_COLORS[i % TAG_COLORS.length], backgroundColor: TAG_COLORS[i % TAG_COLORS.length],
      pointRadius: 2, borderWidth: 2, tension: 0.25,
    }));
    charts.tags.update('none');
    $('tags-empty').hidden = top.length > 0;
    $('tags-period').textContent = `last ${rangeDays} days (UTC)`;
    const lastDay = buckets.length ? buckets[buckets.length - 1] : null;
    $('tag-rank').replaceChildren(...top.map(([tag, n], i) => {
      // trend: the latest day against the average of the days before it
      const series = buckets.map((b) => (b.tags && isNum(b.tags[tag]) ? b.tags[tag] : 0));
      const before = series.slice(0, -1);
      const avg = before.length ? before.reduce((a, b) => a + b, 0) / before.length : 0;
      const today = lastDay ? series[series.length - 1] : 0;
      const trend = today > avg * 1.2 ? 'up' : today < avg * 0.8 ? 'down' : 'flat';
      const swatch = h('span', { class: 'tag-swatch', 'aria-hidden': 'true' });
      swatch.style.background = TAG_COLORS[i % TAG_COLORS.length];
      return h('li', { class: 'tag-row', 'data-tag': tag }, swatch, h('span', { class: 'tag-name', title: tag }, tag),
        h('span', { class: 'tag-count' }, num.format(n)),
        h('span', { class: 'trend trend-' + trend, title: `today ${today}, before ${avg.toFixed(1)} a day` },
          trend === 'up' ? '▲' : trend === 'down' ? '▼' : '–', h('span', { class: 'sr-only' }, ` trend ${trend}`)));
    }));
  }

  init();
})();
