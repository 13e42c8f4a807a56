/*
 * ChatRoute agent desktop: plain JavaScript over /ws/agent (see the README's WebSocket protocol) and two REST
 * reads through session-service (/api/v1/kb/canned, /api/v1/kb/articles/{id}). Every text from visitors, agents,
 * the knowledge base or the server is put on the page with textContent or as a text node, never as HTML.
 *
 * Sign-in: a JWT with the agent role, pasted or passed as /agent/#token=… (kept in sessionStorage for this tab).
 * In production an identity provider would sign the agent in and hand this page its token.
 */
(() => {
  'use strict';

  const TOKEN_KEY = 'chatroute.agent.token';
  const PRESENCE_KEY = 'chatroute.agent.presence';
  const MAX_CHATS = 6;
  const TYPING_IDLE_MS = 3000;
  const TYPING_SHOWN_MS = 6000;
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

  function uuid() {
    if (crypto.randomUUID && window.isSecureContext) {
      return crypto.randomUUID();
    }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const x = Array.from(b, (n) => n.toString(16).padStart(2, '0')).join('');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  const timeFmt = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit' });
  const dateFmt = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric' });
  const time = (iso) => { const d = iso ? new Date(iso) : new Date(); return isNaN(d) ? '' : timeFmt.format(d); };
  const date = (iso) => { const d = new Date(iso); return isNaN(d) ? '' : dateFmt.format(d); };
  const label = (s) => { const t = String(s).replace(/[_-]+/g, ' '); return t.charAt(0).toUpperCase() + t.slice(1); };
  const initials = (name) => {
    const p = String(name || '').trim().split(/\s+/).filter(Boolean);
    return (p.length === 0 ? '?' : p.length === 1 ? p[0].slice(0, 2) : p[0][0] + p[p.length - 1][0]).toUpperCase();
  };
  const visitorName = (v) => (v && typeof v.name === 'string' && v.name.trim()) || 'Visitor';

  function toast(text, kind) {
    const t = h('div', { class: 'toast' + (kind ? ' toast-' + kind : '') }, text);
    $('toasts').appendChild(t);
    setTimeout(() => t.classList.add('toast-out'), 4500);
    setTimeout(() => t.remove(), 5000);
  }

  /** The JWT's claims (not verified here: session-service verifies it; this only reads the subject and roles). */
  function claims(token) {
    const parts = String(token || '').split('.');
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
  let me = null; // {id, name}

  function signInProblem(c) {
    if (!c) {
      return 'That does not look like a token (three base64url parts separated by dots).';
    }
    const groups = Array.isArray(c.groups) ? c.groups : [];
    if (!groups.includes('agent')) {
      return 'This token has no agent role.';
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

  function showSignIn(problem) {
    $('desk').hidden = true;
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
    sessionStorage.removeItem(PRESENCE_KEY);
    location.reload();
  });

  function signIn(t) {
    token = t;
    const c = claims(t);
    const id = String(c.sub || c.upn || 'agent');
    const name = c.name || c.given_name || (id.charAt(0).toUpperCase() + id.slice(1));
    me = { id, name: String(name) };
    $('signin').hidden = true;
    $('desk').hidden = false;
    $('me').replaceChildren(h('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(me.name)),
      h('span', { class: 'me-name' }, me.name), h('span', { class: 'me-id' }, me.id));
    renderPresence();
    connect();
  }

  // ------------------------------------------------------------------ presence and capacity

  let presence = 'OFFLINE';
  let presencePending = null;
  let wanted = sessionStorage.getItem(PRESENCE_KEY); // what this agent chose, sent again after a reconnect

  for (const b of $('presence').querySelectorAll('button')) {
    b.addEventListener('click', () => setPresence(b.dataset.status));
  }
  $('presence').addEventListener('keydown', (e) => {
    if (!['ArrowLeft', 'ArrowRight'].includes(e.key)) {
      return;
    }
    const order = ['AVAILABLE', 'AWAY', 'OFFLINE'];
    const i = order.indexOf(presencePending || presence);
    const next = order[(i + (e.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length];
    setPresence(next);
    $('presence').querySelector(`[data-status="${next}"]`).focus();
  });

  function setPresence(status) {
    wanted = status;
    sessionStorage.setItem(PRESENCE_KEY, status);
    presencePending = status;
    renderPresence();
    send({ type: 'presence', status });
  }

  function renderPresence() {
    for (const b of $('presence').querySelectorAll('button')) {
      const s = b.dataset.status;
      b.setAttribute('aria-checked', String(s === presence));
      b.tabIndex = s === presence ? 0 : -1;
      b.classList.toggle('pending', s === presencePending && s !== presence);
    }
  }

  function onPresence(f) {
    presence = f.status;
    if (presencePending === f.status) {
      presencePending = null;
    }
    const note = $('presence-note');
    if (f.reason === 'missed-offer') {
      wanted = f.status;
      sessionStorage.setItem(PRESENCE_KEY, f.status);
      note.hidden = false;
      note.textContent = 'You were set to Away after offers went unanswered. Choose Available to receive chats again.';
    } else {
      note.hidden = true;
    }
    renderPresence();
  }

  let capacity = { active: null, max: null };
  function renderCapacity() {
    const active = capacity.active ?? Array.from(chats.values()).filter((c) => c.status === 'ACTIVE').length;
    const max = capacity.max;
    $('capacity-text').textContent = `${active} / ${max ?? '–'}`;
    const meter = $('capacity');
    meter.setAttribute('aria-valuenow', String(active));
    meter.setAttribute('aria-valuemax', String(max ?? 0));
    const share = max ? Math.min(1, active / max) : 0;
    $('capacity-fill').style.width = Math.round(share * 100) + '%';
    meter.classList.toggle('full', !!max && active >= max);
  }

  // ------------------------------------------------------------------ socket

  let socket = null;
  let attempt = 0;
  let reconnectTimer = null;
  let connectedOnce = false;

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function setConn(state, text) {
    const c = $('conn');
    c.className = 'conn conn-' + state;
    c.textContent = text;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    const url = new URL('/ws/agent', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', token);
    // the open chats with the last seq this desk has of each: a chat that closed while it was disconnected is told
    // what it missed, then its close (the open names only chats that are still open)
    const open = Array.from(chats.values()).filter((c) => c.status === 'ACTIVE').slice(0, 20);
    if (open.length) {
      url.searchParams.set('resume', open.map((c) => `${c.chatId}:${c.lastSeq}`).join(','));
    }
    const ws = new WebSocket(url.href);
    socket = ws;
    setConn('connecting', connectedOnce ? 'Reconnecting…' : 'Connecting…');
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      attempt = 0;
      refusedInARow = 0;
      // what a resend waiting from the last socket would send is sent below: its round ends here
      retries.forEach((timer) => clearTimeout(timer));
      retries.clear();
      connectedOnce = true;
      setConn('open', 'Connected');
      if (wanted) {
        presencePending = wanted;
        renderPresence();
        send({ type: 'presence', status: wanted });
      }
      for (const c of chats.values()) {
        c.readSent = 0;
        for (const p of c.pending) {
          send({ type: 'message', chatId: c.chatId, clientMsgId: p.id, text: p.text });
        }
        if (c.closeAsked && c.status === 'ACTIVE') {
          send({ type: 'close', chatId: c.chatId });
        }
      }
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
      if (!opened && attempt >= 2) {
        // refused again and again: the token may have expired
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

  // one waiting resend per kind of frame (the status, a chat's close, the pending replies): refusals that come while
  // one waits join it, so several frames refused at once are one round, sent again once, and the delay grows once
  const retries = new Map();
  function retryLater(key, resend) {
    if (retries.has(key)) {
      return;
    }
    retries.set(key, setTimeout(() => {
      retries.delete(key);
      resend();
    }, retryDelay()));
  }

  function onFrame(f) {
    switch (f.type) {
      case 'offer': return onOffer(f);
      case 'offer.history': return onOfferHistory(f);
      case 'chat.assigned': return onAssigned(f);
      case 'message': return onMessage(f);
      case 'ack': refusedInARow = 0; return onAck(f);
      case 'typing': return onTyping(f);
      case 'read': return onRead(f);
      case 'suggestions': return onSuggestions(f);
      case 'chat.closed': return onChatClosed(f);
      case 'chat.transferred': return onTransferred(f);
      case 'transfer.requested': {
        const c = chats.get(f.chatId);
        if (c && c.transferring) {
          c.el.transferNote.textContent = c.el.transferNote.textContent.replace(/…$/, '') + ': requested, waiting for routing…';
        }
        return undefined;
      }
      case 'capacity':
        capacity = { active: f.active, max: f.max };
        return renderCapacity();
      case 'presence': return onPresence(f);
      case 'tagged': {
        const c = chats.get(f.chatId);
        if (c) {
          c.el.tagStatus.textContent = 'Saved';
          setTimeout(() => { c.el.tagStatus.textContent = ''; }, 2500);
        }
        return undefined;
      }
      case 'error': return onError(f);
      default: return undefined; // frames added later are ignored
    }
  }

  /** Error codes that refuse a message for good: nothing was stored, and sending it again cannot succeed. */
  const FINAL_REFUSALS = new Set(['validation', 'chat-closed', 'chat-not-found', 'not-assigned']);

  function onError(f) {
    const c = f.chatId ? chats.get(f.chatId) : null;
    if (f.code === 'transfer-failed' && c) {
      c.transferring = false;
      c.el.transferNote.hidden = false;
      c.el.transferNote.className = 'chat-note chat-note-error';
      c.el.transferNote.textContent = 'Transfer failed: ' + (f.message || 'try another queue or agent') + '.';
      renderChatHeader(c);
      return;
    }
    if (f.code === 'busy' && f.frame === 'presence') {
      // the status change was not done (a store briefly away): the status still wanted is asked again in a moment
      retryLater('presence', () => {
        if (wanted) {
          send({ type: 'presence', status: wanted });
        }
      });
      return;
    }
    if (f.code === 'busy' && f.frame === 'close' && c) {
      // the close was not done: asked again in a moment, unless the chat closed meanwhile (if the socket is down then,
      // the next connection asks it: closeAsked)
      retryLater('close:' + c.chatId, () => {
        if (chats.get(c.chatId) === c && c.status === 'ACTIVE') {
          send({ type: 'close', chatId: c.chatId });
        }
      });
      return;
    }
    if (f.code === 'rate-limited' || f.code === 'busy') {
      retryLater('messages', () => {
        for (const ch of chats.values()) {
          for (const p of ch.pending) {
            send({ type: 'message', chatId: ch.chatId, clientMsgId: p.id, text: p.text });
          }
        }
      });
      return;
    }
    if (c && f.clientMsgId && FINAL_REFUSALS.has(f.code)) {
      // a reply refused for good (the error names it since 2026-12-07): no longer pending, marked as not sent, the
      // reason said; its text stays on screen to be copied. Any other code (internal...) may have stored it: it stays
      // pending and is sent again with the same clientMsgId on the next connection
      const i = c.pending.findIndex((p) => p.id === f.clientMsgId);
      if (i >= 0) {
        const p = c.pending.splice(i, 1)[0];
        const li = c.el.log.querySelector(`[data-client="${CSS.escape(p.id)}"]`);
        if (li) {
          li.classList.replace('pending', 'refused');
          setReceipt(li, 'refused');
        }
        toast(`Your reply was not sent: ${f.message || label(f.code || 'error')}.`, 'error');
        return;
      }
    }
    if (f.code === 'no-offer') {
      for (const o of offers.values()) {
        if (o.accepting) {
          removeOffer(o.chatId);
        }
      }
      toast('That offer is no longer available.', 'warn');
      return;
    }
    toast(f.message ? `${label(f.code || 'error')}: ${f.message}` : 'Something went wrong.', 'error');
  }

  // ------------------------------------------------------------------ offers

  const offers = new Map();

  function onOffer(f) {
    if (typeof f.chatId !== 'string') {
      return;
    }
    removeOffer(f.chatId);
    const o = { chatId: f.chatId, offerId: f.offerId, expiresAt: Date.parse(f.expiresAt) || null, receivedAt: Date.now(),
      visitor: f.visitor || {}, form: f.form || {}, queueId: f.queueId, message: f.message, history: f.history, notes: f.notes,
      historyStatus: f.historyStatus, accepting: false,
      transfer: f.transfer && typeof f.transfer === 'object' ? f.transfer : null }; // a transferred chat: who and their note
    o.total = o.expiresAt ? Math.max(1000, o.expiresAt - Date.now()) : null;
    o.el = offerCard(o);
    offers.set(o.chatId, o);
    $('offers').prepend(o.el.root);
    renderOfferCount();
    tickOffers();
    if (document.visibilityState !== 'visible') {
      document.title = '● New chat offer — ChatRoute';
    }
  }

  function onOfferHistory(f) {
    const o = offers.get(f.chatId);
    if (o) {
      Object.assign(o, { history: f.history, notes: f.notes, historyStatus: f.historyStatus });
      o.el.context.replaceChildren(...offerContext(o));
    }
    const c = chats.get(f.chatId);
    if (c) {
      Object.assign(c, { history: f.history, notes: f.notes, historyStatus: f.historyStatus });
      renderHistory(c);
    }
  }

  function offerContext(o) {
    const earlier = Array.isArray(o.history) ? o.history.length : 0;
    const notes = Array.isArray(o.notes) ? o.notes.length : 0;
    if (o.historyStatus === 'pending') {
      return [h('span', { class: 'chip chip-muted' }, 'Loading history…')];
    }
    return [
      earlier ? h('span', { class: 'chip' }, `${earlier} earlier chat${earlier > 1 ? 's' : ''}`) : h('span', { class: 'chip chip-muted' }, 'First chat'),
      notes ? h('span', { class: 'chip chip-note' }, `${notes} note${notes > 1 ? 's' : ''}`) : null,
    ];
  }

  function offerCard(o) {
    const seconds = h('span', { class: 'offer-seconds' });
    const fill = h('span', { class: 'offer-fill' });
    const context = h('div', { class: 'offer-context' }, ...offerContext(o));
    const accept = h('button', { type: 'button', class: 'primary', onclick: () => acceptOffer(o) }, 'Accept');
    const reasons = h('div', { class: 'decline-reasons', hidden: true },
      h('span', { class: 'muted small' }, 'Reason:'),
      ['busy', 'wrong-skill', 'language'].map((r) => h('button', { type: 'button', class: 'ghost small', onclick: () => declineOffer(o, r) },
        { busy: 'Busy', 'wrong-skill': 'Not my topic', language: 'Language' }[r])));
    const decline = h('button', { type: 'button', class: 'ghost', 'aria-expanded': 'false',
      onclick: () => { reasons.hidden = !reasons.hidden; decline.setAttribute('aria-expanded', String(!reasons.hidden)); } }, 'Decline');
    const formLine = Object.entries(o.form || {}).filter(([, v]) => v !== null && v !== '')
      .map(([k, v]) => h('span', { class: 'chip' }, `${label(k)}: ${String(v)}`));
    const root = h('li', { class: 'offer', 'data-chat': o.chatId, 'aria-label': 'Chat offer from ' + visitorName(o.visitor) },
      h('div', { class: 'offer-top' },
        h('span', { class: 'avatar' , 'aria-hidden': 'true' }, initials(visitorName(o.visitor))),
        h('div', { class: 'offer-who' }, h('div', { class: 'offer-name' }, visitorName(o.visitor)),
          h('div', { class: 'muted small' }, o.queueId ? `Queue: ${o.queueId}` : 'Queue: –')),
        seconds),
      h('div', { class: 'offer-timer', 'aria-hidden': 'true' }, fill),
      o.transfer ? handoverBlock(o.transfer, 'offer-transfer') : null,
      o.message ? h('p', { class: 'offer-message' }, String(o.message)) : null,
      formLine.length ? h('div', { class: 'offer-form' }, formLine) : null,
      context,
      h('div', { class: 'offer-actions' }, accept, decline),
      reasons);
    return { root, seconds, fill, context, accept };
  }

  /** Who handed the chat over and their note (text). */
  function handoverBlock(t, cls) {
    const from = typeof t.fromAgentId === 'string' && t.fromAgentId ? t.fromAgentId : 'another agent';
    const note = typeof t.note === 'string' && t.note.trim() ? t.note : null;
    return h('div', { class: cls, role: 'note' },
      h('span', { class: 'handover-title' }, `Transferred by ${from}`),
      note ? h('span', { class: 'handover-note' }, note) : h('span', { class: 'handover-note muted' }, 'No note.'));
  }

  function tickOffers() {
    const now = Date.now();
    for (const o of offers.values()) {
      if (!o.expiresAt) {
        o.el.seconds.textContent = '';
        continue;
      }
      const left = Math.max(0, o.expiresAt - now);
      const s = Math.ceil(left / 1000);
      o.el.seconds.textContent = left > 0 ? `${s} s` : 'Expired';
      o.el.seconds.classList.toggle('urgent', left > 0 && s <= 5);
      o.el.fill.style.width = (o.total ? Math.max(0, Math.min(100, (left / o.total) * 100)) : 0) + '%';
      if (left <= 0 && !o.expired) {
        o.expired = true;
        o.el.root.classList.add('expired');
        o.el.accept.disabled = true;
        setTimeout(() => { if (offers.get(o.chatId) === o) removeOffer(o.chatId); }, 2500);
      }
    }
  }
  setInterval(tickOffers, 250);

  function renderOfferCount() {
    $('offer-count').textContent = String(offers.size);
    $('offers-empty').hidden = offers.size > 0;
  }

  function removeOffer(chatId) {
    const o = offers.get(chatId);
    if (o) {
      o.el.root.remove();
      offers.delete(chatId);
      renderOfferCount();
    }
  }

  function acceptOffer(o) {
    if (!send({ type: 'offer.accept', chatId: o.chatId })) {
      toast('Not connected: try again in a moment.', 'warn');
      return;
    }
    o.accepting = true;
    o.el.accept.disabled = true;
    o.el.accept.textContent = 'Accepting…';
    accepted.add(o.chatId);
  }

  function declineOffer(o, reason) {
    if (send({ type: 'offer.decline', chatId: o.chatId, reason })) {
      removeOffer(o.chatId);
    }
  }

  // ------------------------------------------------------------------ chats

  const chats = new Map();
  const accepted = new Set(); // chats this desktop accepted: their assignment is selected at once
  let selected = null;

  function onAssigned(f) {
    if (typeof f.chatId !== 'string') {
      return;
    }
    const o = offers.get(f.chatId);
    removeOffer(f.chatId);
    let c = chats.get(f.chatId);
    if (!c) {
      if (chats.size >= MAX_CHATS) {
        // closed chats make room
        const closed = Array.from(chats.values()).find((x) => x.status !== 'ACTIVE');
        if (closed) {
          dismissChat(closed.chatId);
        }
      }
      c = createChat(f, o);
    } else {
      c.status = 'ACTIVE';
    }
    if (typeof f.transferredFrom === 'string' && f.transferredFrom) {
      // handed over: the previous agent and the note (from the offer) above the conversation
      c.transfer = Object.assign({}, c.transfer || {}, { fromAgentId: f.transferredFrom });
    }
    renderHandover(c);
    // whatever this desktop has not seen of the chat (all of it when new: a transferred chat's earlier messages too)
    send({ type: 'resume', chatId: c.chatId, afterSeq: c.lastSeq });
    if (accepted.delete(f.chatId) || !selected) {
      select(c.chatId);
    }
    renderCapacity();
  }

  function createChat(f, offer) {
    const c = {
      chatId: f.chatId, visitor: f.visitor || (offer && offer.visitor) || {}, form: f.form || (offer && offer.form) || {},
      queueId: f.queueId || (offer && offer.queueId), status: 'ACTIVE', messages: new Map(), pending: [], lastSeq: 0,
      unread: 0, readSent: 0, visitorReadUpTo: 0, tags: [],
      history: offer ? offer.history : null, notes: offer ? offer.notes : null, historyStatus: offer ? offer.historyStatus : null,
      suggestions: offer && offer.suggestions ? offer.suggestions : null,
      transfer: offer && offer.transfer ? offer.transfer : null,
      typingOn: false, typingTimer: null, transferring: false, canned: [], cannedIndex: 0, cannedAsked: 0, tagsDirty: false,
    };
    c.el = chatPane(c);
    chats.set(c.chatId, c);
    $('panes').appendChild(c.el.pane);
    $('tabs').appendChild(c.el.tab);
    $('work-empty').hidden = true;
    renderChatHeader(c);
    renderCustomer(c);
    renderHistory(c);
    renderSuggestions(c);
    renderTags(c);
    return c;
  }

  function chatPane(c) {
    const name = visitorName(c.visitor);
    const tabCount = h('span', { class: 'tab-count', hidden: true });
    const tabState = h('span', { class: 'tab-state', 'aria-hidden': 'true' });
    const tab = h('button', { type: 'button', role: 'tab', class: 'tab', id: 'tab-' + c.chatId, 'aria-selected': 'false',
      'aria-controls': 'pane-' + c.chatId, tabIndex: -1, onclick: () => select(c.chatId) },
      tabState, h('span', { class: 'tab-name' }, name), tabCount);
    tab.addEventListener('keydown', (e) => {
      const list = Array.from(chats.keys());
      const i = list.indexOf(c.chatId);
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const next = list[(i + (e.key === 'ArrowRight' ? 1 : list.length - 1)) % list.length];
        select(next);
        chats.get(next).el.tab.focus();
      }
    });

    const title = h('h2', { class: 'chat-title' }, name);
    const meta = h('div', { class: 'chat-meta muted small' });
    const transferButton = h('button', { type: 'button', class: 'ghost', onclick: () => openTransfer(c) }, 'Transfer');
    const closeButton = h('button', { type: 'button', class: 'danger-ghost', onclick: () => confirmClose(c) }, 'Close chat');
    const dismissButton = h('button', { type: 'button', class: 'ghost', hidden: true, onclick: () => dismissChat(c.chatId) }, 'Remove from desk');
    const transferNote = h('p', { class: 'chat-note', hidden: true, role: 'status' });
    const handover = h('div', { class: 'handover', hidden: true });
    const log = h('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation with ' + name });
    const typing = h('div', { class: 'typing', hidden: true, 'aria-live': 'polite' });
    const scroller = h('div', { class: 'log-scroll' }, log, typing);
    const input = h('textarea', { class: 'composer-input', rows: 2, maxLength: 4000, placeholder: 'Reply… (type / for canned responses)',
      'aria-label': 'Reply to ' + name, 'aria-autocomplete': 'list', 'aria-controls': 'canned-' + c.chatId, 'aria-expanded': 'false' });
    const canned = h('ul', { class: 'canned', id: 'canned-' + c.chatId, role: 'listbox', hidden: true, 'aria-label': 'Canned responses' });
    const sendButton = h('button', { type: 'submit', class: 'primary' }, 'Send');
    const composer = h('form', { class: 'composer' }, canned, input,
      h('div', { class: 'composer-bar' }, h('span', { class: 'muted small' }, 'Enter to send · Shift+Enter for a new line · / for canned responses'), sendButton));
    const closedBar = h('div', { class: 'closed-bar', hidden: true });

    const customer = h('div', { class: 'ctx-body' });
    const suggestions = h('div', { class: 'ctx-body' });
    const history = h('div', { class: 'ctx-body' });
    const tagList = h('ul', { class: 'tags' });
    const tagInput = h('input', { type: 'text', class: 'tag-input', maxLength: 50, placeholder: 'Add a tag and press Enter', 'aria-label': 'Add a tag' });
    const tagStatus = h('span', { class: 'muted small', role: 'status' });
    const tagSave = h('button', { type: 'button', class: 'ghost small', onclick: () => saveTags(c) }, 'Save tags');
    const context = h('aside', { class: 'context', 'aria-label': 'About this customer' },
      section('Suggested articles', suggestions, 'ctx-suggestions'),
      section('Customer', customer),
      section('History and notes', history),
      section('Tags', h('div', { class: 'ctx-body' }, tagList, tagInput, h('div', { class: 'tag-actions' }, tagSave, tagStatus))));

    const pane = h('section', { class: 'pane', id: 'pane-' + c.chatId, role: 'tabpanel', 'aria-labelledby': 'tab-' + c.chatId, hidden: true },
      h('div', { class: 'conversation' },
        h('header', { class: 'chat-head' },
          h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(name)),
          h('div', { class: 'chat-head-text' }, title, meta),
          h('div', { class: 'chat-actions' }, transferButton, closeButton, dismissButton)),
        transferNote, handover, scroller, composer, closedBar),
      context);

    composer.addEventListener('submit', (e) => { e.preventDefault(); sendReply(c); });
    input.addEventListener('keydown', (e) => onComposerKey(c, e));
    input.addEventListener('input', () => onComposerInput(c));
    input.addEventListener('blur', () => setTimeout(() => hideCanned(c), 150));
    tagInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        addTag(c, tagInput.value);
        tagInput.value = '';
      }
    });
    return { tab, tabCount, tabState, pane, title, meta, log, scroller, typing, input, canned, composer, closedBar, transferButton,
      closeButton, dismissButton, transferNote, handover, customer, suggestions, history, tagList, tagInput, tagStatus };
  }

  function renderHandover(c) {
    c.el.handover.hidden = !c.transfer;
    c.el.handover.replaceChildren(...(c.transfer ? [handoverBlock(c.transfer, 'handover-body')] : []));
  }

  function section(titleText, bodyEl, cls) {
    return h('section', { class: 'ctx' + (cls ? ' ' + cls : '') }, h('h3', {}, titleText), bodyEl);
  }

  function select(chatId) {
    selected = chatId;
    for (const c of chats.values()) {
      const on = c.chatId === chatId;
      c.el.pane.hidden = !on;
      c.el.tab.setAttribute('aria-selected', String(on));
      c.el.tab.tabIndex = on ? 0 : -1;
      if (on) {
        c.unread = 0;
        renderTab(c);
        markRead(c);
        scrollDown(c);
      }
    }
    renderTitle();
    const c = chats.get(chatId);
    if (c && c.status === 'ACTIVE') {
      requestAnimationFrame(() => c.el.input.focus());
    }
  }

  function renderTab(c) {
    c.el.tabCount.hidden = c.unread === 0;
    c.el.tabCount.textContent = String(c.unread);
    c.el.tabCount.setAttribute('aria-label', `${c.unread} unread`);
    c.el.tab.classList.toggle('tab-closed', c.status !== 'ACTIVE');
    c.el.tabState.className = 'tab-state ' + (c.status === 'ACTIVE' ? 'tab-state-active' : 'tab-state-closed');
  }

  function renderTitle() {
    const unread = Array.from(chats.values()).reduce((n, c) => n + c.unread, 0);
    document.title = (unread ? `(${unread}) ` : '') + 'ChatRoute — Agent desktop';
  }

  function renderChatHeader(c) {
    const v = c.visitor || {};
    const parts = [v.email, v.customerId ? 'Customer ' + v.customerId : null, chatLanguage(c) ? 'Language ' + chatLanguage(c) : null,
      c.queueId ? 'Queue ' + c.queueId : null].filter(Boolean);
    c.el.meta.textContent = parts.join(' · ');
    const closed = c.status !== 'ACTIVE';
    c.el.transferButton.hidden = closed;
    c.el.closeButton.hidden = closed;
    c.el.dismissButton.hidden = true; // the closed bar offers it
    c.el.transferButton.disabled = c.transferring;
    c.el.composer.hidden = closed;
    c.el.closedBar.hidden = !closed;
    renderTab(c);
  }

  function chatLanguage(c) {
    const fromForm = c.form && typeof c.form.language === 'string' ? c.form.language : null;
    const fromLocale = c.visitor && typeof c.visitor.locale === 'string' ? c.visitor.locale.slice(0, 2) : null;
    return (fromForm || fromLocale || '').toLowerCase() || null;
  }

  function renderCustomer(c) {
    const v = c.visitor || {};
    const rows = [['Name', visitorName(v)], ['E-mail', v.email], ['Customer id', v.customerId], ['Locale', v.locale]];
    for (const [k, val] of Object.entries(c.form || {})) {
      if (val !== null && val !== undefined && val !== '') {
        rows.push([label(k), String(val)]);
      }
    }
    c.el.customer.replaceChildren(h('dl', { class: 'facts' },
      rows.filter(([, val]) => val !== undefined && val !== null && val !== '').map(([k, val]) => [h('dt', {}, k), h('dd', {}, String(val))])));
  }

  function renderHistory(c) {
    const box = c.el.history;
    const items = [];
    const notes = Array.isArray(c.notes) ? c.notes : [];
    const history = Array.isArray(c.history) ? c.history : [];
    if (c.historyStatus === 'pending') {
      items.push(h('p', { class: 'muted small' }, 'Loading the customer’s history…'));
    } else if (c.historyStatus === 'anonymous') {
      items.push(h('p', { class: 'muted small' }, 'No customer id: this visitor has no history.'));
    } else if (c.historyStatus === 'unavailable') {
      items.push(h('p', { class: 'muted small' }, 'History is unavailable right now.'));
    }
    if (notes.length) {
      items.push(h('ul', { class: 'notes' }, notes.map((n) => h('li', { class: 'note' },
        h('p', {}, String(n && n.text != null ? n.text : '')),
        h('span', { class: 'muted small' }, [n && n.author, n && n.createdAt ? date(n.createdAt) : null].filter(Boolean).join(' · '))))));
    }
    if (history.length) {
      items.push(h('ul', { class: 'history' }, history.map((x) => h('li', { class: 'history-item' },
        h('div', { class: 'history-top' }, h('strong', {}, date(x.requestedAt) || 'Earlier chat'),
          h('span', { class: 'chip chip-muted' }, label(String(x.status || 'closed').toLowerCase()))),
        x.firstVisitorMessage ? h('p', { class: 'history-first' }, '“' + String(x.firstVisitorMessage) + '”') : null,
        h('div', { class: 'history-meta muted small' }, [x.queueId ? 'Queue ' + x.queueId : null, x.agentId ? 'Agent ' + x.agentId : null,
          typeof x.messageCount === 'number' ? x.messageCount + ' messages' : null,
          x.survey && x.survey.csat ? 'CSAT ' + x.survey.csat + '/5' : null].filter(Boolean).join(' · ')),
        Array.isArray(x.tags) && x.tags.length ? h('div', { class: 'history-tags' }, x.tags.map((t) => h('span', { class: 'chip' }, String(t)))) : null))));
    }
    if (!notes.length && !history.length && !c.historyStatus) {
      items.push(h('p', { class: 'muted small' }, 'No earlier chats or notes.'));
    } else if (!notes.length && !history.length && c.historyStatus === 'ok') {
      items.push(h('p', { class: 'muted small' }, 'First chat with this customer: no earlier chats or notes.'));
    }
    box.replaceChildren(...items);
  }

  function renderSuggestions(c) {
    const s = c.suggestions;
    // the same articles in the same state: keep the list as it is (no button replaced under the pointer)
    const key = (s && Array.isArray(s.items) ? s.items.map((x) => x.articleId).join('|') : '') + '/' + c.status;
    if (c.suggestionsKey === key) {
      return;
    }
    c.suggestionsKey = key;
    if (!s || !Array.isArray(s.items) || s.items.length === 0) {
      c.el.suggestions.replaceChildren(h('p', { class: 'muted small' }, 'Articles that match the customer’s last question appear here.'));
      return;
    }
    c.el.suggestions.replaceChildren(h('ul', { class: 'suggestions' }, s.items.map((item) => h('li', { class: 'suggestion' },
      h('div', { class: 'suggestion-top' }, h('strong', { class: 'suggestion-title' }, String(item.title || item.articleId)),
        typeof item.score === 'number' ? h('span', { class: 'chip chip-score', title: 'Relevance score' }, item.score.toFixed(2)) : null,
        item.language ? h('span', { class: 'chip chip-muted' }, String(item.language)) : null),
      item.snippet ? h('p', { class: 'suggestion-snippet' }, String(item.snippet)) : null,
      h('button', { type: 'button', class: 'ghost small', disabled: c.status !== 'ACTIVE', 'aria-label': 'Insert article: ' + String(item.title || ''),
        onclick: (e) => insertSuggestion(c, item, e.currentTarget) }, 'Insert')))));
  }

  async function insertSuggestion(c, item, button) {
    button.disabled = true;
    let text = null;
    try {
      const r = await fetch('/api/v1/kb/articles/' + encodeURIComponent(item.articleId),
        { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' }, credentials: 'omit' });
      if (r.ok) {
        const a = await r.json();
        text = typeof a.body === 'string' && a.body.trim() ? a.body.trim() : null;
      }
    } catch (e) {
      text = null;
    }
    if (!text) {
      text = String(item.snippet || item.title || '').replace(/^…\s*|\s*…$/g, '');
    }
    const input = c.el.input;
    input.value = input.value.trim() ? input.value.replace(/\s+$/, '') + '\n' + text : text;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    send({ type: 'suggestion.used', chatId: c.chatId, articleId: item.articleId });
    button.disabled = false;
    button.textContent = 'Inserted';
    setTimeout(() => { button.textContent = 'Insert'; }, 2000);
    onComposerInput(c);
  }

  // ------------------------------------------------------------------ messages

  function onMessage(f) {
    const c = chats.get(f.chatId);
    if (!c || typeof f.seq !== 'number' || c.messages.has(f.seq)) {
      return;
    }
    const m = { seq: f.seq, from: f.from, text: String(f.text == null ? '' : f.text), sentAt: f.sentAt };
    c.messages.set(m.seq, m);
    c.lastSeq = Math.max(c.lastSeq, m.seq);
    const li = messageItem(c, m);
    const later = Array.from(c.el.log.querySelectorAll('[data-seq]')).find((x) => Number(x.dataset.seq) > m.seq);
    c.el.log.insertBefore(li, later || c.el.log.querySelector('.pending') || null);
    regroup(c);
    if (m.from !== 'agent') {
      c.el.typing.hidden = true;
      if (selected === c.chatId && document.visibilityState === 'visible') {
        markRead(c);
      } else {
        c.unread++;
        renderTab(c);
        renderTitle();
      }
    }
    scrollDown(c);
  }

  function messageItem(c, m) {
    if (m.from === 'system') {
      return h('li', { class: 'msg msg-system', 'data-seq': m.seq }, m.text);
    }
    const mine = m.from === 'agent';
    // "You" for what this desk sent; an agent's message from before (a reload, a transfer) is "Agent"
    const who = mine ? (m.own ? 'You' : 'Agent') : m.from === 'bot' ? 'Bot' : visitorName(c.visitor);
    const li = h('li', { class: 'msg ' + (mine ? 'msg-agent' : 'msg-visitor') + (m.from === 'bot' ? ' msg-bot' : ''), 'data-seq': m.seq,
      'data-from': m.from + (mine && m.own ? ':own' : '') },
      h('div', { class: 'msg-who' }, who, h('time', { dateTime: m.sentAt || '' }, time(m.sentAt))),
      h('div', { class: 'bubble' }, m.text),
      mine ? h('div', { class: 'receipt' }) : null);
    if (mine) {
      setReceipt(li, m.seq <= c.visitorReadUpTo ? 'read' : 'sent');
    }
    return li;
  }

  /** Consecutive messages of one sender: the name line is shown once. */
  function regroup(c) {
    let prev = null;
    for (const li of c.el.log.children) {
      const from = li.dataset.from || null;
      li.classList.toggle('follow', !!from && from === prev);
      prev = from;
    }
  }

  function setReceipt(li, state) {
    const r = li.querySelector('.receipt');
    if (r) {
      r.dataset.state = state;
      r.textContent = { pending: 'Sending…', sent: 'Sent', read: 'Read', failed: 'Retrying…', refused: 'Not sent' }[state];
    }
  }

  function sendReply(c) {
    const text = c.el.input.value.trim();
    if (!text || c.status !== 'ACTIVE') {
      return;
    }
    hideCanned(c);
    const p = { id: uuid(), text };
    c.pending.push(p);
    const li = h('li', { class: 'msg msg-agent pending', 'data-client': p.id, 'data-from': 'agent:own' },
      h('div', { class: 'msg-who' }, 'You', h('time', {}, time())), h('div', { class: 'bubble' }, text), h('div', { class: 'receipt' }));
    setReceipt(li, 'pending');
    c.el.log.appendChild(li);
    regroup(c);
    c.el.input.value = '';
    stopTyping(c);
    scrollDown(c);
    send({ type: 'message', chatId: c.chatId, clientMsgId: p.id, text });
  }

  function onAck(f) {
    const c = chats.get(f.chatId);
    if (!c) {
      return;
    }
    const i = c.pending.findIndex((p) => p.id === f.clientMsgId);
    if (i < 0) {
      return;
    }
    const p = c.pending.splice(i, 1)[0];
    const li = c.el.log.querySelector(`[data-client="${CSS.escape(p.id)}"]`);
    if (c.messages.has(f.seq)) {
      if (li) {
        li.remove();
        regroup(c);
      }
      return;
    }
    const m = { seq: f.seq, from: 'agent', text: p.text, sentAt: new Date().toISOString(), own: true };
    c.messages.set(m.seq, m);
    c.lastSeq = Math.max(c.lastSeq, m.seq);
    if (li) {
      li.replaceWith(messageItem(c, m));
      regroup(c);
    }
  }

  function onRead(f) {
    const c = chats.get(f.chatId);
    if (!c || f.by !== 'visitor' || typeof f.upToSeq !== 'number') {
      return;
    }
    c.visitorReadUpTo = Math.max(c.visitorReadUpTo, f.upToSeq);
    for (const li of c.el.log.querySelectorAll('.msg-agent[data-seq]')) {
      if (Number(li.dataset.seq) <= c.visitorReadUpTo) {
        setReceipt(li, 'read');
      }
    }
  }

  function markRead(c) {
    if (c.status !== 'ACTIVE' || document.visibilityState !== 'visible' || selected !== c.chatId) {
      return;
    }
    let upTo = 0;
    for (const m of c.messages.values()) {
      if (m.from !== 'agent' && m.seq > upTo) {
        upTo = m.seq;
      }
    }
    if (upTo > c.readSent && send({ type: 'read', chatId: c.chatId, upToSeq: upTo })) {
      c.readSent = upTo;
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (selected && chats.get(selected)) {
      const c = chats.get(selected);
      c.unread = 0;
      renderTab(c);
      markRead(c);
    }
    renderTitle();
  });

  function onTyping(f) {
    const c = chats.get(f.chatId);
    if (!c || f.from === 'agent') {
      return;
    }
    clearTimeout(c.typingShownTimer);
    if (f.on) {
      c.el.typing.hidden = false;
      c.el.typing.replaceChildren(h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
        `${visitorName(c.visitor)} is typing…`);
      c.typingShownTimer = setTimeout(() => { c.el.typing.hidden = true; }, TYPING_SHOWN_MS);
      scrollDown(c);
    } else {
      c.el.typing.hidden = true;
    }
  }

  function stopTyping(c) {
    clearTimeout(c.typingTimer);
    if (c.typingOn) {
      c.typingOn = false;
      send({ type: 'typing', chatId: c.chatId, on: false });
    }
  }

  function onSuggestions(f) {
    const c = chats.get(f.chatId) || offers.get(f.chatId); // an offer keeps them for the chat it becomes
    if (!c || !Array.isArray(f.items) || f.items.length === 0
        || (c.suggestions && typeof c.suggestions.forSeq === 'number' && f.forSeq < c.suggestions.forSeq)) {
      return; // nothing found for a later message: the earlier suggestions stay
    }
    // the latest question's articles first, then earlier ones not among them (at most 5)
    const seen = new Set(f.items.map((x) => x.articleId));
    const earlier = c.suggestions ? c.suggestions.items.filter((x) => !seen.has(x.articleId)) : [];
    c.suggestions = { forSeq: f.forSeq, items: f.items.concat(earlier).slice(0, 5) };
    if (chats.get(f.chatId) === c) {
      renderSuggestions(c);
    }
  }

  function scrollDown(c) {
    requestAnimationFrame(() => { c.el.scroller.scrollTop = c.el.scroller.scrollHeight; });
  }

  // ------------------------------------------------------------------ canned responses (/shortcut)

  function onComposerInput(c) {
    const v = c.el.input.value;
    if (c.status === 'ACTIVE') {
      if (v.trim() && !c.typingOn) {
        c.typingOn = true;
        send({ type: 'typing', chatId: c.chatId, on: true });
      }
      clearTimeout(c.typingTimer);
      c.typingTimer = setTimeout(() => stopTyping(c), TYPING_IDLE_MS);
    }
    if (/^\/[^\s]{0,49}$/.test(v)) {
      clearTimeout(c.cannedTimer);
      c.cannedTimer = setTimeout(() => loadCanned(c, v), 150);
    } else {
      hideCanned(c);
    }
  }

  async function loadCanned(c, prefix) {
    const asked = ++c.cannedAsked;
    let list = [];
    try {
      const r = await fetch('/api/v1/kb/canned?prefix=' + encodeURIComponent(prefix),
        { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' }, credentials: 'omit' });
      if (!r.ok) {
        if (asked === c.cannedAsked) {
          showCannedMessage(c, r.status === 503 ? 'Canned responses are unavailable right now.' : 'Canned responses could not be loaded.');
        }
        return;
      }
      list = await r.json();
    } catch (e) {
      if (asked === c.cannedAsked) {
        showCannedMessage(c, 'Canned responses could not be loaded.');
      }
      return;
    }
    if (asked !== c.cannedAsked || c.el.input.value !== prefix) {
      return;
    }
    const lang = chatLanguage(c);
    list = (Array.isArray(list) ? list : []).filter((x) => x && typeof x.shortcut === 'string')
      .sort((a, b) => (b.language === lang) - (a.language === lang) || a.shortcut.localeCompare(b.shortcut)).slice(0, 8);
    c.canned = list;
    c.cannedIndex = 0;
    if (!list.length) {
      showCannedMessage(c, `No canned response starts with ${prefix}`);
      return;
    }
    renderCanned(c);
  }

  function renderCanned(c) {
    const box = c.el.canned;
    box.replaceChildren(...c.canned.map((x, i) => {
      const li = h('li', { role: 'option', id: `canned-${c.chatId}-${i}`, class: 'canned-item', 'aria-selected': String(i === c.cannedIndex) },
        h('span', { class: 'canned-shortcut' }, x.shortcut),
        x.language ? h('span', { class: 'chip chip-muted' }, x.language) : null,
        h('span', { class: 'canned-text' }, fillCanned(x.text)));
      li.addEventListener('mousedown', (e) => { e.preventDefault(); useCanned(c, i); });
      return li;
    }));
    box.hidden = false;
    c.el.input.setAttribute('aria-expanded', 'true');
    c.el.input.setAttribute('aria-activedescendant', `canned-${c.chatId}-${c.cannedIndex}`);
  }

  function showCannedMessage(c, text) {
    c.canned = [];
    c.el.canned.replaceChildren(h('li', { class: 'canned-empty' }, text));
    c.el.canned.hidden = false;
  }

  function hideCanned(c) {
    c.canned = [];
    c.el.canned.hidden = true;
    c.el.input.setAttribute('aria-expanded', 'false');
    c.el.input.removeAttribute('aria-activedescendant');
  }

  function fillCanned(text) {
    return String(text || '').replace(/\{agent\}/g, me.name);
  }

  function useCanned(c, i) {
    const x = c.canned[i];
    if (!x) {
      return;
    }
    c.el.input.value = fillCanned(x.text);
    hideCanned(c);
    c.el.input.focus();
  }

  function onComposerKey(c, e) {
    const open = !c.el.canned.hidden && c.canned && c.canned.length > 0;
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      c.cannedIndex = (c.cannedIndex + (e.key === 'ArrowDown' ? 1 : c.canned.length - 1)) % c.canned.length;
      renderCanned(c);
      return;
    }
    if (open && (e.key === 'Enter' || e.key === 'Tab')) {
      e.preventDefault();
      useCanned(c, c.cannedIndex);
      return;
    }
    if (e.key === 'Escape' && !c.el.canned.hidden) {
      e.preventDefault();
      hideCanned(c);
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendReply(c);
    }
  }

  // ------------------------------------------------------------------ tags

  function addTag(c, raw) {
    const t = String(raw || '').trim().toLowerCase();
    if (!t) {
      return;
    }
    if (!/^[\p{L}\p{N} _-]{1,50}$/u.test(t)) {
      c.el.tagStatus.textContent = 'Tags: letters, digits, spaces, - and _ (at most 50).';
      return;
    }
    if (!c.tags.includes(t) && c.tags.length < 20) {
      c.tags.push(t);
      c.tagsDirty = true;
      renderTags(c);
    }
  }

  function renderTags(c) {
    c.el.tagList.replaceChildren(...c.tags.map((t) => h('li', { class: 'tag' }, t,
      h('button', { type: 'button', class: 'tag-remove', 'aria-label': 'Remove tag ' + t,
        onclick: () => { c.tags = c.tags.filter((x) => x !== t); c.tagsDirty = true; renderTags(c); } }, '×'))));
    c.el.tagStatus.textContent = c.tagsDirty ? 'Not saved yet' : '';
  }

  function saveTags(c) {
    if (c.el.tagInput.value.trim()) {
      addTag(c, c.el.tagInput.value);
      c.el.tagInput.value = '';
    }
    if (send({ type: 'tag', chatId: c.chatId, tags: c.tags })) {
      c.tagsDirty = false;
      c.el.tagStatus.textContent = 'Saving…';
    }
  }

  // ------------------------------------------------------------------ transfer, close, dismiss

  let transferFor = null;
  const dialog = $('transfer-dialog');
  for (const r of document.querySelectorAll('#transfer-form input[name=target]')) {
    r.addEventListener('change', () => {
      const agent = document.querySelector('#transfer-form input[name=target]:checked').value === 'agent';
      $('transfer-id-label').textContent = agent ? 'Agent id' : 'Queue id';
      $('transfer-id').placeholder = agent ? 'e.g. boris' : 'e.g. billing';
      $('transfer-id').setAttribute('list', agent ? '' : 'transfer-queues');
    });
  }
  $('transfer-cancel').addEventListener('click', () => dialog.close());

  function openTransfer(c) {
    transferFor = c.chatId;
    $('transfer-form').reset();
    $('transfer-error').hidden = true;
    const queues = new Set(Array.from(chats.values()).map((x) => x.queueId).filter(Boolean));
    $('transfer-queues').replaceChildren(...Array.from(queues, (q) => h('option', { value: q })));
    dialog.showModal();
    $('transfer-id').focus();
  }

  $('transfer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = chats.get(transferFor);
    const id = $('transfer-id').value.trim();
    const note = $('transfer-note').value.trim();
    if (!c || !id) {
      $('transfer-error').hidden = false;
      $('transfer-error').textContent = 'Name the queue or the agent.';
      return;
    }
    const toAgent = document.querySelector('#transfer-form input[name=target]:checked').value === 'agent';
    const frame = { type: 'transfer', chatId: c.chatId, note: note || null };
    frame[toAgent ? 'agentId' : 'queueId'] = id;
    if (!send(frame)) {
      $('transfer-error').hidden = false;
      $('transfer-error').textContent = 'Not connected: try again in a moment.';
      return;
    }
    dialog.close();
    c.transferring = true;
    c.el.transferNote.hidden = false;
    c.el.transferNote.className = 'chat-note';
    c.el.transferNote.textContent = `Transferring to ${toAgent ? 'agent' : 'queue'} ${id}…`;
    renderChatHeader(c);
  });

  function onTransferred(f) {
    const c = chats.get(f.chatId);
    if (!c) {
      return;
    }
    const to = f.agentId ? 'agent ' + f.agentId : f.queueId ? 'queue ' + f.queueId : 'another agent';
    toast(`${visitorName(c.visitor)} was transferred to ${to}.`, 'ok');
    dismissChat(c.chatId);
    renderCapacity();
  }

  function confirmClose(c) {
    if (c.el.closedBar.dataset.confirming === 'yes') {
      return;
    }
    c.el.closedBar.dataset.confirming = 'yes';
    c.el.closedBar.hidden = false;
    c.el.composer.hidden = true;
    c.el.closedBar.replaceChildren(h('span', {}, 'Close this chat? The customer will be asked for feedback.'),
      h('button', { type: 'button', class: 'danger', onclick: () => {
        delete c.el.closedBar.dataset.confirming;
        c.closeAsked = true; // asked again on the next connection if this one drops before chat.closed
        send({ type: 'close', chatId: c.chatId });
        c.el.closedBar.replaceChildren(h('span', { class: 'muted' }, 'Closing…'));
      } }, 'Close chat'),
      h('button', { type: 'button', class: 'ghost', onclick: () => {
        delete c.el.closedBar.dataset.confirming;
        renderChatHeader(c);
        c.el.input.focus();
      } }, 'Cancel'));
    c.el.closedBar.querySelector('button').focus();
  }

  function onChatClosed(f) {
    const o = offers.get(f.chatId);
    if (o) {
      removeOffer(f.chatId);
      toast(`${visitorName(o.visitor)} left before the chat started.`);
    }
    const c = chats.get(f.chatId);
    if (!c || c.status !== 'ACTIVE') {
      return;
    }
    c.status = 'CLOSED';
    stopTyping(c);
    hideCanned(c);
    c.el.typing.hidden = true;
    delete c.el.closedBar.dataset.confirming;
    c.el.log.appendChild(h('li', { class: 'msg msg-system' },
      f.by === 'visitor' ? 'The customer ended the chat.' : f.by === 'agent' ? 'You closed the chat.' : 'The chat was closed.'));
    regroup(c);
    c.el.closedBar.replaceChildren(h('span', {}, 'This chat is closed. You can still tag it.'),
      h('button', { type: 'button', class: 'ghost', onclick: () => dismissChat(c.chatId) }, 'Remove from desk'));
    renderChatHeader(c);
    renderSuggestions(c);
    scrollDown(c);
    renderCapacity();
  }

  function dismissChat(chatId) {
    const c = chats.get(chatId);
    if (!c) {
      return;
    }
    c.el.pane.remove();
    c.el.tab.remove();
    chats.delete(chatId);
    if (selected === chatId) {
      selected = null;
      const next = chats.keys().next();
      if (!next.done) {
        select(next.value);
      }
    }
    $('work-empty').hidden = chats.size > 0;
    renderTitle();
  }

  init();
})();
