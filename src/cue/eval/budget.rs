//! The evaluation budget: how many values (vertices) one evaluation may
//! create before it is stopped with an error.
//!
//! Vertices are what an evaluation spends memory on (0.5–1.7 KB each,
//! measured from 1,000 webservices to disjunction products), so counting them
//! bounds memory and, at a rate of about a million a second, time. The limit
//! is per evaluation (per `Engine`), deterministic (the same input stops at
//! the same place on every machine), and process-wide configurable:
//! `--eval-budget N` or `VELAC_EVAL_BUDGET=N`. Once it is spent, every further
//! step fails at once and exports report this one error, not its echoes.
//!
//! Comparing values costs no vertex, yet merging the alternatives of a
//! disjunction with a million distinct values compares each with all the
//! others: each value compared counts as one created, so that work is bounded
//! too (it stops within a second instead of running for hours).

use super::{Engine, bottom};
use crate::cue::value::{Bottom, ErrCode, VId};
use crate::source::Span;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The default budget: ten times the largest evaluation among the benchmarks
/// (1,000 webservices in one `cue export`: 239,010 vertices); one
/// webservice template evaluation creates about 300.
pub const DEFAULT_EVAL_BUDGET: usize = 2_500_000;

static BUDGET: AtomicUsize = AtomicUsize::new(DEFAULT_EVAL_BUDGET);

/// Sets the budget of evaluations started from now on (all threads).
pub fn set_eval_budget(vertices: usize) {
    BUDGET.store(vertices.max(1), Ordering::Relaxed);
}

/// The budget new evaluations get.
pub fn eval_budget() -> usize {
    BUDGET.load(Ordering::Relaxed)
}

/// A budget given as text (flag or environment): a positive count, with
/// optional `_` or `,` separators.
pub fn parse_eval_budget(s: &str) -> Result<usize, String> {
    let digits: String = s.chars().filter(|c| !matches!(c, '_' | ',')).collect();
    match digits.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "evaluation budget must be a positive number of values, not {s:?}"
        )),
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Engine {
    /// True once this evaluation has created more values than its budget.
    pub(crate) fn over_budget(&self) -> bool {
        self.count + self.compared > self.budget
    }

    /// The error a step that cannot go on reports: the budget's (recorded the
    /// first time, with the value being evaluated and its position), or the
    /// nesting limit's.
    pub(crate) fn limit_error(&mut self, at: Option<VId>, span: Option<Span>) -> Rc<Bottom> {
        if !self.over_budget() {
            let spans = span.into_iter().collect();
            return bottom(ErrCode::Eval, "evaluation too deep (possible cycle)", spans);
        }
        if let Some(b) = &self.exhausted {
            return b.clone();
        }
        let at = at.or_else(|| self.expanding.last().copied());
        let path = at.map(|v| self.path(v)).unwrap_or_default();
        let mut spans: Vec<Span> = span.into_iter().collect();
        if let Some(v) = at {
            spans.extend(self.v(v).conjuncts.iter().take(2).map(|c| c.span));
        }
        spans.sort();
        spans.dedup();
        // The path and positions come with the diagnostic: `root.y.a: evaluation
        // exceeded …` followed by the lines of what was being evaluated.
        let b = Rc::new(Bottom {
            code: ErrCode::Eval,
            msg: format!(
                "evaluation exceeded its budget of {} values \
                 (raise it with --eval-budget N or VELAC_EVAL_BUDGET=N)",
                thousands(self.budget)
            ),
            spans,
            path: Some(path),
        });
        self.exhausted = Some(b.clone());
        b
    }

    /// The budget error, once the budget is spent: it replaces whatever else
    /// an export found (those are its consequences).
    pub fn budget_error(&self) -> Option<Rc<Bottom>> {
        self.exhausted.clone()
    }

    /// Gives this evaluation a budget of its own (the default is the
    /// process-wide one, see [`set_eval_budget`]).
    pub fn set_budget(&mut self, vertices: usize) {
        self.budget = vertices.max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_with_separators_and_refuse_zero() {
        assert_eq!(parse_eval_budget("2_500_000"), Ok(2_500_000));
        assert_eq!(parse_eval_budget("1,000"), Ok(1000));
        assert!(parse_eval_budget("0").is_err());
        assert!(parse_eval_budget("lots").is_err());
        assert_eq!(thousands(2_500_000), "2,500,000");
        assert_eq!(thousands(999), "999");
    }
}
