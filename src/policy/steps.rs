//! Checks on the workflow's shape that KubeVela only discovers while running:
//! step names are unique, `dependsOn` names steps at the same level, and the
//! dependencies have no cycle.

use crate::diag::Diagnostic;
use crate::model::Step;

/// Every problem with a level of steps (and their sub-steps).
pub fn check(steps: &[Step]) -> Vec<Diagnostic> {
    let mut errs = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for s in steps.iter().chain(steps.iter().flat_map(|s| &s.sub_steps)) {
        if seen.contains(&s.name.as_str()) {
            errs.push(
                Diagnostic::error(format!("duplicate step name {:?}", s.name))
                    .with_path(format!("{}.name", s.path))
                    .with_span(s.span),
            );
        }
        seen.push(&s.name);
    }
    level(steps, &mut errs);
    for s in steps {
        level(&s.sub_steps, &mut errs);
    }
    errs
}

fn level(steps: &[Step], errs: &mut Vec<Diagnostic>) {
    for s in steps {
        for d in &s.depends_on {
            if !steps.iter().any(|x| x.name == *d) {
                let names: Vec<&str> = steps.iter().map(|x| x.name.as_str()).collect();
                let hint = crate::model::nearest(d, &names)
                    .map(|n| format!(" (did you mean {n:?}?)"))
                    .unwrap_or_default();
                errs.push(
                    Diagnostic::error(format!(
                        "step {:?} depends on {d:?}, which is not a step here{hint}",
                        s.name
                    ))
                    .with_path(format!("{}.dependsOn", s.path))
                    .with_span(s.span),
                );
            }
        }
    }
    // Cycles: depth-first search with colours (0 new, 1 on the path, 2 done).
    let mut colour = vec![0u8; steps.len()];
    let mut path: Vec<usize> = Vec::new();
    for i in 0..steps.len() {
        if colour[i] == 0
            && let Some(cycle) = visit(steps, i, &mut colour, &mut path)
        {
            let names: Vec<&str> = cycle.iter().map(|&k| steps[k].name.as_str()).collect();
            let first = &steps[cycle[0]];
            errs.push(
                Diagnostic::error(format!(
                    "dependency cycle: {} -> {}",
                    names.join(" -> "),
                    names[0]
                ))
                .with_path(format!("{}.dependsOn", first.path))
                .with_span(first.span),
            );
            return;
        }
    }
}

fn visit(steps: &[Step], i: usize, colour: &mut [u8], path: &mut Vec<usize>) -> Option<Vec<usize>> {
    colour[i] = 1;
    path.push(i);
    for d in &steps[i].depends_on {
        let Some(j) = steps.iter().position(|x| x.name == *d) else {
            continue;
        };
        if colour[j] == 1 {
            let at = path.iter().position(|&k| k == j).unwrap_or(0);
            return Some(path[at..].to_vec());
        }
        if colour[j] == 0
            && let Some(c) = visit(steps, j, colour, path)
        {
            return Some(c);
        }
    }
    path.pop();
    colour[i] = 2;
    None
}
