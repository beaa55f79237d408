//! The evaluator: unification over a graph of vertices.
//!
//! A [`Vertex`] is one node of the value being computed (a field, a list
//! element, the file root). It collects *conjuncts*: expressions paired with
//! the environment they were written in. Expanding a vertex processes its
//! conjuncts: struct literals add arcs (child vertices) and hand each child
//! its field's expression; scalars meet into the vertex's value; references
//! copy the referenced vertex's conjuncts (so `#D & {x: 2}` re-evaluates
//! `#D`'s fields with this vertex as `self`, as CUE's late binding requires);
//! disjunctions are resolved by evaluating each alternative in a clone;
//! comprehensions run once the struct's own fields are known. Children are
//! expanded lazily, when looked up or exported.
//!
//! Environments ([`Env`]) mirror the compile-time scopes of [`super::compile`],
//! so a reference is "walk out `up` environments, take that field".
//!
//! Closedness (definitions, `close`) is tracked per vertex as groups of
//! allowed labels (see `closed.rs`); cycles are caught three ways: a
//! reference to an ancestor is a structural cycle, a vertex met again while
//! it is being expanded is a reference cycle (incomplete), and depth limits
//! stop anything else.

mod arcs;
mod budget;
mod builtin_call;
mod closed;
mod disjunct;
mod docs;
mod expr;
mod finalize;
mod literal;
mod merge;
mod ops;
pub mod order;
pub mod origin;
mod unify;

pub use budget::{DEFAULT_EVAL_BUDGET, eval_budget, parse_eval_budget, set_eval_budget};
pub use docs::DocTree;
pub(crate) use expr::default_of;
pub use finalize::{ExportError, ExportErrors};

use super::ir::{Expr, FieldInfo, StructLit};
use super::label::Label;
use super::value::{Bottom, ErrCode, VId, Value};
use crate::source::Span;
use closed::CloseState;
use std::cell::RefCell;
use std::rc::Rc;

/// Vertices deeper than this are reported as a structural cycle: as deep as
/// the parser lets literals nest (see `lexer::max_nesting`), so that nesting
/// the parser accepts is data, not a cycle.
fn max_vertex_depth() -> u32 {
    if crate::cue::deep_stack() {
        10_000
    } else {
        400
    }
}

/// Nested evaluation calls beyond this are reported as an error (on a deep
/// stack, a chain of 100,000 references fits; this leaves five times).
fn max_eval_depth() -> u32 {
    if crate::cue::deep_stack() {
        20_000
    } else {
        10_000
    }
}
/// log2 of the arena chunk size.
const CHUNK_BITS: usize = 12;
const CHUNK_MASK: usize = (1 << CHUNK_BITS) - 1;
/// Initial capacity of the first chunk (it grows like a `Vec` up to a full chunk).
const FIRST_CHUNK: usize = 256;

/// Where a vertex is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Conjuncts collected, nothing processed.
    Unprocessed,
    /// Conjuncts being processed.
    Expanding,
    /// Arcs and value known (children may still be unprocessed).
    Expanded,
}

/// Whether a field must, may or does exist. Ordered: the smallest wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArcType {
    /// A regular field.
    Regular,
    /// `a!:` not yet given a regular value.
    Required,
    /// `a?:` only.
    Optional,
}

/// A closedness group id (non-zero, so `Option<Gid>` stays four bytes).
pub type Gid = std::num::NonZeroU32;

/// Closedness context a conjunct carries (see `closed.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloseCtx {
    /// The closed group whose literals declare the allowed fields here.
    pub group: Option<Gid>,
    /// The group that collects allowed labels at this vertex.
    pub target: Option<Gid>,
    /// True for embeddings (they add allowed labels but impose no limit).
    pub embedded: bool,
    /// True when the conjunct comes from an optional field, a pattern or a
    /// list tail: recursion through it is finite by construction, so it is
    /// not a structural cycle.
    pub optional: bool,
    /// True for an operand of `&` (it affects field order only).
    pub explicit: bool,
}

/// Where a conjunct's value comes from.
#[derive(Clone, Debug)]
pub enum ConjSrc {
    /// An expression in an environment.
    Expr(Expr, Rc<Env>),
    /// An already computed value (scalars, or a vertex to share).
    Value(Value),
}

