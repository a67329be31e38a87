// Argus event console: lists the sessions the history sink keeps, shows one
// session's timeline and tails events live (Server-Sent Events). It talks to
// the history sink's JSON API under ./api/ (telemetry/history/http.go).
'use strict';

(function () {
  const API = 'api/';
  const TAIL_MAX = 500;
  const REFRESH_MS = 3000;

  // Janus event types and subtypes (janus-reference.md 4.3).
  const TYPES = {
    1: 'session', 2: 'handle', 4: 'external', 8: 'jsep', 16: 'webrtc',
    32: 'media', 64: 'plugin', 128: 'transport', 256: 'core',
  };
  const SUBTYPES = {
    16: { 1: 'ice', 2: 'local-candidate', 3: 'remote-candidate', 4: 'selected-pair', 5: 'dtls', 6: 'connection' },
    32: { 1: 'state', 2: 'slow-link', 3: 'report' },
    256: { 1: 'startup', 2: 'shutdown' },
  };

  const $ = (id) => document.getElementById(id);
  let selected = null; // session_id shown in the timeline, or 'global'
  let timelineEvents = [];
  let paused = false;
  let tailEvents = [];
  let source = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmtTime(us) {
    if (!us) return '';
    const d = new Date(us / 1000);
    const pad = (n, w) => String(n).padStart(w || 2, '0');
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
  }

  function kind(ev) {
    let k = TYPES[ev.type] || ('type ' + ev.type);
    const sub = SUBTYPES[ev.type];
    if (ev.subtype) k += '/' + ((sub && sub[ev.subtype]) || ev.subtype);
    return k;
  }

  // One line that says what happened, from the Janus event body (4.4).
  function describe(ev) {
    const b = ev.event;
    if (b === null || b === undefined) return '';
    if (Array.isArray(b)) return b.length + ' media reports';
    if (typeof b !== 'object') return String(b);
    switch (ev.type) {
      case 1: return b.name + (b.transport ? ' via ' + b.transport.transport : '');
      case 2: return b.name + ' ' + (b.plugin || '');
      case 8: return b.owner + ' ' + (b.jsep ? b.jsep.type : '');
      case 16:
        for (const key of ['ice', 'local-candidate', 'remote-candidate', 'selected-pair', 'dtls', 'connection']) {
          if (key in b) return key + ': ' + b[key] + (b.reason ? ' (' + b.reason + ')' : '');
        }
        break;
      case 32:
        if ('slow_link' in b) return b.media + ' slow link ' + b.slow_link;
        if ('receiving' in b) return b.media + ' mid ' + b.mid + (b.receiving ? ' receiving' : ' not receiving');
        return (b.media || '') + ' mid ' + b.mid + ' in ' + (b['packets-received'] || 0) + ' pkts, out ' + (b['packets-sent'] || 0) + ' pkts';
      case 64: return b.plugin + ' ' + JSON.stringify(b.data).slice(0, 160);
      case 128: return b.transport + ' ' + JSON.stringify(b.data).slice(0, 160);
      case 256: return b.status + (b.signum ? ' signal ' + b.signum : '');
      case 4: return b.schema;
    }
    return JSON.stringify(b).slice(0, 160);
  }

  function eventItem(ev, showSession) {
    const li = el('li', 't' + ev.type);
    li.appendChild(el('span', 'ts', fmtTime(ev.timestamp)));
    li.appendChild(el('span', 'kind', kind(ev)));
    const ids = [];
    if (showSession && ev.session_id) ids.push('s=' + ev.session_id);
    if (ev.handle_id) ids.push('h=' + ev.handle_id);
    if (ev.opaque_id) ids.push('o=' + ev.opaque_id);
    if (ids.length) li.appendChild(el('span', 'ids', ids.join(' ')));
    li.appendChild(el('span', 'what', describe(ev)));
    li.addEventListener('click', () => {
      const pre = li.querySelector('pre');
      if (pre) { pre.remove(); return; }
      li.appendChild(el('pre', null, JSON.stringify(ev, null, 2)));
    });
    return li;
  }

  function matches(ev, filter) {
    if (!filter) return true;
    return JSON.stringify(ev).toLowerCase().includes(filter) || kind(ev).includes(filter);
  }

  async function getJSON(path) {
    const res = await fetch(API + path, { cache: 'no-store' });
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
    return res.json();
  }

  function setStatus(text) { $('status').textContent = text; }

  async function loadSessions() {
    let data;
    try {
      data = await getJSON('sessions');
    } catch (err) {
      setStatus('Cannot reach the history API (' + err.message + '). Is the history sink enabled?');
      return;
    }
    setStatus('');
    const tbody = $('sessions').querySelector('tbody');
    tbody.replaceChildren();
    for (const s of data.sessions) {
      const tr = el('tr');
      if (s.session_id === selected) tr.className = 'selected';
      tr.appendChild(el('td', null, s.session_id));
      tr.appendChild(el('td', null, fmtTime(s.first_timestamp)));
      tr.appendChild(el('td', null, fmtTime(s.last_timestamp)));
      tr.appendChild(el('td', s.ended ? 'state-ended' : 'state-live', s.ended ? (s.end_reason || 'ended') : 'live'));
      tr.appendChild(el('td', null, (s.handles || []).join(', ')));
      tr.appendChild(el('td', null, (s.plugins || []).join(', ')));
      tr.appendChild(el('td', null, (s.opaque_ids || []).join(', ')));
      tr.appendChild(el('td', null, s.events + (s.kept < s.events ? ' (last ' + s.kept + ' kept)' : '')));
      tr.addEventListener('click', () => showSession(s.session_id));
      tbody.appendChild(tr);
    }
    $('session-count').textContent = data.sessions.length + ' kept' + (data.evicted ? ', ' + data.evicted + ' evicted' : '');
  }

  async function showSession(id) {
    selected = id;
    try {
      const data = id === 'global' ? await getJSON('global') : await getJSON('sessions/' + id);
      timelineEvents = data.events || [];
      $('timeline-title').textContent = id === 'global' ? 'Events with no session' : 'Session ' + id;
      $('timeline-hint').textContent = timelineEvents.length + ' events, oldest first. Click an event for its JSON.';
    } catch (err) {
      timelineEvents = [];
      $('timeline-hint').textContent = 'Session ' + id + ' is gone (' + err.message + ').';
    }
    renderTimeline();
    loadSessions();
  }

  function renderTimeline() {
    const filter = $('timeline-filter').value.trim().toLowerCase();
    const list = $('timeline');
    list.replaceChildren();
    for (const ev of timelineEvents) {
      if (matches(ev, filter)) list.appendChild(eventItem(ev, selected === 'global'));
    }
  }

  function renderTail() {
    const filter = $('tail-filter').value.trim().toLowerCase();
    const list = $('tail');
    list.replaceChildren();
    for (let i = tailEvents.length - 1; i >= 0; i--) {
      if (matches(tailEvents[i], filter)) list.appendChild(eventItem(tailEvents[i], true));
    }
  }

  function onTail(msg) {
    let ev;
    try { ev = JSON.parse(msg.data); } catch (e) { return; }
    tailEvents.push(ev);
    if (tailEvents.length > TAIL_MAX) tailEvents.splice(0, tailEvents.length - TAIL_MAX);
    const last = timelineEvents[timelineEvents.length - 1];
    if (selected !== null && selected !== 'global' && ev.session_id === selected &&
        (!last || ev.timestamp >= last.timestamp)) {
      timelineEvents.push(ev);
      renderTimeline();
    }
    if (!paused) renderTail();
  }

  function startTail() {
    if (!window.EventSource) { $('tail-state').textContent = 'this browser has no EventSource'; return; }
    source = new EventSource(API + 'tail');
    source.onopen = () => { $('tail-state').textContent = 'connected'; };
    source.onerror = () => { $('tail-state').textContent = 'reconnecting…'; };
    source.onmessage = onTail;
  }

  $('refresh').addEventListener('click', loadSessions);
  $('show-global').addEventListener('click', () => showSession('global'));
  $('timeline-filter').addEventListener('input', renderTimeline);
  $('tail-filter').addEventListener('input', renderTail);
  $('tail-clear').addEventListener('click', () => { tailEvents = []; renderTail(); });
  $('tail-toggle').addEventListener('click', () => {
    paused = !paused;
    $('tail-toggle').textContent = paused ? 'Resume' : 'Pause';
    if (!paused) renderTail();
  });
  setInterval(() => { if ($('auto-refresh').checked) loadSessions(); }, REFRESH_MS);

  const wanted = new URLSearchParams(location.search).get('session_id');
  loadSessions();
  if (wanted) showSession(Number(wanted));
  startTail();
})();
