// Test harness: builds and starts Argus on free loopback ports, serves the
// test page and node_modules, and launches Chromium with fake media.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '..', '..');

/** CHROMIUM is the browser binary; a missing browser is a test failure. */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** sleep resolves after ms. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** waitFor polls fn until it returns a truthy value, or throws after timeoutMs. */
export async function waitFor(what, fn, timeoutMs = 20000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ': ' + last.message : ''}`);
}

/** freePort asks the kernel for an unused 127.0.0.1 TCP port. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createNetServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** argusBinary returns $ARGUS_BIN, or builds ./cmd/argus into a temp dir. */
export function argusBinary() {
  if (process.env.ARGUS_BIN) return process.env.ARGUS_BIN;
  const out = join(mkdtempSync(join(tmpdir(), 'argus-bin-')), 'argus');
  execFileSync('go', ['build', '-o', out, './cmd/argus'], { cwd: repoRoot, stdio: 'inherit' });
  return out;
}

/**
 * startArgus runs the binary on four free loopback ports (plus args, with
 * env added to the environment) and waits until GET /janus/info answers. stop() sends SIGTERM and resolves with the exit code.
 * A port freePort found can be taken by another process before Argus binds
 * it: a start that fails with "address already in use" is tried again on
 * new ports, up to three times.
 */
export async function startArgus(bin, opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startArgusOnce(bin, opts);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String(err.message))) throw err;
    }
  }
}

async function startArgusOnce(bin, { args: extraArgs = [], env = {} } = {}) {
  const ports = { http: await freePort(), ws: await freePort(), admin: await freePort(), adminWS: await freePort() };
  const args = [
    '-http', `127.0.0.1:${ports.http}`, '-ws', `127.0.0.1:${ports.ws}`,
    '-admin', `127.0.0.1:${ports.admin}`, '-admin-ws', `127.0.0.1:${ports.adminWS}`,
    '-loopback-candidates=true', '-log-level', 'debug', ...extraArgs,
  ];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((res) => proc.once('exit', (code, signal) => res(code ?? signal)));
  const httpURL = `http://127.0.0.1:${ports.http}/janus`;
  await Promise.race([
    waitFor('Argus /janus/info', async () => (await fetch(`${httpURL}/info`)).ok, 20000),
    exited.then((code) => { throw new Error(`argus exited (${code}) at startup:\n${output}`); }),
  ]);
  return {
    ports,
    httpURL,
    wsURL: `ws://127.0.0.1:${ports.ws}`,
    adminURL: `http://127.0.0.1:${ports.admin}`,
    output: () => output,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

const mimeTypes = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json' };

/** startStatic serves page/ at / and node_modules/ at /node_modules/ on 127.0.0.1. */
export async function startStatic() {
  const roots = [
    { prefix: '/node_modules/', dir: join(here, 'node_modules') },
    { prefix: '/', dir: join(here, 'page') },
  ];
  const srv = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const root = roots.find((r) => path.startsWith(r.prefix));
    const file = normalize(join(root.dir, path.slice(root.prefix.length)));
    if (!file.startsWith(root.dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'Content-Type': mimeTypes[extname(file)] || 'application/octet-stream' });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}`, close: () => new Promise((r) => srv.close(r)) };
}

/** launchChromium starts headless Chromium with fake camera and microphone. */
export function launchChromium() {
  statSync(CHROMIUM); // throws (fails the test) when the browser is missing
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
    ],
  });
}

/**
 * useArgus registers, in the calling describe block, a before hook that
 * starts Argus (with args), the test page server and Chromium, and an after
 * hook that closes them and requires Argus to exit 0 on SIGTERM. The object
 * it returns holds argus, statics and browser once the before hook ran.
 */
export function useArgus({ args = [] } = {}) {
  const env = {};
  before(async () => {
    env.argus = await startArgus(argusBinary(), { args });
    env.statics = await startStatic();
    env.browser = await launchChromium();
  });
  after(async () => {
    if (env.browser) await env.browser.close();
    if (env.statics) await env.statics.close();
    if (env.argus) {
      const code = await env.argus.stop();
      assert.equal(code, 0, `argus exit code after SIGTERM:\n${env.argus.output().slice(-4000)}`);
    }
  });
  return env;
}
