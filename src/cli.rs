//! Command-line types (clap derive). Their doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  ok (warnings allowed)
  1  the policy was violated
  2  bad usage or an invalid policy file
  3  a git or I/O error";

/// Delivery rules for git: trunk-based development, code review, coverage gates and DORA
/// stamps, enforced by git hooks on every machine and re-checked in CI.
#[derive(Debug, Parser)]
#[command(name = "git-policy", version, after_help = EXIT_CODES, after_long_help = concat!("Examples:\n  git-policy install            # install the hooks in this repository\n  git-policy check --range origin/main..HEAD\n  git-policy policy show\n\n", "Exit codes:\n  0  ok (warnings allowed)\n  1  the policy was violated\n  2  bad usage or an invalid policy file\n  3  a git or I/O error"))]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install git-policy's hooks into the repository.
    #[command(
        after_help = "Examples:\n  git-policy install\n  git-policy install --hooks pre-commit,commit-msg\n  git-policy install --server      # in a bare repository: a pre-receive hook"
    )]
    Install(InstallArgs),
    /// Remove git-policy's hooks and restore what was there before, byte for byte.
    #[command(after_help = "Example:\n  git-policy uninstall")]
    Uninstall(UninstallArgs),
    /// Run one hook (called by the installed shims).
    #[command(after_help = "Example:\n  git-policy hook pre-commit\n  git-policy hook commit-msg .git/COMMIT_EDITMSG")]
    Hook(HookArgs),
    /// Check every commit of a range against the policy (for CI).
    #[command(
        after_help = "Examples:\n  git-policy check --range origin/main..HEAD\n  git-policy check --format json"
    )]
    Check(CheckArgs),
    /// Show what is installed and whether it works.
    #[command(after_help = "Example:\n  git-policy doctor")]
    Doctor(DoctorArgs),
    /// Show, validate, create or describe the policy file.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Sync git-policy's notes (the stamps) with a remote.
    #[command(subcommand)]
    Notes(NotesCommand),
    /// Record lead-time stamps (CI on trunk).
    #[command(subcommand)]
    Stamp(StampCommand),
    /// Record reviews in refs/notes/review.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Print shell completions.
    #[command(after_help = "Example:\n  git-policy completions bash > /etc/bash_completion.d/git-policy")]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  git-policy man > git-policy.1 && man ./git-policy.1")]
    Man(ManArgs),
}

/// `install`
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Comma-separated hooks to install (default: all client hooks).
    #[arg(long, value_delimiter = ',')]
    pub hooks: Option<Vec<String>>,
    /// Replace a foreign hook that cannot be chained (it is kept as NAME.git-policy-backup).
    #[arg(long)]
    pub force: bool,
    /// Install the pre-receive hook into a bare (server) repository.
    #[arg(long)]
    pub server: bool,
}

/// `uninstall`
#[derive(Debug, Args)]
pub struct UninstallArgs {}

/// `hook`
#[derive(Debug, Args)]
pub struct HookArgs {
    /// The hook: pre-commit, commit-msg, pre-push, post-commit, post-rewrite, pre-receive.
    pub name: String,
    /// The arguments git gave the hook.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// `check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The range to check, BASE..HEAD (default: detected from CI, else trunk..HEAD).
    #[arg(long)]
    pub range: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `doctor`
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: DataFormat,
}

/// Formats of commands that describe rather than judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DataFormat {
    /// Text for people.
    #[default]
    Text,
    /// One JSON document.
    Json,
}

/// `policy ...`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the effective policy and which file set each value.
    #[command(after_help = "Example:\n  git-policy policy show\n  git-policy policy show --format json")]
    Show {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: DataFormat,
    },
    /// Validate a policy file (default: the repository's) and everything it extends.
    #[command(after_help = "Example:\n  git-policy policy validate policies/org.toml")]
    Validate {
        /// The file to validate.
        file: Option<PathBuf>,
    },
    /// Write a commented starter .git-policy.toml (never overwrites).
    #[command(after_help = "Example:\n  git-policy policy init")]
    Init {
        /// Where to write it (default: .git-policy.toml at the repository root).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the JSON Schema of the policy file, for editors (taplo, VS Code).
    #[command(after_help = "Example:\n  git-policy policy schema > git-policy.schema.json")]
    Schema,
}

/// `completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// `man`
#[derive(Debug, Args)]
pub struct ManArgs {}

/// `notes ...`
#[derive(Debug, Subcommand)]
pub enum NotesCommand {
    /// Fetch the remote's notes and merge them into ours (union of lines).
    #[command(after_help = "Example:\n  git-policy notes pull origin")]
    Pull {
        /// The remote (default: origin).
        remote: Option<String>,
    },
    /// Print every event of a stream as `COMMIT LINE` (one walk of the notes tree), for export.
    #[command(after_help = "Example:\n  git-policy notes export --stream deploy > deploys.txt")]
    Export {
        /// The stream: dev, trunk, deploy, incident, coverage.
        #[arg(long, default_value = "dev")]
        stream: String,
    },
    /// Push our notes; on a non-fast-forward, pull, merge and retry.
    #[command(after_help = "Example:\n  git-policy notes push origin")]
    Push {
        /// The remote (default: origin).
        remote: Option<String>,
    },
}

/// `stamp ...`
#[derive(Debug, Subcommand)]
pub enum StampCommand {
    /// Stamp each trunk commit of a range with when its change began (merge, fast-forward,
    /// rebase or squash alike).
    #[command(
        after_help = "Example (CI, on a push to main):\n  git-policy stamp merged --range \"$BEFORE..$AFTER\" && git-policy notes push"
    )]
    Merged {
        /// BASE..HEAD of trunk (default: detected as `check` does).
        #[arg(long)]
        range: Option<String>,
    },
}

/// `review ...`
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Approve a change as yourself (user.name, user.email), bound to its content (patch id).
    #[command(
        after_help = "Examples:\n  git-policy review approve origin/feat/login\n  git-policy review approve --sign   # SSH-signed with user.signingkey\n  git push origin refs/notes/review"
    )]
    Approve {
        /// The revision to approve (default HEAD).
        rev: Option<String>,
        /// Sign the approval with your SSH key (ssh-keygen -Y sign).
        #[arg(long)]
        sign: bool,
    },
}
