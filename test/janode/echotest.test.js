// Meetecho's Janode (a third-party Janus client, npm "janode") with the
// werift WebRTC stack runs an EchoTest against Argus over the WebSocket
// transport and over the Unix socket transport (Janode speaks SOCK_DGRAM),
// asserting that RTP came back, and makes Admin API calls over both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import Janode from 'janode';
import EchoTestPlugin from 'janode/plugins/echotest';
import { RTCPeerConnection, MediaStreamTrack, RtpPacket, RtpHeader } from 'werift';

const ADMIN_SECRET = 'janode-admin-secret';
const STEP = 20_000; // ms, generous: the machine is shared
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let dir, argus, addrs = {};

// withTimeout rejects when p does not settle within ms.
function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); }),
  ]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-janode-'));
  let bin = process.env.ARGUS_BIN; // scripts/test.sh builds it once
  if (!bin) {
    bin = join(dir, 'argus');
    execFileSync('go', ['build', '-o', bin, './cmd/argus'], { cwd: repo, stdio: 'inherit' });
  }
  argus = spawn(bin, [
    '-http', '', '-admin', '',
    '-ws', '127.0.0.1:0', '-admin-ws', '127.0.0.1:0', '-admin-secret', ADMIN_SECRET,
    '-unix', join(dir, 'janus.sock'), '-unix-type', 'SOCK_DGRAM',
    '-admin-unix', join(dir, 'admin.sock'), '-admin-unix-type', 'SOCK_DGRAM',
    '-metrics=false', '-history=false',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  // "level=INFO msg=listening listener=ws addr=127.0.0.1:PORT" for each listener.
  await withTimeout(new Promise((resolve, reject) => {
    let buf = '';
    argus.on('exit', code => reject(new Error(`argus exited with ${code}: ${buf}`)));
    argus.stderr.on('data', chunk => {
      buf += chunk;
      for (const m of buf.matchAll(/msg=listening listener=(\S+) addr=(\S+)/g)) addrs[m[1]] = m[2];
      if (addrs.ws && addrs['admin-ws'] && buf.includes('transport started')) resolve();
    });
  }), 60_000, 'argus start');
});

after(() => {
  argus?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const janusURL = kind => kind === 'ws' ? `ws://${addrs.ws}/` : `file://${join(dir, 'janus.sock')}`;
const adminURL = kind => kind === 'ws' ? `ws://${addrs['admin-ws']}/` : `file://${join(dir, 'admin.sock')}`;

// gathered resolves when werift finished gathering (the offer then
// carries every candidate: Argus answers half-trickle, as Janus).
function gathered(pc) {
  return new Promise(resolve => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.iceGatheringStateChange.subscribe(s => { if (s === 'complete') resolve(); });
  });
}

async function echoTest(kind) {
  const connection = await withTimeout(Janode.connect({ address: { url: janusURL(kind) }, max_retries: 3 }), STEP, 'connect');
  try {
    const info = await withTimeout(connection.getInfo(), STEP, 'info');
    assert.equal(info.version, 1102);
    assert.ok(info.transports['janus.transport.pfunix'] && info.transports['janus.transport.websockets']);
    const session = await withTimeout(connection.create(), STEP, 'create');
    const handle = await withTimeout(session.attach(EchoTestPlugin), STEP, 'attach');
    const webrtcup = new Promise(resolve => handle.once(Janode.EVENT.HANDLE_WEBRTCUP, resolve));

    const pc = new RTCPeerConnection({});
    const track = new MediaStreamTrack({ kind: 'audio' });
    const transceiver = pc.addTransceiver(track, { direction: 'sendrecv' });
    let echoed = 0;
    pc.onTrack.subscribe(remote => remote.onReceiveRtp.subscribe(() => { echoed++; }));
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const { jsep } = await withTimeout(handle.start({ audio: true, video: false, jsep: { type: 'offer', sdp: pc.localDescription.sdp } }), STEP, 'echotest start');
    assert.equal(jsep.type, 'answer');
    await pc.setRemoteDescription(jsep);
    await withTimeout(webrtcup, STEP, 'webrtcup');

    // Opus-sized RTP every 20 ms until 25 packets came back.
    const pt = transceiver.codecs[0].payloadType;
    let seq = 0;
    const sender = setInterval(() => {
      seq++;
      const header = new RtpHeader({ payloadType: pt, sequenceNumber: seq & 0xffff, timestamp: seq * 960, ssrc: 4242, marker: false });
      track.writeRtp(new RtpPacket(header, Buffer.alloc(80, 0x11)));
    }, 20);
    try {
      await withTimeout(new Promise(resolve => {
        const poll = setInterval(() => { if (echoed >= 25) { clearInterval(poll); resolve(); } }, 50);
      }), STEP, `25 echoed packets over ${kind} (got ${echoed})`);
    } finally {
      clearInterval(sender);
    }
    assert.ok(echoed >= 25);

    await withTimeout(handle.detach(), STEP, 'detach');
    await withTimeout(session.destroy(), STEP, 'destroy');
    await pc.close();
  } finally {
    await connection.close().catch(() => {});
  }
}

async function adminCalls(kind) {
  const admin = await withTimeout(Janode.connect({ is_admin: true, address: { url: adminURL(kind), apisecret: ADMIN_SECRET }, max_retries: 3 }), STEP, 'admin connect');
  const user = await withTimeout(Janode.connect({ address: { url: janusURL(kind) }, max_retries: 3 }), STEP, 'connect');
  try {
    const session = await withTimeout(user.create(), STEP, 'create');
    const handle = await withTimeout(session.attach(EchoTestPlugin), STEP, 'attach');
    const { sessions } = await withTimeout(admin.listSessions(), STEP, 'list_sessions');
    assert.ok(sessions.includes(session.id), `list_sessions ${sessions} lacks ${session.id}`);
    const { handles } = await withTimeout(admin.listHandles(session.id), STEP, 'list_handles');
    assert.ok(handles.includes(handle.id));
    const { info } = await withTimeout(admin.handleInfo(session.id, handle.id), STEP, 'handle_info');
    assert.equal(info.plugin, 'janus.plugin.echotest');
    await withTimeout(session.destroy(), STEP, 'destroy');
  } finally {
    await user.close().catch(() => {});
    await admin.close().catch(() => {});
  }
}

for (const kind of ['ws', 'unix']) {
  test(`EchoTest over ${kind}`, { timeout: 120_000 }, () => echoTest(kind));
  test(`Admin API over ${kind}`, { timeout: 60_000 }, () => adminCalls(kind));
}