/// One contribution to a vertex.
#[derive(Clone, Debug)]
pub struct Conjunct {
    /// The value.
    pub src: ConjSrc,
    /// Closedness.
    pub close: CloseCtx,
    /// Source position (for errors).
    pub span: Span,
    /// The references this conjunct was copied through (its provenance).
    pub via: Via,
    /// The field declaration it comes from (docs, attributes), if any.
    pub info: Option<Rc<FieldInfo>>,
}

/// A chain of referenced vertices, innermost first.
pub type Via = Option<Rc<ViaNode>>;

/// One link of a [`Via`] chain.
#[derive(Debug)]
pub struct ViaNode {
    /// A vertex whose conjuncts were copied.
    pub vertex: VId,
    /// The rest of the chain.
    pub next: Via,
}

/// True when `v` is in the chain.
pub(crate) fn via_contains(mut via: &Via, v: VId) -> bool {
    while let Some(n) = via {
        if n.vertex == v {
            return true;
        }
        via = &n.next;
    }
    false
}

/// A lexical environment (one per compile-time scope).
#[derive(Debug)]
pub struct Env {
    /// Enclosing environment.
    pub up: Option<Rc<Env>>,
    /// What this scope holds.
    pub kind: EnvKind,
}

impl Env {
    /// True when both scopes bind the same names to the same things: the
    /// same literal unified into the same vertex (or the same pattern label)
    /// under equivalent scopes. A struct literal reached twice (`#D & #D`,
    /// or a definition declared twice) gets a new scope each time; its
    /// expressions in either scope mean the same, so a disjunction met in
    /// both is one disjunction, not a product.
    pub fn equivalent(a: &Rc<Env>, b: &Rc<Env>) -> bool {
        Env::chain_eq(a, b, false)
    }

    /// Like [`Env::equivalent`], but a literal may also be another with the
    /// same text (a declaration pasted twice): names resolve alike in both.
    pub fn alike(a: &Rc<Env>, b: &Rc<Env>) -> bool {
        Env::chain_eq(a, b, true)
    }

    fn chain_eq(a: &Rc<Env>, b: &Rc<Env>, textual: bool) -> bool {
        let (mut a, mut b) = (a, b);
        loop {
            if Rc::ptr_eq(a, b) {
                return true;
            }
            let same = match (&a.kind, &b.kind) {
                (
                    EnvKind::Struct {
                        vertex: va,
                        lit: la,
                        ..
                    },
                    EnvKind::Struct {
                        vertex: vb,
                        lit: lb,
                        ..
                    },
                ) => va == vb && (Rc::ptr_eq(la, lb) || textual && la.same_as(lb)),
                (EnvKind::Label(x), EnvKind::Label(y)) => x == y,
                _ => false,
            };
            if !same {
                return false;
            }
            match (&a.up, &b.up) {
                (Some(x), Some(y)) => (a, b) = (x, y),
                (None, None) => return true,
                _ => return false,
            }
        }
    }
}

/// Scope contents.
#[derive(Debug)]
pub enum EnvKind {
    /// A struct literal being unified into `vertex`.
    Struct {
        /// The vertex receiving the literal's fields.
        vertex: VId,
        /// The literal (for its lets).
        lit: Rc<StructLit>,
        /// Let values, computed on first use.
        lets: RefCell<Vec<Option<Value>>>,
    },
    /// The label a pattern constraint matched.
    Label(Label),
    /// Comprehension variables.
    Vars([Value; 2]),
}

/// A pattern constraint `[p]: v` registered on a struct vertex.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The label constraint (evaluated).
    pub matcher: Value,
    /// The value for matching fields.
    pub value: Expr,
    /// Environment of the declaring literal.
    pub env: Rc<Env>,
    /// Closedness for the produced conjuncts.
    pub close: CloseCtx,
    /// Declaration span.
    pub span: Span,
    /// Provenance of the declaring literal.
    pub via: Via,
}

