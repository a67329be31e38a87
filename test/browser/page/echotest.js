// Drives the EchoTest with the real janus.js, the way Janus's own
// echotest demo does. The Node test calls the window.echo* functions
// through Playwright and reads window.echoLog.
import Janus from '/node_modules/janus-gateway/npm/dist/janus.es.js';
import { newLog, openSession } from '/session.js';

const record = newLog('echoLog');
let janus = null;
let echotest = null;

// echoStart creates the session, attaches janus.plugin.echotest, captures
// fake audio+video, offers with {audio:true, video:true} and resolves once
// the answer has been applied.
window.echoStart = (server) => new Promise((resolve, reject) => {
  openSession(server, false, record, (j) => {
    janus = j;
    janus.attach({
      plugin: 'janus.plugin.echotest',
      opaqueId: 'echotest-' + Janus.randomString(12),
      success: (handle) => {
        echotest = handle;
        record('attached', handle.getId());
        echotest.createOffer({
          tracks: [
            { type: 'audio', capture: true, recv: true },
            { type: 'video', capture: true, recv: true },
            { type: 'data' },
          ],
          success: (jsep) => {
            record('offer', jsep.type);
            echotest.send({ message: { audio: true, video: true }, jsep });
          },
          error: (err) => reject(new Error('createOffer: ' + err)),
        });
      },
      error: (err) => reject(new Error('attach: ' + err)),
      onmessage: (msg, jsep) => {
        record('message', msg);
        if (jsep) {
          echotest.handleRemoteJsep({
            jsep,
            success: () => { record('answer applied', jsep.type); resolve(); },
            error: (err) => reject(new Error('handleRemoteJsep: ' + err)),
          });
        }
        if (msg.error) reject(new Error('echotest: ' + msg.error));
      },
      iceState: (state) => record('iceState', state),
      webrtcState: (on, reason) => record('webrtcState', { on, reason: reason || null }),
      mediaState: (medium, on, mid) => record('mediaState', { medium, on, mid }),
      onremotetrack: (track, mid, on) => {
        record('remotetrack', { kind: track.kind, mid, on });
        if (on && track.kind === 'video') {
          document.getElementById('remote').srcObject = new MediaStream([track]);
        }
      },
      ondataopen: (label) => record('dataopen', label),
      ondata: (data) => record('data', data),
      oncleanup: () => record('cleanup'),
      ondetached: () => record('ondetached'),
    });
  }, (err) => reject(new Error('session: ' + err)));
});

// echoStats returns the inbound audio and video bytesReceived of the
// handle's PeerConnection (RTCPeerConnection.getStats()).
window.echoStats = async () => {
  const pc = echotest && echotest.webrtcStuff && echotest.webrtcStuff.pc;
  const out = { audio: 0, video: 0 };
  if (!pc) return out;
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && (s.kind === 'audio' || s.kind === 'video')) out[s.kind] += s.bytesReceived || 0;
  });
  return out;
};

// echoRTCPStats returns, per kind, what the browser learnt from the
// server's RTCP reports: from its sender reports the remote-outbound-rtp
// packetsSent, from its receiver reports the remote-inbound-rtp
// packetsLost and round-trip time measurements (which need the report to
// echo one of the browser's own sender reports, LSR/DLSR).
window.echoRTCPStats = async () => {
  const pc = echotest && echotest.webrtcStuff && echotest.webrtcStuff.pc;
  const out = {};
  if (!pc) return out;
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type !== 'remote-outbound-rtp' && s.type !== 'remote-inbound-rtp') return;
    const k = out[s.kind] || (out[s.kind] = {});
    if (s.type === 'remote-outbound-rtp') {
      k.srPackets = s.packetsSent;
      k.srReports = s.reportsSent;
    } else {
      k.rrLost = s.packetsLost;
      k.rttMeasurements = s.roundTripTimeMeasurements;
      k.rtt = s.roundTripTime;
    }
  });
  return out;
};

// echoSendData sends text on the data channel.
window.echoSendData = (text) => new Promise((resolve, reject) => {
  echotest.data({ text, success: resolve, error: (e) => reject(new Error('data: ' + e)) });
});

// echoHangup sends a Janus hangup (janus.js cleans up locally at once).
window.echoHangup = () => { echotest.hangup(true); };

// echoClosePC closes the PeerConnection without a Janus hangup request,
// as a crashed or killed tab would: the server sees the DTLS alert.
window.echoClosePC = () => { echotest.webrtcStuff.pc.close(); };

// echoDetach detaches the handle; resolves on the detach success.
window.echoDetach = () => new Promise((resolve, reject) => {
  echotest.detach({ success: resolve, error: (e) => reject(new Error('detach: ' + e)) });
});

// echoDestroy destroys the session.
window.echoDestroy = () => new Promise((resolve, reject) => {
  janus.destroy({ success: resolve, error: (e) => reject(new Error('destroy: ' + e)) });
});

window.echoReady = true;
