// Starting and stopping real sprint-worker processes for end-to-end tests.
//
// Like lib/node.js: every worker started here is killed by `stopWorkers()` (and on exit), waits
// are bounded, and the proof servers bind loopback only.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, releaseBinary, tail, waitFor } from './node.js';

/** Path of the sprint-worker binary under test: $SPRINT_WORKER, else the release build. */
export const workerBinary = () => releaseBinary('sprint-worker', 'SPRINT_WORKER');

const running = new Set();

/**
 * Starts `sprint-worker run` for dev account `name` (keys //Name and //Name//proof) against
 * `node`. `dataDir` is kept across restarts of the same worker. Returns a handle with `log()`,
 * `kill(signal)` and `restart(extraArgs)`.
 */
export async function startWorker({ node, name, args = [], dataDir, listenPort }) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), `sprint-e2e-worker-${name.toLowerCase()}-`));
  const keyFile = join(dir, 'keys.json');
  if (!existsSync(keyFile)) {
    writeFileSync(keyFile, JSON.stringify({ account: `//${name}`, proof: `//${name}//proof` }), { mode: 0o600 });
  }
  listenPort ??= await freePort();
  const metricsPort = await freePort();
  const logPath = join(dir, `worker-${Date.now()}.log`);
  const log = openSync(logPath, 'a');
  const fullArgs = [
    'run', '--node', node.url, '--key-file', keyFile, '--data-dir', join(dir, 'data'),
    '--listen', `127.0.0.1:${listenPort}`, '--metrics-listen', `127.0.0.1:${metricsPort}`,
    '--backend', 'cpu', '--threads', '1', ...args,
  ];
  // Below the node's priority: three searching workers must not starve block production.
  const child = spawn('nice', ['-n', '10', workerBinary(), ...fullArgs], { stdio: ['ignore', log, log] });
  const handle = {
    name, dir, listenPort, metricsPort, logPath, child, exited: false, exitCode: null,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    async kill(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (handle.exited) return;
      child.kill(signal);
      const stopped = await waitFor(`${name}'s worker to exit`, () => handle.exited, { timeoutMs }).catch(() => false);
      if (!stopped) {
        child.kill('SIGKILL');
        await waitFor(`${name}'s worker to die`, () => handle.exited, { timeoutMs: 5_000 });
      }
      running.delete(handle);
    },
    restart: (extra = []) => startWorker({ node, name, args: extra, dataDir: dir, listenPort }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  child.on('exit', (code) => { handle.exited = true; handle.exitCode = code; });
  running.add(handle);
  await waitFor(`${name}'s proof server`, async () => {
    if (handle.exited) throw new Error(`${name}'s worker exited with ${handle.exitCode}:\n${tail(handle.log())}`);
    const r = await fetch(`http://127.0.0.1:${listenPort}/health`, { signal: AbortSignal.timeout(2_000) });
    return r.ok;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  return handle;
}

/** Kills every worker still running (tests call it in `after`). */
export async function stopWorkers() {
  for (const handle of [...running]) await handle.kill('SIGKILL', 5_000).catch(() => {});
}
process.on('exit', () => {
  for (const handle of running) handle.child.kill('SIGKILL');
});
