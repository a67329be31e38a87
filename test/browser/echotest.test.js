// The real janus.js EchoTest in headless Chromium against the Argus
// binary, over the HTTP long-poll and the WebSocket transports.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useArgus, waitFor } from './harness.js';

const ECHO_PREFIX = 'Janus EchoTest here! You wrote: ';

describe('janus.js EchoTest against Argus', { timeout: 180000 }, () => {
  const env = useArgus();

  for (const transport of ['http', 'ws']) {
    test(`EchoTest over ${transport}`, { timeout: 90000 }, async (t) => {
      const server = transport === 'http' ? env.argus.httpURL : env.argus.wsURL;
      const context = await env.browser.newContext();
      const page = await context.newPage();
      t.after(() => context.close());

      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(`${m.text()} ${m.location().url || ''}`.trim());
      });

      // Every Janus message the page receives, sniffed at the network level.
      const received = [];
      const collect = (msg) => { for (const m of Array.isArray(msg) ? msg : [msg]) received.push(m); };
      page.on('websocket', (ws) => ws.on('framereceived', (f) => {
        try { collect(JSON.parse(f.payload.toString())); } catch { /* not JSON */ }
      }));
      page.on('response', async (r) => {
        if (r.request().method() !== 'GET' || !r.url().startsWith(env.argus.httpURL + '/')) return;
        try { collect(await r.json()); } catch { /* aborted poll */ }
      });
      let lastRTCP = null;
      const diag = async () => `\nlast RTCP stats: ${JSON.stringify(lastRTCP)}\npage log: ${JSON.stringify(await page.evaluate(() => window.echoLog).catch(() => null))}` +
        `\nreceived: ${JSON.stringify(received)}\npage errors: ${pageErrors.join('\n')}` +
        `\nargus output (tail):\n${env.argus.output().slice(-3000)}`;

      try {
        await page.goto(`${env.statics.url}/echotest.html`);
        await page.waitForFunction(() => window.echoReady === true, null, { timeout: 10000 });
        await page.evaluate((s) => window.echoStart(s), server);

        const handleId = (await page.evaluate(() => window.echoLog)).find((e) => e.what === 'attached').detail;
        assert.ok(Number.isSafeInteger(handleId) && handleId > 0, `handle id ${handleId}`);

        await waitFor('webrtcState up', async () => (await page.evaluate(() => window.echoLog))
          .some((e) => e.what === 'webrtcState' && e.detail.on === true), 20000);

        // Inbound audio and video bytes must be non-zero and then grow.
        const first = await waitFor('inbound audio and video bytes', async () => {
          const s = await page.evaluate(() => window.echoStats());
          return s.audio > 0 && s.video > 0 ? s : null;
        }, 20000);
        const grown = await waitFor('inbound bytes to grow', async () => {
          const s = await page.evaluate(() => window.echoStats());
          return s.audio > first.audio && s.video > first.video ? s : null;
        }, 20000);
        t.diagnostic(`inbound bytes: audio ${first.audio} -> ${grown.audio}, video ${first.video} -> ${grown.video}`);

        // The server's RTCP reports reach the browser: sender reports about
        // what it echoes (remote-outbound-rtp) and receiver reports about
        // what the browser sends, with a round-trip time (remote-inbound-rtp).
        const rtcp = await waitFor('RTCP reports in the browser\'s stats', async () => {
          const s = await page.evaluate(() => window.echoRTCPStats());
          lastRTCP = s;
          const ok = (k) => s[k] && s[k].srPackets > 0 && s[k].rttMeasurements > 0;
          return ok('audio') && ok('video') ? s : null;
        }, 20000);
        t.diagnostic(`browser stats from the server's reports: ${JSON.stringify(rtcp)}`);

        // Data channel text comes back with the EchoTest prefix.
        await waitFor('data channel open', async () => (await page.evaluate(() => window.echoLog))
          .some((e) => e.what === 'dataopen'), 20000);
        await page.evaluate(() => window.echoSendData('hello from janus.js'));
        await waitFor('data channel echo', async () => (await page.evaluate(() => window.echoLog))
          .some((e) => e.what === 'data' && e.detail === ECHO_PREFIX + 'hello from janus.js'), 10000);

        // Hang up: the server confirms with a hangup event. janus.js sends
        // the "hangup" request and closes its PeerConnection at once, so its
        // DTLS close_notify races the request, on Janus as on Argus: the
        // reason is "Janus API" or "DTLS alert", whichever arrives first.
        await page.evaluate(() => window.echoHangup());
        const hangup = await waitFor('hangup event', () => received.find((m) => m.janus === 'hangup' && m.sender === handleId), 10000);
        assert.ok(['Janus API', 'DTLS alert'].includes(hangup.reason), `hangup reason ${hangup.reason}`);
        await waitFor('webrtcState down', async () => (await page.evaluate(() => window.echoLog))
          .some((e) => e.what === 'webrtcState' && e.detail.on === false), 10000);

        // Detach: success, then the detached event.
        await page.evaluate(() => window.echoDetach());
        await waitFor('detached event', () => received.find((m) => m.janus === 'detached' && m.sender === handleId), 10000);

        await page.evaluate(() => window.echoDestroy());
        assert.deepEqual(pageErrors.filter((e) => !/favicon/.test(e)), [], 'page errors');
      } catch (e) {
        e.message += await diag();
        throw e;
      }
    });
  }
});
