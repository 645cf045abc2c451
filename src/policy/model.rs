//! The validated policy: compiled regexes and globs, parsed durations, sizes and percentages,
//! and a resolved level for every rule. Rules read only these types, never strings from TOML.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_automata::meta::Regex;

use super::catalogue::{self, Level};
pub use super::globs::Globs;
use super::raw::{self, RawPattern, RawPercent, RawPolicy};
use super::units::{Duration, Percent, Size};

/// A regular expression and the text it came from. It is compiled when first used, because a
/// hook that loads a policy uses few of its patterns and must start in milliseconds; patterns
/// from files a user wrote are compiled (and their examples tested) at load all the same.
///
/// The engine is the `regex` crate's own (its meta regex, same syntax and matches), built
/// without the lazy DFA, the one-pass DFA and literal prefilters: policy patterns only ever
/// test short names, subjects and trailers, where those engines cannot pay back their set-up.
/// The default branch-name pattern compiles in ~30 µs instead of ~130 µs.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    regex: OnceLock<Option<Regex>>,
}

impl Pattern {
    fn compiled(source: &str, regex: Regex) -> Self {
        Self { source: source.to_string(), regex: OnceLock::from(Some(regex)) }
    }

    fn lazy(source: &str) -> Self {
        Self { source: source.to_string(), regex: OnceLock::new() }
    }

    /// Whether the expression matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.get_or_init(|| compile(&self.source).ok()).as_ref().is_some_and(|r| r.is_match(text))
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// Compiles a policy pattern (see [`Pattern`]). The error, when there is one, is the `regex`
/// crate's, which points at the offending part of the pattern.
fn compile(source: &str) -> Result<Regex, String> {
    use regex_automata::{meta, nfa::thompson::WhichCaptures};
    let config =
        meta::Config::new().hybrid(false).onepass(false).auto_prefilter(false).which_captures(WhichCaptures::None);
    meta::Regex::builder().configure(config).build(source).map_err(|e| match regex::Regex::new(source) {
        Err(detail) => detail.to_string(),
        Ok(_) => e.to_string(),
    })
}

/// `[trunk]`
#[derive(Debug, Clone)]
pub struct Trunk {
    /// Trunk branch names, first that exists wins.
    pub branches: Vec<String>,
    /// Branches that take no direct commits, force-pushes or deletions.
    pub protected: Globs,
}

/// `[branch]`
#[derive(Debug, Clone, Default)]
pub struct Branch {
    /// Pattern work branch names match.
    pub name_pattern: Option<Pattern>,
    /// Branch names exempt from branch rules.
    pub exempt: Globs,
    /// Longest branch life.
    pub max_age: Option<Duration>,
    /// Most commits ahead of trunk.
    pub max_ahead: Option<u64>,
    /// Most commits behind trunk.
    pub max_behind: Option<u64>,
    /// No merges on branches.
    pub linear: bool,
}

/// `[commits]`
#[derive(Debug, Clone, Default)]
pub struct Commits {
    /// Longest subject, in Unicode scalar values.
    pub subject_max_length: Option<u64>,
    /// Pattern every subject matches.
    pub subject_pattern: Option<Pattern>,
    /// Patterns no subject on trunk matches.
    pub forbid_subjects: Vec<Pattern>,
    /// Longest body line.
    pub body_max_line_length: Option<u64>,
    /// Require a matching Signed-off-by.
    pub signoff: bool,
    /// Require signed commits.
    pub signed: bool,
    /// Allowed-signers file, relative to the repository root.
    pub allowed_signers: Option<String>,
    /// Most files per commit.
    pub max_files: Option<u64>,
    /// Most changed lines per commit.
    pub max_lines: Option<u64>,
    /// Most files per branch.
    pub branch_max_files: Option<u64>,
    /// Most changed lines per branch.
    pub branch_max_lines: Option<u64>,
    /// Paths no commit touches.
    pub forbid_paths: Globs,
    /// Largest file.
    pub max_file_size: Option<Size>,
    /// Pattern author emails match.
    pub author_email: Option<Pattern>,
    /// Pattern committer emails match.
    pub committer_email: Option<Pattern>,
}

/// A set of path owners from `[[review.owners]]`.
#[derive(Debug, Clone)]
pub struct OwnerRule {
    /// Paths owned.
    pub paths: Globs,
    /// Owners as written (emails, `@handle`s, `@org/team`s).
    pub owners: Vec<String>,
    /// Approvals needed from them.
    pub approvals: u64,
}

/// `[review]`
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// Distinct approvers needed.
    pub approvals: u64,
    /// Trailer keys that approve.
    pub trailers: Vec<String>,
    /// CODEOWNERS path; `None` means GitHub's locations, `Some("")` means none.
    pub codeowners: Option<String>,
    /// Count only signed approvals.
    pub require_signed: bool,
    /// Allowed-signers file for approvals.
    pub allowed_signers: Option<String>,
    /// Identities that need no approval.
    pub exempt_authors: Vec<String>,
    /// Owners of the policy, CODEOWNERS and allowed-signers files.
    pub policy_owners: Vec<String>,
    /// Path owners.
    pub owners: Vec<OwnerRule>,
    /// `@handle` -> emails.
    pub people: BTreeMap<String, Vec<String>>,
    /// `@org/team` -> members.
    pub teams: BTreeMap<String, Vec<String>>,
}

