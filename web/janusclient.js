// A small Janus API client written for the Argus demos: sessions, handles,
// plugin messages and trickle over HTTP long poll or WebSocket
// (janus-protocol). It implements only what the demos need.

const LONG_POLL_EVENTS = 10;     // maxev, as janus.js uses
const WS_KEEPALIVE_MS = 25000;   // below the default 60 s session timeout

function randomString(n) {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}

/** JanusError is a Janus API "error" response. */
// pageServer picks the Janus API server from the page's query: WebSocket
// on ?transport=ws (port ?wsport, default 8188), else HTTP long poll on
// this origin's /janus. It returns the URL and a label for the page.
export function pageServer(params) {
  const useWS = params.get('transport') === 'ws';
  if (useWS) {
    const port = params.get('wsport') || '8188';
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:${port}/`;
    return { url, label: `WebSocket ${url}` };
  }
  const url = `${location.origin}/janus`;
  return { url, label: `HTTP long poll ${url}` };
}

export class JanusError extends Error {
  constructor(code, reason) {
    super(`Janus error ${code}: ${reason}`);
    this.code = code;
    this.reason = reason;
  }
}

/**
 * JanusSession talks to one Janus session. Use JanusSession.create(url).
 * onEvent(msg) receives every asynchronous message (event, webrtcup, media,
 * hangup, detached, timeout...).
 */
export class JanusSession {
  static async create(url, onEvent) {
    const transport = url.startsWith('ws') ? new WSTransport(url) : new HTTPTransport(url);
    await transport.open((msg) => onEvent(msg));
    const res = await transport.request({ janus: 'create' });
    const s = new JanusSession(transport, res.data.id);
    transport.started(s.id);
    return s;
  }

  constructor(transport, id) {
    this.transport = transport;
    this.id = id;
  }

  /** attach returns the new handle id. */
  async attach(plugin, opaqueId) {
    const res = await this.transport.request({ janus: 'attach', session_id: this.id, plugin, opaque_id: opaqueId });
    return res.data.id;
  }

  /** message sends a plugin request (and an optional JSEP); resolves with ack or success. */
  message(handleId, body, jsep) {
    const req = { janus: 'message', session_id: this.id, handle_id: handleId, body };
    if (jsep) req.jsep = jsep;
    return this.transport.request(req);
  }

  /** trickle sends one candidate, or null for end-of-candidates. */
  trickle(handleId, candidate) {
    return this.transport.request({
      janus: 'trickle', session_id: this.id, handle_id: handleId,
      candidate: candidate ? candidate.toJSON() : { completed: true },
    });
  }

  hangup(handleId) { return this.transport.request({ janus: 'hangup', session_id: this.id, handle_id: handleId }); }
  detach(handleId) { return this.transport.request({ janus: 'detach', session_id: this.id, handle_id: handleId }); }

  async destroy() {
    try {
      await this.transport.request({ janus: 'destroy', session_id: this.id });
    } finally {
      this.transport.close();
    }
  }
}

// check turns a Janus "error" reply into a rejected promise.
function check(msg) {
  if (msg.janus === 'error') throw new JanusError(msg.error.code, msg.error.reason);
  return msg;
}

/** HTTPTransport: POST for requests, GET long poll for events. */
class HTTPTransport {
  constructor(url) { this.url = url.replace(/\/$/, ''); this.closed = false; }

  async open(onEvent) { this.onEvent = onEvent; }

  async request(req) {
    req.transaction = randomString(12);
    let path = this.url;
    if (req.session_id) path += `/${req.session_id}`;
    if (req.handle_id) path += `/${req.handle_id}`;
    const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(req) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return check(await r.json());
  }

  started(sessionId) {
    this.sessionId = sessionId;
    this.poll();
  }

  async poll() {
    while (!this.closed) {
      try {
        const r = await fetch(`${this.url}/${this.sessionId}?maxev=${LONG_POLL_EVENTS}&rid=${Date.now()}`);
        if (!r.ok) { this.closed = true; break; }
        const body = await r.json();
        for (const msg of Array.isArray(body) ? body : [body]) {
          if (msg.janus !== 'keepalive') this.onEvent(msg);
        }
      } catch (e) {
        if (this.closed) break;
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
  }

  close() { this.closed = true; }
}

/** WSTransport: one socket; replies are matched to requests by transaction. */
class WSTransport {
  constructor(url) { this.url = url; this.pending = new Map(); }

  open(onEvent) {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url, 'janus-protocol');
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error(`WebSocket ${this.url} failed`));
      this.ws.onclose = () => {
        clearInterval(this.keepalive);
        for (const p of this.pending.values()) p.reject(new Error('WebSocket closed'));
        this.pending.clear();
      };
      this.ws.onmessage = (ev) => {
        const msg = JSON.parse(ev.data);
        const p = this.pending.get(msg.transaction);
        // An ack answers a request; the plugin's later event reuses the
        // same transaction and goes to onEvent like any other event.
        if (p && ['success', 'error', 'ack', 'server_info', 'pong'].includes(msg.janus)) {
          this.pending.delete(msg.transaction);
          try { p.resolve(check(msg)); } catch (e) { p.reject(e); }
          return;
        }
        onEvent(msg);
      };
    });
  }

  request(req) {
    req.transaction = randomString(12);
    return new Promise((resolve, reject) => {
      this.pending.set(req.transaction, { resolve, reject });
      this.ws.send(JSON.stringify(req));
    });
  }

  started(sessionId) {
    this.keepalive = setInterval(() => {
      this.request({ janus: 'keepalive', session_id: sessionId }).catch(() => {});
    }, WS_KEEPALIVE_MS);
  }

  close() {
    clearInterval(this.keepalive);
    this.ws.close();
  }
}
