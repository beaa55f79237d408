//! `velac render`: an Application's objects, offline.

use super::{EXIT_FAIL, EXIT_OK, EXIT_USAGE};
use crate::definition::Catalog;
use crate::diag::{Diagnostic, render_all};
use crate::model::AppFile;
use crate::policy::ClusterSet;
use crate::render::{self, ClusterVersion, RenderedObject, Target, bundle};
use crate::source::SourceMap;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum Output {
    Yaml,
    Json,
}

#[derive(Args)]
pub(super) struct RenderArgs {
    /// Application file (YAML; may also hold Policy and Workflow objects).
    app: PathBuf,
    /// Definitions to add (file or directory, recursive; repeatable). They
    /// override built-ins of the same name.
    #[arg(short = 'd', long = "definitions")]
    defs: Vec<PathBuf>,
    /// Output encoding on stdout.
    #[arg(long = "output", value_enum, default_value = "yaml")]
    output: Output,
    /// Write the bundle tree here instead of printing (`<cluster>/<namespace>/<kind>.<name>.yaml`).
    #[arg(short = 'o', long = "out-dir")]
    out_dir: Option<PathBuf>,
    /// Clusters placement chooses from: a YAML list of `{name, labels, endpoint,
    /// kubeVersion}` (`local` always exists). Default: the cluster registry.
    #[arg(long = "clusters")]
    clusters: Option<PathBuf>,
    /// Kubernetes version templates see as `context.clusterVersion` (for
    /// clusters whose version the cluster list does not give).
    #[arg(long = "kube-version", default_value = render::DEFAULT_KUBE_VERSION)]
    kube_version: String,
}

/// Reads the application file and builds the catalogue; prints and returns
/// the exit code on failure.
pub(super) fn load_inputs(
    sources: &mut SourceMap,
    app: &Path,
    defs: &[PathBuf],
) -> Result<(AppFile, Catalog), u8> {
    let text = std::fs::read_to_string(app).map_err(|e| {
        eprintln!("velac: cannot read {}: {e}", app.display());
        EXIT_USAGE
    })?;
    let id = sources.add(app.display().to_string(), text);
    let file = crate::model::load(sources, id).map_err(|d| fail(&[d], sources))?;
    let catalog = load_catalog(sources, defs)?;
    Ok((file, catalog))
}

/// The built-in catalogue plus `-d` paths.
pub(super) fn load_catalog(sources: &mut SourceMap, defs: &[PathBuf]) -> Result<Catalog, u8> {
    let mut catalog = Catalog::builtin();
    for d in defs {
        if !d.exists() {
            eprintln!("velac: definitions path {} does not exist", d.display());
            return Err(EXIT_USAGE);
        }
        catalog
            .load_path(sources, d)
            .map_err(|e| fail(&e, sources))?;
    }
    Ok(catalog)
}

pub(super) fn fail(diags: &[Diagnostic], sources: &SourceMap) -> u8 {
    eprint!("{}", render_all(diags, sources));
    EXIT_FAIL
}

/// Everything rendered for one application, ready for output.
pub(super) struct Rendered {
    pub sources: SourceMap,
    pub file: AppFile,
    pub app_text: String,
    pub catalog: Catalog,
    pub clusters: ClusterSet,
    pub deployments: Vec<crate::policy::Deployment>,
    pub placed: Vec<(RenderedObject, Target)>,
    /// Revision number: one more than the last applied (1 when none).
    pub revision: u32,
    /// `--kube-version`: clusters whose version is not known render as this.
    pub kube_version: String,
    /// Worth saying on stderr (the caller says it, once).
    pub warnings: Vec<String>,
    /// The revision the state says was applied last, if any.
    pub last_applied: Option<crate::state::status::Revision>,
}

impl Rendered {
    /// Prints the warnings (once).
    pub fn warn(&mut self) {
        for w in self.warnings.drain(..) {
            eprintln!("velac: warning: {w}");
        }
    }
}

