//! Renders every application in `tests/compat/apps/` twice through the
//! library, with velac's built-in definitions and with KubeVela's own
//! definition sources added (as `-d` adds them: upstream definitions
//! override the built-ins of the same name), and compares the objects per
//! component pipeline (the component and its traits).
//!
//! Objects are matched by component, trait and output name (plus cluster,
//! namespace, env, step, and an occurrence index for repeated keys) and
//! compared as JSON: key order ignored, list order kept, `1` and `1.0`
//! different. A file may start with `# velac-args: --kube-version X`. When
//! a file fails to render on either side, each component is also rendered
//! on its own, so that one failing component does not hide the others.
//!
//! KubeVela's sources are not part of this repository: the test runs when
//! `VELAC_KUBEVELA_DEFS` names their `vela-templates/definitions/internal`
//! directory (`.ci/run` extracts it from the clone `VELAC_KUBEVELA_GIT`
//! names) and says that it skips otherwise. The full report and the
//! results as JSON are written under the target directory (the test says
//! where); stderr gets the totals.

use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use velac::{definition::Catalog, diag, model, policy, render, source::SourceMap};

macro_rules! report {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

/// Differing paths shown per object.
const MAX_PATHS: usize = 12;

/// What matches an object across the two sides: component, trait, output
/// name, cluster, namespace, env, step, occurrence.
type Key = [Option<String>; 8];

/// One side's objects of a file, or its error text.
type Side = Result<HashMap<Key, Json>, String>;

/// Renders `text` as `velac render --output json` does, with `defs` added
/// to the built-in catalogue; the objects by key.
fn render_side(name: &str, text: &str, defs: &[PathBuf], kube_version: &str) -> Side {
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    let fail = |d: &[diag::Diagnostic], s: &SourceMap| diag::render_all(d, s).trim().to_string();
    let file = model::load(&sources, id).map_err(|d| fail(&[d], &sources))?;
    let mut catalog = Catalog::builtin();
    for d in defs {
        catalog
            .load_path(&mut sources, d)
            .map_err(|e| fail(&e, &sources))?;
    }
    let version = render::ClusterVersion::parse(kube_version)?;
    render::check_policies_and_steps(&file, &mut catalog, &mut sources)
        .map_err(|d| fail(&d, &sources))?;
    let clusters = policy::ClusterSet::local_only();
    let placements = policy::deployments(&file, &clusters).map_err(|d| fail(&d, &sources))?;
    let placed = render::render_application(
        &file.app,
        &placements,
        &clusters,
        &version,
        1,
        &mut catalog,
        &mut sources,
        false,
    )
    .map_err(|d| fail(&d, &sources))?;
    let mut seen: HashMap<[Option<String>; 7], usize> = HashMap::new();
    let mut out = HashMap::new();
    for (o, t) in &placed {
        let p = render::bundle::provenance(o, t);
        let s = |k: &str| p.get(k).and_then(Json::as_str).map(str::to_string);
        let k7 = [
            s("component"),
            s("trait"),
            s("outputName"),
            s("cluster"),
            s("namespace"),
            s("env"),
            s("step"),
        ];
        let n = seen.entry(k7.clone()).or_default();
        let [a, b, c, d, e, f, g] = k7;
        out.insert([a, b, c, d, e, f, g, Some(n.to_string())], o.object.clone());
        *n += 1;
    }
    Ok(out)
}

/// `--kube-version` from a `# velac-args:` line heading the file.
fn kube_version(text: &str) -> String {
    let mut version = render::DEFAULT_KUBE_VERSION.to_string();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(args) = line
            .trim_start_matches('#')
            .trim()
            .strip_prefix("velac-args:")
        {
            let words: Vec<&str> = args.split_whitespace().collect();
            for w in words.windows(2) {
                if w[0] == "--kube-version" {
                    version = w[1].to_string();
                }
            }
        }
    }
    version
}

/// The file's documents and the position of its Application, when it reads.
fn read_app(text: &str) -> Option<(Vec<Json>, usize)> {
    let docs: Vec<Json> = serde_saphyr::from_multiple(text).ok()?;
    let at = docs.iter().position(|d| d["kind"] == "Application")?;
    Some((docs, at))
}

