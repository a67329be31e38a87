// Argus's own embedded EchoTest demo (web/echotest.html and its
// janusclient.js) in headless Chromium, over HTTP long poll and WebSocket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { argusBinary, launchChromium, startArgus, waitFor } from './harness.js';

const num = (s) => Number(String(s).replace(/[^0-9]/g, ''));

describe('Argus demo page EchoTest', { timeout: 120000 }, () => {
  let argus;
  let browser;

  before(async () => {
    argus = await startArgus(argusBinary());
    browser = await launchChromium();
  });

  after(async () => {
    if (browser) await browser.close();
    if (argus) assert.equal(await argus.stop(), 0, 'argus exit code after SIGTERM');
  });

  for (const transport of ['http', 'ws']) {
    test(`demo over ${transport}`, { timeout: 60000 }, async (t) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      t.after(() => context.close());
      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const query = transport === 'ws' ? `?transport=ws&wsport=${argus.ports.ws}` : '';
      const origin = argus.httpURL.replace(/\/janus$/, '');
      try {
        await page.goto(`${origin}/echotest.html${query}`);
        await page.click('#start');
        const bytes = async () => ({
          audio: num(await page.textContent('#audioBytes')),
          video: num(await page.textContent('#videoBytes')),
        });
        const first = await waitFor('inbound bytes on the page', async () => {
          const b = await bytes();
          return b.audio > 0 && b.video > 0 ? b : null;
        }, 20000);
        await waitFor('inbound bytes to grow', async () => {
          const b = await bytes();
          return b.audio > first.audio && b.video > first.video;
        }, 20000);
        await page.waitForSelector('#dcText:not([disabled])', { timeout: 10000 });
        await page.fill('#dcText', 'hi demo');
        await page.click('#dcSend');
        await waitFor('data channel echo', async () => (await page.textContent('#dcEcho')) === 'Janus EchoTest here! You wrote: hi demo', 10000);
        await page.click('#hangup');
        await waitFor('back to idle', async () => (await page.textContent('#status')) === 'idle', 10000);
        const log = await page.textContent('#log');
        assert.match(log, /webrtcup/);
        assert.match(log, /hangup \(Janus API\)|detached/);
        assert.deepEqual(pageErrors, []);
      } catch (e) {
        e.message += `\npage log:\n${await page.textContent('#log').catch(() => '')}\nargus:\n${argus.output().slice(-2000)}`;
        throw e;
      }
    });
  }
});