/// The state store: the hub cluster given by `--hub` (or `VELAC_HUB`),
/// else the state directory; the error says why there is none.
pub(super) fn store() -> Result<Box<dyn crate::state::Store>, (String, u8)> {
    match super::hub_context() {
        Some(ctx) => crate::cluster::hub::Hub::connect(&ctx)
            .map(|h| Box::new(h) as Box<dyn crate::state::Store>)
            .map_err(|e| (format!("hub {ctx}: {e}"), EXIT_FAIL)),
        None => crate::state::Home::from_env()
            .map(|h| Box::new(h) as Box<dyn crate::state::Store>)
            .map_err(|e| (e.to_string(), EXIT_USAGE)),
    }
}

/// [`store`], printing why there is none.
pub(super) fn home() -> Result<Box<dyn crate::state::Store>, u8> {
    store().map_err(|(msg, code)| {
        eprintln!("velac: {msg}");
        code
    })
}

/// Reads, checks, places and renders an application; prints and returns the
/// exit code on failure.
pub(super) fn render_inputs(
    app: &Path,
    defs: &[PathBuf],
    clusters_file: Option<&Path>,
    kube_version: &str,
) -> Result<Rendered, u8> {
    let mut r = render_inputs_at(
        app,
        defs,
        clusters_file,
        kube_version,
        Revision::Next,
        false,
    )?;
    r.warn();
    Ok(r)
}

/// Which revision an application renders as.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Revision {
    /// The one after the last applied (1 when none): what `plan` makes.
    Next,
    /// The last applied one (1 when none).
    Last,
}

/// [`render_inputs`] as a chosen revision, with the objects' origins when
/// `explain`; warnings are left to the caller ([`Rendered::warn`]).
pub(super) fn render_inputs_at(
    app: &Path,
    defs: &[PathBuf],
    clusters_file: Option<&Path>,
    kube_version: &str,
    which: Revision,
    explain: bool,
) -> Result<Rendered, u8> {
    let mut sources = SourceMap::new();
    let (file, mut catalog) = load_inputs(&mut sources, app, defs)?;
    let version = ClusterVersion::parse(kube_version).map_err(|e| {
        eprintln!("velac: --kube-version: {e}");
        EXIT_USAGE
    })?;
    render::check_policies_and_steps(&file, &mut catalog, &mut sources)
        .map_err(|d| fail(&d, &sources))?;
    // Offline rendering works without any state: no home directory means no
    // joined clusters and nothing applied (an explicit hub must answer).
    let home = match store() {
        Ok(h) => Some(h),
        Err(_) if super::hub_context().is_none() => None,
        Err((msg, code)) => {
            eprintln!("velac: {msg}");
            return Err(code);
        }
    };
    let clusters = match clusters_file {
        None => match &home {
            Some(h) => crate::cluster::Registry::new(h.as_ref())
                .snapshot()
                .map_err(|e| {
                    eprintln!("velac: cluster registry: {e}");
                    EXIT_FAIL
                })?,
            None => ClusterSet::local_only(),
        },
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                eprintln!("velac: cannot read {}: {e}", p.display());
                EXIT_USAGE
            })?;
            let id = sources.add(p.display().to_string(), text);
            ClusterSet::load(&sources, id).map_err(|e| fail(&[e.to_diagnostic()], &sources))?
        }
    };
    let deployments =
        crate::policy::deployments(&file, &clusters).map_err(|d| fail(&d, &sources))?;
    let key = crate::state::AppKey {
        namespace: file.app.namespace.clone(),
        name: file.app.name.clone(),
    };
    let last = match &home {
        Some(h) => h.status(&key).map_err(|e| {
            eprintln!("velac: {e}");
            EXIT_FAIL
        })?,
        None => None,
    };
    let last_applied = last.and_then(|s| s.latest_revision);
    let revision = last_applied.as_ref().map_or(1, |r| {
        if which == Revision::Next {
            r.revision + 1
        } else {
            r.revision
        }
    });
    let placed = render::render_application(
        &file.app,
        &deployments,
        &clusters,
        &version,
        revision,
        &mut catalog,
        &mut sources,
        explain,
    )
    .map_err(|d| fail(&d, &sources))?;
    let mut warnings = Vec::new();
    if placed.is_empty() && !file.app.components.is_empty() {
        warnings.push(format!(
            "{}: the workflow deploys nothing (no step deploys a component; {} component(s) checked, none placed)",
            app.display(),
            file.app.components.len()
        ));
    }
    let app_text = sources.file(crate::source::FileId(0)).text.clone();
    Ok(Rendered {
        sources,
        file,
        app_text,
        catalog,
        clusters,
        deployments,
        placed,
        revision,
        kube_version: kube_version.to_string(),
        warnings,
        last_applied,
    })
}

