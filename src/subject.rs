//! What is being judged, gathered by a command and handed to the rules.

/// One staged (or committed) file change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Repository path (the new path for renames).
    pub path: String,
    /// Size of the new content in bytes (0 for deletions).
    pub size: u64,
    /// Whether the file is deleted.
    pub deleted: bool,
}

/// What a pre-commit hook judges.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The branch being committed to; `None` when HEAD is detached.
    pub branch: Option<String>,
    /// Whether the branch has no commit yet (the first commit creates trunk, so it is allowed).
    pub unborn: bool,
    /// The staged changes against HEAD.
    pub changes: Vec<FileChange>,
}

/// A commit message about to be used (commit-msg) or of an existing commit.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The whole message as git will store it (comments already stripped).
    pub text: &'a str,
    /// The author's email, for the sign-off rule.
    pub author_email: Option<&'a str>,
    /// The author's name.
    pub author_name: Option<&'a str>,
}

/// One ref update, as git gives pre-push and pre-receive hooks on stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The local ref pushed (pre-push only).
    pub local_ref: Option<String>,
    /// The new object id; all zeros for a deletion.
    pub new: String,
    /// The remote ref updated.
    pub remote_ref: String,
    /// The old object id on the remote; all zeros for a new ref.
    pub old: String,
}

/// The all-zero object id git uses for "no object".
pub fn is_zero(oid: &str) -> bool {
    !oid.is_empty() && oid.bytes().all(|b| b == b'0')
}

/// An object id shortened to 12 characters for messages (anything shorter as it is).
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

impl RefUpdate {
    /// Parses pre-push stdin: `<local ref> <local sha> <remote ref> <remote sha>` per line.
    pub fn parse_pre_push(stdin: &str) -> Result<Vec<Self>, String> {
        stdin
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
                [local, new, remote, old] => Ok(Self {
                    local_ref: Some(local.into()),
                    new: new.into(),
                    remote_ref: remote.into(),
                    old: old.into(),
                }),
                _ => Err(format!(
                    "unexpected pre-push input line `{l}` (want: local-ref local-sha remote-ref remote-sha)"
                )),
            })
            .collect()
    }

    /// Parses pre-receive stdin: `<old> <new> <ref>` per line.
    pub fn parse_pre_receive(stdin: &str) -> Result<Vec<Self>, String> {
        stdin
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
                [old, new, name] => {
                    Ok(Self { local_ref: None, new: new.into(), remote_ref: name.into(), old: old.into() })
                }
                _ => Err(format!("unexpected pre-receive input line `{l}` (want: old-sha new-sha ref)")),
            })
            .collect()
    }

    /// Whether the update deletes the ref.
    pub fn is_delete(&self) -> bool {
        is_zero(&self.new)
    }

    /// Whether the ref is new on the remote.
    pub fn is_create(&self) -> bool {
        is_zero(&self.old)
    }

    /// The branch name, if the ref is a branch.
    pub fn branch(&self) -> Option<&str> {
        self.remote_ref.strip_prefix("refs/heads/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hook_input() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let ups = RefUpdate::parse_pre_push(&format!("refs/heads/x {a} refs/heads/x {z}\n\n")).unwrap();
        assert_eq!(ups.len(), 1);
        assert!(ups[0].is_create() && !ups[0].is_delete());
        assert_eq!(ups[0].branch(), Some("x"));
        let ups = RefUpdate::parse_pre_receive(&format!("{a} {z} refs/heads/main\n")).unwrap();
        assert!(ups[0].is_delete());
        assert!(RefUpdate::parse_pre_push("garbage").is_err());
        assert!(!is_zero(""));
    }
}
