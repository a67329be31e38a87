// Argus event console: the sessions the history sink keeps (with display
// name, room, client address, duration and state), one session's facts,
// QoS charts and live timeline, the rooms and their participants, and a
// live tail. It talks to the history sink's JSON API under ./api/
// (telemetry/history/http.go), with the admin secret as a bearer token
// when the gateway asks for it (web/console.go). No third-party code.
'use strict';

(function () {
  const API = 'api/';
  const LIFECYCLE_MAX = 500; // tail: events other than media reports
  const MEDIA_MAX = 300;     // tail: media reports, kept apart so they never push lifecycle events out
  const TIMELINE_MAX = 5000; // an open timeline keeps growing live up to this many events (the store's default)
  const REFRESH_MS = 3000;
  const SECRET_KEY = 'argus-admin-secret';
  const SVGNS = 'http://www.w3.org/2000/svg';

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
  const COLORS = ['#2a6df4', '#e8590c', '#157a3c', '#b4236b', '#7b3fe4', '#0f7d8c', '#a15c00', '#5b6475'];

  const $ = (id) => document.getElementById(id);
  const state = {
    config: {},
    sessions: [],
    selected: null,       // session_id shown in the session card, or 'global'
    timeline: [],         // its events, oldest first
    expanded: new Set(),  // keys of expanded media-report groups
    tail: [],             // lifecycle events, oldest first
    tailMedia: [],        // media reports
    tailSeq: 0,
    paused: false,
    tailAbort: null,
  };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  const pad = (n, w) => String(n).padStart(w || 2, '0');
  function fmtTime(us, ms) {
    if (!us) return '';
    const d = new Date(us / 1000);
    const t = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
    return ms === false ? t : t + '.' + pad(d.getMilliseconds(), 3);
  }
  function fmtDuration(us) {
    let s = Math.max(0, Math.round(us / 1e6));
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return h ? h + 'h' + pad(m) + 'm' : m ? m + 'm' + pad(s) + 's' : s + 's';
  }
  const shortPlugin = (p) => String(p).replace(/^janus\.plugin\./, '');

  function kind(ev) {
    let k = TYPES[ev.type] || ('type ' + ev.type);
    const sub = SUBTYPES[ev.type];
    if (ev.subtype) k += '/' + ((sub && sub[ev.subtype]) || ev.subtype);
    return k;
  }
  const isReport = (ev) => ev.type === 32 && ev.subtype === 3;

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
        return (b.media || '') + ' mid ' + b.mid + ': in ' + (b['packets-received'] || 0) + ' pkts, out ' +
          (b['packets-sent'] || 0) + ' pkts' + ('rtt' in b ? ', rtt ' + b.rtt + ' ms' : '');
      case 64: return shortPlugin(b.plugin) + ' ' + JSON.stringify(b.data).slice(0, 160);
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
    if (ids.length) li.appendChild(el('span', 'ids', ids.join(' ')));
    li.appendChild(el('span', 'what', describe(ev)));
    li.addEventListener('click', (e) => {
      if (e.target.tagName === 'PRE') return;
      const pre = li.querySelector('pre');
      if (pre) { pre.remove(); return; }
      li.appendChild(el('pre', null, JSON.stringify(ev, null, 2)));
    });
    return li;
  }

  // groupItem stands for a run of media reports, collapsed until clicked.
  function groupItem(run, key, expandedSet, rerender) {
    const li = el('li', 'group t32');
    const first = run[0], last = run[run.length - 1];
    li.appendChild(el('span', 'ts', fmtTime(first.timestamp)));
    li.appendChild(el('span', 'kind', (expandedSet.has(key) ? '▾ ' : '▸ ') + run.length + ' media reports'));
    const sessions = new Set(run.map((e) => e.session_id));
    li.appendChild(el('span', 'what', 'until ' + fmtTime(last.timestamp, false) +
      (sessions.size > 1 ? ' from ' + sessions.size + ' sessions' : '') + ' (click to ' +
      (expandedSet.has(key) ? 'collapse' : 'expand') + ')'));
    li.addEventListener('click', () => {
      if (expandedSet.has(key)) expandedSet.delete(key); else expandedSet.add(key);
      rerender();
    });
    return li;
  }

  // renderEvents fills list with events, runs of media reports collapsed
  // into one line each unless expanded.
  function renderEvents(list, events, opts) {
    const frag = document.createDocumentFragment();
    let run = [];
    const flush = () => {
      if (!run.length) return;
      const key = opts.keyOf(run[0]);
      frag.appendChild(groupItem(run, key, opts.expanded, opts.rerender));
      if (opts.expanded.has(key)) for (const e of run) frag.appendChild(eventItem(e, opts.showSession));
      run = [];
    };
    for (const ev of events) {
      if (isReport(ev)) { run.push(ev); continue; }
      flush();
      frag.appendChild(eventItem(ev, opts.showSession));
    }
    flush();
    list.replaceChildren(frag);
  }

  // Type filter chips: one checkbox per event type.
  function typeChips(container, onChange) {
    const on = new Set(Object.keys(TYPES).map(Number));
    for (const [t, name] of Object.entries(TYPES)) {
      const label = el('label', 'on');
      const box = el('input');
      box.type = 'checkbox'; box.checked = true; box.value = t;
      label.append(box, name);
      box.addEventListener('change', () => {
        if (box.checked) on.add(Number(t)); else on.delete(Number(t));
        label.className = box.checked ? 'on' : '';
        onChange();
      });
      container.appendChild(label);
    }
    return on;
  }

  function matches(ev, types, filter) {
    if (!types.has(ev.type)) return false;
    if (!filter) return true;
    return kind(ev).includes(filter) || JSON.stringify(ev).toLowerCase().includes(filter);
  }

  // --- API access, with the admin secret when the gateway asks for it ---

  function authHeaders() {
    const s = sessionStorage.getItem(SECRET_KEY);
    return s ? { Authorization: 'Bearer ' + s } : {};
  }

  class AuthError extends Error {}

  async function getJSON(path) {
    const res = await fetch(API + path, { cache: 'no-store', headers: authHeaders() });
    if (res.status === 401) throw new AuthError('the admin secret is required');
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
    return res.json();
  }

  function askSecret(message) {
    document.body.classList.add('locked');
    $('auth-card').hidden = false;
    $('auth-error').textContent = message || '';
    $('sign-out').hidden = true;
    setStatus('');
    $('auth-secret').focus();
  }

  function setStatus(text) { $('status').textContent = text; $('status').hidden = !text; }

  function failed(err) {
    if (err instanceof AuthError) {
      const had = sessionStorage.getItem(SECRET_KEY);
      sessionStorage.removeItem(SECRET_KEY);
      askSecret(had ? 'Wrong secret.' : '');
      return true;
    }
    setStatus('Cannot reach the history API (' + err.message + '). Is the history sink enabled?');
    return false;
  }

  // --- Sessions ---

  function sessionState(s) { return s.state || (s.ended ? (s.end_reason || 'ended') : 'live'); }
  function duration(s) {
    const end = s.ended ? s.last_timestamp : Math.max(s.last_timestamp, Date.now() * 1000);
    return end - s.first_timestamp;
  }
  function stateBadge(s) {
    const st = sessionState(s);
    return el('span', 'state state-' + st, st);
  }
  // verdictBadge shows the session's verdict (telemetry/verdict), its
  // findings as the tooltip.
  function verdictBadge(s) {
    if (!s.verdict) return el('span', null, '');
    const b = el('span', 'state verdict-' + s.verdict, s.verdict);
    b.title = (s.verdict_findings || []).join('\n');
    return b;
  }

  async function loadSessions() {
    let data;
    try {
      data = await getJSON('sessions');
    } catch (err) {
      failed(err);
      return false;
    }
    setStatus('');
    state.sessions = data.sessions || [];
    renderSessions();
    $('session-count').textContent = state.sessions.length + ' kept' + (data.evicted ? ', ' + data.evicted + ' evicted' : '');
    const cur = state.sessions.find((s) => s.session_id === state.selected);
    if (cur) renderSessionHeader(cur);
    return true;
  }

  // renderSessions updates the list in place (rows keyed by session id),
  // so a row stays the same element between refreshes and a click on it
  // is never lost to a redraw.
  function renderSessions() {
    const filter = $('session-filter').value.trim().toLowerCase();
    const tbody = $('sessions').querySelector('tbody');
    const existing = new Map([...tbody.children].map((tr) => [tr.dataset.session, tr]));
    const rows = [];
    for (const s of state.sessions) {
      const cells = [
        [s.session_id], [s.display || ''], [(s.rooms || []).join(', ')], [s.address || ''],
        [(s.plugins || []).map(shortPlugin).join(', ')], [fmtTime(s.first_timestamp, false)],
        [fmtDuration(duration(s)), 'num'], [stateBadge(s)], [verdictBadge(s)],
        [s.events + (s.kept < s.events ? ' (' + s.kept + ' kept)' : ''), 'num'],
      ];
      if (filter && !cells.some(([v]) => typeof v !== 'object' && String(v).toLowerCase().includes(filter)) &&
          !sessionState(s).includes(filter) && !(s.verdict || '').includes(filter)) continue;
      let tr = existing.get(String(s.session_id));
      if (!tr) {
        tr = el('tr');
        tr.dataset.session = s.session_id;
        for (let i = 0; i < cells.length; i++) tr.appendChild(el('td'));
        tr.addEventListener('click', () => showSession(Number(tr.dataset.session)));
      }
      const cls = s.session_id === state.selected ? 'selected' : '';
      if (tr.className !== cls) tr.className = cls;
      cells.forEach(([v, c], i) => {
        const td = tr.children[i];
        if (td.className !== (c || '')) td.className = c || '';
        if (typeof v === 'object') {
          const cur = td.firstChild;
          if (!cur || cur.className !== v.className || cur.textContent !== v.textContent) td.replaceChildren(v);
        } else if (td.textContent !== String(v)) {
          td.textContent = v;
        }
      });
      rows.push(tr);
    }
    const same = rows.length === tbody.children.length && rows.every((tr, i) => tbody.children[i] === tr);
    if (!same) tbody.replaceChildren(...rows);
  }

  // --- One session: facts, links, charts, live timeline ---

  function link(text, href) {
    if (!href) return el('code', null, text);
    const a = el('a', null, text);
    a.href = href; a.target = '_blank'; a.rel = 'noopener noreferrer';
    return a;
  }

  function homerHref(s) {
    const t = state.config.homer_url;
    if (!t) return '';
    return t.replaceAll('{cid}', encodeURIComponent(s.homer_cid))
      .replaceAll('{from_ms}', String(Math.floor(s.first_timestamp / 1000) - 60000))
      .replaceAll('{to_ms}', String(Math.ceil(s.last_timestamp / 1000) + 60000));
  }

  function renderSessionHeader(s) {
    $('session-state').replaceChildren(stateBadge(s), ' ', verdictBadge(s));
    $('session-verdict').textContent = (s.verdict_findings || []).join(' · ');
    const links = $('session-links');
    links.replaceChildren();
    if (s.trace_id) {
      const span = el('span', null, 'trace ');
      span.appendChild(link(s.trace_id, state.config.jaeger_url ? state.config.jaeger_url + '/trace/' + s.trace_id : ''));
      span.id = 'trace-link';
      links.appendChild(span);
    }
    const homer = el('span', null, 'Homer correlation id ');
    homer.id = 'homer-link';
    homer.appendChild(link(s.homer_cid, homerHref(s)));
    links.appendChild(homer);
    const facts = [
      ['display name', s.display], ['rooms', (s.rooms || []).join(', ')], ['client address', s.address],
      ['transport', s.transport], ['plugins', (s.plugins || []).join(', ')], ['handles', (s.handles || []).join(', ')],
      ['opaque_id', (s.opaque_ids || []).join(', ')], ['started', fmtTime(s.first_timestamp)],
      ['duration', fmtDuration(duration(s))], ['events', s.events + (s.kept < s.events ? ' (last ' + s.kept + ' kept)' : '')],
    ];
    const dl = $('session-facts');
    dl.replaceChildren();
    for (const [k, v] of facts) {
      if (!v) continue;
      const d = el('div');
      d.append(el('dt', null, k), el('dd', null, v));
      d.lastChild.title = v;
      dl.appendChild(d);
    }
  }

  async function showSession(id) {
    state.selected = id;
    state.expanded.clear();
    $('session-card').hidden = false;
    try {
      const data = id === 'global' ? await getJSON('global') : await getJSON('sessions/' + id);
      state.timeline = data.events || [];
      if (id === 'global') {
        $('timeline-title').textContent = 'Events with no session';
        $('session-state').replaceChildren();
        $('session-verdict').textContent = '';
        $('session-links').replaceChildren();
        $('session-facts').replaceChildren();
      } else {
        $('timeline-title').textContent = 'Session ' + id;
        renderSessionHeader(data.session);
      }
      $('timeline-hint').textContent = 'Oldest first; media reports are grouped (click a group to expand it, an event for its JSON).';
    } catch (err) {
      if (failed(err)) return;
      state.timeline = [];
      $('timeline-hint').textContent = 'Session ' + id + ' is gone (' + err.message + ').';
    }
    renderTimeline();
    renderCharts();
    renderSessions();
  }

  let timelineTypes;
  function renderTimeline() {
    const filter = $('timeline-filter').value.trim().toLowerCase();
    const list = $('timeline');
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    renderEvents(list, state.timeline.filter((ev) => matches(ev, timelineTypes, filter)), {
      showSession: state.selected === 'global',
      expanded: state.expanded,
      keyOf: (ev) => ev.timestamp + ':' + ev.handle_id,
      rerender: renderTimeline,
    });
    $('timeline-live').textContent = state.selected === 'global' ? '' : state.timeline.length + ' events, live';
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  // belongsToSelected: a tail event of the open session (events with only
  // a handle id are matched by the session's handles).
  function belongsToSelected(ev) {
    if (state.selected === null || state.selected === 'global') return false;
    if (ev.session_id) return ev.session_id === state.selected;
    const s = state.sessions.find((x) => x.session_id === state.selected);
    return !!(ev.handle_id && s && (s.handles || []).includes(ev.handle_id));
  }

  // --- Charts: our own small SVG line charts ---

  // Each series is one medium of one handle (and direction, for bitrate).
  const METRICS = [
    { id: 'loss', title: 'Packet loss', unit: '%', series(b, prev) {
      if (!prev || b.media === 'data') return null;
      const lost = (b.lost || 0) - (prev.lost || 0);
      const got = (b['packets-received'] || 0) - (prev['packets-received'] || 0);
      return lost + got > 0 ? [['in', Math.max(0, 100 * lost / (lost + got))]] : [['in', 0]];
    } },
    { id: 'jitter', title: 'Jitter', unit: 'ms', series(b) {
      if (b.media === 'data') return null;
      const out = [];
      if ('jitter-local' in b) out.push(['in', b['jitter-local']]);
      if ('jitter-remote' in b) out.push(['remote', b['jitter-remote']]);
      return out;
    } },
    { id: 'rtt', title: 'Round-trip time', unit: 'ms', series(b) {
      return b.media !== 'data' && 'rtt' in b ? [['', b.rtt]] : null;
    } },
    { id: 'bitrate', title: 'Bitrate', unit: 'kbit/s', series(b) {
      const out = [];
      if ('bytes-received-lastsec' in b) out.push(['in', b['bytes-received-lastsec'] * 8 / 1000]);
      if ('bytes-sent-lastsec' in b) out.push(['out', b['bytes-sent-lastsec'] * 8 / 1000]);
      return out;
    } },
  ];

  function reportsOf(ev) {
    const b = ev.event;
    if (Array.isArray(b)) return b;
    return b && typeof b === 'object' ? [b] : [];
  }

  // chartData turns the timeline's media reports into series per metric.
  function chartData(events) {
    const handles = [...new Set(events.filter(isReport).map((e) => e.handle_id))];
    const data = Object.fromEntries(METRICS.map((m) => [m.id, new Map()]));
    const prev = new Map();
    for (const ev of events) {
      if (!isReport(ev)) continue;
      for (const b of reportsOf(ev)) {
        const medium = (b.media || 'mid') + (b.media ? '' : ' ' + b.mid);
        const base = medium + (handles.length > 1 ? ' h' + (handles.indexOf(ev.handle_id) + 1) : '');
        const pkey = ev.handle_id + '/' + b.mid;
        for (const m of METRICS) {
          const pts = m.series(b, prev.get(pkey));
          if (!pts) continue;
          for (const [dir, v] of pts) {
            if (typeof v !== 'number' || !isFinite(v)) continue;
            const name = dir ? base + ' ' + dir : base;
            if (!data[m.id].has(name)) data[m.id].set(name, []);
            data[m.id].get(name).push([ev.timestamp / 1000, v]);
          }
        }
        prev.set(pkey, b);
      }
    }
    return data;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
    return 10 * p;
  }
  const fmtNum = (v) => (v >= 100 || v === 0 ? String(Math.round(v)) : v >= 10 ? v.toFixed(0) : v.toFixed(1));

  // lineChart draws series (name → [[ms, value]...]) in a 300×130 box.
  function lineChart(metric, series) {
    const W = 300, H = 130, L = 34, R = 6, T = 8, B = 18;
    const box = el('div', 'chart');
    box.dataset.metric = metric.id;
    const h4 = el('h4', null, metric.title + ' ');
    h4.appendChild(el('span', null, metric.unit));
    box.appendChild(h4);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': metric.title });
    box.appendChild(root);
    const all = [...series.values()].flat();
    if (!all.length) {
      root.appendChild(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'no media reports yet'));
      return box;
    }
    let t0 = Math.min(...all.map((p) => p[0])), t1 = Math.max(...all.map((p) => p[0]));
    if (t1 - t0 < 1000) t1 = t0 + 1000;
    const ymax = niceMax(Math.max(...all.map((p) => p[1])));
    const x = (t) => L + (W - L - R) * (t - t0) / (t1 - t0);
    const y = (v) => T + (H - T - B) * (1 - v / ymax);
    for (const f of [0, 0.5, 1]) {
      const yy = y(f * ymax);
      root.appendChild(svg('line', { x1: L, x2: W - R, y1: yy, y2: yy, class: 'grid' }));
      root.appendChild(svg('text', { x: L - 4, y: yy + 3, 'text-anchor': 'end' }, fmtNum(f * ymax)));
    }
    root.appendChild(svg('text', { x: L, y: H - 5, 'text-anchor': 'start' }, fmtTime(t0 * 1000, false)));
    root.appendChild(svg('text', { x: W - R, y: H - 5, 'text-anchor': 'end' }, fmtTime(t1 * 1000, false)));
    const legend = el('div', 'legend');
    let i = 0;
    for (const [name, pts] of series) {
      const color = COLORS[i++ % COLORS.length];
      const d = pts.map((p, j) => (j ? 'L' : 'M') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1)).join(' ');
      const path = svg('path', { d, class: 'series', stroke: color, 'data-points': pts.length });
      path.appendChild(svg('title', {}, name));
      root.appendChild(path);
      const item = el('span', null, name + ' (' + fmtNum(pts[pts.length - 1][1]) + ')');
      const sw = el('i'); sw.style.background = color;
      item.prepend(sw);
      legend.appendChild(item);
    }
    box.appendChild(legend);
    return box;
  }

  function renderCharts() {
    const charts = $('charts');
    if (state.selected === 'global') { charts.replaceChildren(); return; }
    const data = chartData(state.timeline);
    charts.replaceChildren(...METRICS.map((m) => lineChart(m, data[m.id])));
  }

  // --- Rooms ---

  async function loadRooms() {
    let data;
    try { data = await getJSON('rooms'); } catch (err) { failed(err); return; }
    const showLeft = $('rooms-left').checked;
    const root = $('rooms');
    const frag = document.createDocumentFragment();
    let n = 0;
    for (const r of data.rooms || []) {
      const parts = r.participants.filter((p) => showLeft || p.active);
      if (!parts.length) continue;
      n++;
      const box = el('div', 'room');
      box.dataset.room = r.room;
      const h = el('h3', null, 'Room ' + r.room + ' ');
      const active = r.participants.filter((p) => p.active);
      h.appendChild(el('span', null, shortPlugin(r.plugin) + ' · ' + active.filter((p) => p.role === 'publisher').length +
        ' publishers, ' + active.filter((p) => p.role === 'subscriber').length + ' subscriptions'));
      box.appendChild(h);
      const table = el('table', 'list');
      const head = el('tr');
      for (const c of ['display name', 'role', 'feed id', 'session', 'handle', 'streams', 'state']) head.appendChild(el('th', null, c));
      table.appendChild(el('thead')).appendChild(head);
      const tbody = table.appendChild(el('tbody'));
      for (const p of parts) {
        const tr = el('tr', p.active ? 'participant' : 'participant left');
        tr.appendChild(el('td', null, p.display || (p.role === 'subscriber' ? '' : '(no name)')));
        tr.appendChild(el('td', null, p.role || ''));
        tr.appendChild(el('td', null, p.id || ''));
        const sess = el('td');
        const a = el('a', 'session-link', p.session_id);
        a.addEventListener('click', () => { showSession(p.session_id); $('session-card').scrollIntoView(); });
        sess.appendChild(a);
        tr.appendChild(sess);
        tr.appendChild(el('td', null, p.handle_id));
        const st = el('td', 'wrap');
        for (const s of p.streams || []) {
          const label = [s.type, s.codec, s.mid !== undefined ? 'mid ' + s.mid : '', s.feed_display ? 'from ' + s.feed_display : '']
            .filter(Boolean).join(' ');
          st.appendChild(el('span', 'stream', label));
        }
        tr.appendChild(st);
        tr.appendChild(el('td', null, !p.active ? 'left' : p.role === 'subscriber' ? 'subscribed' : p.publishing ? 'publishing' : 'joined'));
        tbody.appendChild(tr);
      }
      box.appendChild(table);
      frag.appendChild(box);
    }
    if (!n) frag.appendChild(el('p', 'muted', 'No room participants' + (showLeft ? '' : ' right now') + '.'));
    root.replaceChildren(frag);
    $('room-count').textContent = n + (n === 1 ? ' room' : ' rooms');
  }

  // --- Live tail, read with fetch so it can carry the secret ---

  let tailTypes;
  let tailTimer = null;
  function scheduleTail() {
    if (tailTimer || state.paused) return;
    tailTimer = setTimeout(() => { tailTimer = null; renderTail(); }, 200);
  }
  const tailExpanded = new Set();
  function renderTail() {
    const filter = $('tail-filter').value.trim().toLowerCase();
    const merged = state.tail.concat(state.tailMedia).sort((a, b) => b._seq - a._seq)
      .filter((ev) => matches(ev, tailTypes, filter));
    renderEvents($('tail'), merged, {
      showSession: true, expanded: tailExpanded, keyOf: (ev) => 'tail' + ev._seq, rerender: renderTail,
    });
    const media = state.tailMedia.length;
    $('tail-media').textContent = media ? 'Newest first. The last ' + media + ' media reports are kept apart (grouped), so ' +
      'session, handle, WebRTC and plugin events stay in view.' : 'Newest first.';
  }

  let chartTimer = null;
  let timelineTimer = null;
  function onTail(data) {
    let ev;
    try { ev = JSON.parse(data); } catch (e) { return; }
    Object.defineProperty(ev, '_seq', { value: ++state.tailSeq, enumerable: false });
    const ring = isReport(ev) ? state.tailMedia : state.tail;
    ring.push(ev);
    const max = isReport(ev) ? MEDIA_MAX : LIFECYCLE_MAX;
    if (ring.length > max) ring.splice(0, ring.length - max);
    if (belongsToSelected(ev)) {
      const last = state.timeline[state.timeline.length - 1];
      if (!last || ev.timestamp >= last.timestamp) {
        state.timeline.push(ev);
        if (state.timeline.length > TIMELINE_MAX) state.timeline.splice(0, state.timeline.length - TIMELINE_MAX);
        if (!timelineTimer) timelineTimer = setTimeout(() => { timelineTimer = null; renderTimeline(); }, 200);
        if (isReport(ev) && !chartTimer) chartTimer = setTimeout(() => { chartTimer = null; renderCharts(); }, 1000);
      }
    }
    if (ev.type === 1 || ev.type === 64 || (ev.type === 16 && ev.subtype === 6)) scheduleRefresh();
    scheduleTail();
  }

  let refreshTimer = null;
  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => { refreshTimer = null; loadSessions(); loadRooms(); }, 300);
  }

  async function streamTail() {
    if (state.tailAbort) state.tailAbort.abort();
    const ctl = new AbortController();
    state.tailAbort = ctl;
    for (;;) {
      try {
        const res = await fetch(API + 'tail', { headers: authHeaders(), signal: ctl.signal, cache: 'no-store' });
        if (res.status === 401) { failed(new AuthError('')); return; }
        if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
        $('tail-state').textContent = 'connected';
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const chunk = buf.slice(0, i);
            buf = buf.slice(i + 2);
            for (const line of chunk.split('\n')) if (line.startsWith('data: ')) onTail(line.slice(6));
          }
        }
      } catch (err) {
        if (ctl.signal.aborted) return;
      }
      $('tail-state').textContent = 'reconnecting…';
      await new Promise((r) => setTimeout(r, 2000));
      if (ctl.signal.aborted) return;
    }
  }

  // --- Start ---

  async function start() {
    try {
      state.config = await getJSON('config');
    } catch (err) {
      failed(err);
      return;
    }
    $('auth-card').hidden = true;
    document.body.classList.remove('locked');
    $('sign-out').hidden = !sessionStorage.getItem(SECRET_KEY);
    if (!(await loadSessions())) return;
    loadRooms();
    const wanted = new URLSearchParams(location.search).get('session_id');
    if (wanted) showSession(Number(wanted));
    streamTail();
  }

  timelineTypes = typeChips($('timeline-types'), renderTimeline);
  tailTypes = typeChips($('tail-types'), renderTail);
  $('auth-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(SECRET_KEY, $('auth-secret').value);
    $('auth-secret').value = '';
    start();
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(SECRET_KEY);
    if (state.tailAbort) state.tailAbort.abort();
    location.reload();
  });
  $('refresh').addEventListener('click', () => { loadSessions(); loadRooms(); });
  $('show-global').addEventListener('click', () => showSession('global'));
  $('session-filter').addEventListener('input', renderSessions);
  $('timeline-filter').addEventListener('input', renderTimeline);
  $('tail-filter').addEventListener('input', renderTail);
  $('rooms-left').addEventListener('change', loadRooms);
  $('tail-clear').addEventListener('click', () => { state.tail = []; state.tailMedia = []; renderTail(); });
  $('tail-toggle').addEventListener('click', () => {
    state.paused = !state.paused;
    $('tail-toggle').textContent = state.paused ? 'Resume' : 'Pause';
    if (!state.paused) renderTail();
  });
  setInterval(() => {
    if (!$('auto-refresh').checked || !$('auth-card').hidden) return;
    loadSessions();
    loadRooms();
  }, REFRESH_MS);
  start();
})();
