//! `review approve`, and gathering the review facts `check` judges: approvals from trailers and
//! `refs/notes/review`, CODEOWNERS and allowed-signers from the base commit.

use std::io::Write;
use std::path::PathBuf;

use super::io_err;
use crate::error::{Error, Result};
use crate::events::time::format_utc;
use crate::policy::Policy;
use crate::repo::commits::CommitInfo;
use crate::repo::Repo;
use crate::rules::codeowners::{self, CodeOwners};
use crate::rules::review::{Approval, ReviewFacts, Signature, Source};
use crate::trailers::{self, TrailerConfig};

/// The notes ref of review records, as Gerrit's reviewnotes plugin writes it.
pub const REVIEW_REF: &str = "refs/notes/review";
const RECORD: &str = "Git-Policy-Approval:";
const ARMOR_BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const ARMOR_END: &str = "-----END SSH SIGNATURE-----";

/// The change a revision belongs to: from its merge base with trunk (or its parent) to it.
fn change_base(repo: &Repo, policy: &Policy, rev: &str) -> Result<String> {
    if let Some((_, trunk)) = repo.find_trunk(&policy.trunk.branches, None)? {
        if let Some(base) = repo.merge_base(rev, &trunk)? {
            if base != rev {
                return Ok(base);
            }
        }
    }
    repo.parents(rev)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::usage("the root commit has no change to approve", "approve a commit that has a parent"))
}

/// `git-policy review approve [REV] [--sign]`
pub fn approve(rev: Option<&str>, sign: bool, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let policy = super::load_policy(Some(&repo))?.policy;
    let rev = repo.resolve_commit(rev.unwrap_or("HEAD"))?;
    let base = change_base(&repo, &policy, &rev)?;
    let patch_id = repo.patch_id(Some(&base), &rev)?;
    let (name, email) = repo.identity()?;
    let mut record = format!("{RECORD} v1 email={email} patch-id={patch_id} time={}", format_utc(crate::env::now()));
    if sign {
        let key = repo.config_string("user.signingkey")?.ok_or_else(|| {
            Error::usage("--sign needs an SSH key", "set it: git config user.signingkey ~/.ssh/id_ed25519 (a private key file, or a .pub key held by ssh-agent)")
        })?;
        let armored = crate::git_cli::ssh_sign(&PathBuf::from(key), &record)?;
        let body: String = armored.lines().filter(|l| !l.starts_with("-----")).collect();
        record.push_str(&format!(" sig={body}"));
    }
    let lines = vec![format!("Code-Review+2: {name} <{email}>"), record];
    repo.append_notes(REVIEW_REF, &[(rev.clone(), lines)], "git-policy: review approve")?;
    writeln!(
        out,
        "approved {} ({}..{}, patch-id {}) as {name} <{email}>{}",
        &rev[..12],
        &base[..12],
        &rev[..12],
        &patch_id[..12],
        if sign { ", signed" } else { "" }
    )
    .map_err(io_err)?;
    writeln!(out, "share it: git push origin {REVIEW_REF}").map_err(io_err)?;
    Ok(0)
}

/// Parses one `Git-Policy-Approval:` record: `(email, patch id, signed payload, signature)`.
fn parse_record(line: &str) -> Option<(String, String, String, Option<String>)> {
    let rest = line.strip_prefix(RECORD)?.trim();
    let (payload, sig) = match rest.split_once(" sig=") {
        Some((p, s)) => (p, Some(s.trim().to_string())),
        None => (rest, None),
    };
    let field = |k: &str| payload.split_whitespace().find_map(|kv| kv.strip_prefix(k)).map(str::to_string);
    Some((field("email=")?, field("patch-id=")?, format!("{RECORD} {payload}"), sig))
}

fn armor(body: &str) -> String {
    let mut out = format!("{ARMOR_BEGIN}\n");
    for chunk in body.as_bytes().chunks(70) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(ARMOR_END);
    out.push('\n');
    out
}

/// A blob of the base commit written to a temporary file (for tools that read files).
pub fn base_file(repo: &Repo, base: &str, path: &str) -> Result<Option<tempfile::NamedTempFile>> {
    let Ok(text) = repo.read_blob(base, path) else { return Ok(None) };
    let mut f = tempfile::NamedTempFile::new().map_err(|e| Error::io("creating a temp file", e))?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io("writing a temp file", e))?;
    Ok(Some(f))
}

