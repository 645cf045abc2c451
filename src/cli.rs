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
    /// Judge coverage reports: total, per-file and patch coverage by the policy's gates.
    #[command(
        after_help = "Examples:\n  git-policy coverage                       # reports from [coverage] reports\n  git-policy coverage lcov.info --base origin/main\n  git-policy coverage coverage.xml --base main --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n  git-policy coverage --record               # CI on trunk: record the total for the ratchet and release gate"
    )]
    Coverage(CoverageArgs),
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
    /// Record a deployment of a revision to a ring, or a rollback.
    #[command(
        after_help = "Examples:\n  git-policy deploy --env prod --ring ga --id run-4711 --service api\n  git-policy deploy --env staging --ring preview --status started --id run-4711 v1.4.0\n  git-policy deploy rollback --env prod --ring ga --to v1.3.2"
    )]
    Deploy(DeployArgs),
    /// Open, acknowledge, resolve and list incidents.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// Compute the DORA keys from the stamps, deployments and incidents in git notes.
    #[command(
        after_help = "Examples:\n  git-policy metrics                       # the last 90 days, production ring\n  git-policy metrics --since 2026-01-01 --until 2026-04-01 --service api --format json\n  git-policy metrics --format html --out dora.html"
    )]
    Metrics(MetricsArgs),
    /// Gates between rings: may this revision be promoted?
    #[command(subcommand)]
    Gate(GateCommand),
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

/// `coverage`
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Report files (default: [coverage] reports of the policy). Formats are detected.
    pub reports: Vec<PathBuf>,
    /// Measure patch coverage of the change from the merge base with BASE to HEAD.
    #[arg(long)]
    pub base: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CoverageFormat,
    /// The reports' format, instead of detecting it.
    #[arg(long, value_parser = parse_report_format)]
    pub report_format: Option<crate::coverage::Format>,
    /// Record the total on HEAD in refs/notes/git-policy/coverage (CI on trunk), for the
    /// ratchet and the release gate. With `[coverage] ratchet`, a total below the previous
    /// record (less the tolerance) is recorded only with a reason.
    #[arg(long)]
    pub record: bool,
    /// Why the total drops on purpose (with --record; a `Coverage-Drop-Reason:` trailer in the
    /// change's commits does the same).
    #[arg(long, requires = "record", value_name = "TEXT")]
    pub reason: Option<String>,
}

fn parse_report_format(s: &str) -> Result<crate::coverage::Format, String> {
    s.parse()
}

/// Output formats of `coverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CoverageFormat {
    /// A table for people.
    #[default]
    Text,
    /// One JSON document.
    Json,
    /// A Markdown summary for a CI step summary or a PR comment.
    Markdown,
    /// GitHub annotations on the uncovered changed lines.
    Github,
}

/// `deploy`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct DeployArgs {
    /// `rollback`, or nothing to record a deployment.
    #[command(subcommand)]
    pub command: Option<DeployCommand>,
    /// The deployment to record.
    #[command(flatten)]
    pub record: DeployRecordArgs,
}

/// How a deployment record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DeployStatusArg {
    /// The ring rollout began.
    Started,
    /// The ring rollout finished and the revision is live.
    #[default]
    Success,
    /// The pipeline failed; the revision never went live.
    Failed,
}

/// `deploy [REV]`
#[derive(Debug, Args)]
pub struct DeployRecordArgs {
    /// The environment (prod, staging, ...), carried for display.
    #[arg(long, required = true)]
    pub env: Option<String>,
    /// The ring, one of [deploy] rings (default: the production ring).
    #[arg(long)]
    pub ring: Option<String>,
    /// The deployment id, e.g. the pipeline run (default: ENV-RING-TIME; a finish without an id
    /// completes the revision's unfinished `started` record in the ring).
    #[arg(long)]
    pub id: Option<String>,
    /// How the rollout ended.
    #[arg(long, value_enum, default_value_t)]
    pub status: DeployStatusArg,
    /// The service deployed (default: the whole repository).
    #[arg(long)]
    pub service: Option<String>,
    /// Deployment ids, revisions or incident ids this deployment fixes (a fix-forward).
    #[arg(long, value_delimiter = ',')]
    pub fixes: Vec<String>,
    /// The revision deployed (default HEAD).
    pub rev: Option<String>,
}

/// `deploy ...`
#[derive(Debug, Subcommand)]
pub enum DeployCommand {
    /// Record a rollback: REV is live again in the ring, replacing the deployment that was live.
    #[command(after_help = "Example:\n  git-policy deploy rollback --env prod --ring ga --to v1.3.2 --service api")]
    Rollback(RollbackArgs),
}

