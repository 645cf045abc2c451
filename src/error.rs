//! Errors that stop a run, mapped to a message, a hint and an exit code in one place.
//!
//! A policy violation is not an error: it is a finding, and makes exit code 1 through the report.

use std::process::ExitCode;

use crate::policy::PolicyErrors;

/// Exit codes, as documented in the README and `--help`.
pub mod exit {
    /// Everything passed (warnings allowed).
    pub const OK: u8 = 0;
    /// The policy was violated.
    pub const VIOLATION: u8 = 1;
    /// Bad usage or a bad policy file.
    pub const USAGE: u8 = 2;
    /// A git or I/O error.
    pub const GIT_OR_IO: u8 = 3;
}

/// Everything that can stop git-policy.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The policy files are wrong.
    #[error("{0}")]
    Policy(#[from] PolicyErrors),
    /// The command was used wrongly.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// git (through libgit2 or the CLI) failed.
    #[error("git: {message}")]
    Git {
        /// What failed.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl Error {
    /// A usage error with a hint.
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage { message: message.into(), hint: Some(hint.into()) }
    }

    /// A git error with a hint.
    pub fn git(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Git { message: message.into(), hint: Some(hint.into()) }
    }

    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// The documented exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Policy(_) | Error::Usage { .. } => exit::USAGE,
            Error::Git { .. } | Error::Io { .. } => exit::GIT_OR_IO,
        }
    }

    /// How to fix it, if known.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Usage { hint, .. } | Error::Git { hint, .. } => hint.as_deref(),
            Error::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => Some("check that the path exists and is spelled right"),
                std::io::ErrorKind::PermissionDenied => Some("check the file's permissions and owner"),
                std::io::ErrorKind::StorageFull => Some("free some disk space, then run it again"),
                _ => None,
            },
            Error::Policy(_) => None,
        }
    }
}

impl From<Error> for ExitCode {
    fn from(e: Error) -> Self {
        ExitCode::from(e.exit_code())
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn policy_error() -> Error {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, "[branch]\nmax-behnd = 50\n").unwrap();
        match crate::policy::load::load(crate::policy::Source::File(p), &crate::policy::NoBlobs) {
            Err(e) => Error::from(e),
            Ok(_) => panic!("a misspelt key must not load"),
        }
    }

    #[test]
    fn usage_and_policy_mistakes_exit_2_and_failures_exit_3() {
        assert_eq!(Error::usage("bad flag", "drop it").exit_code(), exit::USAGE);
        assert_eq!(policy_error().exit_code(), exit::USAGE);
        assert_eq!(Error::git("no repo", "cd into one").exit_code(), exit::GIT_OR_IO);
        let io = Error::io("reading x", std::io::Error::new(std::io::ErrorKind::NotFound, "gone"));
        assert_eq!(io.exit_code(), exit::GIT_OR_IO);
    }

    #[test]
    fn the_process_exit_code_is_the_documented_one() {
        assert_eq!(ExitCode::from(Error::usage("m", "h")), ExitCode::from(exit::USAGE));
        assert_eq!(ExitCode::from(Error::git("m", "h")), ExitCode::from(exit::GIT_OR_IO));
        assert_ne!(ExitCode::from(Error::git("m", "h")), ExitCode::from(exit::USAGE));
    }

    #[test]
    fn hints_travel_with_usage_and_git_errors_only() {
        assert_eq!(Error::usage("m", "do this").hint(), Some("do this"));
        assert_eq!(Error::git("m", "do that").hint(), Some("do that"));
        assert_eq!(Error::Git { message: "m".into(), hint: None }.hint(), None);
        assert_eq!(policy_error().hint(), None, "policy errors carry their help inside");
        let io = Error::io("reading x", std::io::Error::other("disk"));
        assert_eq!(io.hint(), None);
    }

    #[test]
    fn messages_say_what_failed() {
        assert_eq!(Error::git("reading HEAD", "h").to_string(), "git: reading HEAD");
        let io = Error::io("reading policy.toml", std::io::Error::other("disk on fire"));
        assert_eq!(io.to_string(), "reading policy.toml: disk on fire");
        assert!(policy_error().to_string().contains("max-behnd"), "{}", policy_error());
    }
}
