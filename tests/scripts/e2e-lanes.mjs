#!/usr/bin/env node
// Runs the end-to-end suites of tests/e2e/ in parallel lanes, each lane its suites one after
// another, and records each suite's wall time.
//
//   node tests/scripts/e2e-lanes.mjs [--timings FILE] [--lanes workers,chain] [SUITE.test.js …]
//
// Most of an e2e suite's time is spent waiting for blocks with the CPU idle, so two lanes on two
// cores finish in a little over the longer lane's time. The suites that run proof-of-work workers
// (which keep a core busy searching) share one lane, so that no two of them compete; the rest,
// chain-only suites, run in the other. Every suite starts its own processes on free ports and
// data directories (tests/e2e/lib), so lanes share nothing but the machine.
//
// Each suite runs as `node --test` in a process of its own; its output is kept in a log file and
// printed whole when it ends (interleaved lines of two lanes would be unreadable). With
// `--timings FILE`, one row per suite is appended: `e2e <lane>/<suite>  seconds  ok|FAILED
// passed failed`. Exits non-zero when any suite failed; every suite runs regardless.

import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startNode } from '../e2e/lib/node.js';

const e2eDir = new URL('../e2e/', import.meta.url).pathname;

// Suites by lane, longest first within a lane (measured: docs/testing.md's timing table). A new suite goes
// into `workers` when it starts `sprint-worker run`, else into `chain`; the runner refuses a
// suite that is in no lane, so none is forgotten.
export const LANES = {
  workers: ['market.test.js', 'sprint.test.js', 'carbon.test.js', 'run-dev.test.js'],
  chain: ['localnet.test.js', 'governance.test.js', 'inference.test.js', 'poc.test.js', 'dev.test.js', 'docs.test.js', 'init.test.js', 'bad-input.test.js'],
};

// Suites that make a few checks on any dev chain share one dev node per lane (lib/node.js
// `devNode`), started before the lane's first of them and stopped after its last.
const SHARED_DEV_NODE = ['docs.test.js', 'init.test.js', 'bad-input.test.js'];

function parseArgs(argv) {
  const options = { timings: null, lanes: Object.keys(LANES), only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--timings') options.timings = argv[++i];
    else if (arg === '--lanes') options.lanes = argv[++i].split(',');
    else if (arg.endsWith('.test.js')) options.only.push(basename(arg));
    else throw new Error(`e2e-lanes: unknown argument ${arg} (see the comment atop this script)`);
  }
  return options;
}

/** Fails when a suite file is in no lane or a lane names a missing file. */
function checkLanes() {
  const files = readdirSync(e2eDir).filter((f) => f.endsWith('.test.js')).sort();
  const laned = Object.values(LANES).flat();
  const missing = files.filter((f) => !laned.includes(f));
  const stale = laned.filter((f) => !files.includes(f));
  if (missing.length || stale.length) {
    throw new Error(`e2e-lanes: suites in no lane: [${missing}]; lanes naming no file: [${stale}] — edit LANES in ${new URL(import.meta.url).pathname}`);
  }
}

/** Counts of a node --test TAP report: { passed, failed }. */
function counts(tap) {
  const get = (key) => Number((tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm')) || [0, 0])[1]);
  return { passed: get('pass'), failed: get('fail') + get('cancelled') };
}

function runSuite(lane, suite, logDir, env = {}) {
  const log = join(logDir, `${suite}.log`);
  const tapFile = join(logDir, `${suite}.tap`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [
      '--test', '--test-concurrency=1', '--test-timeout=600000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
      join(e2eDir, suite),
    ], { cwd: join(e2eDir, '..'), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, SPRINT_E2E_LANE: lane } });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (code, signal) => {
      writeFileSync(log, output);
      let tap = '';
      try { tap = readFileSync(tapFile, 'utf8'); } catch { /* the suite died before reporting */ }
      const { passed, failed } = counts(tap);
      const seconds = (Date.now() - started) / 1000;
      const ok = code === 0 && failed === 0;
      resolve({ lane, suite, seconds, ok, passed, failed: ok ? failed : Math.max(failed, 1), output, code, signal });
    });
  });
}

async function runLane(lane, suites, logDir, onDone) {
  const results = [];
  const shared = suites.filter((s) => SHARED_DEV_NODE.includes(s));
  let devNode;
  for (const suite of suites) {
    const env = {};
    if (shared.includes(suite)) {
      devNode ??= await startNode({ name: `${lane}-shared-dev`, args: ['--dev', '--tmp', '--dev-block-time', '500'] });
      Object.assign(env, { SPRINT_E2E_DEV_NODE_PORT: String(devNode.rpcPort), SPRINT_E2E_DEV_NODE_LOG: devNode.logPath });
    }
    const result = await runSuite(lane, suite, logDir, env);
    onDone(result);
    results.push(result);
    if (devNode && suite === shared[shared.length - 1]) {
      await devNode.kill();
      devNode.cleanup();
      devNode = undefined;
    }
  }
  return results;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  checkLanes();
  const logDir = mkdtempSync(join(tmpdir(), 'sprint-e2e-lanes-'));
  const plan = options.lanes.map((lane) => {
    if (!LANES[lane]) throw new Error(`e2e-lanes: no lane ${lane} (lanes: ${Object.keys(LANES)})`);
    const suites = LANES[lane].filter((s) => options.only.length === 0 || options.only.includes(s));
    return [lane, suites];
  }).filter(([, suites]) => suites.length);
  console.log(`e2e: ${plan.map(([lane, suites]) => `lane ${lane}: ${suites.join(' ')}`).join('; ')} (logs in ${logDir})`);

  const started = Date.now();
  const onDone = (r) => {
    const status = r.ok ? 'ok' : `FAILED (exit ${r.code ?? r.signal})`;
    console.log(`\n──── [${r.lane}] ${r.suite}: ${status}, ${r.passed} passed, ${r.failed} failed, ${r.seconds.toFixed(0)} s ────`);
    process.stdout.write(r.output.endsWith('\n') ? r.output : `${r.output}\n`);
    if (options.timings) {
      appendFileSync(options.timings, `e2e ${r.lane}/${r.suite.replace('.test.js', '')}\t${r.seconds.toFixed(1)}\t${r.ok ? 'ok' : 'FAILED'}\t${r.passed}\t${r.failed}\n`);
    }
  };
  const lanes = await Promise.all(plan.map(([lane, suites]) => runLane(lane, suites, logDir, onDone)));
  const all = lanes.flat();
  const seconds = (Date.now() - started) / 1000;
  if (options.timings) {
    for (const [i, [lane]] of plan.entries()) {
      const sum = lanes[i].reduce((s, r) => s + r.seconds, 0);
      const passed = lanes[i].reduce((s, r) => s + r.passed, 0);
      const failed = lanes[i].reduce((s, r) => s + r.failed, 0);
      appendFileSync(options.timings, `e2e lane ${lane}\t${sum.toFixed(1)}\t${failed ? 'FAILED' : 'ok'}\t${passed}\t${failed}\n`);
    }
  }
  const passed = all.reduce((s, r) => s + r.passed, 0);
  const failed = all.reduce((s, r) => s + r.failed, 0);
  const bad = all.filter((r) => !r.ok).map((r) => `${r.lane}/${r.suite}`);
  console.log(`\ne2e: ${all.length} suites in ${plan.length} lanes, ${seconds.toFixed(0)} s${bad.length ? `; failed: ${bad.join(', ')}` : ''}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(bad.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(2);
});
