//! Lead-time stamps: `committed` (post-commit), carried across rewrites (post-rewrite), `pushed`
//! (pre-push), and `merged` (`git-policy stamp merged`, run by CI on trunk).

use std::io::Write;
use std::path::PathBuf;

use super::io_err;
use crate::error::{Error, Result};
use crate::events::{self, Event};
use crate::policy::Loaded;
use crate::repo::Repo;

/// The stream of developer-side events.
pub const DEV: &str = "dev";
/// The stream of trunk-side events.
pub const TRUNK: &str = "trunk";

fn marker_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("git-policy").join("hooks-passed")
}

/// A message normalised the way git's cleanup would leave it, for matching commit-msg's view
/// with the commit that was made.
pub fn message_key(text: &str) -> String {
    let norm: Vec<&str> = text.lines().map(str::trim_end).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    format!("{:016x}", fnv1a(norm.join("\n").as_bytes()))
}

/// FNV-1a, 64 bit: a stable digest for stamps (not for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// A digest of the effective policy, so a stamp says which rules its hooks enforced.
pub fn policy_digest(loaded: &Loaded) -> String {
    format!("fnv1a64:{:016x}", fnv1a(toml::to_string(&loaded.merged).unwrap_or_default().as_bytes()))
}

/// Records that a pre-commit or commit-msg hook passed, for the `committed` stamp.
///
/// The record is an append-only file that post-commit empties: pre-commit's line starts a
/// commit attempt, and lines before the last `pre-commit` line belong to attempts that never
/// made a commit. Appending costs a few microseconds; removing and creating the file on every
/// attempt cost a tenth of a millisecond of inode work, and truncating it and writing again
/// makes ext4 flush it on close (`auto_da_alloc`).
pub fn record_pass(repo: &Repo, line: &str) -> Result<()> {
    let path = marker_path(repo);
    let open = || std::fs::OpenOptions::new().create(true).append(true).open(&path);
    // The directory usually exists: create it only when the file cannot be opened without it.
    let mut f = match open() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
            }
            open()
        }
        other => other,
    }
    .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    writeln!(f, "{line}").map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Empties the record once a commit has used it.
pub fn clear_passes(repo: &Repo) {
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(marker_path(repo)) {
        let _ = f.set_len(0);
    }
}

/// The lines of the current attempt: from the last `pre-commit` line on (all of them when
/// pre-commit did not run).
fn current_attempt(record: &str) -> Vec<&str> {
    let lines: Vec<&str> = record.lines().collect();
    let start = lines.iter().rposition(|l| l.starts_with("pre-commit ")).unwrap_or(0);
    lines[start..].to_vec()
}

/// The commands that make a commit without running pre-commit and commit-msg, as HEAD's
/// reflog names them; post-commit checks their commits itself.
const MADE_WITHOUT_HOOKS: [&str; 2] = ["revert", "cherry-pick"];

/// post-commit: stamps HEAD with `committed`, naming the hooks that passed for this very commit.
///
/// A commit of `git revert` or `git cherry-pick` (which run no pre-commit or commit-msg) is
/// judged here by the same rules; `hooks=post-commit` says it passed them, and what it breaks
/// is printed, since post-commit cannot stop the commit.
pub fn committed(repo: &Repo, loaded: &Loaded, err: &mut dyn Write) -> Result<()> {
    if !loaded.policy.lead_time.stamp {
        return Ok(());
    }
    let Some(head) = repo.head_commit()? else { return Ok(()) };
    let info = repo.commit_info(&head)?;
    let parent = repo.parents(&head)?.into_iter().next().unwrap_or_else(|| "none".into());
    let marker = std::fs::read_to_string(marker_path(repo)).unwrap_or_default();
    clear_passes(repo);
    let key = message_key(&info.message);
    // How HEAD got here, read only when the record does not say: an amend's pre-commit ran on
    // the commit it replaces, not on the new commit's parent; a revert or cherry-pick ran none.
    let moved = std::cell::OnceCell::new();
    let how = || moved.get_or_init(|| repo.head_reflog_entry(&head)).as_ref();
    let amended = |p: &str| how().is_some_and(|e| e.action == "commit (amend)" && e.old == p);
    let mut hooks = Vec::new();
    for line in current_attempt(&marker) {
        match line.split_whitespace().collect::<Vec<_>>()[..] {
            ["pre-commit", p] if p == parent || amended(p) => hooks.push("pre-commit"),
            ["commit-msg", k] if k == key => hooks.push("commit-msg"),
            _ => {}
        }
    }
    hooks.dedup();
    let mut via = None;
    if !hooks.contains(&"pre-commit") {
        let action = how().map(|e| e.action.as_str());
        if let Some(action) = action.filter(|a| MADE_WITHOUT_HOOKS.contains(a)) {
            let findings = super::hook::judge_made_commit(repo, &loaded.policy, &info)?;
            if crate::finding::has_errors(&findings) {
                tell_what_breaks(action, &findings, err)?;
            } else {
                hooks = vec!["post-commit"];
            }
            via = Some(action.to_string());
        } else if action.is_some_and(|a| a.starts_with("rebase")) {
            // A rebase's picks: post-rewrite carries the originals' stamps to them.
            via = Some("rebase".to_string());
        }
    }
    let mut e = Event::new(crate::env::now(), "committed")
        .with("tz", events::time::format_tz(repo.commit_tz(&head)?))
        .with("author", info.author_email.clone())
        .with(
            "branch",
            repo.current_branch()?.or_else(|| repo.rebasing_branch()).unwrap_or_else(|| "(detached)".into()),
        )
        .with("hooks", if hooks.is_empty() { "none".to_string() } else { hooks.join(",") })
        .with("policy", policy_digest(loaded));
    if let Some(via) = via {
        e = e.with("via", via);
    }
    repo.append_notes(&events::notes_ref(DEV), &[(head, vec![e.to_line()])], "git-policy: committed")
}

