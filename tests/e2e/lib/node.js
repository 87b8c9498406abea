// Starting and stopping real sprint-node processes for end-to-end tests.
//
// Every process started here is registered and killed by `stopAll()` (and on exit), every wait
// is bounded in time, and servers bind loopback only (the node's defaults: RPC on 127.0.0.1).

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, openSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

const here = new URL('.', import.meta.url).pathname;

/** Path of release binary `name` under test: $`envVar`, else the release build. */
export function releaseBinary(name, envVar) {
  const candidates = [
    process.env[envVar],
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'release', name),
    join(process.env.HOME || '', '.cache', 'sprint-target', 'release', name),
    resolve(here, '..', '..', '..', 'target', 'release', name),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`${name} not found (looked in ${candidates.join(', ')}): run \`make build\` or set ${envVar}`);
  }
  return found;
}

/** Path of the sprint-node binary under test: $SPRINT_NODE, else the release build. */
export const nodeBinary = () => releaseBinary('sprint-node', 'SPRINT_NODE');

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((res, rej) => {
    const server = createServer();
    server.unref();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value, at most `timeoutMs`; throws naming `what`. */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

const running = new Set();

/** Runs `sprint-node args` to completion (bounded), returning { status, stdout, stderr }. */
export function runNodeSync(args, timeoutMs = 60_000) {
  const out = spawnSync(nodeBinary(), args, { encoding: 'utf8', timeout: timeoutMs });
  if (out.error) throw out.error;
  return { status: out.status, signal: out.signal, stdout: out.stdout, stderr: out.stderr };
}

/**
 * Starts a sprint-node. Returns a handle with the RPC URL, its log file, `api()` (a connected
 * @polkadot/api client) and `kill(signal)`. `basePath` defaults to a fresh temporary directory.
 */
export async function startNode({ args = [], basePath, name = 'node', rpcPort, p2pPort, env } = {}) {
  rpcPort ??= await freePort();
  p2pPort ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), `sprint-e2e-${name}-`));
  const logPath = join(dir, 'node.log');
  const log = openSync(logPath, 'a');
  const fullArgs = [
    ...args,
    ...(basePath ? ['--base-path', basePath] : []),
    '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--no-prometheus',
    '--no-telemetry',
    '--no-mdns',
  ];
  const child = spawn(nodeBinary(), fullArgs, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  const handle = nodeHandle({ name, rpcPort, logPath });
  Object.assign(handle, {
    child,
    p2pPort,
    async kill(signal = 'SIGTERM', timeoutMs = 20_000) {
      await handle.disconnect();
      if (handle.exited) return;
      child.kill(signal);
      const stopped = await waitFor(`${name} to exit`, () => handle.exited, { timeoutMs }).catch(() => false);
      if (!stopped) {
        child.kill('SIGKILL');
        await waitFor(`${name} to die`, () => handle.exited, { timeoutMs: 5_000 });
      }
      running.delete(handle);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  });
  child.on('exit', (code) => {
    handle.exited = true;
    handle.exitCode = code;
  });
  running.add(handle);
  await waitFor(`${name}'s RPC on ${handle.httpUrl}`, async () => {
    if (handle.exited) throw new Error(`${name} exited with ${handle.exitCode}:\n${tail(handle.log())}`);
    return (await rpcHttp(handle, 'system_health', [])).result;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  return handle;
}

/** What every node handle has: its URLs, its log, `api()` and `disconnect()`. */
function nodeHandle({ name, rpcPort, logPath }) {
  const handle = {
    name,
    rpcPort,
    url: `ws://127.0.0.1:${rpcPort}`,
    httpUrl: `http://127.0.0.1:${rpcPort}`,
    logPath,
    exited: false,
    exitCode: null,
    log: () => (logPath && existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    async api() {
      const provider = new WsProvider(handle.url, 1000, {}, 30_000);
      const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
      handle.apis.push(api);
      return api;
    },
    apis: [],
    async disconnect() {
      for (const api of handle.apis.splice(0)) await api.disconnect().catch(() => {});
    },
  };
  return handle;
}

/**
 * A `--dev` node (500 ms blocks) for a suite that makes a few checks and needs nothing of the
 * chain but that it runs: the one the lane runner (tests/scripts/e2e-lanes.mjs) shares between
 * such suites, whose RPC port it passes in $SPRINT_E2E_DEV_NODE_PORT and its log's path in
 * $SPRINT_E2E_DEV_NODE_LOG, or else a node of the suite's own. Killing a shared node only
 * disconnects this suite's clients: the runner stops it after the last suite.
 */
export async function devNode(name) {
  const port = Number(process.env.SPRINT_E2E_DEV_NODE_PORT);
  if (!port) return startNode({ name, args: ['--dev', '--tmp', '--dev-block-time', '500'] });
  const handle = nodeHandle({ name: `${name} (shared dev node)`, rpcPort: port, logPath: process.env.SPRINT_E2E_DEV_NODE_LOG });
  Object.assign(handle, {
    shared: true,
    async kill() {
      await handle.disconnect();
      running.delete(handle);
    },
    cleanup() {},
  });
  running.add(handle);
  await waitFor(`the shared dev node's RPC on ${handle.httpUrl}`, async () => (await rpcHttp(handle, 'system_health', [])).result,
    { timeoutMs: 30_000, intervalMs: 500 });
  return handle;
}

/** Kills every node still running (tests call it in `after`). */
export async function stopAll() {
  for (const handle of [...running]) await handle.kill('SIGKILL', 5_000).catch(() => {});
}
process.on('exit', () => {
  for (const handle of running) handle.child?.kill('SIGKILL');
});

export function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n');
}

/** One JSON-RPC call over HTTP; returns the parsed response body (result or error). */
export async function rpcHttp(handle, method, params) {
  return rawHttp(handle, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
}

/** POSTs `body` verbatim to the node's RPC port; returns the parsed JSON answer. */
export async function rawHttp(handle, body) {
  const response = await fetch(handle.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return response.json();
}

/** The best block number, over HTTP (independent of any @polkadot/api connection). */
export async function bestNumber(handle) {
  const { result } = await rpcHttp(handle, 'chain_getHeader', []);
  return parseInt(result.number, 16);
}

/** The finalized block number, over HTTP. */
export async function finalizedNumber(handle) {
  const { result: hash } = await rpcHttp(handle, 'chain_getFinalizedHead', []);
  const { result } = await rpcHttp(handle, 'chain_getHeader', [hash]);
  return parseInt(result.number, 16);
}
