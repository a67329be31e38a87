// The event console in headless Chromium against the Argus binary: a real
// janus.js EchoTest and a two-participant VideoRoom run in their own pages,
// then the console (on the Admin listener, guarded by an admin secret of
// its own) must ask for the secret and show nothing before it, list the
// sessions with display name, room, client address, duration and state,
// chart the EchoTest's media reports, update the open timeline live, list
// the room's participants and streams, link the trace and Homer ids, and
// load without a single 404 or failed request.
//
// UPDATE_SCREENSHOTS=1 writes the screenshots into docs/img/ (the ones
// docs/CONSOLE.md shows); otherwise they go to a temporary directory.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, useArgus, waitFor } from './harness.js';

const SECRET = 'console-browser-test-secret';
const JAEGER = 'http://127.0.0.1:16686';
const HOMER = 'http://127.0.0.1:9080/search?correlation_id={cid}';
const ROOM = 1234;
const here = fileURLToPath(new URL('.', import.meta.url));
const shotDir = process.env.UPDATE_SCREENSHOTS ? resolve(here, '..', '..', 'docs', 'img') : mkdtempSync(join(tmpdir(), 'argus-console-'));
mkdirSync(shotDir, { recursive: true });

// Columns of the console's session list.
const COL = { session: 0, display: 1, room: 2, address: 3, plugins: 4, started: 5, duration: 6, state: 7, verdict: 8, events: 9 };
const OUTCOMES = ['ok', 'ice-failed', 'dtls-failed', 'no-media', 'dropped', 'one-way', 'poor-quality'];