/// `(name, type, trait types)` of each component.
fn pipelines(app: &Json) -> Vec<(String, Option<String>, Vec<String>)> {
    let comps = app["spec"]["components"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    comps
        .iter()
        .filter(|c| c.is_object())
        .map(|c| {
            let name = match &c["name"] {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            let traits = c["traits"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["type"].as_str().map(str::to_string))
                .collect();
            (name, c["type"].as_str().map(str::to_string), traits)
        })
        .collect()
}

/// The file with its Application keeping only component `name` (JSON
/// documents, which are YAML).
fn single_component(docs: &[Json], at: usize, name: &str) -> String {
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        let mut d = d.clone();
        if i == at
            && let Some(list) = d
                .pointer_mut("/spec/components")
                .and_then(Json::as_array_mut)
        {
            list.retain(|c| c["name"].as_str() == Some(name));
        }
        let _ = writeln!(out, "---\n{}", serde_json::to_string_pretty(&d).unwrap());
    }
    out
}

/// A changed path: `$.spec.replicas`, `$["app.oam.dev/name"]`, `$[0]`.
fn child(path: &str, k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        format!("{path}.{k}")
    } else {
        format!("{path}[{}]", json!(k))
    }
}

/// `(path, builtin, upstream)` where the two differ; `None` is absent.
fn json_diff(a: &Json, b: &Json, path: &str, out: &mut Vec<(String, Option<Json>, Option<Json>)>) {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = child(path, k);
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => json_diff(u, v, &p, out),
                    (u, v) => out.push((p, u.cloned(), v.cloned())),
                }
            }
        }
        (Json::Array(x), Json::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(u), Some(v)) => json_diff(u, v, &p, out),
                    (u, v) => out.push((p, u.cloned(), v.cloned())),
                }
            }
        }
        _ if a == b => {}
        _ => out.push((path.to_string(), Some(a.clone()), Some(b.clone()))),
    }
}

fn short(v: &Option<Json>) -> String {
    let Some(v) = v else {
        return "<absent>".into();
    };
    let s = v.to_string();
    if s.chars().count() <= 80 {
        s
    } else {
        s.chars().take(77).collect::<String>() + "..."
    }
}

fn key_text(k: &Key) -> String {
    let v = |i: usize| k[i].clone().unwrap_or_default();
    let mut s = format!("component={}", v(0));
    if let Some(t) = &k[1] {
        s += &format!(" trait={t}");
    }
    s += &format!(" output={}", k[2].as_deref().unwrap_or("<workload>"));
    let mut extra = Vec::new();
    if k[3].as_deref().is_some_and(|c| c != "local") {
        extra.push(format!("cluster={}", v(3)));
    }
    if let Some(e) = &k[5] {
        extra.push(format!("env={e}"));
    }
    if let Some(st) = &k[6] {
        extra.push(format!("step={st}"));
    }
    if k[7].as_deref().is_some_and(|n| n != "0") {
        extra.push(format!("#{}", v(7)));
    }
    if !extra.is_empty() {
        s += &format!(" ({})", extra.join(", "));
    }
    s
}

fn describe(o: Option<&Json>) -> String {
    match o {
        Some(o) if o.is_object() => format!(
            "{} {}",
            o["kind"].as_str().unwrap_or("None"),
            o["metadata"]["name"].as_str().unwrap_or("None")
        ),
        _ => "?".into(),
    }
}

/// The counts the report ends with.
#[derive(Default)]
struct Totals(Map<String, Json>);

impl Totals {
    fn add(&mut self, k: &str) {
        let n = self.get(k) + 1;
        self.0.insert(k.into(), json!(n));
    }
    fn get(&self, k: &str) -> u64 {
        self.0.get(k).and_then(Json::as_u64).unwrap_or(0)
    }
}

