#!/usr/bin/env python3
"""KubeVela compatibility harness for velac's built-in definitions.

For every Application in --apps, render it twice with the same velac binary:

  builtin:  velac render APP --output json
  upstream: velac render APP -d DEFS/component -d DEFS/trait --output json

where DEFS is a KubeVela `vela-templates/definitions/internal` tree, so the
upstream definitions override our built-ins of the same name. The two object
sets are then compared per component pipeline (component + its traits):
objects are matched by (component, trait, outputName) (plus cluster, namespace,
env and step, and an occurrence index for repeated keys); each pair is
compared as JSON, ignoring dict key order and keeping list order.

This is a measurement: the exit status is 0 whatever the results are.

A file may start with a comment line `# velac-args: ARGS` (for example
`# velac-args: --kube-version 1.22`); ARGS are passed to both renders.

When a file fails to render on either side, each of its components is also
rendered on its own (a copy of the file keeping only that component), so that
one failing component does not hide the others.

Usage:
  kubevela-compat.py --velac BIN --kubevela-defs DIR --apps DIR [--json OUT]
                     [--builtin-defs DIR] [--timeout SECONDS] [--max-paths N] [--quiet]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


# --------------------------------------------------------------------------
# A small YAML subset reader (stdlib only), enough to find the components and
# traits of an Application: block mappings and sequences, plain and quoted
# scalars, flow collections, block scalars, comments and `---` documents.
# The rendering itself is done by velac; this is only used for bookkeeping.
# --------------------------------------------------------------------------

class YamlError(Exception):
    pass


def _strip_comment(s):
    out = []
    q = None
    i = 0
    while i < len(s):
        c = s[i]
        if q:
            out.append(c)
            if q == '"' and c == '\\' and i + 1 < len(s):
                out.append(s[i + 1])
                i += 2
                continue
            if c == q:
                if q == "'" and i + 1 < len(s) and s[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                q = None
        else:
            if c == '#' and (i == 0 or s[i - 1] in ' \t'):
                break
            if c in '"\'' and (i == 0 or s[i - 1] in ' \t[{,:-'):
                q = c
            out.append(c)
        i += 1
    return ''.join(out).rstrip()


def _scalar(tok):
    t = tok.strip()
    if t == '':
        return None
    if t[0] == '"':
        try:
            return json.loads(t)
        except ValueError:
            return t[1:-1]
    if t[0] == "'":
        return t[1:-1].replace("''", "'")
    if t in ('null', 'Null', 'NULL', '~'):
        return None
    if t in ('true', 'True', 'TRUE'):
        return True
    if t in ('false', 'False', 'FALSE'):
        return False
    if re.fullmatch(r'[-+]?[0-9]+', t):
        return int(t)
    if re.fullmatch(r'[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?', t):
        return float(t)
    return t


class _Flow:
    def __init__(self, s):
        self.s = s
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in ' \t\n':
            self.i += 1

    def value(self):
        self.ws()
        c = self.s[self.i:self.i + 1]
        if c == '[':
            self.i += 1
            out = []
            while True:
                self.ws()
                if self.s[self.i:self.i + 1] == ']':
                    self.i += 1
                    return out
                out.append(self.value())
                self.ws()
                if self.s[self.i:self.i + 1] == ',':
                    self.i += 1
        if c == '{':
            self.i += 1
            out = {}
            while True:
                self.ws()
                if self.s[self.i:self.i + 1] == '}':
                    self.i += 1
                    return out
                k = self.atom(key=True)
                self.ws()
                v = None
                if self.s[self.i:self.i + 1] == ':':
                    self.i += 1
                    v = self.value()
                out[str(k)] = v
                self.ws()
                if self.s[self.i:self.i + 1] == ',':
                    self.i += 1
        return self.atom()

    def atom(self, key=False):
        self.ws()
        c = self.s[self.i:self.i + 1]
        if c in ('"', "'"):
            j = self.i + 1
            while j < len(self.s):
                if c == '"' and self.s[j] == '\\':
                    j += 2
                    continue
                if self.s[j] == c:
                    if c == "'" and self.s[j + 1:j + 2] == "'":
                        j += 2
                        continue
                    break
                j += 1
            tok = self.s[self.i:j + 1]
            self.i = j + 1
            return _scalar(tok)
        j = self.i
        stops = ',]}' + (':' if key else '')
        while j < len(self.s) and self.s[j] not in stops:
            if self.s[j] == ':' and not key and self.s[j + 1:j + 2] in (' ', ''):
                break
            j += 1
        tok = self.s[self.i:j]
        self.i = j
        return _scalar(tok)


def _split_key(content):
    """Return (key, rest) if content is `key: rest` / `key:`, else None."""
    if content[:1] in ('"', "'"):
        q = content[0]
        j = 1
        while j < len(content):
            if q == '"' and content[j] == '\\':
                j += 2
                continue
            if content[j] == q:
                break
            j += 1
        key = _scalar(content[:j + 1])
        rest = content[j + 1:]
        if rest.startswith(':') and (len(rest) == 1 or rest[1] in ' \t'):
            return str(key), rest[1:].strip()
        return None
    if content[:1] in ('[', '{'):
        return None
    m = re.match(r'^([^#][^:]*?|[^:]*?):(\s|$)', content)
    if not m:
        return None
    return m.group(1).strip(), content[m.end():].strip()


class _Yaml:
    def __init__(self, text):
        self.raw = text.split('\n')
        self.i = 0
        self._virtual = None

    def _line(self, i):
        raw = self.raw[i]
        content = _strip_comment(raw.replace('\t', '    '))
        if content.strip() == '':
            return None
        ind = len(content) - len(content.lstrip(' '))
        return ind, content.strip()

    def peek(self):
        while self.i < len(self.raw):
            ln = self._virtual
            if ln is not None and ln[0] == self.i:
                return ln[1], ln[2]
            r = self._line(self.i)
            if r is not None:
                if r[1] in ('---', '...') and r[0] == 0:
                    return None
                return r
            self.i += 1
        return None

    def advance(self):
        self._virtual = None
        self.i += 1

    def node(self, min_ind):
        p = self.peek()
        if p is None or p[0] < min_ind:
            return None
        ind, content = p
        if content == '-' or content.startswith('- '):
            return self.seq(ind)
        if _split_key(content) is not None:
            return self.mapping(ind)
        self.advance()
        return self.flow_or_scalar(content, ind)

    def flow_or_scalar(self, content, ind):
        if content[:1] in ('[', '{'):
            text = content
            while not self._balanced(text) and self.i < len(self.raw):
                text += ' ' + _strip_comment(self.raw[self.i]).strip()
                self.i += 1
            return _Flow(text).value()
        # plain multi-line scalars: fold continuation lines
        parts = [content]
        while True:
            p = self.peek()
            if p is None or p[0] <= ind or _split_key(p[1]) is not None or p[1].startswith('- '):
                break
            parts.append(p[1])
            self.advance()
        return _scalar(' '.join(parts))

    @staticmethod
    def _balanced(text):
        depth = 0
        q = None
        for c in text:
            if q:
                if c == q:
                    q = None
            elif c in '"\'':
                q = c
            elif c in '[{':
                depth += 1
            elif c in ']}':
                depth -= 1
        return depth <= 0

    def block_scalar(self, header, parent_ind):
        fold = header[0] == '>'
        chomp = 'keep' if '+' in header else ('strip' if '-' in header else 'clip')
        lines = []
        ind = None
        while self.i < len(self.raw):
            raw = self.raw[self.i].replace('\t', '    ')
            if raw.strip() == '':
                lines.append('')
                self.i += 1
                continue
            li = len(raw) - len(raw.lstrip(' '))
            if li <= parent_ind:
                break
            if ind is None:
                ind = li
            if li < ind:
                break
            lines.append(raw[ind:])
            self.i += 1
        self._virtual = None
        while lines and lines[-1] == '' and chomp != 'keep':
            lines.pop()
        text = (' ' if fold else '\n').join(lines)
        if chomp != 'strip' and lines:
            text += '\n'
        return text

    def value_after_key(self, rest, ind):
        if rest == '':
            p = self.peek()
            if p is None:
                return None
            if p[0] > ind:
                return self.node(p[0])
            if p[0] == ind and (p[1] == '-' or p[1].startswith('- ')):
                return self.seq(ind)
            return None
        if rest[:1] in ('|', '>'):
            return self.block_scalar(rest, ind)
        if rest[:1] in ('&', '!'):
            rest = rest.split(None, 1)[1] if ' ' in rest else ''
            return self.value_after_key(rest, ind)
        return self.flow_or_scalar(rest, ind)

    def mapping(self, ind):
        out = {}
        while True:
            p = self.peek()
            if p is None or p[0] != ind:
                break
            kv = _split_key(p[1])
            if kv is None:
                if p[1] == '-' or p[1].startswith('- '):
                    break
                raise YamlError('line %d: expected a mapping key: %r' % (self.i + 1, p[1]))
            self.advance()
            out[kv[0]] = self.value_after_key(kv[1], ind)
        return out

    def seq(self, ind):
        out = []
        while True:
            p = self.peek()
            if p is None or p[0] != ind or not (p[1] == '-' or p[1].startswith('- ')):
                break
            content = p[1]
            rest = content[1:].lstrip(' ')
            if rest == '':
                self.advance()
                out.append(self.node(ind + 1))
                continue
            sub_ind = ind + (len(content) - len(rest))
            if rest.startswith('- ') or rest == '-' or _split_key(rest) is not None:
                self._virtual = (self.i, sub_ind, rest)
                out.append(self.node(sub_ind))
            else:
                self.advance()
                if rest[:1] in ('|', '>'):
                    out.append(self.block_scalar(rest, ind))
                else:
                    out.append(self.flow_or_scalar(rest, sub_ind))
        return out

    def documents(self):
        docs = []
        while self.i < len(self.raw):
            p = self.peek()
            if p is None:
                if self.i < len(self.raw):
                    self.advance()
                    continue
                break
            docs.append(self.node(0))
        return docs


def load_yaml_documents(text):
    return _Yaml(text).documents()


def read_app(path):
    """(documents, index of the Application document) or (None, None)."""
    try:
        with open(path) as f:
            docs = load_yaml_documents(f.read())
    except (YamlError, IndexError, ValueError, OSError, RecursionError):
        return None, None
    for i, d in enumerate(docs):
        if isinstance(d, dict) and d.get('kind') == 'Application':
            return docs, i
    return None, None


def app_pipelines(docs, ai):
    """[(component name, component type, [trait types])] of the Application."""
    comps = ((docs[ai].get('spec') or {}).get('components')) or []
    out = []
    for c in comps:
        if not isinstance(c, dict):
            continue
        traits = [t.get('type') for t in (c.get('traits') or []) if isinstance(t, dict)]
        out.append((str(c.get('name')), c.get('type'), traits))
    return out


def single_component_app(docs, ai, name, dirpath, stem):
    """Writes a copy of the file whose Application keeps only component `name`
    (as JSON documents, which are YAML) and returns its path."""
    out = []
    for i, d in enumerate(docs):
        if i == ai:
            d = json.loads(json.dumps(d))
            d['spec']['components'] = [c for c in d['spec'].get('components') or []
                                       if isinstance(c, dict) and str(c.get('name')) == name]
        out.append(json.dumps(d, indent=1))
    safe = re.sub(r'[^A-Za-z0-9_.-]', '_', name)
    path = os.path.join(dirpath, '%s--%s.yaml' % (stem, safe))
    with open(path, 'w') as f:
        f.write(''.join('---\n' + x + '\n' for x in out))
    return path


# --------------------------------------------------------------------------
# Rendering and comparison
# --------------------------------------------------------------------------

def extra_args(path):
    """Extra `velac render` arguments from a `# velac-args: ...` comment line
    at the top of the file (e.g. `# velac-args: --kube-version 1.22`)."""
    args = []
    try:
        with open(path) as f:
            for line in f:
                if not line.startswith('#'):
                    break
                m = re.match(r'#\s*velac-args:\s*(.*)$', line.strip())
                if m:
                    args += m.group(1).split()
    except OSError:
        pass
    return args


def render(velac, app, defs, timeout, extra=()):
    cmd = [velac, 'render', app]
    for d in defs:
        cmd += ['-d', d]
    cmd += list(extra) + ['--output', 'json']
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, 'timeout after %ss: %s' % (timeout, ' '.join(cmd))
    if r.returncode != 0:
        return None, (r.stderr.strip() or r.stdout.strip() or 'exit status %d' % r.returncode)
    try:
        doc = json.loads(r.stdout)
        objs = doc['objects']
    except (ValueError, KeyError, TypeError) as e:
        return None, 'unparseable output (%s): %s' % (e, r.stdout[:500])
    return objs, None


def object_key(o):
    return (o.get('component'), o.get('trait'), o.get('outputName'),
            o.get('cluster'), o.get('namespace'), o.get('env'), o.get('step'))


def key_text(k):
    comp, trait, out, cluster, ns, env, step = k[:7]
    s = 'component=%s' % comp
    if trait is not None:
        s += ' trait=%s' % trait
    s += ' output=%s' % (out if out is not None else '<workload>')
    extra = []
    if cluster not in (None, 'local'):
        extra.append('cluster=%s' % cluster)
    if env is not None:
        extra.append('env=%s' % env)
    if step is not None:
        extra.append('step=%s' % step)
    if len(k) > 7 and k[7]:
        extra.append('#%d' % k[7])
    if extra:
        s += ' (' + ', '.join(extra) + ')'
    return s


def index_objects(objs):
    """{key + (occurrence,): object dict with kind/name for display}"""
    seen = {}
    out = {}
    for o in objs:
        k = object_key(o)
        n = seen.get(k, 0)
        seen[k] = n + 1
        out[k + (n,)] = o.get('object')
    return out


def short(v, n=80):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= n else s[:n - 3] + '...'


def json_diff(a, b, path='$', out=None):
    """List of (path, builtin value, upstream value); MISSING marks an absent key."""
    if out is None:
        out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            p = '%s.%s' % (path, k) if re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', str(k)) else '%s[%s]' % (path, json.dumps(k))
            if k not in a:
                out.append((p, MISSING, b[k]))
            elif k not in b:
                out.append((p, a[k], MISSING))
            else:
                json_diff(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            p = '%s[%d]' % (path, i)
            if i >= len(a):
                out.append((p, MISSING, b[i]))
            elif i >= len(b):
                out.append((p, a[i], MISSING))
            else:
                json_diff(a[i], b[i], p, out)
    else:
        # bool vs int and int vs float are different JSON for our purposes
        if type(a) != type(b) or a != b:
            out.append((path, a, b))
    return out


class _Missing:
    def __repr__(self):
        return '<absent>'


MISSING = _Missing()


def fmt_val(v):
    return '<absent>' if v is MISSING else short(v)


def obj_desc(o):
    if not isinstance(o, dict):
        return '?'
    md = o.get('metadata') or {}
    return '%s %s' % (o.get('kind'), md.get('name'))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--velac', required=True)
    ap.add_argument('--kubevela-defs', required=True,
                    help='KubeVela vela-templates/definitions/internal directory')
    ap.add_argument('--apps', required=True, help='directory of Application YAML files')
    ap.add_argument('--builtin-defs', metavar='DIR',
                    help='render the builtin side with DIR/component and DIR/trait loaded with -d '
                         '(e.g. the definitions/ source tree, to test edits without rebuilding velac)')
    ap.add_argument('--json', help='write the detailed results here')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per render')
    ap.add_argument('--max-paths', type=int, default=12, help='differing paths shown per object')
    ap.add_argument('--quiet', action='store_true', help='print only non-identical pipelines and totals')
    a = ap.parse_args()

    defs = [os.path.join(a.kubevela_defs, 'component'), os.path.join(a.kubevela_defs, 'trait')]
    ours_defs = []
    if a.builtin_defs:
        ours_defs = [os.path.join(a.builtin_defs, 'component'), os.path.join(a.builtin_defs, 'trait')]
    for d in defs + ours_defs:
        if not os.path.isdir(d):
            print('warning: %s is not a directory' % d, file=sys.stderr)
    apps = sorted(f for f in os.listdir(a.apps) if f.endswith(('.yaml', '.yml')))

    results = []
    tot = {'comp': 0, 'comp_ok': 0, 'pipe': 0, 'pipe_ok': 0, 'obj': 0, 'obj_ok': 0,
           'different': 0, 'error': 0, 'error_both': 0, 'error_builtin': 0, 'error_upstream': 0}
    tmpdir = tempfile.mkdtemp(prefix='kubevela-compat-')
    for fn in apps:
        path = os.path.join(a.apps, fn)
        xargs = extra_args(path)
        ours, err_ours = render(a.velac, path, ours_defs, a.timeout, xargs)
        up, err_up = render(a.velac, path, defs, a.timeout, xargs)
        docs, ai = read_app(path)
        pipes = app_pipelines(docs, ai) if docs is not None else None
        if pipes is None:
            names = []
            for objs in (ours or [], up or []):
                for o in objs:
                    if o.get('component') not in names:
                        names.append(o.get('component'))
            pipes = [(n, None, None) for n in names]
        print('== %s%s' % (fn, ('  [velac render ' + ' '.join(xargs) + ']') if xargs else ''))
        # A failed render fails the whole file; render each component on its
        # own so that one failure does not hide the others.
        isolated = {}
        if (err_ours or err_up) and docs is not None and len(pipes) > 1:
            print('  (render failed on %s; rendering each component separately)'
                  % ('both sides' if err_ours and err_up else ('the builtin side' if err_ours else 'the upstream side')))
            stem = os.path.splitext(fn)[0]
            for name, _, _ in pipes:
                sp = single_component_app(docs, ai, name, tmpdir, stem)
                isolated[name] = (render(a.velac, sp, ours_defs, a.timeout, xargs),
                                  render(a.velac, sp, defs, a.timeout, xargs))
        io_all = index_objects(ours) if ours is not None else {}
        iu_all = index_objects(up) if up is not None else {}
        for name, ctype, traits in pipes:
            io, iu, c_err_ours, c_err_up = io_all, iu_all, err_ours, err_up
            if name in isolated:
                (o2, c_err_ours), (u2, c_err_up) = isolated[name]
                io = index_objects(o2) if o2 is not None else {}
                iu = index_objects(u2) if u2 is not None else {}
            rec = {'app': fn, 'component': name, 'type': ctype, 'traits': traits,
                   'status': None, 'objects': [], 'errors': {}, 'isolated': name in isolated}
            label = '%s (%s%s)' % (name, ctype or '?',
                                   (' + ' + ', '.join(map(str, traits))) if traits else '')
            tot['comp'] += 1
            has_traits = bool(traits)
            if has_traits:
                tot['pipe'] += 1
            if c_err_ours or c_err_up:
                rec['status'] = 'error'
                if c_err_ours:
                    rec['errors']['builtin'] = c_err_ours
                if c_err_up:
                    rec['errors']['upstream'] = c_err_up
                tot['error'] += 1
                side = 'both' if (c_err_ours and c_err_up) else ('builtin' if c_err_ours else 'upstream')
                tot['error_' + side] += 1
                same = ' (same message)' if c_err_ours == c_err_up else ''
                print('  ERROR     %s  [%s%s]' % (label, side, same))
                shown = [('builtin', c_err_ours)] if same else [('builtin', c_err_ours), ('upstream', c_err_up)]
                for side_name, e in shown:
                    if e:
                        for ln in e.splitlines()[:8]:
                            print('      %s: %s' % ('both' if same else side_name, ln))
                results.append(rec)
                continue
            keys = sorted({k for k in list(io) + list(iu) if k[0] == name},
                          key=lambda k: tuple('' if x is None else str(x) for x in k))
            same_all = True
            lines = []
            for k in keys:
                tot['obj'] += 1
                bo, uo = io.get(k), iu.get(k)
                orec = {'key': key_text(k)}
                if k not in iu:
                    same_all = False
                    orec['status'] = 'only-builtin'
                    lines.append('    only in builtin:  %s  %s' % (key_text(k), obj_desc(bo)))
                elif k not in io:
                    same_all = False
                    orec['status'] = 'only-upstream'
                    lines.append('    only in upstream: %s  %s' % (key_text(k), obj_desc(uo)))
                else:
                    d = json_diff(bo, uo)
                    if not d:
                        tot['obj_ok'] += 1
                        orec['status'] = 'identical'
                    else:
                        same_all = False
                        orec['status'] = 'different'
                        orec['paths'] = [{'path': p, 'builtin': None if x is MISSING else x,
                                          'upstream': None if y is MISSING else y,
                                          'absent': 'builtin' if x is MISSING else ('upstream' if y is MISSING else None)}
                                         for p, x, y in d]
                        lines.append('    differs: %s  %s' % (key_text(k), obj_desc(bo)))
                        for p, x, y in d[:a.max_paths]:
                            lines.append('      %s: builtin=%s upstream=%s' % (p, fmt_val(x), fmt_val(y)))
                        if len(d) > a.max_paths:
                            lines.append('      ... %d more paths' % (len(d) - a.max_paths))
                rec['objects'].append(orec)
            if not keys:
                lines.append('    (no objects on either side)')
            if same_all:
                rec['status'] = 'identical'
                tot['comp_ok'] += 1
                if has_traits:
                    tot['pipe_ok'] += 1
                if not a.quiet:
                    print('  identical %s  [%d objects]' % (label, len(keys)))
            else:
                rec['status'] = 'different'
                tot['different'] += 1
                print('  DIFFERENT %s' % label)
                for ln in lines:
                    print(ln)
            results.append(rec)

    def pct(x, y):
        return '%.1f%%' % (100.0 * x / y) if y else 'n/a'
    print()
    print('Totals')
    print('  components identical:          %d/%d (%s)' % (tot['comp_ok'], tot['comp'], pct(tot['comp_ok'], tot['comp'])))
    print('  pipelines with traits identical: %d/%d (%s)' % (tot['pipe_ok'], tot['pipe'], pct(tot['pipe_ok'], tot['pipe'])))
    print('  objects identical:             %d/%d (%s)' % (tot['obj_ok'], tot['obj'], pct(tot['obj_ok'], tot['obj'])))
    print('  components different: %d, with a render error: %d (both sides %d, builtin only %d, upstream only %d)'
          % (tot['different'], tot['error'], tot['error_both'], tot['error_builtin'], tot['error_upstream']))
    shutil.rmtree(tmpdir, ignore_errors=True)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'totals': tot, 'pipelines': results}, f, indent=1, default=str)
    return 0


if __name__ == '__main__':
    sys.exit(main())