/// A `min-file` override.
#[derive(Debug, Clone)]
pub struct FileMinimum {
    /// Paths it applies to.
    pub paths: Globs,
    /// Minimum line coverage.
    pub min: Percent,
}

/// A report path prefix rewrite.
#[derive(Debug, Clone)]
pub struct PathMap {
    /// Prefix as in reports.
    pub from: String,
    /// Repository prefix.
    pub to: String,
}

/// `[coverage]`, present only when the policy has the table.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Report globs.
    pub reports: Vec<String>,
    /// Project line coverage minimum.
    pub min_total: Option<Percent>,
    /// Project branch coverage minimum.
    pub min_branch: Option<Percent>,
    /// Per-file minimum.
    pub min_file: Option<Percent>,
    /// Per-path overrides, first match wins.
    pub files: Vec<FileMinimum>,
    /// Changed-lines minimum.
    pub min_patch: Option<Percent>,
    /// Most uncovered changed lines.
    pub max_uncovered_patch_lines: Option<u64>,
    /// Paths left out.
    pub exclude: Globs,
    /// Path rewrites.
    pub path_map: Vec<PathMap>,
    /// Whether a gate with nothing to measure passes.
    pub no_data_passes: bool,
    /// Record and hold the total.
    pub ratchet: bool,
    /// How far a change may lower the total, in percentage points.
    pub ratchet_tolerance: Option<Percent>,
}

/// `[lead-time]`
#[derive(Debug, Clone)]
pub struct LeadTime {
    /// Stamp events into notes.
    pub stamp: bool,
    /// Push notes with every push.
    pub push_notes: bool,
    /// Target lead time.
    pub target: Option<Duration>,
}

/// `[deploy]`
#[derive(Debug, Clone)]
pub struct Deploy {
    /// Rings in promotion order.
    pub rings: Vec<String>,
    /// The production ring.
    pub production: String,
    /// Bake time per ring.
    pub bake: BTreeMap<String, Duration>,
}

/// `[[services]]`
#[derive(Debug, Clone)]
pub struct Service {
    /// Name.
    pub name: String,
    /// Paths.
    pub paths: Globs,
}

/// Targets for one incident severity.
#[derive(Debug, Clone)]
pub struct Severity {
    /// What it means.
    pub description: String,
    /// Acknowledge within.
    pub respond_within: Duration,
    /// Restore within, if set.
    pub restore_within: Option<Duration>,
}