/// A comprehension waiting for its struct's fields to be known.
#[derive(Clone, Debug)]
pub struct PendingComp {
    /// The comprehension or dynamic field.
    pub kind: PendingKind,
    /// Environment it was written in.
    pub env: Rc<Env>,
    /// Closedness for what it yields.
    pub close: CloseCtx,
}

/// Deferred struct declarations.
#[derive(Clone, Debug)]
pub enum PendingKind {
    /// `for`/`if`/`let` … `{…}`.
    Comp(Rc<super::ir::Comprehension>),
    /// `(expr): value` whose label could not be computed yet; the last two
    /// numbers locate the declaration (order source, declaration index).
    DynField(
        Expr,
        super::ast::Constraint,
        Expr,
        Option<Rc<FieldInfo>>,
        usize,
        usize,
    ),
}

/// A disjunction met while expanding, to be resolved in clones.
#[derive(Clone, Debug)]
pub struct PendingDisj {
    /// Alternatives with their default marks.
    pub alts: Vec<(ConjSrc, bool)>,
    /// True when the disjunction is marked (has a default).
    pub has_default: bool,
    /// The disjunction expression and its scope, when it was one.
    pub origin: Option<(Expr, Rc<Env>)>,
    /// Closedness for the chosen alternative.
    pub close: CloseCtx,
    /// Span of the disjunction.
    pub span: Span,
}

/// List bookkeeping.
#[derive(Clone, Debug, Default)]
pub struct ListInfo {
    /// Length of the closed literal, if any (all closed literals must agree).
    pub closed_len: Option<usize>,
    /// Largest element count of any literal.
    pub max_len: usize,
    /// Tail constraints `...T`.
    pub tails: Vec<Tail>,
    /// Incompatible lengths met.
    pub conflict: Option<(usize, usize)>,
}

/// A list tail `...T`: applies to elements from index `from` on.
#[derive(Clone, Debug)]
pub struct Tail {
    /// First index it applies to (the length of the literal that declared it).
    pub from: usize,
    /// The element constraint (`None` for a bare `...`).
    pub expr: Option<Expr>,
    /// Environment of the declaring literal.
    pub env: Option<Rc<Env>>,
    /// Closedness for the produced conjuncts.
    pub close: CloseCtx,
    /// Provenance of the declaring literal.
    pub via: Via,
}

/// A node of the value graph. Rarely needed parts live in [`Extra`], which is
/// allocated on first use: most vertices are plain fields that never need it.
#[derive(Debug)]
pub struct Vertex {
    /// Parent (none for roots).
    pub parent: Option<VId>,
    /// Label in the parent.
    pub label: Label,
    /// Depth from the root.
    pub depth: u32,
    /// How many of the parent's patterns were applied to this vertex.
    pub patterns_applied: u32,
    /// Regular, required or optional.
    pub arc_type: ArcType,
    /// Processing state.
    pub status: Status,
    /// A struct literal was unified in.
    pub is_struct: bool,
    /// True once the parent applies patterns to new arcs immediately.
    pub patterns_live: bool,
    /// Built directly from data (JSON, builtin results): arcs are final, no conjuncts.
    pub built: bool,
    /// Set once a full walk found no error in this subtree (existence tests repeat it often).
    pub deep_ok: bool,
    /// Contributions (most vertices have exactly one, kept inline).
    pub conjuncts: smallvec::SmallVec<[Conjunct; 1]>,
    /// Accumulated scalar value (`Top` for structs and lists).
    pub value: Value,
    /// Children, in insertion order, with their labels beside them: lookups
    /// by label are among the engine's most frequent operations.
    pub arcs: Vec<ArcRef>,
    /// A list literal was unified in.
    pub list: Option<Box<ListInfo>>,
    /// Closedness groups.
    pub closed: Option<Box<CloseState>>,
    /// Fixed choices when this vertex is a disjunction branch (by encounter order).
    pub choices: Option<Rc<Vec<usize>>>,
    /// The branch this vertex resolved to.
    pub forward: Option<VId>,
    /// A struct-level error (conflict of kinds, failed comprehension, …).
    pub err: Option<Rc<Bottom>>,
    /// Struct literals and data unified in, for field ordering.
    pub order: Vec<order::OrderSource>,
    /// Everything else.
    pub ext: Option<Box<Extra>>,
}

