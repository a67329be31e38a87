// The Argus VideoRoom demo: join a room as a publisher, publish the camera
// and microphone, and subscribe to every other publisher (one subscriber
// handle per feed), with the Janus API client in janusclient.js.
import { JanusSession, pageServer } from './janusclient.js';

const PLUGIN = 'janus.plugin.videoroom';
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const room = Number(params.get('room') || 1234);
const { url: server, label: serverLabel } = pageServer(params);
$('transport').textContent = serverLabel;
$('roomId').textContent = room;

const opaqueId = `videoroomtest-${Math.random().toString(36).slice(2, 14)}`;
let session = null;
let pubHandle = null;
let pubPC = null;
let myId = null;
let myPrivateId = null;
let localStream = null;
// feed id -> { handle, pc, video element }
const feeds = new Map();
// handle id -> feed id, to route events of subscriber handles
const handles = new Map();

function log(text) {
  const line = `${new Date().toISOString().slice(11, 23)} ${text}\n`;
  $('log').textContent += line;
  console.info(line.trimEnd());
  $('log').scrollTop = $('log').scrollHeight;
}

function status(text) { $('status').textContent = text; }

function onEvent(msg) {
  const data = msg.plugindata?.data || {};
  if (msg.janus === 'event') {
    log(`event from ${msg.sender === pubHandle ? 'publisher' : 'subscriber'} ${JSON.stringify(data)}${msg.jsep ? ' + ' + msg.jsep.type : ''}`);
    if (msg.sender === pubHandle) onPublisherEvent(data, msg.jsep);
    else if (handles.has(msg.sender)) onSubscriberEvent(handles.get(msg.sender), data, msg.jsep);
    return;
  }
  switch (msg.janus) {
    case 'webrtcup': log(`webrtcup on handle ${msg.sender}`); if (msg.sender === pubHandle) status('publishing'); break;
    case 'media': log(`media ${msg.type} receiving=${msg.receiving} on handle ${msg.sender}`); break;
    case 'hangup': log(`hangup on handle ${msg.sender} (${msg.reason || 'no reason'})`); break;
    case 'timeout': log('session timed out'); teardown('timed out'); break;
    default: log(`${msg.janus} ${JSON.stringify(msg)}`);
  }
}

function onPublisherEvent(data, jsep) {
  if (data.error) { log(`error ${data.error_code}: ${data.error}`); return; }
  if (data.videoroom === 'joined') {
    myId = data.id;
    myPrivateId = data.private_id;
    $('myId').textContent = myId;
    publish().catch((e) => log(`publish: ${e.message || e}`));
    (data.publishers || []).forEach(subscribeTo);
    return;
  }
  if (data.videoroom === 'destroyed') { teardown('room destroyed'); return; }
  if (jsep && pubPC) pubPC.setRemoteDescription(jsep).catch((e) => log(`setRemoteDescription: ${e}`));
  (data.publishers || []).forEach(subscribeTo);
  const gone = data.unpublished ?? data.leaving ?? data.kicked;
  if (gone === 'ok') { teardown(data.reason === 'kicked' ? 'kicked' : 'left'); return; }
  if (gone !== undefined) dropFeed(gone);
}

async function publish() {
  localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  $('local').srcObject = localStream;
  pubPC = newPC(pubHandle);
  for (const track of localStream.getTracks()) pubPC.addTransceiver(track, { direction: 'sendonly', streams: [localStream] });
  const offer = await pubPC.createOffer();
  await pubPC.setLocalDescription(offer);
  await session.message(pubHandle, { request: 'configure', audio: true, video: true }, { type: offer.type, sdp: offer.sdp });
}

function newPC(handle) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.onicecandidate = (ev) => {
    if (session) session.trickle(handle, ev.candidate).catch((e) => log(`trickle: ${e}`));
  };
  pc.onconnectionstatechange = () => log(`PeerConnection of handle ${handle}: ${pc.connectionState}`);
  return pc;
}