/// `[incidents]`
#[derive(Debug, Clone)]
pub struct Incidents {
    /// Targets by severity 1..=3.
    pub severity: BTreeMap<u8, Severity>,
    /// Window for inferred causes.
    pub inferred_window: Duration,
}

/// `[release]`
#[derive(Debug, Clone)]
pub struct Release {
    /// Coverage the revision needs.
    pub min_coverage: Option<Percent>,
    /// Severities whose open incidents block promotion.
    pub block_on_open_severities: Vec<u8>,
    /// Refuse revisions rolled back in an earlier ring.
    pub forbid_rolled_back: bool,
}

/// `[hooks]`
#[derive(Debug, Clone)]
pub struct Hooks {
    /// Let git go on when the binary is missing.
    pub fail_open: bool,
    /// Honour `GIT_POLICY_SKIP` locally.
    pub allow_skip: bool,
}

/// A whole validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `[trunk]`
    pub trunk: Trunk,
    /// `[branch]`
    pub branch: Branch,
    /// `[commits]`
    pub commits: Commits,
    /// `[review]`
    pub review: Review,
    /// `[coverage]`, if the policy has one.
    pub coverage: Option<Coverage>,
    /// `[lead-time]`
    pub lead_time: LeadTime,
    /// `[deploy]`
    pub deploy: Deploy,
    /// `[[services]]`
    pub services: Vec<Service>,
    /// `[incidents]`
    pub incidents: Incidents,
    /// `[release]`
    pub release: Release,
    /// `[hooks]`
    pub hooks: Hooks,
    /// Every rule's level.
    levels: BTreeMap<&'static str, Level>,
}

impl Policy {
    /// The level of a rule; unknown ids are off.
    pub fn level(&self, rule_id: &str) -> Level {
        self.levels.get(rule_id).copied().unwrap_or(Level::Off)
    }

    /// Every rule id with its level, in catalogue order.
    pub fn levels(&self) -> impl Iterator<Item = (&'static str, Level)> + '_ {
        catalogue::RULES.iter().map(|r| (r.id, self.level(r.id)))
    }
}

/// A value that failed validation, by its key path in the merged policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Key path, e.g. `["branch", "max-age"]`.
    pub path: Vec<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// Collects every invalid value instead of stopping at the first.
struct Check<'a> {
    errors: Vec<Invalid>,
    /// Whether a key's value came only from policies compiled into the binary, whose patterns
    /// and examples the test suite checks, so the hot path need not compile them at load.
    trusted: &'a dyn Fn(&[&str]) -> bool,
}

