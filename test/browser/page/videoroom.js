// One VideoRoom participant driven by the real janus.js multistream API,
// the way Janus's videoroom demo does it: a publisher handle that joins the
// room and publishes fake audio+video, and one subscriber handle per remote
// publisher (announced in "joined" or in a "publishers" event). The Node
// test calls the window.vr* functions through Playwright and reads
// window.vrLog.
import Janus from '/node_modules/janus-gateway/npm/dist/janus.es.js';
import { newLog, openSession } from '/session.js';

const PLUGIN = 'janus.plugin.videoroom';
const record = newLog('vrLog');

let janus = null;
let room = 0;
let opaqueId = '';
let publisher = null; // the publisher plugin handle
let myId = null;
let myPrivateId = null;
let closing = false; // set by vrDestroy: no new requests from now on
// feed id -> { handle, display, gone, detached (a Promise once detaching) }
const feeds = new Map();
// waiters for publisher events: [{ pred, resolve }]
const waiters = [];

function fail(where, err) {
  record('error', `${where}: ${err && err.message ? err.message : err}`);
}

// vrStart creates the session, attaches the publisher handle, joins room r
// as a publisher named display, publishes and resolves with
// { id, privateId } once the answer to the publish offer is applied.
window.vrStart = (server, r, display) => new Promise((resolve, reject) => {
  room = r;
  opaqueId = 'videoroomtest-' + Janus.randomString(12);
  openSession(server, ['error'], record, (j) => {
    janus = j;
    attachPublisher(display, resolve, reject);
  }, (err) => { fail('session', err); reject(new Error('session: ' + err)); });
});

function attachPublisher(display, resolve, reject) {
  janus.attach({
    plugin: PLUGIN,
    opaqueId,
    success: (handle) => {
      publisher = handle;
      record('attached publisher', handle.getId());
      publisher.send({
        message: { request: 'join', room, ptype: 'publisher', display },
        error: (err) => { fail('join', err); reject(new Error('join: ' + err)); },
      });
    },
    error: (err) => { fail('attach publisher', err); reject(new Error('attach: ' + err)); },
    onmessage: (msg, jsep) => {
      record('publisher event', { msg, jsep: jsep ? jsep.type : null });
      onPublisherMessage(msg, jsep, resolve, reject);
    },
    webrtcState: (on, reason) => record('publisher webrtcState', { on, reason: reason || null }),
    iceState: (state) => record('publisher iceState', state),
    mediaState: (medium, on, mid) => record('publisher mediaState', { medium, on, mid }),
    onlocaltrack: (track, on) => {
      record('localtrack', { kind: track.kind, on });
      if (on && track.kind === 'video') document.getElementById('local').srcObject = new MediaStream([track]);
    },
    oncleanup: () => record('publisher cleanup'),
    ondetached: () => record('publisher detached'),
  });
}

function onPublisherMessage(msg, jsep, resolve, reject) {
  if (msg.error) {
    fail('publisher', `${msg.error_code} ${msg.error}`);
    reject(new Error(`videoroom publisher: ${msg.error_code} ${msg.error}`));
  }
  if (msg.videoroom === 'joined') {
    myId = msg.id;
    myPrivateId = msg.private_id;
    publish(resolve, reject);
  }
  if (jsep) {
    publisher.handleRemoteJsep({
      jsep,
      success: () => { record('answer applied', jsep.type); resolve({ id: myId, privateId: myPrivateId }); },
      error: (err) => { fail('handleRemoteJsep', err); reject(new Error('handleRemoteJsep: ' + err)); },
    });
  }
  for (const p of msg.publishers || []) subscribe(p);
  for (const key of ['unpublished', 'leaving', 'kicked']) {
    const id = msg[key];
    if (id !== undefined && id !== 'ok') dropFeed(id, key);
  }
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (waiters[i].pred(msg)) waiters.splice(i, 1)[0].resolve(msg);
  }
}

function publish(resolve, reject) {
  publisher.createOffer({
    tracks: [
      { type: 'audio', capture: true, recv: false },
      { type: 'video', capture: true, recv: false },
    ],
    success: (jsep) => {
      record('publish offer', jsep.type);
      publisher.send({
        message: { request: 'configure', audio: true, video: true },
        jsep,
        error: (err) => { fail('configure', err); reject(new Error('configure: ' + err)); },
      });
    },
    error: (err) => { fail('createOffer', err); reject(new Error('createOffer: ' + err)); },
  });
}