describe('event console against Argus', { timeout: 540000 }, () => {
  const env = useArgus({ args: [
    '-admin-secret', SECRET,
    '-sink-opt', `history.jaeger_url=${JAEGER}`,
    '-sink-opt', `history.homer_url=${HOMER}`,
    '-log-level', 'info', // the harness's debug logs cost CPU this test needs
    '-session-timeout', '600', // on a loaded machine a long poll can miss the 60 s keep-alive
  ] });

  test('sessions, charts, live timeline, rooms and links', { timeout: 480000 }, async (t) => {
    const contexts = [];
    t.after(async () => { for (const c of contexts) await c.close(); });
    const newPage = async (viewport) => {
      const context = await env.browser.newContext(viewport ? { viewport } : {});
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(60000); // a loaded machine: generous, never a timing assertion
      page.setDefaultNavigationTimeout(60000);
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e.message));
      return page;
    };

    // An EchoTest over HTTP long poll.
    const echo = await newPage();
    await echo.goto(`${env.statics.url}/echotest.html`);
    await echo.waitForFunction(() => window.echoReady === true, null, { timeout: 60000 });
    await echo.evaluate((s) => window.echoStart(s), env.argus.httpURL);
    const echoLog = () => echo.evaluate(() => window.echoLog);
    await waitFor('EchoTest webrtcState up', async () => (await echoLog()).some((e) => e.what === 'webrtcState' && e.detail.on === true), 60000);
    const echoSession = (await echoLog()).find((e) => e.what === 'session');
    const echoHandle = (await echoLog()).find((e) => e.what === 'attached').detail;

    // Two VideoRoom participants over HTTP: each publishes and subscribes to the other.
    const people = [];
    for (const display of ['Alice', 'Bob']) {
      const page = await newPage();
      await page.goto(`${env.statics.url}/videoroom.html`);
      await page.waitForFunction(() => window.vrReady === true, null, { timeout: 60000 });
      const ids = await page.evaluate(([s, r, d]) => window.vrStart(s, r, d), [env.argus.httpURL, ROOM, display]);
      const session = (await page.evaluate(() => window.vrLog)).find((e) => e.what === 'session').detail;
      people.push({ page, display, id: ids.id, session });
    }
    for (const p of people) {
      await waitFor(`${p.display} subscribed to the other`, async () => {
        const st = await p.page.evaluate(() => window.vrState());
        return st.feeds.some((f) => f.handle && f.display !== p.display);
      }, 60000);
    }

    // The console: first without the secret.
    const con = await newPage({ width: 1280, height: 900 });
    const bad = []; // 404s and failed requests
    const unauthorized = [];
    con.on('response', (r) => {
      if (r.status() === 401) unauthorized.push(r.url());
      else if (r.status() >= 400) bad.push(`${r.status()} ${r.url()}`);
    });
    con.on('requestfailed', (r) => bad.push(`failed ${r.url()} ${r.failure() && r.failure().errorText}`));
    con.on('console', (m) => { if (m.type() === 'error' && !/401/.test(m.text())) con.errors.push(m.text()); });
    const diag = async () => `\nbad requests: ${bad.join('\n')}\n401: ${unauthorized.join(' ')}\npage errors: ${con.errors.join('\n')}` +
      `\nstatus: ${await con.textContent('#status').catch(() => '?')}` +
      `\nargus output (tail):\n${env.argus.output().slice(-3000)}`;

    try {
    await con.goto(`${env.argus.adminURL}/console/`);
    await con.waitForSelector('#auth-card', { state: 'visible', timeout: 60000 });
    assert.ok(unauthorized.some((u) => u.endsWith('/console/api/config')), `the console asked the API and got 401: ${unauthorized}`);
    assert.equal(await con.locator('#sessions tbody tr').count(), 0, 'no session shown without the secret');
    const before = await con.content();
    for (const secretish of [String(echoSession.detail), 'Alice', 'videoroomtest-']) {
      assert.ok(!before.includes(secretish), `the page shows ${secretish} without the secret`);
    }
    // The stylesheet applied (a styled header, not the browser default).
    const headerBg = await con.evaluate(() => getComputedStyle(document.querySelector('header')).backgroundColor);
    assert.equal(headerBg, 'rgb(29, 35, 48)', 'header styled by style.css');
    await con.locator('#auth-card').screenshot({ path: join(shotDir, 'console-secret.png') });

    await con.fill('#auth-secret', 'wrong');
    await con.click('#auth-form button');
    await waitFor('"Wrong secret."', async () => (await con.textContent('#auth-error')) === 'Wrong secret.', 60000);
    await con.fill('#auth-secret', SECRET);
    await con.click('#auth-form button');
    await con.waitForSelector('#auth-card', { state: 'hidden', timeout: 60000 });

    // The session list: one EchoTest and two VideoRoom sessions, with their columns.
    const rows = async () => con.$$eval('#sessions tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const rowOf = async (id) => (await rows()).find((r) => r[COL.session] === String(id));
      await waitFor('three sessions listed', async () => {
        const r = await rows();
        return [echoSession.detail, ...people.map((p) => p.session)].every((id) => r.some((x) => x[COL.session] === String(id)));
      }, 60000);
      const er = await rowOf(echoSession.detail);
      assert.equal(er[COL.plugins], 'echotest');
      assert.match(er[COL.address], /^127\.0\.0\.1:\d+$/, 'EchoTest client address');
      assert.match(er[COL.duration], /^\d+(s|m\d\ds)$/, 'EchoTest duration');
      // The state column follows the PeerConnection as the page saw it (on
      // a loaded machine ICE consent can fail and the PC hang up early).
      const echoUp = async () => (await echoLog()).filter((e) => e.what === 'webrtcState').pop().detail.on;
      await waitFor('EchoTest state column as the page sees the PC', async () =>
        (await rowOf(echoSession.detail))[COL.state] === ((await echoUp()) ? 'connected' : 'hangup'), 60000);
      for (const p of people) {
        const r = await rowOf(p.session);
        assert.equal(r[COL.display], p.display, `${p.display} display name`);
        assert.equal(r[COL.room], String(ROOM), `${p.display} room`);
        assert.match(r[COL.address], /^127\.0\.0\.1:\d+$/, `${p.display} client address`);
        assert.ok(['connected', 'hangup'].includes(r[COL.state]), `${p.display} state ${r[COL.state]}`);
        assert.equal(r[COL.plugins], 'videoroom');
      }

      // The room view lists both participants, their streams and subscriptions.
      const room = con.locator(`#rooms .room[data-room="${ROOM}"]`);
      await waitFor('room view', async () => {
        const text = await room.textContent();
        return people.every((p) => text.includes(p.display)) && /2 publishers, 2 subscriptions/.test(text);
      }, 60000);
      const parts = await room.locator('tr.participant').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
      for (const p of people) {
        const row = parts.find((r) => r[0] === p.display);
        assert.ok(row, `${p.display} in the room view: ${JSON.stringify(parts)}`);
        assert.equal(row[1], 'publisher');
        assert.equal(row[2], String(p.id));
        assert.match(row[5], /audio opus/, `${p.display} streams`);
        assert.match(row[5], /video vp8/, `${p.display} streams`);
        assert.equal(row[6], 'publishing');
      }
      assert.equal(parts.filter((r) => r[1] === 'subscriber').length, 2, 'one subscription per participant');
      await sleep(1000);
      await con.locator('#rooms-card').screenshot({ path: join(shotDir, 'console-rooms.png') });

      // One session: charts with points, links, a timeline that grows live.
      await con.click(`#sessions tbody tr[data-session="${echoSession.detail}"]`);
      await con.waitForSelector('#session-card', { state: 'visible', timeout: 60000 });
      const points = async () => con.$$eval('#charts .chart', (charts) => Object.fromEntries(charts.map((c) =>
        [c.dataset.metric, [...c.querySelectorAll('path.series')].map((p) => Number(p.dataset.points))])));
      await waitFor('every chart with a line of 3+ points', async () => {
        const p = await points();
        return ['loss', 'jitter', 'rtt', 'bitrate'].every((m) => (p[m] || []).some((n) => n >= 3));
      }, 60000);
      const bitratePath = await con.getAttribute('#charts .chart[data-metric="bitrate"] path.series', 'd');
      assert.match(bitratePath, /^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+){2,}$/, 'bitrate path');
      const traceHref = await con.getAttribute('#trace-link a', 'href');
      assert.match(traceHref, new RegExp(`^${JAEGER}/trace/[0-9a-f]{32}$`), 'Jaeger link');
      const homerHref = await con.getAttribute('#homer-link a', 'href');
      assert.equal(homerHref, HOMER.replace('{cid}', String(echoSession.detail)), 'Homer link');

      const liveCount = async () => Number((await con.textContent('#timeline-live')).split(' ')[0]);
      const n0 = await liveCount();
      await waitFor('timeline grows with media reports', async () => (await liveCount()) > n0 + 1, 60000);
      assert.ok(await con.locator('#timeline li.group').count() >= 1, 'media reports collapsed into groups');
      // A lifecycle event shows up in the open timeline without a reload.
      const wasUp = await echoUp();
      const hangupsBefore = await con.locator('#timeline li', { hasText: 'connection: hangup' }).count();
      assert.equal(hangupsBefore, wasUp ? 0 : 1, 'hangups in the timeline before ours');
      await sleep(1500);
      await con.locator('#session-card').screenshot({ path: join(shotDir, 'console-session.png') });
      if (!wasUp) t.diagnostic('the EchoTest PC had hung up already: its hangup is the one checked');
      await echo.evaluate(() => window.echoHangup());
      await waitFor('hangup in the open timeline', async () =>
        (await con.locator('#timeline li', { hasText: 'connection: hangup' }).count()) > 0, 60000);
      await waitFor('state column says hangup', async () => (await rowOf(echoSession.detail))[COL.state] === 'hangup', 60000);
      // The hung-up PeerConnection is judged (telemetry/verdict) once its
      // final report is in: the verdict column shows the outcome.
      await waitFor('verdict column after the hangup', async () =>
        OUTCOMES.includes((await rowOf(echoSession.detail))[COL.verdict]), 60000);
      assert.ok((await con.locator('#session-verdict').textContent()).length > 0, 'the verdict findings on the session page');

      // The live tail keeps lifecycle events in view: media reports are grouped.
      const tailItems = await con.$$eval('#tail li', (lis) => lis.map((li) => li.className));
      assert.ok(tailItems.some((c) => c.includes('group')), 'media reports grouped in the tail');
      assert.ok(tailItems.filter((c) => !c.includes('t32')).length >= 1, 'lifecycle events in the tail');
      // Filters: with only "session" events on, the timeline shows only those.
      await con.click('#timeline-types label:has-text("media")');
      assert.equal(await con.locator('#timeline li.group').count(), 0, 'media filter removes the groups');
      await con.click('#timeline-types label:has-text("media")');

      await con.evaluate(() => window.scrollTo(0, 0));
      await con.screenshot({ path: join(shotDir, 'console-overview.png') });
      assert.deepEqual(bad, [], 'no 404 or failed request' + await diag());
      assert.deepEqual(con.errors, [], 'no page error' + await diag());
      t.diagnostic(`screenshots in ${shotDir}`);
    } catch (err) {
      err.message += await diag();
      throw err;
    }
  });
});
