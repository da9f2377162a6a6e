// End-to-end test of baton-server's live status page (admin port `/`, docs/ADMIN.md)
// in headless Chromium: a real baton-server, real baton-clients in two rings, the
// page's rows against the server's own /rings/NAME, a dropped stream, a ring that
// goes away, and a screenshot.
//
//   node status_page.mjs --server-bin PATH --client-bin PATH [--out PNG] [--chromium PATH] [--page HTML] [--settle S]
//
// --page serves that HTML at / (with the server's headers) instead of the one
// compiled into the binary: for trying an edited page before a rebuild.
// --settle waits S seconds more before the screenshot (a fuller sparkline, for docs).
//
// Exit 0 pass, 1 fail, 77 skip (no playwright-core, no Chromium). Every child is
// killed on exit; the whole run is bounded by a hard 90 s timeout.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

const HARD_TIMEOUT_MS = 90_000;
const SKIP = 77;

const { values: opt } = parseArgs({
  options: {
    'server-bin': { type: 'string' },
    'client-bin': { type: 'string' },
    out: { type: 'string' },
    chromium: { type: 'string' },
    page: { type: 'string' },
    settle: { type: 'string', default: '0' },  // seconds more of sparkline before the screenshot (docs)  // serve this HTML at / instead of the binary's (with the server's headers)
  },
});

const children = new Set();
let browser = null;
let proxy = null;
const logTail = [];
const started = Date.now();
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`, ...a);

function remember(who, chunk) {
  for (const line of String(chunk).split('\n')) {
    if (line) logTail.push(`${who}: ${line}`);
  }
  while (logTail.length > 60) logTail.shift();
}

function killAll(signal = 'SIGKILL') {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try { c.kill(signal); } catch { /* already gone */ }
    }
  }
}
process.on('exit', () => killAll('SIGKILL'));

async function finish(code, why) {
  if (code === 0) log('PASS');
  else if (code === SKIP) log(`SKIP: ${why}`);
  else {
    log(`FAIL: ${why}`);
    if (logTail.length) console.log('--- last output of the server and clients ---\n' + logTail.join('\n'));
  }
  const closing = browser ? browser.close().catch(() => {}) : Promise.resolve();
  await Promise.race([closing, sleep(3000)]);
  if (proxy) proxy.close();
  killAll('SIGCONT');
  killAll('SIGTERM');
  await sleep(200);
  killAll('SIGKILL');
  process.exit(code);
}
const fail = (why) => finish(1, why);

const hardMs = HARD_TIMEOUT_MS + Math.max(0, +opt.settle || 0) * 1000;
const hard = setTimeout(() => fail(`hard timeout of ${hardMs / 1000} s`), hardMs);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => fail(`got ${sig}`));
process.on('unhandledRejection', (e) => fail(`unhandled: ${e && e.stack || e}`));

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function until(what, fn, timeoutMs = 10_000, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` + (last instanceof Error ? ` (${last.message})` : ''));
    await sleep(everyMs);
  }
}

function check(cond, what) {
  if (!cond) throw new Error(what);
  log(`ok: ${what}`);
}

function start(bin, args, who) {
  const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(c);
  c.stdout.on('data', (d) => remember(who, d));
  c.stderr.on('data', (d) => remember(who, d));
  c.on('error', (e) => remember(who, `spawn error: ${e.message}`));
  return c;
}

