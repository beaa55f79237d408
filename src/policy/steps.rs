//! Checks on the workflow's shape that KubeVela only discovers while running:
//! step names are unique, `dependsOn` names steps at the same level, the
//! dependencies have no cycle, and every input comes from an output that
//! can be there in time.

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
    for s in steps.iter().chain(steps.iter().flat_map(|s| &s.sub_steps)) {
        if let Some(t) = &s.timeout
            && crate::duration::parse(t).is_none()
        {
            errs.push(
                Diagnostic::error(format!(
                    "step {:?}: timeout {t:?} is not a duration (e.g. 30s, 10m, 1h30m)",
                    s.name
                ))
                .with_path(format!("{}.timeout", s.path))
                .with_span(s.span),
            );
        }
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

/// Inputs without an output to come from: KubeVela would leave such a step
/// pending for ever. `step_by_step` says whether the top-level steps run in
/// order (then an output of a later step comes too late); `component_outputs`
/// are the components' outputs (published by their deploy).
pub fn check_data_flow(
    steps: &[Step],
    step_by_step: bool,
    component_outputs: &[String],
) -> Vec<Diagnostic> {
    let mut errs_early = Vec::new();
    let produces = |name: &str, from: &str| {
        from == name
            || from
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(['.', '[']))
    };
    if step_by_step {
        for (i, s) in steps.iter().enumerate() {
            if let Some(d) = s
                .depends_on
                .iter()
                .find(|d| steps[i + 1..].iter().any(|x| &&x.name == d))
            {
                errs_early.push(
                    Diagnostic::error(format!(
                        "step {:?} depends on {d:?}, which runs after it (the workflow runs step by step)",
                        s.name
                    ))
                    .with_path(format!("{}.dependsOn", s.path))
                    .with_span(s.span),
                );
            }
        }
    }
    // Output name → top-level positions of the steps that publish it.
    let mut producers: Vec<(&str, usize)> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        for o in s
            .outputs
            .iter()
            .chain(s.sub_steps.iter().flat_map(|x| &x.outputs))
        {
            producers.push((&o.name, i));
        }
    }
    let mut errs = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        for x in std::iter::once(s).chain(&s.sub_steps) {
            for input in &x.inputs {
                let from = input.from.as_str();
                if from.starts_with("context.")
                    || from.starts_with("parameter.")
                    || component_outputs.iter().any(|n| produces(n, from))
                {
                    continue;
                }
                let at: Vec<usize> = producers
                    .iter()
                    .filter(|(n, _)| produces(n, from))
                    .map(|(_, k)| *k)
                    .collect();
                let why = if at.is_empty() {
                    let names: Vec<&str> = producers.iter().map(|(n, _)| *n).collect();
                    let hint = crate::model::nearest(from, &names)
                        .map(|n| format!(" (did you mean {n:?}?)"))
                        .unwrap_or_default();
                    format!("no step outputs {from:?}{hint}")
                } else if step_by_step && at.iter().all(|&k| k > i) {
                    format!(
                        "{from:?} comes from step {:?}, which runs after it (the workflow runs step by step)",
                        steps[at[0]].name
                    )
                } else {
                    continue;
                };
                errs.push(
                    Diagnostic::error(format!("step {:?}: input {why}", x.name))
                        .with_path(format!("{}.inputs", x.path))
                        .with_span(x.span),
                );
            }
        }
    }
    errs_early.extend(errs);
    errs_early
}