/// Gathers everything the review rules judge, with CODEOWNERS and allowed-signers from `base`.
/// `touched` is every path a commit of the range changes (owners of a file changed and changed
/// back are still asked: each commit of the range lands).
pub fn gather(
    repo: &Repo,
    policy: &Policy,
    base: &str,
    head: &str,
    commits: &[CommitInfo],
    touched: Vec<String>,
) -> Result<ReviewFacts> {
    let mut facts = ReviewFacts { changed_paths: touched, ..Default::default() };
    let signers = match &policy.review.allowed_signers {
        Some(p) if policy.review.require_signed => base_file(repo, base, p)?,
        _ => None,
    };
    let cfg = TrailerConfig { extra_keys: policy.review.trailers.clone(), ..TrailerConfig::default() };
    let notes = repo.notes_reader(REVIEW_REF)?;
    for info in commits {
        let id = &info.id;
        facts.authors.push((info.author_name.clone(), info.author_email.clone()));
        for t in trailers::parse(&info.message, &cfg) {
            if policy.review.trailers.iter().any(|k| t.key_is(k)) {
                if let Some(email) = t.value.rsplit_once('<').and_then(|(_, e)| e.strip_suffix('>')) {
                    facts.approvals.push(Approval {
                        email: email.to_string(),
                        source: Source::Trailer,
                        patch_id: None,
                        signature: Signature::None,
                    });
                }
            }
        }
        let Some(note) = notes.get(id)? else { continue };
        let mut recorded = Vec::new();
        for line in note.lines() {
            if let Some((email, patch_id, payload, sig)) = parse_record(line) {
                let signature = match (&sig, &signers) {
                    (None, _) => Signature::None,
                    (Some(s), Some(file)) => {
                        match crate::git_cli::ssh_verify(file.path(), &email, &payload, &armor(s))? {
                            crate::git_cli::SshVerdict::Valid => Signature::Valid,
                            crate::git_cli::SshVerdict::Invalid(why) => Signature::Invalid(Some(why)),
                        }
                    }
                    (Some(_), None) => Signature::Invalid(Some("the base commit has no allowed-signers file".into())),
                };
                recorded.push(email.to_ascii_lowercase());
                facts.approvals.push(Approval { email, source: Source::Record, patch_id: Some(patch_id), signature });
            }
        }
        // A plain Gerrit vote is bound to the very commit it annotates: it counts on the head only.
        if id == head {
            for line in note.lines() {
                let Some(rest) = line.strip_prefix("Code-Review+2:") else { continue };
                let Some(email) = rest.rsplit_once('<').and_then(|(_, e)| e.trim().strip_suffix('>')) else { continue };
                if !recorded.contains(&email.to_ascii_lowercase()) {
                    facts.approvals.push(Approval {
                        email: email.to_string(),
                        source: Source::GerritNote,
                        patch_id: None,
                        signature: Signature::None,
                    });
                }
            }
        }
    }
    crate::env::trace("approvals read");
    // The change's patch id is worth computing (a diff of the whole range) only when an
    // approval is bound to one.
    if facts.approvals.iter().any(|a| a.patch_id.is_some()) {
        facts.patch_id = repo.patch_id(Some(base), head)?;
    }
    let co_path = match &policy.review.codeowners {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(p.clone()),
        None => codeowners::locate(|p| repo.read_blob(base, p).is_ok()).map(str::to_string),
    };
    if let Some(p) = &co_path {
        if let Ok(text) = repo.read_blob(base, p) {
            facts.codeowners = Some(CodeOwners::parse(&text).0);
        }
    }
    let mut guarded: Vec<String> = vec![crate::policy::FILE_NAME.to_string()];
    guarded.extend(co_path.iter().cloned().chain(codeowners::LOCATIONS.iter().map(|s| s.to_string())));
    guarded.extend(policy.review.allowed_signers.iter().cloned());
    guarded.extend(policy.commits.allowed_signers.iter().cloned());
    facts.policy_files_changed = facts.changed_paths.iter().filter(|p| guarded.contains(p)).cloned().collect();
    facts.policy_files_changed.dedup();
    Ok(facts)
}
