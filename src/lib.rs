//! velac: compile KubeVela Applications offline, and deliver them to clusters.
//!
//! The pipeline, one stage per module, each a pure function from one type
//! to the next (only [`cli`] prints or picks exit codes):
//!
//! 1. **Sources** ([`source`]): every file read is a [`source::SourceMap`]
//!    entry, so any error can point at `file:line:col`.
//! 2. **YAML** ([`yaml`]): documents as [`yaml::Node`]s that keep their
//!    positions, with Kubernetes' scalar rules and bounded alias expansion.
//! 3. **Model** ([`model`]): an [`model::AppFile`], the Application (and any
//!    Policy and Workflow objects beside it) checked against KubeVela's schema.
//! 4. **Definitions** ([`definition`]): the [`definition::Catalog`] of
//!    ComponentDefinitions, TraitDefinitions, policies and workflow steps,
//!    built in or given with `-d`, each compiled once.
//! 5. **CUE** ([`cue`]): parse, compile to IR and evaluate; the
//!    [`cue::eval::Engine`] is what every template runs on.
//! 6. **Placement** ([`policy`]): topology, override and env-binding policies
//!    and the workflow's deploy steps become [`policy::Deployment`]s, the
//!    components as patched for each cluster and namespace.
//! 7. **Render** ([`render`]): each placement's templates evaluated with its
//!    `context` into [`render::RenderedObject`]s, traits applied in order,
//!    the OAM contract stamped; [`render::bundle`] lays them out as files.
//! 8. **Plan** ([`plan`]): the workflow, the objects' digests and the
//!    definitions the applier needs, as `plan.json`.
//! 9. **Diff** ([`diff`]) between two plans, or against live clusters;
//!    [`explain`] says who set each field.
//! 10. **Apply** ([`apply`], [`cluster`], [`state`], [`step`]): the workflow
//!     run step by step with server-side apply, health, suspend and resume,
//!     state kept locally or on a hub cluster.
//!
//! Rendering an Application through the library:
//!
//! ```
//! use velac::{definition::Catalog, model, policy, render, source::SourceMap};
//!
//! let app = r#"
//! apiVersion: core.oam.dev/v1beta1
//! kind: Application
//! metadata: {name: hello, namespace: demo}
//! spec:
//!   components:
//!     - name: web
//!       type: webservice
//!       properties: {image: nginx:1.27, ports: [{port: 80, expose: true}]}
//!       traits:
//!         - type: scaler
//!           properties: {replicas: 3}
//! "#;
//! let mut sources = SourceMap::new();
//! let id = sources.add("app.yaml", app);
//! let file = model::load(&sources, id).expect("a valid Application");
//! let clusters = policy::ClusterSet::local_only();
//! let placements = policy::deployments(&file, &clusters).expect("placed");
//! let mut catalog = Catalog::builtin();
//! let objects = render::render_deployments(
//!     &file.app,
//!     &placements,
//!     &clusters,
//!     &render::ClusterVersion::default(),
//!     1,
//!     &mut catalog,
//!     &mut sources,
//! )
//! .expect("rendered");
//! let kinds: Vec<&str> = objects.iter().map(|(o, _)| o.id().1).collect();
//! assert_eq!(kinds, ["Deployment", "Service"]);
//! assert_eq!(objects[0].0.object["spec"]["replicas"], 3);
//! ```
#![warn(missing_docs)]

// pest_derive (without its std feature) refers to `alloc` directly.
extern crate alloc;

pub mod apply;
pub mod cli;
pub mod cluster;
pub mod cue;
pub mod definition;
pub mod diag;
pub mod diff;
pub mod duration;
pub mod explain;
pub mod fsutil;
pub mod model;
pub mod plan;
pub mod policy;
pub mod render;
pub mod source;
pub mod state;
pub mod step;
pub mod yaml;