// subscribe attaches a new subscriber handle for publisher p and joins it
// with streams [{feed}] and this participant's private_id.
function subscribe(p) {
  if (p.id === myId || feeds.has(p.id)) return;
  if (closing) return;
  const feed = { handle: null, display: p.display || null, gone: null, detached: null };
  feeds.set(p.id, feed);
  record('subscribing', { feed: p.id, display: p.display, streams: (p.streams || []).map((s) => s.type) });
  janus.attach({
    plugin: PLUGIN,
    opaqueId,
    success: (handle) => {
      feed.handle = handle;
      record('attached subscriber', { feed: p.id, handle: handle.getId() });
      handle.send({
        message: { request: 'join', room, ptype: 'subscriber', streams: [{ feed: p.id }], private_id: myPrivateId },
        error: (err) => fail(`subscriber join ${p.id}`, err),
      });
    },
    error: (err) => fail(`attach subscriber ${p.id}`, err),
    onmessage: (msg, jsep) => {
      record('subscriber event', { feed: p.id, msg, jsep: jsep ? jsep.type : null });
      if (msg.error) fail(`subscriber ${p.id}`, `${msg.error_code} ${msg.error}`);
      if (jsep && jsep.type === 'offer' && feed.handle && !feed.gone && !closing) answer(p.id, feed, jsep);
    },
    webrtcState: (on, reason) => record('subscriber webrtcState', { feed: p.id, on, reason: reason || null }),
    iceState: (state) => record('subscriber iceState', { feed: p.id, state }),
    onremotetrack: (track, mid, on, meta) => {
      record('remotetrack', { feed: p.id, kind: track.kind, mid, on, reason: meta ? meta.reason : null });
      if (on && track.kind === 'video') showRemote(p.id, track);
    },
    oncleanup: () => record('subscriber cleanup', { feed: p.id }),
    ondetached: () => record('subscriber detached', { feed: p.id }),
  });
}

function answer(feedId, feed, jsep) {
  feed.handle.createAnswer({
    jsep,
    tracks: [{ type: 'data' }],
    success: (ans) => {
      record('subscriber answer', { feed: feedId });
      feed.handle.send({
        message: { request: 'start', room },
        jsep: ans,
        error: (err) => fail(`start ${feedId}`, err),
      });
    },
    error: (err) => fail(`createAnswer ${feedId}`, err),
  });
}

function showRemote(feedId, track) {
  let v = document.getElementById(`feed-${feedId}`);
  if (!v) {
    v = document.createElement('video');
    v.id = `feed-${feedId}`;
    v.autoplay = true;
    v.playsInline = true;
    v.muted = true;
    document.getElementById('remotes').append(v);
  }
  v.srcObject = new MediaStream([track]);
}

// dropFeed detaches the subscriber handle of a publisher that went away.
function dropFeed(feedId, why) {
  const feed = feeds.get(feedId);
  if (!feed || feed.gone) return;
  feed.gone = why;
  record('feed gone', { feed: feedId, why });
  const v = document.getElementById(`feed-${feedId}`);
  if (v) v.remove();
  if (feed.handle && !closing) {
    feed.detached = new Promise((resolve) => feed.handle.detach({
      success: resolve,
      error: (err) => { fail(`detach subscriber ${feedId}`, err); resolve(); },
    }));
  }
}

// vrState returns this participant's ids and its subscriptions.
window.vrState = () => ({
  id: myId,
  privateId: myPrivateId,
  feeds: [...feeds].map(([id, f]) => ({ id, display: f.display, gone: f.gone, handle: f.handle ? f.handle.getId() : null })),
});

// vrStats returns, per feed still subscribed, the inbound audio and video
// bytesReceived of its subscriber PeerConnection (getStats).
window.vrStats = async () => {
  const out = {};
  for (const [id, feed] of feeds) {
    const pc = !feed.gone && feed.handle && feed.handle.webrtcStuff && feed.handle.webrtcStuff.pc;
    if (!pc) continue;
    const s = { audio: 0, video: 0 };
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && (r.kind === 'audio' || r.kind === 'video')) s[r.kind] += r.bytesReceived || 0;
    });
    out[id] = s;
  }
  return out;
};

// vrRequest sends body on the publisher handle and resolves with the first
// publisher event that has key set to "ok" (e.g. leaving, unpublished).
window.vrRequest = (body, key) => new Promise((resolve, reject) => {
  waiters.push({ pred: (msg) => msg[key] === 'ok', resolve });
  publisher.send({ message: body, error: (err) => reject(new Error(`${body.request}: ${err}`)) });
});

// vrClose stops reacting to room events and waits for the detaches under
// way, so that no request of this page races the destroys that follow.
window.vrClose = async () => {
  closing = true;
  await Promise.all([...feeds.values()].map((f) => f.detached));
};

// vrDestroy destroys the session.
window.vrDestroy = () => new Promise((resolve, reject) => {
  janus.destroy({ success: resolve, error: (e) => reject(new Error('destroy: ' + e)) });
});

window.vrReady = true;
