//! How HEAD last moved, from the newest line of its reflog.
//!
//! git runs no pre-commit or commit-msg hook for the commits `git revert` and `git cherry-pick`
//! make, but it does run post-commit, and the reflog line it has just written says which
//! command made the commit (`revert: Revert "…"`, `cherry-pick: feat: …`). Only the file's
//! tail is read: a long-lived clone's HEAD reflog runs to megabytes, and libgit2's reflog
//! reader parses all of it.

use std::io::{Read, Seek, SeekFrom};

use super::Repo;

/// A reflog line is two ids, an identity, a time and a message; 4 KiB holds any usual one.
const TAIL: u64 = 4096;

impl Repo {
    /// How HEAD came to `commit`, from HEAD's newest reflog entry; `None` when that entry is
    /// not about `commit`, or HEAD has no reflog (`core.logAllRefUpdates` off, a bare
    /// repository).
    pub fn head_reflog_entry(&self, commit: &str) -> Option<ReflogEntry> {
        let path = self.git_dir().join("logs").join("HEAD");
        let mut file = std::fs::File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(TAIL))).ok()?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail).ok()?;
        newest(&tail, commit)
    }
}

/// One move of HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflogEntry {
    /// Where HEAD was before (for an amend, the commit it replaced).
    pub old: String,
    /// The command, as git names it: `commit`, `commit (amend)`, `revert`, `cherry-pick`,
    /// `rebase (pick)`, …
    pub action: String,
}

/// The last whole line of `tail`, when its new id is `commit`.
fn newest(tail: &[u8], commit: &str) -> Option<ReflogEntry> {
    let text = String::from_utf8_lossy(tail);
    let line = text.trim_end_matches('\n').rsplit('\n').next()?;
    let (head, message) = line.split_once('\t')?;
    let mut ids = head.split(' ');
    let (old, new) = (ids.next()?, ids.next()?);
    if !new.eq_ignore_ascii_case(commit) {
        return None;
    }
    let action = message.split_once(": ").map_or(message, |(action, _)| action);
    Some(ReflogEntry { old: old.to_string(), action: action.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    fn line(old: &str, new: &str, message: &str) -> String {
        format!("{old} {new} Ada <ada@example.com> 1780000000 +0000\t{message}\n")
    }

    fn action_of_newest(tail: &[u8], commit: &str) -> Option<String> {
        newest(tail, commit).map(|e| e.action)
    }

    #[test]
    fn names_the_command_of_the_newest_entry() {
        let log = line(A, B, "commit: feat: a") + &line(B, A, "revert: Revert \"feat: a\"");
        assert_eq!(action_of_newest(log.as_bytes(), A).as_deref(), Some("revert"));
        let log = line(A, B, "cherry-pick: feat: b: with a colon");
        assert_eq!(action_of_newest(log.as_bytes(), B).as_deref(), Some("cherry-pick"));
        let log = line(A, B, "commit (amend): feat: b");
        let amend = newest(log.as_bytes(), B).unwrap();
        assert_eq!((amend.old.as_str(), amend.action.as_str()), (A, "commit (amend)"));
    }

    #[test]
    fn an_entry_about_another_commit_says_nothing() {
        let log = line(A, B, "cherry-pick: feat: b") + &line(B, A, "checkout: moving from x to y");
        assert_eq!(action_of_newest(log.as_bytes(), B), None, "HEAD moved on since");
        assert_eq!(action_of_newest(b"", A), None);
        assert_eq!(action_of_newest(b"not a reflog line\n", A), None);
        // A tail cut mid-line still ends with a whole line.
        let log = line(A, B, "commit: x") + &line(B, A, "revert: Revert \"x\"");
        assert_eq!(action_of_newest(&log.as_bytes()[30..], A).as_deref(), Some("revert"));
    }
}
