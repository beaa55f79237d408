//! Field order for export.

use super::Engine;
use crate::cue::value::VId;

impl Engine {
    /// The arcs of `v` in the order CUE exports them.
    pub(crate) fn field_order(&mut self, v: VId) -> Vec<VId> {
        self.v(v).arcs.clone()
    }
}