/// Compares every application; the report text and the JSON results.
fn compare(apps: &Path, upstream: &[PathBuf]) -> (String, Totals, Vec<Json>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(apps)
        .expect("tests/compat/apps")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let mut tot = Totals::default();
    for k in [
        "comp",
        "comp_ok",
        "pipe",
        "pipe_ok",
        "obj",
        "obj_ok",
        "different",
        "error",
        "error_both",
        "error_builtin",
        "error_upstream",
    ] {
        tot.0.insert(k.into(), json!(0));
    }
    let (mut text, mut results) = (String::new(), Vec::new());
    for path in files {
        let fname = path.file_name().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(&path).expect("readable");
        let version = kube_version(&src);
        let label = path.display().to_string();
        let ours = render_side(&label, &src, &[], &version);
        let up = render_side(&label, &src, upstream, &version);
        let doc = read_app(&src);
        let pipes = match &doc {
            Some((docs, at)) => pipelines(&docs[*at]),
            None => {
                let mut names: Vec<String> = Vec::new();
                for side in [&ours, &up].into_iter().flatten() {
                    for k in side.keys() {
                        let n = k[0].clone().unwrap_or_default();
                        if !names.contains(&n) {
                            names.push(n);
                        }
                    }
                }
                names.into_iter().map(|n| (n, None, Vec::new())).collect()
            }
        };
        let note = if version == render::DEFAULT_KUBE_VERSION {
            String::new()
        } else {
            format!("  [velac render --kube-version {version}]")
        };
        let _ = writeln!(text, "== {fname}{note}");
        // One failing component must not hide the others.
        let mut isolated: HashMap<String, (Side, Side)> = HashMap::new();
        if let (true, Some((docs, at))) = ((ours.is_err() || up.is_err()) && pipes.len() > 1, &doc)
        {
            let which = match (&ours, &up) {
                (Err(_), Err(_)) => "both sides",
                (Err(_), _) => "the builtin side",
                _ => "the upstream side",
            };
            let _ = writeln!(
                text,
                "  (render failed on {which}; rendering each component separately)"
            );
            for (name, _, _) in &pipes {
                let one = single_component(docs, *at, name);
                let label = format!("{label} (component {name})");
                isolated.insert(
                    name.clone(),
                    (
                        render_side(&label, &one, &[], &version),
                        render_side(&label, &one, upstream, &version),
                    ),
                );
            }
        }
        for (name, ctype, traits) in &pipes {
            let (o, u): (&Side, &Side) = match isolated.get(name) {
                Some((a, b)) => (a, b),
                None => (&ours, &up),
            };
            let mut rec = json!({"app": fname, "component": name, "type": ctype, "traits": traits,
                "status": null, "objects": [], "errors": {}, "isolated": isolated.contains_key(name)});
            let label = format!(
                "{name} ({}{})",
                ctype.as_deref().unwrap_or("?"),
                if traits.is_empty() {
                    String::new()
                } else {
                    format!(" + {}", traits.join(", "))
                }
            );
            tot.add("comp");
            if !traits.is_empty() {
                tot.add("pipe");
            }
            let (o, u) = match (o, u) {
                (Ok(o), Ok(u)) => (o, u),
                (o, u) => {
                    let (eo, eu) = (o.as_ref().err().cloned(), u.as_ref().err().cloned());
                    rec["status"] = json!("error");
                    if let Some(e) = &eo {
                        rec["errors"]["builtin"] = json!(e);
                    }
                    if let Some(e) = &eu {
                        rec["errors"]["upstream"] = json!(e);
                    }
                    tot.add("error");
                    let side = match (&eo, &eu) {
                        (Some(_), Some(_)) => "both",
                        (Some(_), None) => "builtin",
                        _ => "upstream",
                    };
                    tot.add(&format!("error_{side}"));
                    let same = eo == eu;
                    let _ = writeln!(
                        text,
                        "  ERROR     {label}  [{side}{}]",
                        if same { " (same message)" } else { "" }
                    );
                    let shown = if same {
                        vec![("both", eo)]
                    } else {
                        vec![("builtin", eo), ("upstream", eu)]
                    };
                    for (who, e) in shown {
                        for l in e.iter().flat_map(|e| e.lines()).take(8) {
                            let _ = writeln!(text, "      {who}: {l}");
                        }
                    }
                    results.push(rec);
                    continue;
                }
            };
            let mut keys: Vec<&Key> = o
                .keys()
                .chain(u.keys())
                .filter(|k| k[0].as_deref() == Some(name.as_str()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            keys.sort_by_key(|k| {
                k.iter()
                    .map(|x| x.clone().unwrap_or_default())
                    .collect::<Vec<_>>()
            });
            let (mut same_all, mut lines) = (true, Vec::new());
            let mut objects = Vec::new();
            for k in &keys {
                tot.add("obj");
                let (bo, uo) = (o.get(*k), u.get(*k));
                let mut orec = json!({"key": key_text(k)});
                match (bo, uo) {
                    (Some(_), None) => {
                        same_all = false;
                        orec["status"] = json!("only-builtin");
                        lines.push(format!(
                            "    only in builtin:  {}  {}",
                            key_text(k),
                            describe(bo)
                        ));
                    }
                    (None, Some(_)) => {
                        same_all = false;
                        orec["status"] = json!("only-upstream");
                        lines.push(format!(
                            "    only in upstream: {}  {}",
                            key_text(k),
                            describe(uo)
                        ));
                    }
                    (Some(b), Some(v)) => {
                        let mut d = Vec::new();
                        json_diff(b, v, "$", &mut d);
                        if d.is_empty() {
                            tot.add("obj_ok");
                            orec["status"] = json!("identical");
                        } else {
                            same_all = false;
                            orec["status"] = json!("different");
                            orec["paths"] = d
                                .iter()
                                .map(|(p, x, y)| json!({"path": p, "builtin": x, "upstream": y,
                                    "absent": if x.is_none() { json!("builtin") } else if y.is_none() { json!("upstream") } else { Json::Null }}))
                                .collect();
                            lines.push(format!("    differs: {}  {}", key_text(k), describe(bo)));
                            for (p, x, y) in d.iter().take(MAX_PATHS) {
                                lines.push(format!(
                                    "      {p}: builtin={} upstream={}",
                                    short(x),
                                    short(y)
                                ));
                            }
                            if d.len() > MAX_PATHS {
                                lines.push(format!("      ... {} more paths", d.len() - MAX_PATHS));
                            }
                        }
                    }
                    (None, None) => unreachable!("a key comes from one side"),
                }
                objects.push(orec);
            }
            rec["objects"] = Json::Array(objects);
            if keys.is_empty() {
                lines.push("    (no objects on either side)".into());
            }
            if same_all {
                rec["status"] = json!("identical");
                tot.add("comp_ok");
                if !traits.is_empty() {
                    tot.add("pipe_ok");
                }
                let _ = writeln!(text, "  identical {label}  [{} objects]", keys.len());
            } else {
                rec["status"] = json!("different");
                tot.add("different");
                let _ = writeln!(text, "  DIFFERENT {label}");
                for l in lines {
                    let _ = writeln!(text, "{l}");
                }
            }
            results.push(rec);
        }
    }
    let pct = |x: u64, y: u64| {
        if y == 0 {
            "n/a".to_string()
        } else {
            format!("{:.1}%", 100.0 * x as f64 / y as f64)
        }
    };
    let n = |k: &str| tot.get(k);
    let _ = writeln!(text, "\nTotals");
    for (what, ok, all) in [
        ("components identical:         ", "comp_ok", "comp"),
        ("pipelines with traits identical:", "pipe_ok", "pipe"),
        ("objects identical:            ", "obj_ok", "obj"),
    ] {
        let _ = writeln!(
            text,
            "  {what} {}/{} ({})",
            n(ok),
            n(all),
            pct(n(ok), n(all))
        );
    }
    let _ = writeln!(
        text,
        "  components different: {}, with a render error: {} (both sides {}, builtin only {}, upstream only {})",
        n("different"),
        n("error"),
        n("error_both"),
        n("error_builtin"),
        n("error_upstream")
    );
    (text, tot, results)
}

#[test]
fn builtins_render_like_kubevela_definitions() {
    let Some(defs) = std::env::var_os("VELAC_KUBEVELA_DEFS") else {
        report!(
            "kubevela_compat: skipped: VELAC_KUBEVELA_DEFS is not set (KubeVela's definition sources are not in this repository; clone kubevela/kubevela anywhere and run .ci/run with VELAC_KUBEVELA_GIT=<the clone>, or point VELAC_KUBEVELA_DEFS at its vela-templates/definitions/internal)"
        );
        return;
    };
    let defs = PathBuf::from(defs);
    let upstream = [defs.join("component"), defs.join("trait")];
    for d in &upstream {
        assert!(
            d.is_dir(),
            "VELAC_KUBEVELA_DEFS: {} is not a directory",
            d.display()
        );
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (text, tot, results) = compare(&root.join("tests/compat/apps"), &upstream);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (txt, js) = (
        dir.join("kubevela-compat.txt"),
        dir.join("kubevela-compat.json"),
    );
    std::fs::write(&txt, &text).expect("report written");
    let doc = json!({"totals": tot.0, "pipelines": results});
    std::fs::write(&js, serde_json::to_string_pretty(&doc).unwrap()).expect("results written");
    let n = |k: &str| tot.get(k);
    report!(
        "kubevela_compat: components identical {}/{}, pipelines with traits {}/{}, objects {}/{}; errors on both sides {}, differing {} (report: {})",
        n("comp_ok"),
        n("comp"),
        n("pipe_ok"),
        n("pipe"),
        n("obj_ok"),
        n("obj"),
        n("error_both"),
        n("different"),
        txt.display()
    );
    // What failed, without the identical pipelines.
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("  identical "))
        .map(|l| format!("{l}\n"))
        .collect();
    // The bar is 95 % of components and pipelines; differences and
    // one-sided errors are regressions whatever the percentage.
    assert!(
        n("comp_ok") * 100 >= n("comp") * 95,
        "components below 95 %:\n{text}"
    );
    assert!(
        n("pipe_ok") * 100 >= n("pipe") * 95,
        "pipelines below 95 %:\n{text}"
    );
    assert_eq!(n("different"), 0, "objects differ:\n{text}");
    assert_eq!(
        n("error_builtin") + n("error_upstream"),
        0,
        "one side fails to render:\n{text}"
    );
}

/// The harness's own pieces, which run without KubeVela's sources.
#[test]
fn the_harness_matches_and_reports_as_it_should() {
    let mut d = Vec::new();
    json_diff(
        &json!({"a": 1, "b": [1, 2], "app.oam.dev/x": true, "c": {"d": 1}}),
        &json!({"a": 1.0, "b": [1], "app.oam.dev/x": true, "c": {}}),
        "$",
        &mut d,
    );
    let paths: Vec<&str> = d.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(paths, ["$.a", "$.b[1]", "$.c.d"]);
    assert_eq!(d[1].2, None);
    assert_eq!(
        kube_version("# velac-args: --kube-version 1.18\nkind: x\n"),
        "1.18"
    );
    assert_eq!(
        kube_version("kind: x\n# velac-args: --kube-version 1.18\n"),
        render::DEFAULT_KUBE_VERSION
    );
    let (docs, at) = read_app(
        "kind: Policy\n---\nkind: Application\nspec:\n  components:\n    - {name: a, type: webservice, traits: [{type: scaler}]}\n    - {name: b, type: worker}\n",
    )
    .unwrap();
    assert_eq!(at, 1);
    assert_eq!(
        pipelines(&docs[at]),
        [
            (
                "a".to_string(),
                Some("webservice".to_string()),
                vec!["scaler".to_string()]
            ),
            ("b".to_string(), Some("worker".to_string()), vec![]),
        ]
    );
    let one = single_component(&docs, at, "b");
    let back: Vec<Json> = serde_saphyr::from_multiple(&one).unwrap();
    assert_eq!(
        back[1]["spec"]["components"],
        json!([{"name": "b", "type": "worker"}])
    );
    let k: Key = [
        Some("a".into()),
        Some("scaler".into()),
        None,
        Some("prod".into()),
        Some("default".into()),
        Some("prod".into()),
        None,
        Some("1".into()),
    ];
    assert_eq!(
        key_text(&k),
        "component=a trait=scaler output=<workload> (cluster=prod, env=prod, #1)"
    );
    // A file rendered through the library, as `velac render` would.
    let side = render_side(
        "app.yaml",
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: x}\nspec:\n  components:\n    - {name: a, type: worker, properties: {image: busybox}}\n",
        &[],
        render::DEFAULT_KUBE_VERSION,
    )
    .unwrap();
    assert_eq!(side.len(), 1);
    let bad = render_side("bad.yaml", "kind: Application\n", &[], "1.31").unwrap_err();
    assert!(bad.contains("bad.yaml"), "{bad}");
}