/// A child of a vertex and its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArcRef {
    /// The child.
    pub id: VId,
    /// Its label (the child's own `label`).
    pub label: Label,
}

impl Vertex {
    /// The children, in insertion order (a copy: the caller may change the vertex).
    pub fn arc_ids(&self) -> Vec<VId> {
        self.arcs.iter().map(|r| r.id).collect()
    }
}

/// The parts of a vertex few vertices need.
#[derive(Debug, Default)]
pub struct Extra {
    /// Pattern constraints.
    pub patterns: Vec<Pattern>,
    /// Deferred comprehensions and dynamic fields.
    pub comps: Vec<PendingComp>,
    /// Disjunctions to resolve.
    pub disjs: Vec<PendingDisj>,
    /// Disjunctions met so far while expanding (to index `choices`).
    pub disj_seen: usize,
    /// Disjunctions met (expression address and environment, to unify a
    /// repeated disjunction only once) and their sequence numbers.
    pub disj_keys: Vec<(usize, Rc<Env>, usize)>,
    /// The last disjunction whose choice this branch fixed: its sequence
    /// number, expression and scope (see `Engine::symmetric_start`).
    pub last_fixed: Option<(usize, Expr, Rc<Env>)>,
    /// Field declarations that came in through references and shared data.
    pub ref_infos: Vec<Rc<FieldInfo>>,
    /// Validators on composite values (`struct.MinFields(1)`).
    pub validators: Vec<super::value::Validator>,
    /// Label index of large structs.
    pub arc_index: Option<crate::cue::fxhash::FxHashMap<Label, VId>>,
    /// Set when the value was computed while a vertex it depends on was still
    /// being expanded (a cycle): it is recomputed once those are done.
    pub provisional: Vec<VId>,
    /// A comprehension-only literal was added here: if its comprehensions
    /// yield nothing that decides the kind, the value is an empty struct.
    pub struct_default: Option<Span>,
}

impl Vertex {
    fn new(parent: Option<VId>, label: Label, depth: u32) -> Vertex {
        Vertex {
            parent,
            label,
            depth,
            patterns_applied: 0,
            arc_type: ArcType::Optional,
            status: Status::Unprocessed,
            is_struct: false,
            patterns_live: false,
            built: false,
            deep_ok: false,
            conjuncts: smallvec::SmallVec::new(),
            value: Value::Top,
            arcs: Vec::new(),
            list: None,
            closed: None,
            choices: None,
            forward: None,
            err: None,
            order: Vec::new(),
            ext: None,
        }
    }

    /// The extra parts, if allocated.
    pub fn ext(&self) -> Option<&Extra> {
        self.ext.as_deref()
    }

    /// The extra parts, allocated on first use.
    pub fn ext_mut(&mut self) -> &mut Extra {
        self.ext.get_or_insert_with(Default::default)
    }

    /// Pattern constraints (none if never allocated).
    pub fn patterns(&self) -> &[Pattern] {
        self.ext().map_or(&[], |x| &x.patterns)
    }

    /// Validators on this composite value.
    pub fn validators(&self) -> &[super::value::Validator] {
        self.ext().map_or(&[], |x| &x.validators)
    }

    /// Vertices this one waits for (a cycle in progress).
    pub fn provisional(&self) -> &[VId] {
        self.ext().map_or(&[], |x| &x.provisional)
    }

    /// Disjunctions waiting to be resolved.
    pub fn has_disjs(&self) -> bool {
        self.ext().is_some_and(|x| !x.disjs.is_empty())
    }

    /// Comprehensions or dynamic fields waiting.
    pub fn has_comps(&self) -> bool {
        self.ext().is_some_and(|x| !x.comps.is_empty())
    }
}

