#!/usr/bin/env node
'use strict';
// Generates tests/differential/cases/NNN-slug.txtar from the case lists in
// cases_src/ (components.js, traits.js, language.js).  The generated case files
// are the checked-in test data; this script only saves typing.
//
// Templates in cases_src are written with 4-space indentation; each leading
// group of 4 spaces becomes a tab here, matching the gofmt style of real
// KubeVela templates.
//
//   node make_cases.js            regenerate all case files (removes stale ones)
//   node make_cases.js --check    verify the case files are up to date

const fs = require('fs');
const path = require('path');
const { CASES_DIR } = require('./build_source');

const groups = [
  ['component', require('./cases_src/components')],
  ['trait', require('./cases_src/traits')],
  ['language', require('./cases_src/language')],
];

function tabify(text) {
  return text
    .split('\n')
    .map((line) => {
      const m = /^( {4})+/.exec(line);
      return m ? '\t'.repeat(m[0].length / 4) + line.slice(m[0].length) : line;
    })
    .join('\n');
}

function normTemplate(t) {
  let s = tabify(t.replace(/^\n/, ''));
  s = s.replace(/\s+$/, '') + '\n';
  return s;
}

function render(c) {
  if (!/^[a-z0-9-]+$/.test(c.slug)) throw new Error(`bad slug ${c.slug}`);
  if (!c.desc || c.desc.includes('\n')) throw new Error(`${c.slug}: description must be one line`);
  return (
    `# ${c.desc}\n` +
    `-- template.cue --\n` +
    normTemplate(c.template) +
    `-- parameter.json --\n` +
    JSON.stringify(c.parameter === undefined ? {} : c.parameter, null, 2) + '\n' +
    `-- context.json --\n` +
    JSON.stringify(c.context, null, 2) + '\n' +
    `-- compare --\n` +
    c.compare.join(' ') + '\n'
  );
}

function main() {
  const check = process.argv.includes('--check');
  const files = {};
  let n = 0;
  const counts = {};
  for (const [group, list] of groups) {
    counts[group] = list.length;
    for (const c of list) {
      n += 1;
      const name = `${String(n).padStart(3, '0')}-${c.slug}.txtar`;
      files[name] = render(c);
    }
  }
  const slugs = Object.keys(files).map((f) => f.slice(4));
  const dup = slugs.filter((s, i) => slugs.indexOf(s) !== i);
  if (dup.length) throw new Error(`duplicate slugs: ${dup.join(', ')}`);

  fs.mkdirSync(CASES_DIR, { recursive: true });
  const existing = fs.readdirSync(CASES_DIR).filter((f) => f.endsWith('.txtar'));
  let stale = 0;
  for (const f of existing) {
    if (!(f in files)) {
      stale++;
      if (!check) fs.unlinkSync(path.join(CASES_DIR, f));
    }
  }
  let changed = 0;
  for (const [f, text] of Object.entries(files)) {
    const p = path.join(CASES_DIR, f);
    const old = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
    if (old !== text) {
      changed++;
      if (!check) fs.writeFileSync(p, text);
    }
  }
  process.stderr.write(
    `${n} cases (${Object.entries(counts).map(([g, k]) => `${g} ${k}`).join(', ')}); ` +
      `${changed} ${check ? 'out of date' : 'written'}, ${stale} stale\n`,
  );
  if (check && (changed || stale)) process.exit(1);
}

main();