/// `deploy rollback`
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The environment.
    #[arg(long)]
    pub env: String,
    /// The revision rolled back to (live again).
    #[arg(long)]
    pub to: String,
    /// The ring (default: the production ring).
    #[arg(long)]
    pub ring: Option<String>,
    /// The service (default: the whole repository).
    #[arg(long)]
    pub service: Option<String>,
    /// The rollback's deployment id (default: rollback-ENV-RING-TIME).
    #[arg(long)]
    pub id: Option<String>,
}

/// `incident ...`
#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Open an incident and print its id.
    #[command(
        after_help = "Examples:\n  git-policy incident open --sev 1 --service api --title 'checkout down'\n  git-policy incident open --sev 2 --cause run-4711"
    )]
    Open(IncidentOpenArgs),
    /// Acknowledge an incident.
    #[command(after_help = "Example:\n  git-policy incident ack INC-20261203T100000Z-3f2a")]
    Ack {
        /// The incident id.
        id: String,
    },
    /// Resolve an incident (service restored).
    #[command(
        after_help = "Example:\n  git-policy incident resolve INC-20261203T100000Z-3f2a --via rollback --fix-deploy rollback-prod-ga-20261203T103000Z"
    )]
    Resolve(IncidentResolveArgs),
    /// List incidents.
    #[command(after_help = "Example:\n  git-policy incident list --open\n  git-policy incident list --format json")]
    List {
        /// Only incidents not resolved yet.
        #[arg(long)]
        open: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: DataFormat,
    },
}

/// `incident open`
#[derive(Debug, Args)]
pub struct IncidentOpenArgs {
    /// Severity: 1 (outage), 2 (major), 3 (degraded).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub sev: u8,
    /// The affected service.
    #[arg(long)]
    pub service: Option<String>,
    /// What caused it: a deployment id or a revision, or `unknown`.
    #[arg(long, default_value = "unknown")]
    pub cause: String,
    /// A one-line description.
    #[arg(long)]
    pub title: Option<String>,
    /// The incident id (default: INC-<UTC time>-<4 hex>).
    #[arg(long)]
    pub id: Option<String>,
}

/// How an incident was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ResolvedVia {
    /// A rollback restored service.
    Rollback,
    /// A new deployment fixed it.
    FixForward,
    /// Anything else (a config change, the provider recovered, ...).
    Other,
}

/// `incident resolve`
#[derive(Debug, Args)]
pub struct IncidentResolveArgs {
    /// The incident id.
    pub id: String,
    /// How service was restored.
    #[arg(long, value_enum)]
    pub via: Option<ResolvedVia>,
    /// The deployment id that restored service.
    #[arg(long)]
    pub fix_deploy: Option<String>,
}

/// Output formats of `metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MetricsFormat {
    /// A text table for people.
    #[default]
    Table,
    /// One JSON document (every computed value).
    Json,
    /// One row per key.
    Csv,
    /// One self-contained HTML page with charts.
    Html,
}

/// Survey years of the DORA bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BandsArg {
    /// The 2024 report.
    #[default]
    #[value(name = "2024")]
    Y2024,
    /// The 2023 report.
    #[value(name = "2023")]
    Y2023,
}

/// `metrics`
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Window start: a length back from --until (`90d`, `12w`) or a UTC date (`2026-01-01`).
    #[arg(long, default_value = "90d")]
    pub since: String,
    /// Window end (exclusive), a UTC date or time (default: now).
    #[arg(long)]
    pub until: Option<String>,
    /// Only this service.
    #[arg(long)]
    pub service: Option<String>,
    /// The ring measured (default: the production ring).
    #[arg(long)]
    pub ring: Option<String>,
    /// Which survey's bands to show.
    #[arg(long, value_enum, default_value_t)]
    pub bands: BandsArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: MetricsFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `gate ...`
#[derive(Debug, Subcommand)]
pub enum GateCommand {
    /// Exit 0 only if REV may be promoted to RING: baked in the previous ring, and the [release]
    /// criteria hold (coverage, open incidents, rollbacks).
    #[command(
        after_help = "Examples:\n  git-policy gate promote --to ga\n  git-policy gate promote --to preview v1.4.0 --format json"
    )]
    Promote(PromoteArgs),
}

/// `gate promote`
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The ring to promote to.
    #[arg(long)]
    pub to: String,
    /// Only deployments and incidents of this service.
    #[arg(long)]
    pub service: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// The revision to promote (default HEAD).
    pub rev: Option<String>,
}