impl Check<'_> {
    fn fail(&mut self, path: &[&str], message: String, help: Option<String>) {
        self.errors.push(Invalid { path: path.iter().map(|s| s.to_string()).collect(), message, help });
    }

    fn pattern(&mut self, path: &[&str], raw: &RawPattern) -> Option<Pattern> {
        let (src, examples, counter): (&str, &[String], &[String]) = match raw {
            RawPattern::Plain(s) => (s, &[], &[]),
            RawPattern::Checked(c) => (&c.pattern, &c.examples, &c.counter_examples),
        };
        if (self.trusted)(path) {
            return Some(Pattern::lazy(src));
        }
        let regex = match compile(src) {
            Ok(r) => r,
            Err(e) => {
                let detail =
                    e.to_string().lines().last().unwrap_or_default().trim().trim_start_matches("error: ").to_string();
                self.fail(
                    path,
                    format!("`{src}` is not a valid regular expression: {detail}"),
                    Some("use Rust regex syntax (https://docs.rs/regex); in TOML, write it in single quotes so backslashes stay as they are".into()),
                );
                return None;
            }
        };
        let mut ok = true;
        for ex in examples.iter().filter(|ex| !regex.is_match(ex)) {
            ok = false;
            self.fail(
                path,
                format!("pattern `{src}` does not match its example `{ex}`"),
                Some("fix the pattern, or the example".into()),
            );
        }
        for ex in counter.iter().filter(|ex| regex.is_match(ex)) {
            ok = false;
            self.fail(
                path,
                format!("pattern `{src}` matches its counter-example `{ex}`"),
                Some("fix the pattern, or the counter-example".into()),
            );
        }
        ok.then(|| Pattern::compiled(src, regex))
    }

    fn globs(&mut self, path: &[&str], raw: Option<&Vec<String>>) -> Globs {
        let Some(list) = raw else { return Globs::default() };
        Globs::new(list).unwrap_or_else(|(g, why)| {
            self.fail(
                path,
                format!("`{g}` is not a valid glob: {why}"),
                Some("use `*` within a directory, `**` across directories, `{a,b}` for alternatives".into()),
            );
            Globs::default()
        })
    }

    fn duration(&mut self, path: &[&str], raw: Option<&String>) -> Option<Duration> {
        let text = raw?;
        Duration::parse(text)
            .map_err(|e| {
                self.fail(
                    path,
                    format!("`{text}` is not a duration: {e}"),
                    Some("write a number and a unit: `90m`, `36h`, `2d`, `1w` (s, m, h, d, w)".into()),
                )
            })
            .ok()
    }

    fn size(&mut self, path: &[&str], raw: Option<&String>) -> Option<Size> {
        let text = raw?;
        Size::parse(text)
            .map_err(|e| {
                self.fail(
                    path,
                    format!("`{text}` is not a size: {e}"),
                    Some("write a number and a unit: `512KB`, `5MB`, `1GiB`".into()),
                )
            })
            .ok()
    }

    fn percent(&mut self, path: &[&str], raw: Option<&RawPercent>) -> Option<Percent> {
        let parsed = match raw? {
            RawPercent::Int(i) if (0..=100).contains(i) => Percent::parse(&i.to_string()),
            RawPercent::Int(i) => Err(format!("{i} is not between 0 and 100")),
            RawPercent::Float(f) => Percent::from_f64(*f),
            RawPercent::Text(t) => Percent::parse(t),
        };
        parsed
            .map_err(|e| {
                self.fail(
                    path,
                    format!("not a percentage: {e}"),
                    Some("write a number from 0 to 100, such as 95 or 99.5".into()),
                )
            })
            .ok()
    }
}

impl Policy {
    /// Validates a (merged) raw policy; every mistake is reported with its key path.
    pub fn from_raw(raw: &RawPolicy) -> Result<Self, Vec<Invalid>> {
        Self::from_raw_trusting(raw, &|_| false)
    }