async function subscribeTo(pub) {
  if (!session || pub.id === myId || feeds.has(pub.id)) return;
  const feed = { handle: null, pc: null, video: null, display: pub.display || `feed ${pub.id}` };
  feeds.set(pub.id, feed);
  try {
    feed.handle = await session.attach(PLUGIN, opaqueId);
    handles.set(feed.handle, pub.id);
    await session.message(feed.handle, {
      request: 'join', ptype: 'subscriber', room, private_id: myPrivateId, streams: [{ feed: pub.id }],
    });
    log(`subscribing to ${feed.display} on handle ${feed.handle}`);
  } catch (e) {
    log(`subscribe to ${pub.id}: ${e.message || e}`);
    feeds.delete(pub.id);
  }
}

async function onSubscriberEvent(feedId, data, jsep) {
  const feed = feeds.get(feedId);
  if (!feed) return;
  if (data.error) { log(`subscriber error ${data.error_code}: ${data.error}`); return; }
  if (!jsep || jsep.type !== 'offer') return;
  try {
    if (!feed.pc) {
      feed.pc = newPC(feed.handle);
      feed.pc.ontrack = (ev) => showRemote(feed, ev);
    }
    await feed.pc.setRemoteDescription(jsep);
    const answer = await feed.pc.createAnswer();
    await feed.pc.setLocalDescription(answer);
    await session.message(feed.handle, { request: 'start', room }, { type: answer.type, sdp: answer.sdp });
  } catch (e) {
    log(`answering ${feed.display}: ${e.message || e}`);
  }
}

function showRemote(feed, ev) {
  if (!feed.video) {
    const box = document.createElement('div');
    const title = document.createElement('h3');
    title.textContent = feed.display;
    feed.video = document.createElement('video');
    feed.video.autoplay = true;
    feed.video.playsInline = true;
    feed.video.srcObject = new MediaStream();
    box.append(title, feed.video);
    $('videos').append(box);
  }
  feed.video.srcObject.addTrack(ev.track);
}

function dropFeed(feedId) {
  const feed = feeds.get(feedId);
  if (!feed) return;
  feeds.delete(feedId);
  handles.delete(feed.handle);
  if (feed.pc) feed.pc.close();
  if (feed.video) feed.video.parentElement.remove();
  if (session && feed.handle) session.detach(feed.handle).catch(() => {});
  log(`${feed.display} is gone`);
}

async function join() {
  $('join').disabled = true;
  try {
    status('connecting');
    session = await JanusSession.create(server, onEvent);
    pubHandle = await session.attach(PLUGIN, opaqueId);
    log(`session ${session.id}, publisher handle ${pubHandle}`);
    const display = $('display').value.trim() || `guest-${Math.floor(Math.random() * 1000)}`;
    await session.message(pubHandle, { request: 'join', ptype: 'publisher', room, display });
    $('leave').disabled = false;
  } catch (e) {
    log(`error: ${e.message || e}`);
    await leave();
  }
}

// teardown releases the local side; the session may live on.
function teardown(why) {
  for (const id of [...feeds.keys()]) dropFeed(id);
  if (pubPC) { pubPC.close(); pubPC = null; }
  if (localStream) { localStream.getTracks().forEach((t) => t.stop()); localStream = null; }
  $('local').srcObject = null;
  $('myId').textContent = '-';
  status(why);
}

async function leave() {
  const s = session;
  const h = pubHandle;
  teardown('idle');
  session = null;
  pubHandle = null;
  try {
    if (s && h) await s.message(h, { request: 'leave' }).catch((e) => log(`leave: ${e.message}`));
    if (s) await s.destroy().catch((e) => log(`destroy: ${e.message}`));
  } finally {
    $('join').disabled = false;
    $('leave').disabled = true;
  }
}

$('join').onclick = join;
$('leave').onclick = leave;
window.addEventListener('beforeunload', () => { if (session) session.destroy(); });
// ?autojoin=1&display=NAME joins at once (kiosk screens, browser tests).
if (params.get('display')) $('display').value = params.get('display');
if (params.get('autojoin')) join();
