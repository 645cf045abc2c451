//! The serde mirror of `.git-policy.toml`: every key the file may hold, nothing validated yet.
//!
//! Every table denies unknown keys, so a typo (`max-behnd`) fails the load instead of silently
//! enforcing nothing. Every leaf is optional: a file that extends another sets only what it
//! changes. The JSON Schema (`git-policy policy schema`) is generated from these same types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// A whole policy file.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "git-policy policy file (.git-policy.toml)")]
pub struct RawPolicy {
    /// Policies this file builds on, applied first to last, then this file: each a path relative
    /// to this file, `REV:PATH` (a blob read from git, e.g. `origin/main:policies/org.toml`), or
    /// `builtin:NAME` (default, strict, startup).
    pub extends: Option<Vec<String>>,
    /// Trunk branches and branches nobody commits to directly.
    pub trunk: Option<RawTrunk>,
    /// Short-lived branch rules.
    pub branch: Option<RawBranch>,
    /// Rules on each commit: message, size, paths, identity, signatures.
    pub commits: Option<RawCommits>,
    /// Code review: approvals, owners, review notes.
    pub review: Option<RawReview>,
    /// Coverage gates over the reports your test tools write.
    pub coverage: Option<RawCoverage>,
    /// Lead-time stamps in git notes.
    pub lead_time: Option<RawLeadTime>,
    /// Ring-based deployment.
    pub deploy: Option<RawDeploy>,
    /// Services of a monorepo, for per-service metrics.
    pub services: Option<Vec<RawService>>,
    /// Incident severities and their service-level targets.
    pub incidents: Option<RawIncidents>,
    /// Release criteria checked before a promotion to the next ring.
    pub release: Option<RawRelease>,
    /// How the hooks behave.
    pub hooks: Option<RawHooks>,
    /// Level of each rule by id: `"branch.max-age" = "warn"`.
    pub rules: Option<BTreeMap<String, RawLevel>>,
    /// Keys that files extending this one may only tighten.
    pub lock: Option<RawLock>,
}

/// A rule's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawLevel {
    /// A finding fails the check (exit 1).
    Error,
    /// A finding is shown but does not fail.
    Warn,
    /// The rule does not run.
    Off,
}

/// A regular expression, optionally with strings it must and must not match (tested at load).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a regular expression string, or a table with `pattern`, `examples` and `counter-examples`"
)]
pub enum RawPattern {
    /// Just the expression.
    Plain(String),
    /// The expression with examples.
    Checked(RawCheckedPattern),
}

/// A regular expression with the strings it must and must not match.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCheckedPattern {
    /// The regular expression (Rust regex syntax).
    pub pattern: String,
    /// Strings the expression must match.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Strings the expression must not match.
    #[serde(default)]
    pub counter_examples: Vec<String>,
}

/// A percentage: a number from 0 to 100, or a string such as `"99.5%"`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a percentage such as 95, 99.5 or \"99.5%\"")]
pub enum RawPercent {
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// A string such as `"95%"`.
    Text(String),
}

/// `[trunk]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTrunk {
    /// Trunk branch names (default `["main"]`); branch ages and distances are measured against the first that exists.
    pub branches: Option<Vec<String>>,
    /// Globs of branches with no direct commits, no force-push and no deletion (default `["main", "release/*"]`).
    pub protected: Option<Vec<String>>,
}

/// `[branch]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBranch {
    /// Regular expression a work branch name must match.
    pub name_pattern: Option<RawPattern>,
    /// Globs of branch names exempt from branch rules (trunk and protected branches always are).
    pub exempt: Option<Vec<String>>,
    /// Longest life of a branch, from its oldest commit not on trunk (e.g. `2d`).
    pub max_age: Option<String>,
    /// Most commits a branch may be ahead of trunk.
    pub max_ahead: Option<u64>,
    /// Most commits a branch may be behind trunk.
    pub max_behind: Option<u64>,
    /// No merge commits on a branch (rebase on trunk instead).
    pub linear: Option<bool>,
}

/// `[commits]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCommits {
    /// Longest subject line, in Unicode scalar values.
    pub subject_max_length: Option<u64>,
    /// Regular expression every subject must match (e.g. Conventional Commits).
    pub subject_pattern: Option<RawPattern>,
    /// Regular expressions no subject reaching trunk may match (WIP, fixup!, squash!).
    pub forbid_subjects: Option<Vec<RawPattern>>,
    /// Longest body line; lines that are only a URL, and trailers, are exempt.
    pub body_max_line_length: Option<u64>,
    /// Require a `Signed-off-by` trailer matching the author.
    pub signoff: Option<bool>,
    /// Require every commit to be signed (SSH or GPG) by a key in `allowed-signers`.
    pub signed: Option<bool>,
    /// The allowed-signers file (ssh-keygen format), relative to the repository root.
    pub allowed_signers: Option<String>,
    /// Most files one commit may change.
    pub max_files: Option<u64>,
    /// Most lines (added + removed) one commit may change.
    pub max_lines: Option<u64>,
    /// Most files a whole branch may change.
    pub branch_max_files: Option<u64>,
    /// Most lines a whole branch may change.
    pub branch_max_lines: Option<u64>,
    /// Globs of paths no commit may add or modify.
    pub forbid_paths: Option<Vec<String>>,
    /// Largest file a commit may add or modify (e.g. `5MB`).
    pub max_file_size: Option<String>,
    /// Regular expression the author email must match.
    pub author_email: Option<RawPattern>,
    /// Regular expression the committer email must match.
    pub committer_email: Option<RawPattern>,
}

