// The Argus EchoTest demo: camera and microphone to janus.plugin.echotest
// and back, with the Janus API client in janusclient.js.
import { JanusSession, pageServer } from './janusclient.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const { url: server, label: serverLabel } = pageServer(params);
$('transport').textContent = serverLabel;

let session = null;
let handle = null;
let pc = null;
let dc = null;
let localStream = null;
let statsTimer = null;

function log(text) {
  const line = `${new Date().toISOString().slice(11, 23)} ${text}\n`;
  $('log').textContent += line;
  $('log').scrollTop = $('log').scrollHeight;
}

function status(text) { $('status').textContent = text; }

function onEvent(msg) {
  switch (msg.janus) {
    case 'event': {
      const data = msg.plugindata?.data || {};
      log(`event ${JSON.stringify(data)}${msg.jsep ? ' + ' + msg.jsep.type : ''}`);
      if (msg.jsep && pc) pc.setRemoteDescription(msg.jsep).catch((e) => log(`setRemoteDescription: ${e}`));
      if (data.result === 'done') teardown('plugin done');
      break;
    }
    case 'webrtcup': log('webrtcup: PeerConnection is up'); status('connected'); break;
    case 'media': log(`media ${msg.type} receiving=${msg.receiving}`); break;
    case 'hangup': log(`hangup (${msg.reason || 'no reason'})`); teardown('hung up'); break;
    case 'detached': log('detached'); break;
    case 'timeout': log('session timed out'); teardown('timed out'); break;
    default: log(`${msg.janus} ${JSON.stringify(msg)}`);
  }
}

async function start() {
  $('start').disabled = true;
  try {
    status('connecting');
    session = await JanusSession.create(server, onEvent);
    log(`session ${session.id}`);
    handle = await session.attach('janus.plugin.echotest', `echotest-${Math.random().toString(36).slice(2, 14)}`);
    log(`handle ${handle} (janus.plugin.echotest)`);

    localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    $('local').srcObject = localStream;

    pc = new RTCPeerConnection({ iceServers: [] });
    for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
    pc.ontrack = (ev) => { $('remote').srcObject = ev.streams[0] || new MediaStream([ev.track]); };
    pc.onicecandidate = (ev) => {
      if (session && handle) session.trickle(handle, ev.candidate).catch((e) => log(`trickle: ${e}`));
    };
    pc.onconnectionstatechange = () => log(`PeerConnection ${pc?.connectionState}`);
    dc = pc.createDataChannel('JanusDataChannel');
    dc.onopen = () => { $('dcText').disabled = false; $('dcSend').disabled = false; };
    dc.onmessage = (ev) => { $('dcEcho').textContent = ev.data; };

    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const res = await session.message(handle, { audio: true, video: true }, { type: offer.type, sdp: offer.sdp });
    log(`message: ${res.janus}${res.hint ? ' (' + res.hint + ')' : ''}`);

    statsTimer = setInterval(showStats, 1000);
    $('hangup').disabled = false;
  } catch (e) {
    log(`error: ${e.message || e}`);
    await stop();
  }
}

async function showStats() {
  if (!pc) return;
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'audio') $('audioBytes').textContent = s.bytesReceived.toLocaleString();
    if (s.kind === 'video') $('videoBytes').textContent = s.bytesReceived.toLocaleString();
  });
}

// teardown releases the local media side; the session may live on.
function teardown(why) {
  clearInterval(statsTimer);
  statsTimer = null;
  if (pc) { pc.close(); pc = null; }
  dc = null;
  if (localStream) { localStream.getTracks().forEach((t) => t.stop()); localStream = null; }
  $('dcText').disabled = true;
  $('dcSend').disabled = true;
  $('hangup').disabled = true;
  status(why);
}

// stop hangs up, detaches and destroys the session.
async function stop() {
  const s = session;
  const h = handle;
  session = null;
  handle = null;
  try {
    if (s && h) {
      await s.hangup(h).catch((e) => log(`hangup: ${e.message}`));
      await s.detach(h).catch((e) => log(`detach: ${e.message}`));
    }
    if (s) await s.destroy().catch((e) => log(`destroy: ${e.message}`));
  } finally {
    teardown('idle');
    $('start').disabled = false;
  }
}

$('start').onclick = start;
$('hangup').onclick = stop;
$('dcForm').onsubmit = (ev) => {
  ev.preventDefault();
  if (dc && dc.readyState === 'open' && $('dcText').value) {
    dc.send($('dcText').value);
    $('dcText').value = '';
  }
};
window.addEventListener('beforeunload', () => { if (session) session.destroy(); });
