//! The API server proper: routing, the object store and the verbs.
//!
//! Everything here is synchronous and free of HTTP types; `mod.rs` feeds it
//! one [`ApiRequest`] at a time under a lock and writes the [`Reply`] back.

use super::catalogue::{
    Catalogue, ResourceType, condition, initial_crd_status, is_established, validate_crd,
};
use super::fields::{self, Manager, Scope};
use super::objects::{
    check_identity, check_resource_version, group_of, metadata, namespace_of, parse_object,
    present, updater, with_status,
};
use super::params::{
    dry_run, now, param, parse_field_selector, parse_label_selector, parse_query, percent_decode,
    text,
};
use super::status::{
    JSON, Reply, bad_request, conflict_reply, details, discovery, invalid, invalid_patch_options,
    method_not_allowed, no_route, not_found, ok, status,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One HTTP request, reduced to what the API server looks at.
pub(crate) struct ApiRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: Option<String>,
    pub accept: Option<String>,
    pub body: Vec<u8>,
}

/// Objects are keyed by group rather than apiVersion: a CRD serving several
/// versions stores each object once (conversion strategy `None`).
pub(crate) type Key = (String, String, String, String); // (group, kind, namespace, name)

struct Stored {
    obj: Value,
    managers: Vec<Manager>,
    /// GETs so far; a CRD becomes Established after enough of them.
    reads: usize,
}

/// What a request path addresses.
enum Route {
    Version,
    CoreVersions,
    Groups,
    Group(String),
    Resources(String, String),
    Collection(ResourceType, Option<String>),
    Object(ResourceType, Option<String>, String, Scope),
}

/// The state of one fake cluster.
pub(crate) struct Cluster {
    catalogue: Catalogue,
    objects: BTreeMap<Key, Stored>,
    revision: u64,
    uids: u64,
    /// First uid group: differs between servers so clients can tell clusters apart.
    uid_prefix: String,
    port: u16,
    /// GETs of a new CRD that still see it not Established.
    pub crd_establish_delay: usize,
    /// Plays the workload controllers: written Deployments and StatefulSets
    /// are rolled out at once (for benchmarks; tests patch status instead).
    pub auto_ready: bool,
}

impl Cluster {
    pub fn new(port: u16, uid_prefix: String) -> Cluster {
        let mut cluster = Cluster {
            catalogue: Catalogue::built_in(),
            objects: BTreeMap::new(),
            revision: 1,
            uids: 0,
            uid_prefix,
            port,
            crd_establish_delay: 2,
            auto_ready: false,
        };
        for name in ["default", "kube-system"] {
            let namespace =
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
            cluster.seed(namespace, "kube-apiserver").ok();
        }
        cluster
    }

