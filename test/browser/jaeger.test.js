// Traces of real janus.js sessions, judged by a real trace store: Argus
// (-otel) sends OTLP/HTTP to Jaeger v2 (built by scripts/jaeger.sh, memory
// storage, on free loopback ports) while Chromium runs two EchoTests (one
// ends normally, one loses its PeerConnection without a hangup request) and
// a 3-participant VideoRoom. Then, through Jaeger's query API
// (/api/traces), every session has exactly one trace with the deterministic
// trace id, the span tree and names of docs/OBSERVABILITY.md, every
// VideoRoom subscriber handle links to the handle span of the publisher it
// receives, and the lost PeerConnection's hangup span has error status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argusBinary, freePort, launchChromium, startArgus, startStatic, waitFor } from './harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SERVER = `argus-jaeger-${process.pid}`;
const ROOM = 1234;
const PARTICIPANTS = 3;

/**
 * jaegerBinary returns $ARGUS_JAEGER, else the path scripts/jaeger.sh builds
 * to for the version in tools/jaeger/go.mod ($ARGUS_CACHE, default
 * $XDG_CACHE_HOME/argus or ~/.cache/argus, then jaeger-<version>/jaeger).
 */
function jaegerBinary() {
  if (process.env.ARGUS_JAEGER) return process.env.ARGUS_JAEGER;
  const mod = readFileSync(resolve(here, '..', '..', 'tools', 'jaeger', 'go.mod'), 'utf8');
  const m = mod.match(/^\s*(?:require\s+)?github\.com\/jaegertracing\/jaeger\s+(v\S+)/m);
  if (!m) throw new Error('tools/jaeger/go.mod requires no github.com/jaegertracing/jaeger');
  const cache = process.env.ARGUS_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'argus');
  return join(cache, `jaeger-${m[1]}`, 'jaeger');
}

const JAEGER = jaegerBinary();
const missing = existsSync(JAEGER) ? null
  : `no Jaeger binary at ${JAEGER}: build it with \`bash scripts/jaeger.sh\` (scripts/test.sh does) or set ARGUS_JAEGER`;
// In CI a missing Jaeger fails the run (the before hook throws); elsewhere
// the suite is skipped with the message.
const skip = missing && process.env.CI !== 'true' ? missing : false;

/** traceId is otel.TraceID: the first 16 bytes of SHA-256("<server>:<session>"), hex. */
const traceId = (sessionId) => createHash('sha256').update(`${SERVER}:${sessionId}`).digest('hex').slice(0, 32);

/**
 * startJaeger runs Jaeger v2 with memory storage, OTLP/HTTP in and the query
 * API out, on free ports. A port another process takes between freePort and
 * Jaeger's bind makes Jaeger exit at startup: it then starts again on other
 * ports, three times at most.
 */
async function startJaeger() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startJaegerOnce();
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test(e.message)) throw e;
    }
  }
}

