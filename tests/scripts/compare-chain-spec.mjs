// Compares two chain specs, ignoring the runtime WASM (`code`), whose bytes differ between
// machines. Exits 1 and prints the first differences when they are not the same.
import { readFileSync } from 'node:fs';

const CODE_KEY = '0x3a636f6465'; // ":code" in a raw spec

function load(path) {
  let spec;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    console.error(`${path}: ${e.message}`);
    process.exit(1);
  }
  if (spec.genesis?.runtimeGenesis) delete spec.genesis.runtimeGenesis.code;
  if (spec.genesis?.raw?.top) delete spec.genesis.raw.top[CODE_KEY];
  return spec;
}

function diff(a, b, path, out) {
  if (out.length >= 10) return;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== 'object') {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path || '/'}: committed ${JSON.stringify(a)?.slice(0, 80)} != generated ${JSON.stringify(b)?.slice(0, 80)}`);
    return;
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) diff(a[key], b[key], `${path}/${key}`, out);
}

const [committed, generated] = process.argv.slice(2);
const differences = [];
diff(load(committed), load(generated), '', differences);
if (differences.length) {
  console.error(`${committed} differs from what sprint-node generates:\n  ${differences.join('\n  ')}`);
  process.exit(1);
}
console.log(`${committed}: up to date`);