// The server prints its ports on stdout; the kernel picks them (--port 0 --admin-port 0).
function startServer(bin) {
  const c = start(bin, ['--host', '127.0.0.1', '--port', '0', '--admin-port', '0'], 'server');
  return new Promise((resolve, reject) => {
    let buf = '', port = 0, admin = 0;
    const timer = setTimeout(() => reject(new Error('baton-server did not print both ports within 10 s')), 10_000);
    c.stdout.on('data', (d) => {
      buf += d;
      port ||= +(buf.match(/listening on 127\.0\.0\.1:(\d+)/) || [])[1] || 0;
      admin ||= +(buf.match(/admin HTTP on 127\.0\.0\.1:(\d+)/) || [])[1] || 0;
      if (port && admin) { clearTimeout(timer); resolve({ proc: c, port, admin }); }
    });
    c.on('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`baton-server exited (${code ?? sig}) before it printed its ports`)); });
  });
}

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  const body = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${body}`);
  if (!/^application\/json/.test(res.headers.get('content-type') || '')) throw new Error(`${url}: content-type ${res.headers.get('content-type')}`);
  return JSON.parse(body);
}

// A TCP relay between the browser and the admin port: dropping its sockets is a
// real stream drop as the browser sees it, so the page's EventSource reconnects by
// itself (retry: 1000) with Last-Event-ID, and the server answers with a snapshot.
function startProxy(targetPort, page = null) {
  const socks = new Set();
  const seen = [];  // first bytes of each request: to see Last-Event-ID
  let blocked = false;
  const srv = net.createServer((c) => {
    if (blocked) { c.destroy(); return; }
    socks.add(c);
    c.on('error', () => c.destroy());
    c.on('close', () => socks.delete(c));
    c.once('data', (d) => {
      seen.push(String(d));
      if (page && /^GET \/ HTTP/.test(String(d))) { c.end(page); return; }
      const up = net.connect(targetPort, '127.0.0.1');
      socks.add(up);
      up.write(d);
      c.pipe(up); up.pipe(c);
      const end = () => { c.destroy(); up.destroy(); socks.delete(c); socks.delete(up); };
      c.on('error', end); up.on('error', end); c.on('close', end); up.on('close', end);
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    port: srv.address().port,
    seen,
    drop(ms) { blocked = true; for (const s of socks) s.destroy(); socks.clear(); setTimeout(() => { blocked = false; }, ms); },
    close() { for (const s of socks) s.destroy(); srv.close(); },
  })));
}

// What the page shows for one ring (null when it has no row).
function readRow(page, ring) {
  return page.evaluate((name) => {
    const tr = [...document.querySelectorAll('tr[data-ring]')].find((r) => r.dataset.ring === name);
    if (!tr) return null;
    const f = (k) => tr.querySelector(`[data-field="${k}"]`)?.textContent.trim();
    const holder = f('holder');
    return {
      holder: holder === '—' ? null : holder, turn: Number(f('turn')), members: Number(f('members')),
      queue: Number(f('queue')), watchers: Number(f('watchers')), state: f('state'), left: f('left'),
      points: tr.querySelector('[data-field="rate"] polyline')?.getAttribute('points') || '',
      stream: document.body.dataset.stream, snapshots: Number(document.body.dataset.snapshots || 0),
    };
  }, ring);
}

// Everything the page showed, per ring: turn -> holder. Every grant takes the
// next number and the ring is round-robin, so in a two-member ring the holder
// must differ between any two turns an odd distance apart, and match between
// turns an even distance apart.
const shown = new Map();
function note(ring, members, r) {
  if (!r) throw new Error(`the page has no row for ring ${ring}`);
  if (r.holder === null) return;
  if (!members.includes(r.holder)) throw new Error(`ring ${ring}: holder ${r.holder} is not one of ${members}`);
  if (!shown.has(ring)) shown.set(ring, new Map());
  const byTurn = shown.get(ring);
  if (byTurn.has(r.turn) && byTurn.get(r.turn) !== r.holder) throw new Error(`ring ${ring}: turn ${r.turn} shown with two holders`);
  byTurn.set(r.turn, r.holder);
  if (members.length !== 2) return;
  for (const [t, h] of byTurn) {
    if ((h !== r.holder) !== (Math.abs(r.turn - t) % 2 === 1)) {
      throw new Error(`ring ${ring}: the page showed ${h} at turn ${t} but ${r.holder} at turn ${r.turn}`);
    }
  }
}

// Watch a ring's row for a while: the turn must move, only forward, through at
// least 3 values, and every holder fit the ring's round-robin (note()).
async function observeTurns(page, ring, members, ms, minDistinct = 3) {
  const turns = new Set();
  let prev = 0;
  const end = Date.now() + ms;
  while (Date.now() < end || turns.size < minDistinct && Date.now() < end + 5000) {
    const r = await readRow(page, ring);
    note(ring, members, r);
    if (r.turn < prev) throw new Error(`ring ${ring}: the page's turn went back from ${prev} to ${r.turn}`);
    prev = r.turn;
    turns.add(r.turn);
    await sleep(120);
  }
  const list = [...turns].sort((a, b) => a - b);
  check(list.length >= minDistinct, `ring ${ring}: the page showed ${list.length} distinct turns (${list.slice(0, 6).join(', ')}${list.length > 6 ? ', …' : ''}), holders fitting round-robin`);
  return list[list.length - 1];
}