async function startJaegerOnce() {
  const ports = { otlp: await freePort(), query: await freePort(), queryGRPC: await freePort() };
  const dir = mkdtempSync(join(tmpdir(), 'argus-jaeger-'));
  const config = join(dir, 'jaeger.yaml');
  writeFileSync(config, `
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.query}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGRPC}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlp}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`);
  const proc = spawn(JAEGER, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((res) => proc.once('exit', (code, signal) => res(code ?? signal)));
  const queryURL = `http://127.0.0.1:${ports.query}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitFor('Jaeger query API', async () => (await fetch(`${queryURL}/api/services`)).ok, 60000),
      exited.then((code) => { throw new Error(`jaeger exited (${code}) at startup:\n${output}`); }),
    ]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { otlpURL: `http://127.0.0.1:${ports.otlp}`, queryURL, output: () => output, stop };
}

/** getTrace returns Jaeger's trace (data[0] of /api/traces/<id>), or null when it has none. */
async function getTrace(jaeger, id) {
  const res = await fetch(`${jaeger.queryURL}/api/traces/${id}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET /api/traces/${id}: ${res.status} ${await res.text()}`);
  const body = await res.json();
  return body.data && body.data.length ? body.data[0] : null;
}

const tag = (span, key) => {
  const t = (span.tags || []).find((x) => x.key === key);
  return t ? t.value : undefined;
};
const parentOf = (span) => (span.references || []).find((r) => r.refType === 'CHILD_OF' && r.traceID === span.traceID);
const isError = (span) => tag(span, 'error') === true || tag(span, 'otel.status_code') === 'ERROR';

/**
 * checkTree asserts one session's trace: every span in the session's trace,
 * one root "session" span (service argus), every handle span a child of it,
 * every other span a child of a handle span, and returns the spans by name.
 */
function checkTree(trace, sessionId, label) {
  const want = traceId(sessionId);
  assert.equal(trace.traceID, want, `${label}: trace id`);
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  const byName = new Map();
  for (const s of trace.spans) {
    assert.equal(s.traceID, want, `${label}: span ${s.operationName} in trace ${s.traceID}`);
    if (!byName.has(s.operationName)) byName.set(s.operationName, []);
    byName.get(s.operationName).push(s);
  }
  const roots = trace.spans.filter((s) => !parentOf(s));
  assert.deepEqual(roots.map((s) => s.operationName), ['session'], `${label}: root spans`);
  const root = roots[0];
  assert.equal(trace.processes[root.processID].serviceName, 'argus', `${label}: service`);
  assert.equal(String(tag(root, 'janus.session_id')), String(sessionId), `${label}: janus.session_id of the session span`);
  for (const s of trace.spans) {
    if (s === root) continue;
    const parent = byId.get(parentOf(s).spanID);
    assert.ok(parent, `${label}: parent of ${s.operationName} is in the trace`);
    if (s.operationName.startsWith('handle ') || s.operationName === 'verdict session') {
      assert.equal(parent, root, `${label}: ${s.operationName} is a child of the session span`);
    } else {
      assert.ok(parent.operationName.startsWith('handle '), `${label}: ${s.operationName} is a child of a handle span, not ${parent.operationName}`);
    }
  }
  // The session's verdict (telemetry/verdict): one span, its outcome an
  // attribute, error status unless "ok".
  const verdicts = byName.get('verdict session') || [];
  assert.equal(verdicts.length, 1, `${label}: one "verdict session" span`);
  const outcome = tag(verdicts[0], 'argus.verdict.outcome');
  assert.ok(OUTCOMES.includes(outcome), `${label}: verdict outcome ${outcome}`);
  assert.equal(isError(verdicts[0]), outcome !== 'ok', `${label}: verdict status for ${outcome}`);
  return byName;
}

const OUTCOMES = ['ok', 'ice-failed', 'dtls-failed', 'no-media', 'dropped', 'one-way', 'poor-quality'];

/** childrenNamed returns the names of the spans whose parent is span. */
const childNames = (trace, span) => trace.spans.filter((s) => parentOf(s)?.spanID === span.spanID).map((s) => s.operationName);

describe('traces of janus.js sessions in Jaeger v2', { timeout: 420000, skip }, () => {
  let jaeger;
  let argus;
  let statics;
  let browser;
  const echo = {}; // label → session id
  const people = []; // VideoRoom participants: { display, sessionId, id (feed) }

  before(async () => {
    if (missing) throw new Error(missing);
    jaeger = await startJaeger();
    argus = await startArgus(argusBinary(), {
      args: ['-otel', '-server-name', SERVER],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpURL,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    statics = await startStatic();
    browser = await launchChromium();
  });

  after(async () => {
    if (browser) await browser.close();
    if (statics) await statics.close();
    if (argus) await argus.stop();
    if (jaeger) await jaeger.stop();
  });

  test('EchoTest: one session ends normally, one loses its PeerConnection', { timeout: 120000 }, async () => {
    for (const how of ['normal', 'pc-lost']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${statics.url}/echotest.html`);
        await page.waitForFunction(() => window.echoReady === true, null, { timeout: 10000 });
        await page.evaluate((s) => window.echoStart(s), argus.wsURL);
        const log = () => page.evaluate(() => window.echoLog);
        echo[how] = (await log()).find((e) => e.what === 'session').detail;
        await waitFor(`${how}: webrtcState up`, async () => (await log()).some((e) => e.what === 'webrtcState' && e.detail.on), 20000);
        await waitFor(`${how}: echoed media`, async () => {
          const s = await page.evaluate(() => window.echoStats());
          return s.audio > 0 && s.video > 0;
        }, 20000);
        if (how === 'normal') {
          await page.evaluate(() => window.echoHangup());
          await page.evaluate(() => window.echoDetach());
          await page.evaluate(() => window.echoDestroy());
        } else {
          // The PeerConnection goes away without a hangup request; Argus
          // hangs up on the DTLS alert, then the session is destroyed.
          const mark = argus.output().length;
          await page.evaluate(() => window.echoClosePC());
          await waitFor(`${how}: Argus hangs up`, async () => /hangup/i.test(argus.output().slice(mark)) ||
            (await log()).some((e) => e.what === 'webrtcState' && !e.detail.on), 30000);
          await page.evaluate(() => window.echoDestroy());
        }
      } catch (e) {
        e.message += `\npage log: ${JSON.stringify(await page.evaluate(() => window.echoLog).catch(() => null))}` +
          `\nargus output (tail):\n${argus.output().slice(-3000)}`;
        throw e;
      } finally {
        await context.close();
      }
    }
  });

  test(`VideoRoom: ${PARTICIPANTS} participants publish and subscribe`, { timeout: 150000 }, async () => {
    const open = [];
    try {
      for (let i = 0; i < PARTICIPANTS; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const p = { context, page, display: `jaeger-participant-${i + 1}` };
        open.push(p);
        await page.goto(`${statics.url}/videoroom.html`);
        await page.waitForFunction(() => window.vrReady === true, null, { timeout: 10000 });
        const ids = await page.evaluate(([s, r, d]) => window.vrStart(s, r, d), [argus.wsURL, ROOM, p.display]);
        p.id = ids.id;
        p.sessionId = (await page.evaluate(() => window.vrLog)).find((e) => e.what === 'session').detail;
        await waitFor(`${p.display} publishing`, async () => (await page.evaluate(() => window.vrLog))
          .some((e) => e.what === 'publisher webrtcState' && e.detail.on === true), 20000);
      }
      for (const p of open) {
        const others = open.filter((o) => o !== p);
        await waitFor(`${p.display} receives every other feed`, async () => {
          const s = await p.page.evaluate(() => window.vrStats());
          return others.every((o) => s[o.id] && s[o.id].audio > 0 && s[o.id].video > 0);
        }, 30000);
      }
      await Promise.all(open.map((p) => p.page.evaluate(() => window.vrClose())));
      await Promise.all(open.map((p) => p.page.evaluate(() => window.vrDestroy())));
      for (const p of open) people.push({ display: p.display, sessionId: p.sessionId, id: p.id });
    } catch (e) {
      e.message += `\nargus output (tail):\n${argus.output().slice(-3000)}`;
      throw e;
    } finally {
      for (const p of open) await p.context.close();
    }
  });

  test('Jaeger stored one trace per session, the span tree, the links and the error status', { timeout: 90000 }, async (t) => {
    assert.ok(echo.normal && echo['pc-lost'] && people.length === PARTICIPANTS, 'the EchoTest and VideoRoom tests ran');
    // SIGTERM flushes the batch span processor; spans still open would be
    // ended with argus.end_reason=shutdown, which the checks below reject.
    assert.equal(await argus.stop(), 0, `argus exit code:\n${argus.output().slice(-3000)}`);
    const sessions = [echo.normal, echo['pc-lost'], ...people.map((p) => p.sessionId)];
    const traces = new Map();
    for (const sid of sessions) {
      // Jaeger stores the spans of one trace as its exporter's batches
      // arrive, so the session's verdict span (emitted after the session
      // span ended) may show up a moment later: wait for both.
      traces.set(sid, await waitFor(`trace of session ${sid} in Jaeger, with its verdict`, async () => {
        const tr = await getTrace(jaeger, traceId(sid));
        const has = (name) => tr && tr.spans.some((s) => s.operationName === name);
        return has('session') && has('verdict session') ? tr : null;
      }, 30000));
    }

    // One trace per session: the service's traces are exactly these.
    const search = await (await fetch(`${jaeger.queryURL}/api/traces?service=argus&limit=100&lookback=1h`)).json();
    assert.deepEqual(search.data.map((tr) => tr.traceID).sort(), sessions.map(traceId).sort(), 'traces of service argus');

    for (const [sid, tr] of traces) {
      for (const s of tr.spans) {
        assert.notEqual(tag(s, 'argus.end_reason'), 'shutdown', `session ${sid}: ${s.operationName} ended by the shutdown`);
      }
    }

    // EchoTest, normal end.
    {
      const tr = traces.get(echo.normal);
      const spans = checkTree(tr, echo.normal, 'EchoTest');
      const handles = spans.get('handle janus.plugin.echotest') || [];
      assert.equal(handles.length, 1, 'one EchoTest handle span');
      const ops = childNames(tr, handles[0]);
      for (const name of ['attach', 'jsep offer/answer', 'ice', 'dtls', 'first media', 'hangup']) {
        assert.ok(ops.includes(name), `EchoTest handle span has a "${name}" child: ${ops}`);
      }
      for (const name of ['ice', 'dtls', 'first media', 'jsep offer/answer']) {
        for (const s of spans.get(name)) assert.ok(!isError(s), `EchoTest ${name} span status: ${JSON.stringify(s.tags)}`);
      }
      assert.equal(tag(spans.get('session')[0], 'argus.end_reason'), 'destroyed');
      t.diagnostic(`EchoTest trace ${tr.traceID}: ${tr.spans.length} spans`);
    }

    // EchoTest whose PeerConnection was lost: the hangup span is an error.
    {
      const tr = traces.get(echo['pc-lost']);
      const spans = checkTree(tr, echo['pc-lost'], 'EchoTest (PeerConnection lost)');
      const hangups = spans.get('hangup') || [];
      assert.equal(hangups.length, 1, 'one hangup span');
      const h = hangups[0];
      assert.ok(isError(h), `hangup span status is Error: ${JSON.stringify(h.tags)}`);
      assert.match(String(tag(h, 'otel.status_description')), /^hangup: /, 'status description');
      assert.match(String(tag(h, 'janus.hangup.reason')), /DTLS alert|ICE failed|DTLS error/, 'hangup reason');
      t.diagnostic(`lost PeerConnection: hangup span "${tag(h, 'otel.status_description')}"`);
    }

    // VideoRoom: each participant's trace has its publisher handle (join,
    // publish) and a subscriber handle per other feed (subscribe), linked to
    // that feed's publisher handle span in the publisher's trace.
    const publisherSpan = new Map(); // feed id → { traceID, spanID }
    for (const p of people) {
      const tr = traces.get(p.sessionId);
      const spans = checkTree(tr, p.sessionId, p.display);
      const handles = spans.get('handle janus.plugin.videoroom') || [];
      const pubs = handles.filter((s) => tag(s, 'janus.videoroom.role') === 'publisher');
      assert.equal(pubs.length, 1, `${p.display}: one publisher handle span`);
      assert.equal(String(tag(pubs[0], 'janus.videoroom.feed_id')), String(p.id), `${p.display}: feed id`);
      for (const name of ['attach', 'join', 'publish', 'ice', 'dtls']) {
        assert.ok(childNames(tr, pubs[0]).includes(name), `${p.display}: publisher "${name}" span`);
      }
      publisherSpan.set(p.id, { traceID: tr.traceID, spanID: pubs[0].spanID });
    }
    for (const p of people) {
      const tr = traces.get(p.sessionId);
      const subs = tr.spans.filter((s) => s.operationName === 'handle janus.plugin.videoroom' &&
        tag(s, 'janus.videoroom.role') === 'subscriber');
      const others = people.filter((o) => o !== p);
      assert.equal(subs.length, others.length, `${p.display}: one subscriber handle per other feed`);
      const linked = [];
      for (const s of subs) {
        assert.ok(childNames(tr, s).includes('subscribe'), `${p.display}: subscriber handle has a "subscribe" span`);
        const links = (s.references || []).filter((r) => r !== parentOf(s));
        assert.equal(links.length, 1, `${p.display}: subscriber handle links: ${JSON.stringify(s.references)}`);
        const to = [...publisherSpan].find(([, ps]) => ps.traceID === links[0].traceID && ps.spanID === links[0].spanID);
        assert.ok(to, `${p.display}: link ${JSON.stringify(links[0])} points at a publisher handle span`);
        linked.push(to[0]);
      }
      assert.deepEqual(linked.sort(), others.map((o) => o.id).sort(), `${p.display}: links to the feeds it received`);
    }
    t.diagnostic(`${traces.size} traces, ${[...traces.values()].reduce((n, tr) => n + tr.spans.length, 0)} spans`);
  });
});