    /// Like [`Policy::from_raw`], skipping the compile-time checks of patterns for which
    /// `trusted` says the value came from a built-in policy.
    pub fn from_raw_trusting(raw: &RawPolicy, trusted: &dyn Fn(&[&str]) -> bool) -> Result<Self, Vec<Invalid>> {
        let mut c = Check { errors: Vec::new(), trusted };
        let trunk = raw.trunk.as_ref();
        let branches = trunk.and_then(|t| t.branches.clone()).unwrap_or_else(|| vec!["main".into()]);
        if branches.is_empty() {
            c.fail(
                &["trunk", "branches"],
                "no trunk branch is named".into(),
                Some("name at least one, e.g. branches = [\"main\"]".into()),
            );
        }
        let protected_default = branches.clone();
        let trunk = Trunk {
            protected: c.globs(
                &["trunk", "protected"],
                Some(trunk.and_then(|t| t.protected.as_ref()).unwrap_or(&protected_default)),
            ),
            branches,
        };

        let b = raw.branch.as_ref();
        let branch = Branch {
            name_pattern: b
                .and_then(|b| b.name_pattern.as_ref())
                .and_then(|p| c.pattern(&["branch", "name-pattern"], p)),
            exempt: c.globs(&["branch", "exempt"], b.and_then(|b| b.exempt.as_ref())),
            max_age: c.duration(&["branch", "max-age"], b.and_then(|b| b.max_age.as_ref())),
            max_ahead: b.and_then(|b| b.max_ahead),
            max_behind: b.and_then(|b| b.max_behind),
            linear: b.and_then(|b| b.linear).unwrap_or(false),
        };

        let m = raw.commits.as_ref();
        let commits = Commits {
            subject_max_length: m.and_then(|m| m.subject_max_length),
            subject_pattern: m
                .and_then(|m| m.subject_pattern.as_ref())
                .and_then(|p| c.pattern(&["commits", "subject-pattern"], p)),
            forbid_subjects: m
                .and_then(|m| m.forbid_subjects.as_ref())
                .map(|ps| ps.iter().filter_map(|p| c.pattern(&["commits", "forbid-subjects"], p)).collect())
                .unwrap_or_default(),
            body_max_line_length: m.and_then(|m| m.body_max_line_length),
            signoff: m.and_then(|m| m.signoff).unwrap_or(false),
            signed: m.and_then(|m| m.signed).unwrap_or(false),
            allowed_signers: m.and_then(|m| m.allowed_signers.clone()),
            max_files: m.and_then(|m| m.max_files),
            max_lines: m.and_then(|m| m.max_lines),
            branch_max_files: m.and_then(|m| m.branch_max_files),
            branch_max_lines: m.and_then(|m| m.branch_max_lines),
            forbid_paths: c.globs(&["commits", "forbid-paths"], m.and_then(|m| m.forbid_paths.as_ref())),
            max_file_size: c.size(&["commits", "max-file-size"], m.and_then(|m| m.max_file_size.as_ref())),
            author_email: m
                .and_then(|m| m.author_email.as_ref())
                .and_then(|p| c.pattern(&["commits", "author-email"], p)),
            committer_email: m
                .and_then(|m| m.committer_email.as_ref())
                .and_then(|p| c.pattern(&["commits", "committer-email"], p)),
        };
        if commits.signed && commits.allowed_signers.is_none() {
            c.fail(
                &["commits", "signed"],
                "signed = true needs an allowed-signers file to verify against".into(),
                Some("add allowed-signers = \".github/allowed_signers\" to [commits]".into()),
            );
        }

        let review = review(&mut c, raw.review.as_ref());
        let coverage = raw.coverage.as_ref().map(|r| coverage(&mut c, r));

        let lt = raw.lead_time.as_ref();
        let lead_time = LeadTime {
            stamp: lt.and_then(|l| l.stamp).unwrap_or(true),
            push_notes: lt.and_then(|l| l.push_notes).unwrap_or(false),
            target: c.duration(&["lead-time", "target"], lt.and_then(|l| l.target.as_ref())),
        };

        let deploy = deploy(&mut c, raw.deploy.as_ref());
        let services = raw
            .services
            .iter()
            .flatten()
            .map(|s| Service { name: s.name.clone(), paths: c.globs(&["services", "paths"], Some(&s.paths)) })
            .collect();
        let incidents = incidents(&mut c, raw.incidents.as_ref());

        let rel = raw.release.as_ref();
        let release = Release {
            min_coverage: c.percent(&["release", "min-coverage"], rel.and_then(|r| r.min_coverage.as_ref())),
            block_on_open_severities: rel
                .and_then(|r| r.block_on_open_severities.clone())
                .unwrap_or_else(|| vec![1, 2]),
            forbid_rolled_back: rel.and_then(|r| r.forbid_rolled_back).unwrap_or(true),
        };
        for s in &release.block_on_open_severities {
            if !(1..=3).contains(s) {
                c.fail(
                    &["release", "block-on-open-severities"],
                    format!("severity {s} does not exist"),
                    Some("severities are 1, 2 and 3".into()),
                );
            }
        }

        let h = raw.hooks.as_ref();
        let hooks = Hooks {
            fail_open: h.and_then(|h| h.fail_open).unwrap_or(false),
            allow_skip: h.and_then(|h| h.allow_skip).unwrap_or(true),
        };

        let mut levels: BTreeMap<&'static str, Level> =
            catalogue::RULES.iter().map(|r| (r.id, r.default_level)).collect();
        for (id, level) in raw.rules.iter().flatten() {
            match catalogue::find(id) {
                Some(info) => {
                    levels.insert(info.id, level_of(*level));
                }
                None => {
                    let hint = super::error::did_you_mean(id, catalogue::RULES.iter().map(|r| r.id)).map_or_else(
                        || "run `git-policy policy show` for the list of rule ids".to_string(),
                        |s| format!("did you mean `{s}`?"),
                    );
                    c.fail(&["rules", id], format!("unknown rule `{id}`"), Some(hint));
                }
            }
        }
        for key in raw.lock.iter().flat_map(|l| l.keys.iter().flatten()) {
            if !super::lock::is_known_key(key) {
                c.fail(
                    &["lock", "keys"],
                    format!("`{key}` is neither a policy key nor a rule id"),
                    Some(
                        "lock dotted key paths such as `review.approvals`, or rule ids such as `branch.max-age`".into(),
                    ),
                );
            }
        }

        if !c.errors.is_empty() {
            return Err(c.errors);
        }
        Ok(Policy {
            trunk,
            branch,
            commits,
            review,
            coverage,
            lead_time,
            deploy,
            services,
            incidents,
            release,
            hooks,
            levels,
        })
    }
}

