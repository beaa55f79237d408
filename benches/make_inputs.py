#!/usr/bin/env python3
"""Builds the benchmark inputs from a differential case (a webservice-style template).

Writes to benches/data/ (or the directory given as the first argument):
  webservice-1.cue     one render, KubeVela's recipe: template + parameter + context
  webservice-N.cue     N components rendered in ONE evaluation: the template body under a
                       hidden field `_T`, then `cK: (_T & {parameter: P_K, context: C_K}).output`
                       for K in 0..N (parameters vary so no two renders are identical)
"""
import json, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASE = os.path.join(ROOT, "tests/differential/cases/078-web-everything.txtar")

def sections(text):
    out, cur = {}, None
    for line in text.split("\n"):
        m = re.fullmatch(r"-- (.+) --", line)
        if m:
            cur = m.group(1); out[cur] = ""; continue
        if cur is not None:
            out[cur] += line + "\n"
    return out

def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "benches/data")
    os.makedirs(outdir, exist_ok=True)
    s = sections(open(CASE).read())
    tmpl, params, ctx = s["template.cue"], json.loads(s["parameter.json"]), json.loads(s["context.json"])
    compact = lambda v: json.dumps(v, separators=(",", ":"))
    one = tmpl + "\ncontext: _\nparameter: _\n" + "parameter: " + compact(params) + "\ncontext: " + compact(ctx)
    open(os.path.join(outdir, "webservice-1.cue"), "w").write(one)
    # Split imports (must stay first) from the body.
    m = re.match(r"(\s*import\s*\((?:[^()]*)\)\s*|\s*(?:import\s+\"[^\"]+\"\s*)*)", tmpl)
    imports, body = (m.group(0), tmpl[m.end():]) if m else ("", tmpl)
    for n in (100, 1000):
        lines = [imports, "_T: {", body, "context: _", "parameter: _", "}"]
        for k in range(n):
            p = dict(params); p["image"] = f"example/store:5.0.{k}"
            c = dict(ctx); c["name"] = f"store-{k}"
            lines.append(f"c{k}: (_T & {{parameter: {compact(p)}, context: {compact(c)}}}).output")
        open(os.path.join(outdir, f"webservice-{n}.cue"), "w").write("\n".join(lines) + "\n")

if __name__ == "__main__":
    main()
