//! Merging the alternatives a disjunction's branches yield: equal values
//! are one alternative (their default marks joined).
//!
//! Equality is structural and can walk whole values, so a disjunction with
//! thousands of alternatives would compare each with all the others. Past a
//! few alternatives each gets a hash that equal values share (a coarse one:
//! floats, constraints and errors hash by kind only), and only values with
//! the same hash are compared: linear instead of quadratic.

use super::Engine;
use crate::cue::num::{Int, Num};
use crate::cue::value::{VId, Value, scalar_eq};
use std::hash::{Hash, Hasher};

/// Alternatives hashed from this many on (fewer are compared directly).
const HASH_FROM: usize = 8;

/// The distinct alternatives found so far, with their default marks.
#[derive(Default)]
pub(crate) struct Merged {
    pub(crate) items: Vec<(Value, bool)>,
    /// Hashes of `items`, once there are `HASH_FROM` of them.
    hashes: Vec<u64>,
}

impl Engine {
    /// Adds an alternative, or joins its mark to an equal one already found.
    pub(crate) fn merge_alt(&mut self, m: &mut Merged, item: Value, flag: bool) {
        let hashed = m.items.len() >= HASH_FROM;
        if hashed && m.hashes.len() < m.items.len() {
            for i in m.hashes.len()..m.items.len() {
                let h = self.value_hash(&m.items[i].0.clone(), 0);
                m.hashes.push(h);
            }
        }
        let h = if hashed { self.value_hash(&item, 0) } else { 0 };
        let pos = (0..m.items.len())
            .find(|&i| (!hashed || m.hashes[i] == h) && self.values_equal(&m.items[i].0, &item, 0));
        match pos {
            Some(p) => m.items[p].1 |= flag,
            None => {
                m.items.push((item, flag));
                if hashed {
                    m.hashes.push(h);
                }
            }
        }
    }

    /// A hash equal values (as [`Engine::values_equal`] has them) share.
    fn value_hash(&mut self, v: &Value, depth: u32) -> u64 {
        if depth > 64 {
            return 0; // beyond its depth `values_equal` finds nothing equal
        }
        let Value::Vertex(x) = v else {
            return scalar_hash(v);
        };
        let x = self.deref(*x);
        self.expand(x);
        let x = self.deref(x);
        let vx = self.v(x);
        if !vx.is_struct && vx.list.is_none() {
            let val = vx.value.clone();
            return self.value_hash(&val, depth + 1);
        }
        let mut h = if vx.is_struct { 0x51 } else { 0x52 };
        let arcs: Vec<VId> = self.regular_arcs(x);
        // Arcs are matched by label, in any order: combine commutatively.
        let mut sum = 0u64;
        for a in arcs {
            let mut s = std::collections::hash_map::DefaultHasher::new();
            self.v(a).label.hash(&mut s);
            self.value_hash(&Value::Vertex(a), depth + 1).hash(&mut s);
            sum = sum.wrapping_add(s.finish());
        }
        h ^= sum;
        h
    }

    /// The regular fields of a vertex (what equality compares).
    fn regular_arcs(&self, x: VId) -> Vec<VId> {
        self.v(x)
            .arcs
            .iter()
            .map(|r| r.id)
            .filter(|&a| {
                self.v(a).arc_type == super::ArcType::Regular && self.v(a).label.is_regular()
            })
            .collect()
    }

    /// Structural equality of evaluated values (used to merge equal alternatives).
    pub(crate) fn values_equal(&mut self, a: &Value, b: &Value, depth: u32) -> bool {
        self.compared += 1;
        if self.over_budget() {
            // Recorded, so that the export reports it: what was merged is cut short.
            self.limit_error(None, None);
            return false;
        }
        if depth > 64 {
            return false;
        }
        match (a, b) {
            (Value::Vertex(x), Value::Vertex(y)) => {
                let (x, y) = (self.deref(*x), self.deref(*y));
                if x == y {
                    return true;
                }
                self.expand(x);
                self.expand(y);
                let (x, y) = (self.deref(x), self.deref(y));
                let (vx, vy) = (self.v(x), self.v(y));
                if vx.is_struct != vy.is_struct || vx.list.is_some() != vy.list.is_some() {
                    return false;
                }
                if !vx.is_struct && vx.list.is_none() {
                    let (a, b) = (vx.value.clone(), vy.value.clone());
                    return self.values_equal(&a, &b, depth + 1);
                }
                let (la, lb) = (self.regular_arcs(x), self.regular_arcs(y));
                if la.len() != lb.len() {
                    return false;
                }
                for a in la {
                    let label = self.v(a).label;
                    let Some(b) = lb.iter().copied().find(|&b| self.v(b).label == label) else {
                        return false;
                    };
                    if !self.values_equal(&Value::Vertex(a), &Value::Vertex(b), depth + 1) {
                        return false;
                    }
                }
                true
            }
            (Value::Vertex(x), other) | (other, Value::Vertex(x)) => {
                self.expand(*x);
                let x = self.deref(*x);
                let vx = self.v(x);
                if vx.is_struct || vx.list.is_some() {
                    return false;
                }
                let val = vx.value.clone();
                self.values_equal(&val, other, depth + 1)
            }
            _ => same_scalar(a, b),
        }
    }
}

/// A hash of a non-vertex value consistent with [`same_scalar`].
fn scalar_hash(v: &Value) -> u64 {
    let mut s = std::collections::hash_map::DefaultHasher::new();
    match v {
        Value::Null => 1u8.hash(&mut s),
        Value::Bool(b) => (2u8, b).hash(&mut s),
        Value::Str(x) => (3u8, &**x).hash(&mut s),
        Value::Bytes(x) => (4u8, &**x).hash(&mut s),
        // Integers hash by value (a big one that fits as a small one); equal floats
        // may be spelled differently (`1.0`, `1.00`): their kind only.
        Value::Num(n) => match &**n {
            Num::Int(Int::Small(i)) => (5u8, i).hash(&mut s),
            Num::Int(Int::Big(b)) => match i64::try_from(&**b) {
                Ok(i) => (5u8, i).hash(&mut s),
                Err(_) => 8u8.hash(&mut s),
            },
            Num::Float(_) => 6u8.hash(&mut s),
        },
        _ => 7u8.hash(&mut s),
    }
    s.finish()
}

/// Equality of non-vertex values for merging alternatives.
pub(super) fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Top, Value::Top) => true,
        (Value::Constraint(_), Value::Constraint(_)) | (Value::Disj(_), Value::Disj(_)) => {
            a.to_string() == b.to_string()
        }
        _ => a.kind() == b.kind() && scalar_eq(a, b) == Some(true),
    }
}
