//! Integration tests: real repositories, a real local bare remote, the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod coverage;
mod diffcover;
mod dora;
mod hooks;
mod install;
mod paths;
mod policy;
mod review;
mod stamps;
mod trailers;