/// The evaluation context: the vertex arena and evaluation state.
#[derive(Default)]
pub struct Engine {
    /// The arena, in fixed-size chunks: growing never moves vertices or
    /// over-allocates by more than one chunk.
    chunks: Vec<Vec<Vertex>>,
    count: usize,
    /// Vertices this evaluation may create (see `budget.rs`).
    budget: usize,
    /// Comparisons of values made to merge equal alternatives: work the
    /// budget counts too, as it creates nothing.
    compared: usize,
    /// How deep values may nest, and evaluation calls (fixed when the engine
    /// is made: they depend on the thread's stack).
    max_depth: u32,
    max_eval_depth: u32,
    /// The budget's error, once it is spent.
    exhausted: Option<Rc<Bottom>>,
    /// Disjunction branches created (each a clone of a vertex re-evaluated).
    branches: usize,
    next_group: u32,
    depth: u32,
    /// Active (into, from) reference copies, to stop reference cycles.
    ref_stack: Vec<(VId, VId)>,
    /// Vertices currently being expanded, innermost last.
    expanding: Vec<VId>,
    /// Set when a cycle was met while processing the current conjunct.
    cycle_hit: Option<VId>,
    /// Position of the outermost reference being copied (orders its literals).
    order_ref: Option<Span>,
    /// Closedness delegation between groups: (a, b) means group a allows what b allows.
    delegates: crate::cue::fxhash::FxHashMap<Gid, Vec<Gid>>,
    /// Provenance of the conjunct being processed.
    cur_via: Via,
    /// The vertex whose sole conjunct (a plain reference) is being processed.
    sole_ref: Option<VId>,
    /// Each definition closed, computed once; see `Engine::closed_copy`.
    closed_copies: crate::cue::fxhash::FxHashMap<VId, VId>,
    /// (expression, environment) of temporary vertices, by vertex.
    temp_keys: crate::cue::fxhash::FxHashMap<VId, (usize, usize)>,
    /// Shared "undefined field" / "cannot reference optional field" errors, by
    /// (optional, label, position); see `Engine::missing_field`.
    missing: crate::cue::fxhash::FxHashMap<(bool, Label, Span), Rc<Bottom>>,
    /// Disjunctions of constants by expression address, with their value
    /// (`None`: not such a disjunction); see `Engine::const_disj`.
    const_disjs: crate::cue::fxhash::FxHashMap<usize, (Expr, Option<Value>)>,
    /// Vertices on the path of the walk in progress (export, error search, data,
    /// formatting); see [`Engine::walk_enter`].
    walk: Vec<VId>,
    /// Where the export in progress is, as the user reaches it: the vertex
    /// it started from and the labels walked since. Shared structure (a
    /// definition evaluated once) sits elsewhere in the arena, so an error
    /// found in it is reported at this path, not at the shared vertex's.
    route: (Option<VId>, Vec<Label>),
    /// Packages written in CUE that this evaluation may import, by import
    /// path: compiled programs until first used, then their root vertex.
    packages: crate::cue::fxhash::FxHashMap<Rc<str>, PackageSlot>,
    /// Where data vertices were read from (set only to explain values).
    data_spans: crate::cue::fxhash::FxHashMap<VId, Span>,
    /// Where data fields' keys were read from (likewise).
    key_spans: crate::cue::fxhash::FxHashMap<VId, Span>,
}

/// A source package of an engine: not yet evaluated, or its root.
enum PackageSlot {
    Program(Rc<crate::cue::ir::Program>),
    Root(VId),
}

impl Engine {
    /// A fresh engine.
    pub fn new() -> Engine {
        Engine {
            budget: eval_budget(),
            max_depth: max_vertex_depth(),
            max_eval_depth: max_eval_depth(),
            ..Engine::default()
        }
    }

    /// Runs a walk from the top: a walk started while another one is suspended
    /// (evaluation inside an export can search for errors) has a path of its own.
    pub(crate) fn walk<T>(&mut self, f: impl FnOnce(&mut Engine) -> T) -> T {
        let outer = std::mem::take(&mut self.walk);
        let outer_route = std::mem::take(&mut self.route);
        let out = f(self);
        self.walk = outer;
        self.route = outer_route;
        out
    }

