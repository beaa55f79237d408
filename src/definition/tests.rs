use super::*;

const CUE_DEF: &str = r#"import (
	"strconv"
)

mysvc: {
	type:        "component"
	description: "A test component"
	attributes: {
		workload: definition: {apiVersion: "apps/v1", kind: "Deployment"}
		status: healthPolicy: "isHealth: true"
	}
}
template: {
	output: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
		spec: replicas: parameter.replicas
		metadata: annotations: port: strconv.FormatInt(parameter.port, 10)
		metadata: name: context.name
	}
	parameter: {
		replicas: *1 | int
		port:     int
	}
}
"#;

const YAML_DEF: &str = "apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: mytrait
  annotations:
    definition.oam.dev/description: A test trait
spec:
  appliesToWorkloads: [deployments.apps]
  podDisruptive: true
  schematic:
    cue:
      template: |
        patch: spec: replicas: parameter.replicas
        parameter: replicas: int & >0
        oops: 1 & 2
";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("velac-def-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn cue_and_yaml_forms_load() {
    let dir = temp_dir("forms");
    write(&dir, "a/mysvc.cue", CUE_DEF);
    write(&dir, "b/mytrait.yaml", YAML_DEF);
    write(&dir, "notes.txt", "ignored");
    let mut sm = SourceMap::new();
    let mut cat = Catalog::empty();
    cat.load_path(&mut sm, &dir).unwrap();
    let c = cat
        .get(&mut sm, DefKind::Component, "mysvc")
        .unwrap()
        .unwrap();
    assert_eq!(c.description, "A test component");
    assert_eq!(c.workload(), Some(("apps/v1", "Deployment")));
    assert_eq!(c.health_policy(), Some("isHealth: true"));
    assert!(
        c.template.starts_with("import \"strconv\"\n\noutput: {\n"),
        "{}",
        c.template
    );
    assert!(c.program(&mut sm).is_ok());
    let t = cat
        .get(&mut sm, DefKind::Trait, "mytrait")
        .unwrap()
        .unwrap();
    assert_eq!(t.applies_to(), vec!["deployments.apps"]);
    assert!(t.pod_disruptive());
    assert_eq!(t.description, "A test trait");
    assert!(cat.get(&mut sm, DefKind::Trait, "mysvc").unwrap().is_none());
}

#[test]
fn template_errors_point_into_the_original_file() {
    let dir = temp_dir("pos");
    let p = write(&dir, "t.yaml", &YAML_DEF.replace("1 & 2", "1 +"));
    let mut sm = SourceMap::new();
    let mut cat = Catalog::empty();
    cat.load_path(&mut sm, &p).unwrap();
    let t = cat
        .get(&mut sm, DefKind::Trait, "mytrait")
        .unwrap()
        .unwrap();
    let errs = t.program(&mut sm).unwrap_err();
    let text = crate::diag::render_all(&errs, &sm);
    assert!(text.contains("t.yaml:15:"), "{text}");
    // The .cue form: a reference error inside the template.
    let p = write(
        &dir,
        "bad.cue",
        &CUE_DEF.replace("parameter.replicas\n", "paramter.replicas\n"),
    );
    cat.load_path(&mut sm, &p).unwrap();
    let c = cat
        .get(&mut sm, DefKind::Component, "mysvc")
        .unwrap()
        .unwrap();
    let text = crate::diag::render_all(&c.program(&mut sm).unwrap_err(), &sm);
    assert!(text.contains("bad.cue:17:19"), "{text}");
}

#[test]
fn malformed_definitions_are_errors() {
    let dir = temp_dir("bad");
    let mut sm = SourceMap::new();
    let mut cat = Catalog::empty();
    let p = write(&dir, "x.cue", "x: {type: \"widget\"}\ntemplate: {}\n");
    let e = cat.load_path(&mut sm, &p).unwrap_err();
    let t = crate::diag::render_all(&e, &sm);
    assert!(t.contains("found \"widget\""), "{t}");
    let p = write(&dir, "y.cue", "x: {type: \"trait\"}\n");
    let e = cat.load_path(&mut sm, &p).unwrap_err();
    assert!(crate::diag::render_all(&e, &sm).contains("missing `template"));
    let p = write(&dir, "z.yaml", "kind: ConfigMap\nmetadata: {name: z}\n");
    let e = cat.load_path(&mut sm, &p).unwrap_err();
    assert!(crate::diag::render_all(&e, &sm).contains("found \"ConfigMap\""));
}

#[test]
fn every_builtin_file_is_named_after_its_definition() {
    let mut sm = SourceMap::new();
    let mut cat = Catalog::builtin();
    let n = builtin::FILES.len();
    let all = cat.all(&mut sm).unwrap();
    assert_eq!(
        all.len(),
        n,
        "every file under definitions/ is a definition"
    );
    for d in &all {
        if let Err(e) = d.program(&mut sm) {
            panic!("{}: {}", d.name, crate::diag::render_all(&e, &sm));
        }
    }
}