/// Maps the raw level onto the model's.
pub fn level_of(raw: raw::RawLevel) -> Level {
    match raw {
        raw::RawLevel::Error => Level::Error,
        raw::RawLevel::Warn => Level::Warn,
        raw::RawLevel::Off => Level::Off,
    }
}

fn review(c: &mut Check, r: Option<&raw::RawReview>) -> Review {
    let Some(r) = r else { return Review { trailers: default_trailers(), ..Review::default() } };
    let owners = r
        .owners
        .iter()
        .flatten()
        .map(|o| OwnerRule {
            paths: c.globs(&["review", "owners", "paths"], Some(&o.paths)),
            owners: o.owners.clone(),
            approvals: o.approvals.unwrap_or(1),
        })
        .collect::<Vec<_>>();
    let review = Review {
        approvals: r.approvals.unwrap_or(0),
        trailers: r.trailers.clone().unwrap_or_else(default_trailers),
        codeowners: r.codeowners.clone(),
        require_signed: r.require_signed.unwrap_or(false),
        allowed_signers: r.allowed_signers.clone(),
        exempt_authors: r.exempt_authors.clone().unwrap_or_default(),
        policy_owners: r.policy_owners.clone().unwrap_or_default(),
        owners,
        people: r.people.clone().unwrap_or_default(),
        teams: r.teams.clone().unwrap_or_default(),
    };
    if review.require_signed && review.allowed_signers.is_none() {
        c.fail(
            &["review", "require-signed"],
            "require-signed = true needs an allowed-signers file".into(),
            Some("add allowed-signers = \".github/allowed_signers\" to [review]".into()),
        );
    }
    for o in review.owners.iter().flat_map(|o| &o.owners).chain(&review.policy_owners) {
        let known = if let Some(h) = o.strip_prefix('@') {
            if h.contains('/') {
                review.teams.contains_key(o) || review.teams.contains_key(h)
            } else {
                review.people.contains_key(o) || review.people.contains_key(h)
            }
        } else {
            o.contains('@')
        };
        if !known {
            c.fail(
                &["review", "owners"],
                format!("owner `{o}` is not an email, a handle in [review.people] or a team in [review.teams]"),
                Some("add it to [review.people] or [review.teams], or write an email".into()),
            );
        }
    }
    review
}

fn default_trailers() -> Vec<String> {
    vec!["Reviewed-by".into(), "Approved-by".into()]
}