/// Tells the developer, before they push, what a revert or cherry-pick breaks.
fn tell_what_breaks(action: &str, findings: &[crate::finding::Finding], err: &mut dyn Write) -> Result<()> {
    writeln!(
        err,
        "git-policy: git runs no pre-commit or commit-msg hook for `git {action}`; checked now, this commit breaks:"
    )
    .map_err(io_err)?;
    for f in findings.iter().filter(|f| f.level == crate::finding::Level::Error) {
        let place = f.path.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        writeln!(err, "  {}: {}{place}\n    fix: {}", f.rule, f.message, f.help).map_err(io_err)?;
    }
    writeln!(err, "  CI's check fails it (hooks.attested, and the rules above); fix it, then `git commit --amend` runs the hooks.")
        .map_err(io_err)
}

/// post-rewrite: carries the dev stamps of rewritten commits to their new ids (a union, so it
/// is idempotent with `notes.rewriteRef`), keeping each change's original `committed` time.
pub fn rewritten(repo: &Repo, stdin: &str) -> Result<()> {
    let notes_ref = events::notes_ref(DEV);
    let mut writes = Vec::new();
    for line in stdin.lines() {
        let mut parts = line.split_whitespace();
        let (Some(old), Some(new)) = (parts.next(), parts.next()) else { continue };
        if let Some(text) = repo.note_text(&notes_ref, old)? {
            writes.push((new.to_string(), text.lines().map(str::to_string).collect()));
        }
    }
    repo.append_notes(&notes_ref, &writes, "git-policy: carried across a rewrite")
}

/// pre-push: stamps each pushed commit with `pushed` (remote, ref), all in one notes commit.
pub fn pushed(repo: &Repo, remote: &str, pushed: &[(String, String)]) -> Result<()> {
    let now = crate::env::now();
    let writes: Vec<(String, Vec<String>)> = pushed
        .iter()
        .map(|(commit, r)| {
            (
                commit.clone(),
                vec![Event::new(now, "pushed")
                    .with("tz", "+0000")
                    .with("remote", remote)
                    .with("ref", r.clone())
                    .to_line()],
            )
        })
        .collect();
    repo.append_notes(&events::notes_ref(DEV), &writes, "git-policy: pushed")
}

/// The earliest `committed` time stamped on a commit, if any.
pub fn first_committed(repo: &Repo, commit: &str) -> Result<Option<i64>> {
    Ok(repo
        .note_text(&events::notes_ref(DEV), commit)?
        .map(|t| events::parse_note(&t).into_iter().filter(|e| e.kind == "committed").map(|e| e.time).min())
        .unwrap_or(None))
}

/// How a trunk commit arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A merge commit.
    Merge,
    /// The commit itself, made on a branch and fast-forwarded or pushed.
    FastForward,
    /// A rebased copy of a branch commit (same patch id).
    Rebase,
    /// One commit replacing a branch's range (same combined patch id).
    Squash,
    /// A commit with no branch history found.
    Direct,
}

impl Arrival {
    fn as_str(self) -> &'static str {
        match self {
            Arrival::Merge => "merge",
            Arrival::FastForward => "fast-forward",
            Arrival::Rebase => "rebase",
            Arrival::Squash => "squash",
            Arrival::Direct => "direct",
        }
    }
}

/// Patch ids of the commits that carry dev stamps, computed once per run.
struct NotedPatches {
    by_patch: Option<std::collections::HashMap<String, String>>,
}