// The page and the server must agree at some moment: read the page, ask the
// server, read the page again; when both page reads and the server name the same
// turn, holder, member and queue counts must match too.
async function agreesWithServer(page, base, ring) {
  for (let i = 0; i < 60; i++) {
    const a = await readRow(page, ring);
    const s = await getJson(`${base}/rings/${ring}`);
    const b = await readRow(page, ring);
    if (a && b && a.turn === b.turn && s.turn === a.turn) {
      const members = Array.isArray(s.members) ? s.members.length : s.members;
      if (a.holder !== s.holder || a.members !== members || a.queue !== s.queue || a.state !== s.state || a.watchers !== s.watchers) {
        throw new Error(`ring ${ring} at turn ${s.turn}: page ${JSON.stringify(a)} vs server ${JSON.stringify(s)}`);
      }
      check(true, `ring ${ring}: page and /rings/${ring} agree at turn ${s.turn} (holder ${s.holder}, ${members} members, ${s.watchers} watchers, queue ${s.queue}, ${s.state}) after ${i + 1} tries`);
      return s;
    }
    await sleep(37);
  }
  throw new Error(`ring ${ring}: never caught the page and /rings/${ring} at the same turn in 60 tries`);
}

async function main() {
  const serverBin = opt['server-bin'], clientBin = opt['client-bin'];
  if (!serverBin || !clientBin) return fail('usage: status_page.mjs --server-bin PATH --client-bin PATH [--out PNG] [--chromium PATH] [--page HTML] [--settle S]');
  for (const b of [serverBin, clientBin]) if (!existsSync(b)) return fail(`no such binary: ${b}`);

  let chromium;
  try { ({ chromium } = await import('playwright-core')); } catch (e) {
    return finish(SKIP, `playwright-core is not installed (run tests/browser/run.sh): ${e.message}`);
  }
  const exe = opt.chromium || process.env.CHROMIUM || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  if (!exe || !existsSync(exe)) return finish(SKIP, 'no Chromium (apt-get install chromium, or pass --chromium PATH)');

  const srv = await startServer(serverBin);
  const base = `http://127.0.0.1:${srv.admin}`;
  log(`baton-server: clients on ${srv.port}, admin on ${srv.admin}`);

  const cargs = (name, ring) => ['--host', '127.0.0.1', '--port', String(srv.port), '--name', name, '--interval', '0.3', '--ring', ring];
  const clients = {};
  for (const [name, ring] of [['alice', 'default'], ['bob', 'default'], ['carol', 'blue'], ['dave', 'blue']]) {
    clients[name] = start(clientBin, cargs(name, ring), name);
  }
  clients.watcher = start(clientBin, ['--host', '127.0.0.1', '--port', String(srv.port), '--ring', 'default', '--watch', '--quiet'], 'watcher');
  await until('both rings running on the server, and the watcher', async () => {
    const d = await getJson(`${base}/rings/default`);
    return d.holder && d.watchers === 1 && (await getJson(`${base}/rings/blue`)).holder;
  });
  log('both rings are running on the server, default has its watcher');

  const index = await fetch(`${base}/`);
  const html = await index.text();
  check(index.ok && /^text\/html/.test(index.headers.get('content-type') || '') && html.includes('EventSource'),
    `GET / is the status page (${index.status}, ${index.headers.get('content-type')}, ${Buffer.byteLength(html)} bytes)`);

  const source = new URL('../../src/server/status_page.html', import.meta.url);
  if (!opt.page && existsSync(source) && readFileSync(source, 'utf8') !== html) {
    log('note: the binary serves another page than src/server/status_page.html (not rebuilt since?); --page tries the file');
  }

  // --page FILE: try an edited status_page.html against the real server before it
  // is rebuilt; it is served with the server's own headers (its CSP included).
  let override = null;
  if (opt.page) {
    const body = readFileSync(opt.page);
    const headers = [...index.headers].filter(([k]) => !/^(content-length|connection|transfer-encoding)$/i.test(k));
    override = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n' + headers.map(([k, v]) => `${k}: ${v}\r\n`).join('') +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]);
    log(`serving ${opt.page} at / instead of the binary's page`);
  }
  proxy = await startProxy(srv.admin, override);
  try {
    browser = await chromium.launch({
      executablePath: exe,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    return finish(SKIP, `Chromium at ${exe} does not start: ${e.message.split('\n')[0]}`);
  }
  log(`Chromium ${browser.version()}`);
  const context = await browser.newContext({ viewport: { width: 1180, height: 420 }, colorScheme: 'light' });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // The page's own errors (a bad message, an exception); the network errors of the
  // drops below are expected.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text()); });
  await page.goto(`http://127.0.0.1:${proxy.port}/`, { timeout: 10_000 });

  await page.waitForSelector('body[data-stream="live"]', { timeout: 15_000 });
  await page.waitForSelector('tr[data-ring="default"]', { timeout: 10_000 });
  await page.waitForSelector('tr[data-ring="blue"]', { timeout: 10_000 });
  check(true, 'the stream is live and the page has rows for default and blue');

  const status = await getJson(`${base}/status`);
  const header = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('header dd')].map((d) => [d.dataset.field, d.textContent])));
  check(header.version === status.version && header.state === status.state && Number(header.rings) === status.rings.open,
    `the header shows version ${header.version}, state ${header.state}, ${header.rings} rings, ${header.connections} connections, ${header.turns_per_second} turns/s, uptime ${header.uptime}`);

  await observeTurns(page, 'default', ['alice', 'bob'], 3000);
  await observeTurns(page, 'blue', ['carol', 'dave'], 1500);
  await agreesWithServer(page, base, 'default');
  await agreesWithServer(page, base, 'blue');

  // Two baton-clients with the same --interval settle into one of them holding
  // for the whole pause and the other sending the instant it is granted, so the
  // page (changes coalesced to one per 100 ms) shows one holder. Stop the other
  // one (SIGSTOP): when its turn comes it holds it, the page must show it, the
  // time left must count down in the page between updates, and the page must
  // match the server exactly. Let it go (SIGCONT): the turns move on.
  const dominant = (await readRow(page, 'default')).holder;
  const other = dominant === 'alice' ? 'bob' : 'alice';
  clients[other].kill('SIGSTOP');
  const held = await until(`the page showing the stopped ${other} as holder`, async () => {
    const r = await readRow(page, 'default');
    note('default', ['alice', 'bob'], r);
    return r.holder === other && r;
  }, 5000, 50);
  check(true, `the page shows ${other} holding turn ${held.turn} after ${dominant}'s turns`);
  await agreesWithServer(page, base, 'default');
  const l0 = await readRow(page, 'default');
  await sleep(1200);
  const l1 = await readRow(page, 'default');
  const counted = parseFloat(l0.left) - parseFloat(l1.left);
  check(l1.turn === l0.turn && /^\d+\.\d s$/.test(l1.left) && counted > 0.6 && counted < 2.5,
    `the time left counts down in the page (${l0.left} -> ${l1.left}) while ${other} holds turn ${l1.turn}`);
  clients[other].kill('SIGCONT');
  await until('the turns to move on after SIGCONT', async () => (await readRow(page, 'default')).turn > held.turn, 5000, 50);
  await observeTurns(page, 'default', ['alice', 'bob'], 1500);
  const holders = new Set(shown.get('default').values());
  check(holders.size === 2, `the page showed both members of default holding (${[...holders].join(', ')}) on turns of alternating parity`);

  // 1. The server's side of the stream goes away: the browser reconnects by itself.
  const before = await readRow(page, 'default');
  const seenBefore = proxy.seen.length;
  proxy.drop(1500);
  await page.waitForSelector('body[data-stream="reconnecting"]', { timeout: 5000 });
  check(true, 'the page says "reconnecting" when the stream drops');
  await until('a fresh snapshot after the drop', async () => (await readRow(page, 'default')).snapshots > before.snapshots, 15_000);
  check((await readRow(page, 'default')).stream === 'live', 'the page is live again after a new snapshot');
  const again = proxy.seen.slice(seenBefore).find((r) => r.startsWith('GET /events'));
  const lastId = again && (again.match(/^last-event-id:\s*(\S+)/im) || [])[1];
  check(lastId && /^\d+$/.test(lastId), `the browser's reconnect sent Last-Event-ID ${lastId} (the ring messages carry ids)`);
  const t1 = await observeTurns(page, 'default', ['alice', 'bob'], 1500);
  check(t1 > before.turn, `turns move on after the reconnect (${before.turn} -> ${t1})`);

  // 2. The page's own stream object is closed (as a browser gives up after a 503):
  // the page notices and opens a new one.
  const before2 = await readRow(page, 'default');
  await page.evaluate(() => window.__batonStream.close());
  await until('a new snapshot after closing the EventSource', async () => (await readRow(page, 'default')).snapshots > before2.snapshots, 10_000);
  const t2 = await observeTurns(page, 'default', ['alice', 'bob'], 1500);
  check(t2 > before2.turn, `the page reopened its closed stream and moves on (${before2.turn} -> ${t2})`);
  await agreesWithServer(page, base, 'default');

  // The sparkline has samples (one a second) with turns in them.
  await until('sparkline samples', async () => (await readRow(page, 'default')).points.split(' ').length >= 8, 15_000, 250);
  const rate = await page.evaluate(() => document.querySelector('tr[data-ring="default"] [data-field="rate"] span').textContent);
  check(parseFloat(rate) > 0, `default's sparkline has ${(await readRow(page, 'default')).points.split(' ').length} samples, now ${rate}`);

  if (opt.out) {
    mkdirSync(path.dirname(path.resolve(opt.out)), { recursive: true });
    if (+opt.settle > 0) { log(`${opt.settle} s more of sparkline`); await sleep(+opt.settle * 1000); }
    await page.setViewportSize({ width: 1180, height: 240 });
    await page.screenshot({ path: opt.out, fullPage: true });
    log(`screenshot: ${opt.out}`);
  }

  // Dark mode is a different palette, not the light one.
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await bg();
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await bg();
  check(light !== dark, `dark mode has its own colours (${light} / ${dark})`);

  // A ring emptied is deleted: `gone` takes its row away.
  clients.carol.kill('SIGTERM');
  clients.dave.kill('SIGTERM');
  await page.waitForFunction(() => !document.querySelector('tr[data-ring="blue"]'), null, { timeout: 10_000 });
  const res = await fetch(`${base}/rings/blue`);
  check(res.status === 404, `ring blue left the page when its members left (/rings/blue: ${res.status})`);
  check(await readRow(page, 'default') !== null, 'ring default is still shown');

  check(pageErrors.length === 0, `no errors in the page's console${pageErrors.length ? ': ' + pageErrors.join('; ') : ''}`);
  clearTimeout(hard);
  return finish(0);
}

main().catch((e) => fail(e && e.message || String(e)));