    /// Steps into `v` during a walk. Shared structure that leads back to a vertex
    /// on the path is an infinite value: a structural cycle, reported instead of
    /// walked forever.
    pub(crate) fn walk_enter(&mut self, v: VId) -> Result<(), Rc<Bottom>> {
        if self.walk.contains(&v) {
            let spans = self.v(v).conjuncts.iter().take(2).map(|c| c.span).collect();
            return Err(bottom(ErrCode::StructuralCycle, "structural cycle", spans));
        }
        self.walk.push(v);
        Ok(())
    }

    /// Steps back out of the vertex last entered.
    pub(crate) fn walk_leave(&mut self) {
        self.walk.pop();
    }

    /// Number of vertices allocated (a cost measure).
    pub fn vertex_count(&self) -> usize {
        self.count
    }

    /// Number of disjunction branches evaluated (a cost measure).
    pub fn branch_count(&self) -> usize {
        self.branches
    }

    pub(crate) fn v(&self, id: VId) -> &Vertex {
        let i = id.0 as usize;
        &self.chunks[i >> CHUNK_BITS][i & CHUNK_MASK]
    }

    pub(crate) fn vm(&mut self, id: VId) -> &mut Vertex {
        let i = id.0 as usize;
        &mut self.chunks[i >> CHUNK_BITS][i & CHUNK_MASK]
    }

    /// Makes a package written in CUE importable (`import "vela/kube"`):
    /// its members are the top-level fields of `program`, evaluated in a
    /// root of their own the first time one is referenced.
    pub fn add_package(&mut self, path: &str, program: Rc<crate::cue::ir::Program>) {
        self.packages
            .insert(path.into(), PackageSlot::Program(program));
    }

    /// The member `name` of a source package, if the package is one.
    pub(crate) fn package_member(&mut self, path: &str, name: &str) -> Option<Option<VId>> {
        let root = match self.packages.get(path)? {
            PackageSlot::Root(r) => *r,
            PackageSlot::Program(p) => {
                let p = p.clone();
                let r = self.new_root();
                crate::cue::add_program(self, r, &p);
                self.packages.insert(path.into(), PackageSlot::Root(r));
                r
            }
        };
        Some(self.lookup_label(root, Label::from_ident(name)))
    }

    /// A new root vertex.
    pub fn new_root(&mut self) -> VId {
        self.alloc(None, Label::Temp)
    }

    pub(crate) fn alloc(&mut self, parent: Option<VId>, label: Label) -> VId {
        let depth = parent.map_or(0, |p| self.v(p).depth + 1);
        let id = VId(self.count as u32);
        if self.count & CHUNK_MASK == 0 {
            // The first chunk starts small and grows: most evaluations (one
            // template render) need a few hundred vertices, and reserving a
            // whole chunk (~1 MB) per engine costs page faults, not work.
            let cap = if self.chunks.is_empty() {
                FIRST_CHUNK
            } else {
                CHUNK_MASK + 1
            };
            self.chunks.push(Vec::with_capacity(cap));
        }
        if let Some(c) = self.chunks.last_mut() {
            c.push(Vertex::new(parent, label, depth));
        }
        self.count += 1;
        id
    }

    /// Adds a conjunct to a vertex (processing it now if the vertex is being expanded).
    pub fn add_conjunct(&mut self, v: VId, c: Conjunct) {
        self.push_conjunct(v, c);
    }

    /// Follows disjunction forwards.
    pub fn deref(&self, mut v: VId) -> VId {
        while let Some(f) = self.v(v).forward {
            v = f;
        }
        v
    }

    fn fresh_group(&mut self) -> Gid {
        self.next_group += 1;
        Gid::new(self.next_group).unwrap_or(Gid::MIN)
    }

