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

/// Strips what git's default cleanup strips: comment lines, the scissors and all below it,
/// and leading blank lines.
pub fn clean_message(text: &str, comment_char: Option<&str>) -> String {
    let cc = comment_char.filter(|c| *c != "auto" && !c.is_empty()).unwrap_or("#");
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with(cc) && line.contains("------------------------ >8 ------------------------") {
            break;
        }
        if line.starts_with(cc) {
            continue;
        }
        out.push_str(line);
    }
    out.trim_start_matches(['\n', '\r']).to_string()
}

/// A message's key, for matching commit-msg's view with the commit that was made: a digest of
/// its non-empty, non-`#` lines without trailing blanks. Both sides pass it through
/// [`clean_message`] first: commit-msg sees the file before git cleans it up (comments, and with
/// `git commit -v` the diff below the scissors line), while `-m` and `-F` keep comment lines.
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
    let line = match committing_git() {
        Some(pid) => format!("{line} git={pid}"),
        None => line.to_string(),
    };
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
    // One write, not the line and its newline apart: an O_APPEND write lands whole, so another
    // process's append can never split a line.
    f.write_all(format!("{line}\n").as_bytes()).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// The `git` process that runs this hook: the parent, since the shim execs the binary, or the
/// nearest `git` among a few generations of ancestors (a hook manager's shell may sit between).
/// One `git commit` runs pre-commit, commit-msg and post-commit, so a pass recorded by another
/// git process belongs to an attempt that made no commit. `None` where `/proc` cannot say.
fn committing_git() -> Option<u32> {
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..6 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ppid …`; the name may hold spaces and parentheses.
        let (open, close) = (stat.find('(')?, stat.rfind(')')?);
        if stat.get(open + 1..close) == Some("git") {
            return Some(pid);
        }
        pid = stat.get(close + 1..)?.split_whitespace().nth(1)?.parse().ok().filter(|&p| p > 1)?;
    }
    None
}

/// One line of the record: its words, without the `git=PID` that says which git process
/// recorded it (absent in records of git-policy before it, and where `/proc` cannot say).
fn record_words(line: &str) -> (Vec<&str>, Option<u32>) {
    let mut git = None;
    let words = line
        .split_whitespace()
        .filter(|w| match w.strip_prefix("git=") {
            Some(pid) => {
                git = pid.parse().ok();
                false
            }
            None => true,
        })
        .collect();
    (words, git)
}

/// Empties the record once a commit has used it.
pub fn clear_passes(repo: &Repo) {
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(marker_path(repo)) {
        let _ = f.set_len(0);
    }
}

/// The lines of the current attempt: from the last `pre-commit` line on (all of them when
/// pre-commit did not run), and a `commit-msg` line right before it, since `git am` runs its
/// message hook first. A line of an older attempt that this takes in still has to match the
/// commit's message and git process.
fn current_attempt(record: &str) -> Vec<&str> {
    let lines: Vec<&str> = record.lines().collect();
    let mut start = lines.iter().rposition(|l| l.starts_with("pre-commit ")).unwrap_or(0);
    if start > 0 && lines[start - 1].starts_with("commit-msg ") {
        start -= 1;
    }
    lines[start..].to_vec()
}

/// post-commit: stamps HEAD with `committed`, naming the hooks that passed for this very commit.
///
/// A commit of `git revert` or `git cherry-pick` (which run no pre-commit or commit-msg) is
/// judged here by the same rules; `hooks=post-commit` says it passed them, and what it breaks
/// is printed, since post-commit cannot stop the commit.
///
/// `made_by` names the command that made the commit when its hook says (`am`, from
/// post-applypatch); the stamp's `via` then says so.
///
/// `load` reads the policy; it is called only when pre-commit's record does not name the policy
/// it enforced (pre-commit records a pass only when stamping is on), or to judge a revert.
pub fn committed(
    repo: &Repo,
    made_by: Option<&str>,
    load: &mut dyn FnMut() -> Result<Loaded>,
    err: &mut dyn Write,
) -> Result<()> {
    let Some(head) = repo.head_commit()? else { return Ok(()) };
    let info = repo.commit_info(&head)?;
    let parent = repo.parents(&head)?.into_iter().next().unwrap_or_else(|| "none".into());
    let marker = std::fs::read_to_string(marker_path(repo)).unwrap_or_default();
    clear_passes(repo);
    crate::env::trace("stamp: commit and record read");
    let comment_char = repo.config_string("core.commentChar").ok().flatten();
    let key = message_key(&clean_message(&info.message, comment_char.as_deref()));
    // How HEAD got here, read only when the record does not say: an amend's pre-commit ran on
    // the commit it replaces, not on the new commit's parent; a revert or cherry-pick ran none.
    let moved = std::cell::OnceCell::new();
    let how = || moved.get_or_init(|| repo.head_reflog_entry(&head)).as_ref();
    let amended = |p: &str| how().is_some_and(|e| e.action == "commit (amend)" && e.old == p);
    let mut hooks = Vec::new();
    let mut enforced = None;
    // Which git process runs this hook, looked up only for a record that names one.
    let git = std::cell::OnceCell::new();
    for line in current_attempt(&marker) {
        let (words, recorded_by) = record_words(line);
        if recorded_by.is_some_and(|a| git.get_or_init(committing_git).is_some_and(|b| a != b)) {
            // Left by an attempt another git process made, which made no commit (commit-msg
            // stopped it, say): this commit may well have been made with --no-verify.
            continue;
        }
        match words[..] {
            ["pre-commit", p, ref digest @ ..] if p == parent || amended(p) => {
                hooks.push("pre-commit");
                enforced = digest.first().map(|d| d.to_string());
            }
            ["commit-msg", k] if k == key => hooks.push("commit-msg"),
            _ => {}
        }
    }
    // In the order `git commit` runs them, whichever order they were recorded in (`git am`
    // runs its message hook first).
    hooks.sort_by_key(|h| ["pre-commit", "commit-msg"].iter().position(|o| o == h));
    hooks.dedup();
    crate::env::trace("stamp: passes matched");
    let loaded = match enforced {
        Some(_) => None,
        None => Some(load()?),
    };
    if loaded.as_ref().is_some_and(|l| !l.policy.lead_time.stamp) {
        return Ok(());
    }
    // `git am` says so itself (its post-applypatch hook); the other commands are told apart by
    // HEAD's reflog.
    let mut via = made_by.map(str::to_string);
    if via.is_none() && !hooks.contains(&"pre-commit") {
        let action = how().map(|e| e.action.as_str());
        if let (Some(action), Some(loaded)) =
            (action.filter(|a| crate::rules::attest::MADE_WITHOUT_HOOKS.contains(a)), &loaded)
        {
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
        .with("policy", enforced.or_else(|| loaded.as_ref().map(policy_digest)).unwrap_or_default());
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

/// One commit a push adds to the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The commit.
    pub commit: String,
    /// The remote ref it goes to.
    pub remote_ref: String,
    /// Whether it is the ref's new tip.
    pub tip: bool,
}

/// What a work branch's whole change is when it is pushed: recorded on its tip, so that `stamp
/// merged` can match a squash of it by patch id after the branch (and its commits) are gone.
struct ChangeAtPush {
    /// Patch id of the change from where it leaves trunk to the tip.
    patch_id: String,
    /// Earliest author date of the change's commits.
    first: i64,
    /// How many commits the change has.
    commits: usize,
}

/// pre-push: stamps each pushed commit with `pushed` (remote, ref), all in one notes commit;
/// a work branch's tip also gets its whole change (`change`, `first`, `commits`).
pub fn pushed(repo: &Repo, policy: &crate::policy::Policy, remote: &str, pushed: &[Pushed]) -> Result<()> {
    let now = crate::env::now();
    let mut writes = Vec::new();
    for p in pushed {
        let mut e =
            Event::new(now, "pushed").with("tz", "+0000").with("remote", remote).with("ref", p.remote_ref.clone());
        let branch = p.remote_ref.strip_prefix("refs/heads/");
        if p.tip && branch.is_some_and(|b| crate::rules::staged::is_work_branch(policy, b)) {
            // Only a help for `stamp merged` later: a change that cannot be worked out is no error.
            if let Ok(Some(c)) = change_at_push(repo, policy, remote, &p.commit) {
                e = e
                    .with("change", c.patch_id)
                    .with("first", events::time::format_utc(c.first))
                    .with("commits", c.commits.to_string());
            }
        }
        writes.push((p.commit.clone(), vec![e.to_line()]));
    }
    repo.append_notes(&events::notes_ref(DEV), &writes, "git-policy: pushed")
}

fn change_at_push(
    repo: &Repo,
    policy: &crate::policy::Policy,
    remote: &str,
    tip: &str,
) -> Result<Option<ChangeAtPush>> {
    let Some((_, trunk)) = repo.find_trunk(&policy.trunk.branches, Some(remote))? else { return Ok(None) };
    let own = repo.commits_between(&[tip.to_string()], std::slice::from_ref(&trunk))?;
    if own.is_empty() {
        return Ok(None);
    }
    // The change starts where its commits leave trunk: for a linear branch, the one parent of
    // its commits that is not its own, known from the walk already made. libgit2's merge base,
    // which can walk far down trunk's history, is asked only when a branch has merged trunk in.
    let mine: std::collections::HashSet<&str> = own.iter().map(String::as_str).collect();
    let mut outside = Vec::new();
    for id in &own {
        for p in repo.parents(id)? {
            if !mine.contains(p.as_str()) && !outside.contains(&p) {
                outside.push(p);
            }
        }
    }
    let base = match &outside[..] {
        [one] => one.clone(),
        _ => match repo.merge_base(tip, &trunk)? {
            Some(b) => b,
            None => return Ok(None),
        },
    };
    // Author dates, which rebases and amends keep, read from the commits at hand; the dev
    // notes would mean a lookup in the notes tree for every commit of the push.
    let mut first = i64::MAX;
    for id in &own {
        first = first.min(repo.commit_info(id)?.author_time);
    }
    Ok(Some(ChangeAtPush { patch_id: repo.patch_id(Some(&base), tip)?, first, commits: own.len() }))
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

/// Patch ids of the commits that carry dev stamps, and the changes pushed branches carried,
/// each worked out once per run, when first needed.
struct NotedPatches {
    by_patch: Option<std::collections::HashMap<String, String>>,
    changes: Option<std::collections::HashMap<String, PushedChange>>,
}

/// A work branch's change as its last push recorded it (see [`pushed`]).
#[derive(Debug, Clone)]
struct PushedChange {
    tip: String,
    first: i64,
    commits: usize,
}

impl NotedPatches {
    /// The change pushed with patch id `pid`: its tip's `pushed` event says so, whether or not
    /// the branch and its commits are still here (a CI clone after the branch was deleted).
    fn pushed_change(&mut self, repo: &Repo, pid: &str) -> Result<Option<PushedChange>> {
        if self.changes.is_none() {
            let mut map = std::collections::HashMap::new();
            for (tip, text) in repo.all_notes(&events::notes_ref(DEV))? {
                for e in events::parse_note(&text).into_iter().filter(|e| e.kind == "pushed") {
                    let (Some(change), Some(first)) = (e.get("change"), e.get("first")) else { continue };
                    let Some(first) = events::time::parse_utc(first) else { continue };
                    let commits = e.get("commits").and_then(|n| n.parse().ok()).unwrap_or(1);
                    // The latest push of a change wins: it is what was merged.
                    if map.get(change).is_none_or(|(pushed_at, _)| e.time > *pushed_at) {
                        map.insert(change.to_string(), (e.time, PushedChange { tip: tip.clone(), first, commits }));
                    }
                }
            }
            self.changes = Some(map.into_iter().map(|(k, (_, c))| (k, c)).collect());
        }
        Ok(self.changes.as_ref().and_then(|m| m.get(pid)).cloned())
    }

    /// A stamped commit off trunk with patch id `pid` (the original a rebase merge copied).
    fn find(&mut self, repo: &Repo, trunk_head: &str, pid: &str, not: &str) -> Result<Option<String>> {
        if self.by_patch.is_none() {
            // Commits on trunk are never the originals of a rebase merge: skipping them spares
            // a diff for every stamped commit of trunk's history.
            let on_trunk: std::collections::HashSet<String> =
                repo.commits_between(&[trunk_head.to_string()], &[])?.into_iter().collect();
            let mut map = std::collections::HashMap::new();
            for (noted, _) in repo.all_notes(&events::notes_ref(DEV))? {
                if !on_trunk.contains(&noted) && repo.has_commit(&noted) && repo.parents(&noted)?.len() <= 1 {
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
/// The third value is the change's first time when a push recorded it (its commits may be gone).
fn sources_of(
    repo: &Repo,
    commit: &str,
    trunk_head: &str,
    branch_tips: &[String],
    noted: &mut NotedPatches,
) -> Result<(Arrival, Vec<String>, Option<i64>)> {
    let parents = repo.parents(commit)?;
    if parents.len() >= 2 {
        let srcs = repo.commits_between(&parents[1..], &parents[..1])?;
        return Ok((Arrival::Merge, srcs, None));
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
            return Ok((arrival, srcs, None));
        }
    }
    if let Some(src) = noted.find(repo, trunk_head, &pid, commit)? {
        return Ok((Arrival::Rebase, vec![src], None));
    }
    if first_committed(repo, commit)?.is_some() {
        return Ok((Arrival::FastForward, vec![commit.to_string()], None));
    }
    if let Some(c) = noted.pushed_change(repo, &pid)?.filter(|c| c.tip != commit) {
        let arrival = if c.commits == 1 { Arrival::Rebase } else { Arrival::Squash };
        return Ok((arrival, vec![c.tip], Some(c.first)));
    }
    Ok((Arrival::Direct, vec![commit.to_string()], None))
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
    let mut noted = NotedPatches { by_patch: None, changes: None };
    for c in &trunk_commits {
        let (arrival, sources, recorded) = sources_of(&repo, c, &head, &tips, &mut noted)?;
        let mut first: Option<i64> = recorded;
        for s in sources.iter().filter(|_| recorded.is_none()) {
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
    fn record_lines_name_the_git_process_that_wrote_them() {
        assert_eq!(
            record_words("pre-commit abc fnv1a64:12 git=4242"),
            (vec!["pre-commit", "abc", "fnv1a64:12"], Some(4242))
        );
        // An older git-policy's line, and one where /proc could not say.
        assert_eq!(record_words("commit-msg 0123"), (vec!["commit-msg", "0123"], None));
        assert_eq!(record_words("commit-msg 0123 git=x"), (vec!["commit-msg", "0123"], None));
    }

    #[test]
    fn cleans_messages_like_git() {
        let m = "\n\nfeat: x\n# comment\nbody\n# ------------------------ >8 ------------------------\ndiff\n";
        assert_eq!(clean_message(m, None), "feat: x\nbody\n");
        assert_eq!(clean_message(";c\nfeat\n", Some(";")), "feat\n");
        assert_eq!(
            clean_message("feat\n# kept with ';' as the comment character\n", Some(";")),
            "feat\n# kept with ';' as the comment character\n"
        );
    }

    #[test]
    fn the_edited_file_and_the_commit_have_one_key() {
        // What commit-msg saw with `git commit -v`, and what git committed of it.
        let edited = "feat: x\n\nbody  \n# Please enter the commit message\n# ------------------------ >8 ------------------------\ndiff --git a/f b/f\n+line\n";
        assert_eq!(message_key(&clean_message(edited, None)), message_key(&clean_message("feat: x\n\nbody\n", None)));
        assert_ne!(message_key("feat: x\n"), message_key("feat: y\n"));
    }
    use crate::repo::commits::tests::TestRepo;

    #[test]
    fn post_commit_stamps_the_policy_pre_commit_enforced_without_reading_it() {
        let t = TestRepo::new();
        let a = t.commit(Some("refs/heads/main"), &[], &[("a.txt", Some("a"))], 1_700_000_000);
        let b = t.commit(Some("refs/heads/main"), &[a], &[("b.txt", Some("b"))], 1_700_000_100);
        let repo = t.open();
        let mut err = Vec::new();
        let mut unreadable = || -> Result<Loaded> { Err(Error::usage("the policy was read", "it must not be")) };
        record_pass(&repo, &format!("pre-commit {a} fnv1a64:0123456789abcdef")).unwrap();
        committed(&repo, None, &mut unreadable, &mut err).unwrap();
        let note = repo.note_text(&events::notes_ref(DEV), &b.to_string()).unwrap().unwrap();
        assert!(note.contains(" hooks=pre-commit policy=fnv1a64:0123456789abcdef"), "{note}");
        // Without pre-commit's record (--no-verify, or a record of an older git-policy that
        // named no policy), the policy is read.
        let c = t.commit(Some("refs/heads/main"), &[b], &[("c.txt", Some("c"))], 1_700_000_200);
        record_pass(&repo, &format!("pre-commit {b}")).unwrap();
        let e = committed(&repo, None, &mut unreadable, &mut err).unwrap_err();
        assert!(e.to_string().contains("the policy was read"), "{e}");
        assert_eq!(repo.note_text(&events::notes_ref(DEV), &c.to_string()).unwrap(), None);
    }

    #[test]
    fn an_attempt_starts_at_the_last_pre_commit_line() {
        let record = "pre-commit aaa\ncommit-msg k0\npre-commit bbb\ncommit-msg k2\n";
        assert_eq!(current_attempt(record), ["commit-msg k0", "pre-commit bbb", "commit-msg k2"]);
        let record = "pre-commit aaa\npre-commit bbb\ncommit-msg k2\n";
        assert_eq!(current_attempt(record), ["pre-commit bbb", "commit-msg k2"]);
        // `git am` runs applypatch-msg before pre-applypatch.
        let record = "pre-commit aaa\ncommit-msg k1\npre-commit bbb\n";
        assert_eq!(current_attempt(record), ["commit-msg k1", "pre-commit bbb"]);
    }

    #[test]
    fn without_pre_commit_every_line_counts() {
        assert_eq!(current_attempt("commit-msg k1\n"), ["commit-msg k1"]);
        assert!(current_attempt("").is_empty());
    }
}
