//! The CUE language: parsing, evaluation and export.
//!
//! This module knows nothing of KubeVela. Stages: [`parser`] (text → [`ast`]),
//! evaluation (AST → values) and export (values → JSON/YAML).

pub mod ast;
pub mod lexer;
pub mod num;
pub mod parser;
