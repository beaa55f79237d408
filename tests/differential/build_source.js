'use strict';
// Shared helpers for the differential test material:
//   * parse a case file (txtar-like, see README.md),
//   * compact its JSON sections,
//   * build the single CUE source string exactly the way KubeVela does.
//
// The Rust harness must rebuild the identical byte string; the recipe is
// documented in README.md ("Source recipe").

const fs = require('fs');
const path = require('path');

const CASES_DIR = path.join(__dirname, 'cases');

// A section marker is a whole line of the form "-- NAME --".
const MARKER = /^-- (.+) --$/;

// Parse a case file.  Returns
//   { description, sections: {name: text}, order: [name...] }
// Section text is every line after the marker line up to (not including)
// the next marker line, each line keeping its trailing "\n".
function parseCase(text) {
  const lines = text.split('\n');
  // split() leaves a final "" after the last "\n"; re-attach newlines below.
  const hasFinalNewline = text.endsWith('\n');
  if (hasFinalNewline) lines.pop();
  const header = [];
  const sections = {};
  const order = [];
  let current = null;
  for (const line of lines) {
    const m = MARKER.exec(line);
    if (m) {
      current = m[1];
      if (current in sections) throw new Error(`duplicate section ${current}`);
      sections[current] = '';
      order.push(current);
      continue;
    }
    if (current === null) header.push(line);
    else sections[current] += line + '\n';
  }
  const descLine = header.find((l) => l.startsWith('#'));
  const description = descLine ? descLine.replace(/^#\s?/, '') : '';
  return { description, sections, order };
}

// Remove every JSON whitespace character (space, tab, CR, LF) that is not
// inside a string literal.  Everything else (number spelling, escapes, key
// order) is kept byte for byte.  The text must be valid JSON.
function compactJson(text) {
  JSON.parse(text); // validate
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[++i];
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
      out += c;
    }
  }
  return out;
}

// The KubeVela render concatenation (CUE.md §3.1 / §3.2), identical for
// components and traits:
//   template + "\ncontext: _\nparameter: _\n"
//            + "parameter: " + compact(parameter.json)
//            + "\ncontext: " + compact(context.json)
function buildSource(template, parameterJson, contextJson) {
  return (
    template +
    '\ncontext: _\nparameter: _\n' +
    'parameter: ' + compactJson(parameterJson) +
    '\ncontext: ' + compactJson(contextJson)
  );
}

// Load one case file into a convenient object.
function loadCase(file) {
  const text = fs.readFileSync(file, 'utf8');
  const { description, sections } = parseCase(text);
  for (const s of ['template.cue', 'parameter.json', 'context.json', 'compare']) {
    if (!(s in sections)) throw new Error(`${file}: missing section ${s}`);
  }
  const compare = sections['compare'].trim().split(/\s+/).filter(Boolean);
  return {
    name: path.basename(file).replace(/\.txtar$/, ''),
    file,
    description,
    template: sections['template.cue'],
    parameter: sections['parameter.json'],
    context: sections['context.json'],
    compare,
    source: buildSource(sections['template.cue'], sections['parameter.json'], sections['context.json']),
  };
}

// All cases, sorted by file name.
function loadCases(dir = CASES_DIR) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txtar'))
    .sort()
    .map((f) => loadCase(path.join(dir, f)));
}

module.exports = { parseCase, compactJson, buildSource, loadCase, loadCases, CASES_DIR };

// CLI: `node build_source.js cases/NNN-x.txtar` prints the built source.
if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node build_source.js <case.txtar>\n');
    process.exit(2);
  }
  process.stdout.write(loadCase(path.resolve(file)).source);
}