fn coverage(c: &mut Check, r: &raw::RawCoverage) -> Coverage {
    let files = r
        .files
        .iter()
        .flatten()
        .filter_map(|f| {
            let min = c.percent(&["coverage", "files", "min"], Some(&f.min))?;
            Some(FileMinimum { paths: c.globs(&["coverage", "files", "paths"], Some(&f.paths)), min })
        })
        .collect();
    Coverage {
        reports: r
            .reports
            .clone()
            .unwrap_or_else(|| vec!["lcov.info".into(), "coverage.xml".into(), "coverage.out".into()]),
        min_total: c.percent(&["coverage", "min-total"], r.min_total.as_ref()),
        min_branch: c.percent(&["coverage", "min-branch"], r.min_branch.as_ref()),
        min_file: c.percent(&["coverage", "min-file"], r.min_file.as_ref()),
        files,
        min_patch: c.percent(&["coverage", "min-patch"], r.min_patch.as_ref()),
        max_uncovered_patch_lines: r.max_uncovered_patch_lines,
        exclude: c.globs(&["coverage", "exclude"], r.exclude.as_ref()),
        path_map: r.path_map.iter().flatten().map(|p| PathMap { from: p.from.clone(), to: p.to.clone() }).collect(),
        no_data_passes: r.no_data != Some(raw::RawNoData::Fail),
        ratchet: r.ratchet.unwrap_or(false),
        ratchet_tolerance: c.percent(&["coverage", "ratchet-tolerance"], r.ratchet_tolerance.as_ref()),
    }
}

fn deploy(c: &mut Check, d: Option<&raw::RawDeploy>) -> Deploy {
    let rings =
        d.and_then(|d| d.rings.clone()).unwrap_or_else(|| vec!["internal".into(), "preview".into(), "ga".into()]);
    let production = d.and_then(|d| d.production.clone()).unwrap_or_else(|| rings.last().cloned().unwrap_or_default());
    if !rings.contains(&production) {
        c.fail(
            &["deploy", "production"],
            format!("production ring `{production}` is not one of the rings {rings:?}"),
            Some("name one of [deploy] rings".into()),
        );
    }
    let mut bake = BTreeMap::new();
    for (ring, text) in d.and_then(|d| d.bake.as_ref()).into_iter().flatten() {
        if !rings.contains(ring) {
            c.fail(&["deploy", "bake", ring], format!("`{ring}` is not one of the rings {rings:?}"), None);
        }
        if let Some(dur) = c.duration(&["deploy", "bake", ring], Some(text)) {
            bake.insert(ring.clone(), dur);
        }
    }
    Deploy { rings, production, bake }
}

fn incidents(c: &mut Check, i: Option<&raw::RawIncidents>) -> Incidents {
    let mut severity: BTreeMap<u8, Severity> = [
        (1, "outage or data loss", 30 * 60),
        (2, "major feature down, no workaround", 3600),
        (3, "degraded, with a workaround", 24 * 3600),
    ]
    .into_iter()
    .map(|(n, d, s)| {
        (n, Severity { description: d.into(), respond_within: Duration::from_secs(s), restore_within: None })
    })
    .collect();
    for (key, raw) in i.and_then(|i| i.severity.as_ref()).into_iter().flatten() {
        let Some(n) = key.parse::<u8>().ok().filter(|n| (1..=3).contains(n)) else {
            c.fail(
                &["incidents", "severity", key],
                format!("`{key}` is not a severity"),
                Some("severities are 1, 2 and 3".into()),
            );
            continue;
        };
        let Some(entry) = severity.get_mut(&n) else { continue };
        if let Some(d) = &raw.description {
            entry.description.clone_from(d);
        }
        if let Some(d) = c.duration(&["incidents", "severity", key, "respond-within"], raw.respond_within.as_ref()) {
            entry.respond_within = d;
        }
        entry.restore_within =
            c.duration(&["incidents", "severity", key, "restore-within"], raw.restore_within.as_ref());
    }
    Incidents {
        severity,
        inferred_window: c
            .duration(&["incidents", "inferred-window"], i.and_then(|i| i.inferred_window.as_ref()))
            .unwrap_or(Duration::from_secs(24 * 3600)),
    }
}