impl NotedPatches {
    fn find(&mut self, repo: &Repo, pid: &str, not: &str) -> Result<Option<String>> {
        if self.by_patch.is_none() {
            let mut map = std::collections::HashMap::new();
            for (noted, _) in repo.all_notes(&events::notes_ref(DEV))? {
                if repo.has_commit(&noted) && repo.parents(&noted)?.len() <= 1 {
                    if let Ok(p) = repo.patch_id(None, &noted) {
                        map.entry(p).or_insert(noted);
                    }
                }
            }
            self.by_patch = Some(map);
        }
        Ok(self.by_patch.as_ref().and_then(|m| m.get(pid)).filter(|c| c.as_str() != not).cloned())
    }
}

/// Works out the source commits of one trunk commit. The most specific evidence wins: a merge's
/// second parents, then a branch whose whole change has the same patch id (squash), then a
/// stamped commit with the same patch id (rebase), then the commit's own stamp.
fn sources_of(
    repo: &Repo,
    commit: &str,
    branch_tips: &[String],
    noted: &mut NotedPatches,
) -> Result<(Arrival, Vec<String>)> {
    let parents = repo.parents(commit)?;
    if parents.len() >= 2 {
        let srcs = repo.commits_between(&parents[1..], &parents[..1])?;
        return Ok((Arrival::Merge, srcs));
    }
    let pid = repo.patch_id(None, commit)?;
    if let Some(fp) = parents.first() {
        for tip in branch_tips {
            if tip == commit || repo.is_ancestor(tip, commit)? || repo.is_ancestor(commit, tip)? {
                continue;
            }
            let Some(base) = repo.merge_base(tip, fp)? else { continue };
            if base == *tip || repo.patch_id(Some(&base), tip)? != pid {
                continue;
            }
            let srcs = repo.commits_between(std::slice::from_ref(tip), &[base])?;
            let arrival = if srcs.len() == 1 { Arrival::Rebase } else { Arrival::Squash };
            return Ok((arrival, srcs));
        }
    }
    if let Some(src) = noted.find(repo, &pid, commit)? {
        return Ok((Arrival::Rebase, vec![src]));
    }
    if first_committed(repo, commit)?.is_some() {
        return Ok((Arrival::FastForward, vec![commit.to_string()]));
    }
    Ok((Arrival::Direct, vec![commit.to_string()]))
}

/// `git-policy stamp merged`: stamps every trunk commit of the range with when its change began.
pub fn merged(range: Option<&str>, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let (base, head) = match range {
        Some(r) => super::check::parse_range(r)?,
        None => {
            let r = super::check::detect_range(&repo, None)?;
            (r.base, r.head)
        }
    };
    let base = repo.resolve_commit(&base)?;
    let head = repo.resolve_commit(&head)?;
    let mut trunk_commits = Vec::new();
    let mut cur = Some(head.clone());
    while let Some(c) = cur {
        if c == base || repo.is_ancestor(&c, &base)? {
            break;
        }
        cur = repo.parents(&c)?.into_iter().next();
        trunk_commits.push(c);
    }
    let tips: Vec<String> = repo
        .ref_targets("refs/remotes/")?
        .into_iter()
        .chain(repo.ref_targets("refs/heads/")?)
        .map(|(_, id)| id)
        .collect();
    let now = crate::env::now();
    let mut writes = Vec::new();
    let mut noted = NotedPatches { by_patch: None };
    for c in &trunk_commits {
        let (arrival, sources) = sources_of(&repo, c, &tips, &mut noted)?;
        let mut first: Option<i64> = None;
        for s in &sources {
            let t = match first_committed(&repo, s)? {
                Some(t) => t,
                None => repo.commit_info(s)?.author_time,
            };
            first = Some(first.map_or(t, |f| f.min(t)));
        }
        let first = first.unwrap_or(repo.commit_info(c)?.author_time);
        let e = Event::new(now, "merged")
            .with("tz", "+0000")
            .with("first", events::time::format_utc(first))
            .with("via", arrival.as_str())
            .with("patch-id", repo.patch_id(None, c)?)
            .with("sources", sources.join(","));
        writeln!(
            out,
            "{} {} first commit {} ({} source commit(s))",
            &c[..12],
            arrival.as_str(),
            events::time::format_utc(first),
            sources.len()
        )
        .map_err(io_err)?;
        writes.push((c.clone(), vec![e.to_line()]));
    }
    repo.append_notes(&events::notes_ref(TRUNK), &writes, "git-policy: merged")?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_starts_at_the_last_pre_commit_line() {
        let record = "pre-commit aaa\ncommit-msg k1\npre-commit bbb\ncommit-msg k2\n";
        assert_eq!(current_attempt(record), ["pre-commit bbb", "commit-msg k2"]);
    }

    #[test]
    fn without_pre_commit_every_line_counts() {
        assert_eq!(current_attempt("commit-msg k1\n"), ["commit-msg k1"]);
        assert!(current_attempt("").is_empty());
    }
}