    /// Stores `obj` as if `manager` had created it long ago (CRDs are Established at once).
    pub fn seed(&mut self, obj: Value, manager: &str) -> Result<(), String> {
        let [api_version, kind, name, ns] = [
            "/apiVersion",
            "/kind",
            "/metadata/name",
            "/metadata/namespace",
        ]
        .map(|p| text(&obj, p).to_string());
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return Err("a seeded object needs apiVersion, kind and metadata.name".into());
        }
        let group = group_of(&api_version);
        let rt = match self.catalogue.find_kind(&group, &kind) {
            Some(rt) => rt.clone(),
            None => ResourceType {
                group: group.clone(),
                version: api_version.rsplit('/').next().unwrap_or_default().into(),
                kind: kind.clone(),
                plural: format!("{}s", kind.to_lowercase()),
                singular: kind.to_lowercase(),
                namespaced: !ns.is_empty(),
                status: true,
                crd: None,
            },
        };
        let ns = match (rt.namespaced, ns.is_empty()) {
            (false, _) => String::new(),
            (true, true) => "default".to_string(),
            (true, false) => ns,
        };
        let key = (group, kind, ns, name);
        let mut managers = Vec::new();
        let scope = Scope::Main {
            status_subresource: false,
        };
        let me = Manager::new(manager, false, scope, &api_version, &now());
        fields::record_update(&mut managers, None, &obj, me, scope);
        let reply = self.write(&rt, &key, obj, managers, false);
        if rt.is_crd() && reply.code < 300 {
            self.establish(&key);
        }
        Ok(())
    }

    /// The stored object, presented as `api_version`.
    pub fn object(
        &self,
        api_version: &str,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let key = (
            group_of(api_version),
            kind.into(),
            ns.unwrap_or_default().into(),
            name.into(),
        );
        let mut obj = self.objects.get(&key)?.obj.clone();
        obj["apiVersion"] = json!(api_version);
        Some(obj)
    }

    /// All stored objects sorted by (apiVersion, kind, namespace, name).
    pub fn objects(&self) -> Vec<Value> {
        let mut all: Vec<Value> = self.objects.values().map(|s| s.obj.clone()).collect();
        let sort_key = |o: &Value| {
            [
                "/apiVersion",
                "/kind",
                "/metadata/namespace",
                "/metadata/name",
            ]
            .map(|p| text(o, p).to_string())
        };
        all.sort_by_cached_key(sort_key);
        all
    }

    /// Answers one request.
    pub fn handle(&mut self, req: &ApiRequest) -> Reply {
        let query = parse_query(&req.query);
        let Some(route) = self.route(&req.path) else {
            return no_route();
        };
        let aggregated = req
            .accept
            .as_deref()
            .is_some_and(|a| a.contains("as=APIGroupDiscoveryList"));
        match (route, req.method.as_str()) {
            (Route::Version, "GET") => ok(Catalogue::version_info()),
            (Route::CoreVersions, "GET") if aggregated => {
                discovery(self.catalogue.aggregated(true))
            }
            (Route::CoreVersions, "GET") => ok(Catalogue::core_versions(self.port)),
            (Route::Groups, "GET") if aggregated => discovery(self.catalogue.aggregated(false)),
            (Route::Groups, "GET") => ok(self.catalogue.group_list()),
            (Route::Group(group), "GET") => self.catalogue.group(&group).map_or_else(no_route, ok),
            (Route::Resources(group, version), "GET") => {
                ok(self.catalogue.resource_list(&group, &version))
            }
            (Route::Collection(rt, ns), "GET") => self.list(&rt, ns.as_deref(), &query),
            (Route::Collection(rt, ns), "POST") if ns.is_some() || !rt.namespaced => {
                self.create(&rt, ns.as_deref(), &req.body, &query)
            }
            (Route::Object(rt, ns, name, scope), method) => {
                let key = (
                    rt.group.clone(),
                    rt.kind.clone(),
                    ns.clone().unwrap_or_default(),
                    name,
                );
                match method {
                    "GET" => self.get(&rt, &key),
                    "PUT" => self.replace(&rt, &key, scope, &req.body, &query),
                    "PATCH" => self.patch(&rt, &key, scope, req, &query),
                    "DELETE" if scope != Scope::Status => self.delete(&rt, &key, &query),
                    _ => method_not_allowed(),
                }
            }
            _ => method_not_allowed(),
        }
    }

    fn route(&self, path: &str) -> Option<Route> {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_decode(s, false))
            .collect();
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let (group, version, rest) = match s.as_slice() {
            ["version"] => return Some(Route::Version),
            ["api"] => return Some(Route::CoreVersions),
            ["apis"] => return Some(Route::Groups),
            ["apis", group] => return Some(Route::Group(group.to_string())),
            ["api", version, rest @ ..] => ("", *version, rest),
            ["apis", group, version, rest @ ..] => (*group, *version, rest),
            _ => return None,
        };
        if !self.catalogue.serves(group, version) {
            return None;
        }
        let (ns, plural, name, status) = match rest {
            [] => return Some(Route::Resources(group.into(), version.into())),
            ["namespaces", name, "status"] => (None, "namespaces", Some(*name), true),
            ["namespaces", ns, plural] => (Some(*ns), *plural, None, false),
            ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name), false),
            ["namespaces", ns, plural, name, "status"] => (Some(*ns), *plural, Some(*name), true),
            [plural] => (None, *plural, None, false),
            [plural, name] => (None, *plural, Some(*name), false),
            [plural, name, "status"] => (None, *plural, Some(*name), true),
            _ => return None,
        };
        let rt = self.catalogue.find(group, version, plural)?.clone();
        let scope_fits = match ns {
            Some(_) => rt.namespaced,
            None => !rt.namespaced || name.is_none(),
        };
        if !scope_fits || (status && !rt.status) {
            return None;
        }
        let ns = ns.map(str::to_string);
        Some(match name {
            None => Route::Collection(rt, ns),
            Some(name) => {
                let scope = if status {
                    Scope::Status
                } else {
                    Scope::Main {
                        status_subresource: rt.status,
                    }
                };
                Route::Object(rt, ns, name.into(), scope)
            }
        })
    }

    fn get(&mut self, rt: &ResourceType, key: &Key) -> Reply {
        let Some(stored) = self.objects.get_mut(key) else {
            return not_found(rt, &key.3);
        };
        stored.reads += 1;
        if rt.is_crd() && stored.reads > self.crd_establish_delay && !is_established(&stored.obj) {
            self.establish(key);
        }
        ok(present(rt, &self.objects[key].obj))
    }

    fn list(&self, rt: &ResourceType, ns: Option<&str>, query: &[(String, String)]) -> Reply {
        if param(query, "watch").is_some_and(|w| w == "true" || w == "1") {
            return status(
                405,
                "MethodNotAllowed",
                "watch is not supported by the fake API server",
                Value::Null,
            );
        }
        let labels = match param(query, "labelSelector")
            .map(parse_label_selector)
            .transpose()
        {
            Ok(selector) => selector.unwrap_or_default(),
            Err(message) => return bad_request(message),
        };
        let field_selector = match param(query, "fieldSelector")
            .map(parse_field_selector)
            .transpose()
        {
            Ok(selector) => selector.unwrap_or_default(),
            Err(message) => return bad_request(message),
        };
        let items: Vec<Value> = self
            .objects
            .iter()
            .filter(|(k, _)| k.0 == rt.group && k.1 == rt.kind && ns.is_none_or(|ns| k.2 == ns))
            .filter(|(k, s)| {
                labels.iter().all(|r| r.matches(&s.obj))
                    && field_selector.iter().all(|f| f.matches(&k.2, &k.3))
            })
            .map(|(_, s)| {
                let mut item = present(rt, &s.obj);
                // The real server leaves apiVersion and kind out of built-in list items.
                if let (None, Some(map)) = (&rt.crd, item.as_object_mut()) {
                    map.shift_remove("apiVersion");
                    map.shift_remove("kind");
                }
                item
            })
            .collect();
        ok(json!({
            "apiVersion": rt.api_version(),
            "kind": format!("{}List", rt.kind),
            "metadata": {"resourceVersion": self.revision.to_string()},
            "items": items,
        }))
    }

    fn create(
        &mut self,
        rt: &ResourceType,
        ns: Option<&str>,
        body: &[u8],
        query: &[(String, String)],
    ) -> Reply {
        let mut obj = match parse_object(rt, body) {
            Ok(obj) => obj,
            Err(reply) => return reply,
        };
        let name = match (
            text(&obj, "/metadata/name"),
            text(&obj, "/metadata/generateName"),
        ) {
            (name, _) if !name.is_empty() => name.to_string(),
            (_, prefix) if !prefix.is_empty() => format!("{prefix}{:05x}", self.uids + 1),
            _ => {
                return invalid(
                    rt,
                    "",
                    "metadata.name: Required value: name or generateName is required",
                );
            }
        };
        if let Err(reply) = check_identity(&obj, &name, ns) {
            return reply;
        }
        let key = (
            rt.group.clone(),
            rt.kind.clone(),
            ns.unwrap_or_default().into(),
            name.clone(),
        );
        if let Some(reply) = self.missing_namespace(rt, ns) {
            return reply;
        }
        if self.objects.contains_key(&key) {
            let message = format!("{} \"{name}\" already exists", rt.qualified());
            return status(409, "AlreadyExists", message, details(rt, &name));
        }
        if let (true, Some(map)) = (rt.status, obj.as_object_mut()) {
            map.shift_remove("status");
        }
        let scope = Scope::Main {
            status_subresource: rt.status,
        };
        let mut managers = Vec::new();
        fields::record_update(&mut managers, None, &obj, updater(rt, query, scope), scope);
        self.write(rt, &key, obj, managers, dry_run(query))
    }

    fn replace(
        &mut self,
        rt: &ResourceType,
        key: &Key,
        scope: Scope,
        body: &[u8],
        query: &[(String, String)],
    ) -> Reply {
        let body = match parse_object(rt, body) {
            Ok(obj) => obj,
            Err(reply) => return reply,
        };
        if let Err(reply) = check_identity(&body, &key.3, namespace_of(key)) {
            return reply;
        }
        self.update(rt, key, scope, body, query)
    }

    fn patch(
        &mut self,
        rt: &ResourceType,
        key: &Key,
        scope: Scope,
        req: &ApiRequest,
        query: &[(String, String)],
    ) -> Reply {
        let content_type = req.content_type.as_deref().unwrap_or_default();
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let patch: Value = match serde_json::from_slice(&req.body) {
            Ok(patch) => patch,
            Err(e) => {
                return bad_request(format!(
                    "the patch body is not JSON (YAML is not supported here): {e}"
                ));
            }
        };
        if media == "application/apply-patch+yaml" {
            return self.apply(rt, key, scope, &patch, query);
        }
        if param(query, "force").is_some() {
            let message = "Forbidden: may not be specified for non-apply patch";
            return invalid_patch_options("force", "FieldValueForbidden", message);
        }
        let Some(before) = self.objects.get(key) else {
            return not_found(rt, &key.3);
        };
        let mut after = before.obj.clone();
        match media.as_str() {
            "application/merge-patch+json" => fields::merge_patch(&mut after, &patch),
            // Strategic merge patch without the schema's merge keys: lists are replaced.
            "application/strategic-merge-patch+json" if rt.crd.is_none() => {
                fields::merge_patch(&mut after, &patch)
            }
            "application/json-patch+json" => {
                if let Err(message) = fields::json_patch(&mut after, &patch) {
                    return invalid(rt, &key.3, &message);
                }
            }
            _ => {
                let message = format!(
                    "the body of the request was in an unknown format ({content_type}) - accepted media types include: \
                     application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                );
                return status(415, "UnsupportedMediaType", message, Value::Null);
            }
        }
        if !after.get("metadata").is_some_and(Value::is_object) {
            return invalid(
                rt,
                &key.3,
                "metadata: Required value: the patched object must keep its metadata",
            );
        }
        self.update(rt, key, scope, after, query)
    }

    /// Ends a PUT or non-apply PATCH: checks the resourceVersion precondition,
    /// keeps `.status` or everything else (by `scope`) from the live object,
    /// and hands the changed fields to the writer.
    fn update(
        &mut self,
        rt: &ResourceType,
        key: &Key,
        scope: Scope,
        new: Value,
        query: &[(String, String)],
    ) -> Reply {
        let Some(before) = self.objects.get(key) else {
            return not_found(rt, &key.3);
        };
        if let Some(reply) = check_resource_version(rt, &before.obj, &new) {
            return reply;
        }
        let after = match scope {
            Scope::Status => with_status(&before.obj, &new),
            Scope::Main {
                status_subresource: true,
            } => with_status(&new, &before.obj),
            Scope::Main { .. } => new,
        };
        let mut managers = before.managers.clone();
        let writer = updater(rt, query, scope);
        fields::record_update(&mut managers, Some(&before.obj), &after, writer, scope);
        self.write(rt, key, after, managers, dry_run(query))
    }

    /// Server-side apply (`PATCH` with `application/apply-patch+yaml`).
    fn apply(
        &mut self,
        rt: &ResourceType,
        key: &Key,
        scope: Scope,
        config: &Value,
        query: &[(String, String)],
    ) -> Reply {
        let Some(manager) = param(query, "fieldManager").filter(|m| !m.is_empty()) else {
            let message = "Required value: is required for apply patch";
            return invalid_patch_options("fieldManager", "FieldValueRequired", message);
        };
        if !config.is_object()
            || config.get("metadata").is_some_and(|m| !m.is_object())
            || text(config, "/apiVersion") != rt.api_version()
            || text(config, "/kind") != rt.kind
        {
            let message = format!(
                "the applied configuration must be an object with apiVersion {:?}, kind {:?} \
                 and object metadata",
                rt.api_version(),
                rt.kind
            );
            return bad_request(message);
        }
        if let Err(reply) = check_identity(config, &key.3, namespace_of(key)) {
            return reply;
        }
        let before = self.objects.get(key);
        if before.is_none() {
            if scope == Scope::Status {
                return not_found(rt, &key.3);
            }
            if let Some(reply) = self.missing_namespace(rt, namespace_of(key)) {
                return reply;
            }
        }
        let mut obj = match before {
            Some(stored) => stored.obj.clone(),
            None => {
                json!({"apiVersion": rt.api_version(), "kind": rt.kind, "metadata": {"name": key.3}})
            }
        };
        let mut managers = before.map(|s| s.managers.clone()).unwrap_or_default();
        let me = Manager::new(manager, true, scope, &rt.api_version(), &now());
        let force = param(query, "force") == Some("true");
        match fields::apply(&mut obj, &mut managers, config, me, scope, force) {
            Ok(()) => self.write(rt, key, obj, managers, dry_run(query)),
            Err(conflicts) => conflict_reply(rt, &key.3, conflicts),
        }
    }

    fn delete(&mut self, rt: &ResourceType, key: &Key, query: &[(String, String)]) -> Reply {
        let Some(stored) = self.objects.get(key) else {
            return not_found(rt, &key.3);
        };
        let mut obj = present(rt, &stored.obj);
        if dry_run(query) {
            return ok(obj);
        }
        self.objects.remove(key);
        self.revision += 1;
        if rt.is_namespace() {
            // Deletion is immediate here; the real server finalizes the namespace later.
            self.objects.retain(|k, _| k.2 != key.3);
            obj["status"] = json!({"phase": "Terminating"});
        }
        if rt.is_crd() {
            self.catalogue.unregister_crd(&key.3);
            let (group, kind) = (text(&obj, "/spec/group"), text(&obj, "/spec/names/kind"));
            self.objects.retain(|k, _| k.0 != group || k.1 != kind);
        }
        ok(obj)
    }

    /// Stores the result of a write the way the API server does: server-set
    /// metadata comes from the live object, a write that changes nothing keeps
    /// the resourceVersion, and a changed `spec` bumps `generation`.
    fn write(
        &mut self,
        rt: &ResourceType,
        key: &Key,
        mut obj: Value,
        managers: Vec<Manager>,
        dry_run: bool,
    ) -> Reply {
        let before = self
            .objects
            .get(key)
            .map(|s| (s.obj.clone(), s.managers.clone(), s.reads));
        if let Some(map) = obj.as_object_mut() {
            map.insert("apiVersion".into(), json!(rt.api_version()));
            map.insert("kind".into(), json!(rt.kind));
        }
        let meta = metadata(&mut obj);
        meta.insert("name".into(), json!(key.3));
        if rt.namespaced {
            meta.insert("namespace".into(), json!(key.2));
        } else {
            meta.shift_remove("namespace");
        }
        let server_set = [
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
        ];
        for field in server_set {
            match before
                .as_ref()
                .and_then(|b| b.0.pointer(&format!("/metadata/{field}")))
            {
                Some(value) => meta.insert(field.into(), value.clone()),
                None => meta.shift_remove(field),
            };
        }
        if rt.is_namespace() {
            let labels = metadata(&mut obj)
                .entry("labels")
                .or_insert_with(|| json!({}));
            if let Some(labels) = labels.as_object_mut() {
                labels.insert("kubernetes.io/metadata.name".into(), json!(key.3));
            }
            obj["status"] = json!({"phase": "Active"});
        }
        super::controllers::fold_string_data(rt, &mut obj);
        super::controllers::default_and_roll_out(
            rt,
            &mut obj,
            before.as_ref().map(|b| &b.0),
            self.auto_ready,
        );
        if rt.is_crd() {
            if let Err(message) = validate_crd(&obj, &key.3) {
                return invalid(rt, &key.3, &message);
            }
            let status = before.as_ref().and_then(|b| b.0.get("status").cloned());
            obj["status"] = status.unwrap_or_else(|| initial_crd_status(&obj));
        }
        if let Some((old, old_managers, _)) = &before
            && *old == obj
            && fields::same_ownership(old_managers, &managers)
        {
            return ok(present(rt, old));
        }

        let revision = self.revision + 1;
        let uid = self.uids + 1;
        let spec_changed = before
            .as_ref()
            .is_none_or(|b| b.0.get("spec") != obj.get("spec"));
        let generation = before
            .as_ref()
            .and_then(|b| b.0.pointer("/metadata/generation").and_then(Value::as_u64))
            .unwrap_or(0)
            + u64::from(spec_changed);
        let has_spec = obj.get("spec").is_some();
        let meta = metadata(&mut obj);
        if before.is_none() {
            meta.insert("uid".into(), json!(self.uid(uid)));
            meta.insert("creationTimestamp".into(), json!(now()));
        }
        meta.insert("resourceVersion".into(), json!(revision.to_string()));
        if has_spec {
            meta.insert("generation".into(), json!(generation.max(1)));
        }
        if managers.is_empty() {
            meta.shift_remove("managedFields");
        } else {
            meta.insert("managedFields".into(), fields::managed_fields(&managers));
        }
        let code = if before.is_none() { 201 } else { 200 };
        if dry_run {
            return Reply {
                code,
                content_type: JSON,
                body: present(rt, &obj),
            };
        }
        self.revision = revision;
        if before.is_none() {
            self.uids = uid;
        }
        let reads = before.map_or(0, |b| b.2);
        let established = is_established(&obj);
        self.objects.insert(
            key.clone(),
            Stored {
                obj,
                managers,
                reads,
            },
        );
        if rt.is_crd() && (established || self.crd_establish_delay == 0) {
            self.establish(key);
        }
        Reply {
            code,
            content_type: JSON,
            body: present(rt, &self.objects[key].obj),
        }
    }

    /// Marks a CRD Established and starts serving its kinds.
    fn establish(&mut self, key: &Key) {
        let revision = self.revision + 1;
        let Some(stored) = self.objects.get_mut(key) else {
            return;
        };
        if !is_established(&stored.obj) {
            if let Some(conditions) = stored
                .obj
                .pointer_mut("/status/conditions")
                .and_then(Value::as_array_mut)
            {
                conditions.retain(|c| c.get("type") != Some(&json!("Established")));
                conditions.push(condition(
                    "Established",
                    "InitialNamesAccepted",
                    "the initial names have been accepted",
                ));
            }
            metadata(&mut stored.obj).insert("resourceVersion".into(), json!(revision.to_string()));
            self.revision = revision;
        }
        self.catalogue.register_crd(&stored.obj);
    }

    fn missing_namespace(&self, rt: &ResourceType, ns: Option<&str>) -> Option<Reply> {
        let ns = ns.filter(|_| rt.namespaced)?;
        let key = (
            String::new(),
            "Namespace".to_string(),
            String::new(),
            ns.to_string(),
        );
        if self.objects.contains_key(&key) {
            return None;
        }
        let message = format!("namespaces \"{ns}\" not found");
        Some(status(
            404,
            "NotFound",
            message,
            json!({"name": ns, "kind": "namespaces"}),
        ))
    }

    fn uid(&self, n: u64) -> String {
        format!("{}-0000-4000-8000-{n:012x}", self.uid_prefix)
    }
}