/// `[review]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawReview {
    /// Distinct approvers, other than the author, every change needs.
    pub approvals: Option<u64>,
    /// Trailer keys that record an approval.
    pub trailers: Option<Vec<String>>,
    /// Path of a CODEOWNERS file, or "" to ignore CODEOWNERS (default: GitHub's locations).
    pub codeowners: Option<String>,
    /// Count only approvals whose SSH signature verifies against `allowed-signers`.
    pub require_signed: Option<bool>,
    /// The allowed-signers file for signed approvals.
    pub allowed_signers: Option<String>,
    /// Exact identities (`Name <email>` or `email`) that need no approval.
    pub exempt_authors: Option<Vec<String>>,
    /// Owners whose approval a change to the policy, CODEOWNERS or allowed-signers needs.
    pub policy_owners: Option<Vec<String>>,
    /// Path owners beyond CODEOWNERS.
    pub owners: Option<Vec<RawOwners>>,
    /// `@handle` -> emails.
    pub people: Option<BTreeMap<String, Vec<String>>>,
    /// `@org/team` -> members (emails or handles).
    pub teams: Option<BTreeMap<String, Vec<String>>>,
}

/// `[[review.owners]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawOwners {
    /// Globs of paths these owners own.
    pub paths: Vec<String>,
    /// Emails, `@handle`s or `@org/team`s.
    pub owners: Vec<String>,
    /// Approvals from these owners a change to the paths needs (default 1).
    pub approvals: Option<u64>,
}

/// `[coverage]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCoverage {
    /// Globs of report files (lcov, Cobertura, JaCoCo, llvm-cov JSON, Go cover profiles).
    pub reports: Option<Vec<String>>,
    /// Line coverage of the whole project.
    pub min_total: Option<RawPercent>,
    /// Branch coverage of the whole project.
    pub min_branch: Option<RawPercent>,
    /// Line coverage of each file.
    pub min_file: Option<RawPercent>,
    /// Per-path overrides of `min-file`; the first match wins.
    pub files: Option<Vec<RawCoverageFiles>>,
    /// Coverage of the lines a change adds or modifies.
    pub min_patch: Option<RawPercent>,
    /// Most uncovered lines a change may add.
    pub max_uncovered_patch_lines: Option<u64>,
    /// Globs of paths left out of every gate.
    pub exclude: Option<Vec<String>>,
    /// Report path prefixes to rewrite to repository paths.
    pub path_map: Option<Vec<RawPathMap>>,
    /// Whether a gate with no measurable lines passes (`pass`) or fails (`fail`).
    pub no_data: Option<RawNoData>,
    /// Record the total on trunk and refuse changes that lower it.
    pub ratchet: Option<bool>,
    /// How far a change may lower the recorded total.
    pub ratchet_tolerance: Option<RawPercent>,
}

/// `[[coverage.files]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCoverageFiles {
    /// Globs of paths.
    pub paths: Vec<String>,
    /// Minimum line coverage of each matching file.
    pub min: RawPercent,
}

/// `[[coverage.path-map]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPathMap {
    /// Prefix as written in reports.
    pub from: String,
    /// Repository path that replaces it.
    pub to: String,
}

/// What a gate with nothing to measure decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawNoData {
    /// Nothing to measure passes.
    Pass,
    /// Nothing to measure fails.
    Fail,
}

/// `[lead-time]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawLeadTime {
    /// Stamp commits, pushes and merges into git notes.
    pub stamp: Option<bool>,
    /// Push the stamps with every push.
    pub push_notes: Option<bool>,
    /// Lead time a change should stay within (reported, not enforced).
    pub target: Option<String>,
}

/// `[deploy]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDeploy {
    /// Rings in promotion order.
    pub rings: Option<Vec<String>>,
    /// The ring that is production.
    pub production: Option<String>,
    /// Least time a revision bakes in a ring before promotion: `internal = "2h"`.
    pub bake: Option<BTreeMap<String, String>>,
}

/// `[[services]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawService {
    /// Service name.
    pub name: String,
    /// Globs of the paths that belong to it.
    pub paths: Vec<String>,
}

/// `[incidents]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawIncidents {
    /// Targets per severity: `[incidents.severity.1] respond-within = "30m"`.
    pub severity: Option<BTreeMap<String, RawSeverity>>,
    /// An incident this soon after a deployment of its service counts as (inferred) caused by it.
    pub inferred_window: Option<String>,
}

/// `[incidents.severity.N]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSeverity {
    /// What the severity means.
    pub description: Option<String>,
    /// Acknowledge within this time.
    pub respond_within: Option<String>,
    /// Restore within this time.
    pub restore_within: Option<String>,
}

/// `[release]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRelease {
    /// Require coverage recorded for the revision at or above this.
    pub min_coverage: Option<RawPercent>,
    /// Severities whose open incidents block a promotion.
    pub block_on_open_severities: Option<Vec<u8>>,
    /// Refuse a revision that was rolled back in an earlier ring.
    pub forbid_rolled_back: Option<bool>,
}

/// `[hooks]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHooks {
    /// When the git-policy binary is missing, let git go on (with a warning) instead of failing.
    pub fail_open: Option<bool>,
    /// Allow `GIT_POLICY_SKIP` to skip rules locally (CI never honours it).
    pub allow_skip: Option<bool>,
}

/// `[lock]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawLock {
    /// Dotted key paths (`review.approvals`) or rule ids that extending files may only tighten.
    pub keys: Option<Vec<String>>,
}
