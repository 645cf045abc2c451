//! Integration tests: real repositories, a real local bare remote, the real binary.

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod hooks;
mod install;
mod policy;