pub(super) fn run(a: RenderArgs) -> u8 {
    let r = match render_inputs(&a.app, &a.defs, a.clusters.as_deref(), &a.kube_version) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let (placed, sources) = (r.placed, r.sources);
    if let Some(dir) = &a.out_dir {
        // A bundle holding a Secret is its owner's only.
        let private = placed.iter().any(|(o, _)| render::holds_secret(&o.object));
        let mut tree = match crate::fsutil::TreeWriter::begin(dir, bundle::INDEX, private) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("velac: {e}");
                return EXIT_FAIL;
            }
        };
        let written = match bundle::each_object_file(&placed, |path, text| tree.add(&path, text)) {
            Ok(w) => w,
            Err(d) => return fail(&[d], &sources),
        };
        tree.add(bundle::INDEX, bundle::index_text(&placed, &written));
        if let Err(e) = tree.finish() {
            eprintln!("velac: {e}");
            return EXIT_FAIL;
        }
        println!("wrote {} objects to {}", placed.len(), dir.display());
        return EXIT_OK;
    }
    // Streamed to stdout: the output is never held whole beside the objects.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = match a.output {
        Output::Yaml => yaml_stream(&placed, &mut out),
        Output::Json => json_doc(&placed, &mut out),
    };
    if written.and_then(|_| out.flush()).is_err() {
        return EXIT_FAIL;
    }
    EXIT_OK
}

/// A multi-document stream, each object headed by a comment naming where it
/// came from.
fn yaml_stream(objs: &[(RenderedObject, Target)], out: &mut impl Write) -> std::io::Result<()> {
    for (o, t) in objs {
        let mut at = format!("cluster {}", t.cluster_name());
        if let Some(e) = &t.env {
            at.push_str(&format!(", env {e}"));
        }
        if let Some(st) = &t.step {
            at.push_str(&format!(", step {st}"));
        }
        writeln!(out, "---\n# {} ({at})", bundle::describe(o))?;
        out.write_all(crate::cue::builtins::json_to_yaml(&o.object).as_bytes())?;
    }
    Ok(())
}

/// `{"objects": [{provenance…, "object": …}, …]}`, pretty-printed, written
/// as it is serialised: the objects are borrowed, not copied into one
/// document first.
fn json_doc(objs: &[(RenderedObject, Target)], out: &mut impl Write) -> std::io::Result<()> {
    use serde::ser::{SerializeMap, SerializeSeq};
    struct Item<'a>(&'a RenderedObject, &'a Target);
    impl serde::Serialize for Item<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let prov = bundle::provenance(self.0, self.1);
            let mut m = s.serialize_map(Some(prov.len() + 1))?;
            for (k, v) in &prov {
                m.serialize_entry(k, v)?;
            }
            m.serialize_entry("object", &self.0.object)?;
            m.end()
        }
    }
    struct Items<'a>(&'a [(RenderedObject, Target)]);
    impl serde::Serialize for Items<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut q = s.serialize_seq(Some(self.0.len()))?;
            for (o, t) in self.0 {
                q.serialize_element(&Item(o, t))?;
            }
            q.end()
        }
    }
    let mut ser = serde_json::Serializer::pretty(&mut *out);
    let mut m =
        serde::Serializer::serialize_map(&mut ser, Some(1)).map_err(std::io::Error::other)?;
    m.serialize_entry("objects", &Items(objs))
        .and_then(|_| SerializeMap::end(m))
        .map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
