//! The policy file: finding it, loading its `extends` chain, validating it, and describing it.

pub mod catalogue;
pub mod error;
pub mod globs;
pub mod load;
pub mod lock;
pub mod model;
pub mod raw;
pub mod units;

pub use catalogue::Level;
pub use error::{PolicyError, PolicyErrors};
pub use load::{BlobReader, Loaded, NoBlobs, Source};
pub use model::Policy;

/// The policy file's name at the repository root.
pub const FILE_NAME: &str = ".git-policy.toml";

/// The JSON Schema of the policy file, generated from the raw types.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(raw::RawPolicy)).unwrap_or(serde_json::Value::Null)
}

/// A commented starter policy for `git-policy policy init`.
pub const STARTER: &str = include_str!("../../policies/starter.toml");