    /// The field path of a vertex, CUE style (`a.b.0.c`).
    pub fn path(&self, v: VId) -> String {
        let mut labels = Vec::new();
        let mut cur = Some(v);
        while let Some(c) = cur {
            let vx = self.v(c);
            if vx.parent.is_some() && vx.label != Label::Temp {
                labels.push(vx.label);
            }
            cur = vx.parent;
        }
        labels.reverse();
        let mut out = String::new();
        for l in labels {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&l.selector());
        }
        out
    }

    /// The path of the export in progress (see `Engine::route`), or of `v`
    /// outside an export.
    pub(crate) fn route_path(&self, v: VId) -> String {
        let Some(base) = self.route.0 else {
            return self.path(v);
        };
        let mut out = self.path(base);
        for l in &self.route.1 {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&l.selector());
        }
        out
    }

    /// True when `a` is a strict ancestor of `v`. Depths are fixed at
    /// allocation (parent's + 1), so only the ancestor at `a`'s depth can be
    /// `a`: climb to it and compare once.
    pub(crate) fn is_ancestor(&self, a: VId, v: VId) -> bool {
        let (da, mut d) = (self.v(a).depth, self.v(v).depth);
        if da >= d {
            return false;
        }
        let mut cur = v;
        while d > da {
            match self.v(cur).parent {
                Some(p) => cur = p,
                None => return false,
            }
            d -= 1;
        }
        cur == a
    }

    /// Records an error on a vertex (the first real error wins over incomplete ones).
    pub(crate) fn set_err(&mut self, v: VId, b: Rc<Bottom>) {
        let vx = self.vm(v);
        match &vx.err {
            Some(old) if !old.is_incomplete() || b.is_incomplete() => {}
            _ => vx.err = Some(b),
        }
    }

    /// The error of a vertex itself (not its children), if any.
    pub fn vertex_error(&self, v: VId) -> Option<Rc<Bottom>> {
        let vx = self.v(self.deref(v));
        if let Some(e) = &vx.err {
            return Some(e.clone());
        }
        match &vx.value {
            Value::Bottom(b) => Some(b.clone()),
            _ => None,
        }
    }

    /// True when the (expanded) vertex is a list.
    pub fn is_list_vertex(&mut self, v: VId) -> bool {
        self.expand(v);
        self.v(self.deref(v)).list.is_some()
    }

    /// The regular field `label` of `v` (after expansion and default selection).
    pub fn lookup_field(&mut self, v: VId, label: Label) -> Option<VId> {
        let v = self.resolve_vertex(v, Span::default()).ok()?;
        let a = self.lookup_arc(v, label)?;
        (self.v(a).arc_type == ArcType::Regular).then_some(a)
    }

    /// The arc `label` of `v` whatever its kind (hidden, definition, optional).
    pub fn lookup_label(&mut self, v: VId, label: Label) -> Option<VId> {
        let v = self.resolve_vertex(v, Span::default()).ok()?;
        self.lookup_arc(v, label)
    }

    /// The arc `label` of `v`, created as a regular field if missing.
    pub fn field_arc(&mut self, v: VId, label: Label) -> VId {
        let a = self.get_or_create_arc(v, label);
        self.set_arc_type(a, ArcType::Regular);
        a
    }

    /// The field declarations that contributed to a vertex, in order, without
    /// repeats: its own and those of every vertex it forwards to (a field that
    /// is a disjunction branch or shares another's value keeps its comments).
    pub fn field_infos(&self, v: VId) -> Vec<Rc<FieldInfo>> {
        let mut out: Vec<Rc<FieldInfo>> = Vec::new();
        let mut cur = Some(v);
        while let Some(id) = cur {
            let vx = self.v(id);
            let own = vx.conjuncts.iter().filter_map(|c| c.info.as_ref());
            for i in own.chain(vx.ext().into_iter().flat_map(|x| x.ref_infos.iter())) {
                if !out.iter().any(|o| Rc::ptr_eq(o, i)) {
                    out.push(i.clone());
                }
            }
            cur = vx.forward;
        }
        out
    }

    /// The doc comments of the fields that contributed to a vertex.
    pub fn docs(&self, v: VId) -> Vec<String> {
        let mut out = Vec::new();
        for i in self.field_infos(v) {
            out.extend(i.docs.iter().cloned());
            out.extend(i.line_comment.iter().cloned());
        }
        out
    }

    fn enter(&mut self) -> bool {
        self.depth += 1;
        self.depth <= self.max_eval_depth && !self.over_budget()
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }
}

/// Builds a bottom with spans.
pub(crate) fn bottom(code: ErrCode, msg: impl Into<String>, spans: Vec<Span>) -> Rc<Bottom> {
    Rc::new(Bottom {
        code,
        msg: msg.into(),
        spans,
        path: None,
    })
}
