//! The few things done with the git CLI rather than git2: network operations (so the user's
//! credentials, SSH config and protocol settings apply) and git's own signature verification.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::error::{Error, Result};

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir).stdin(Stdio::null());
    // Our own hooks must not run inside a hook's nested push or fetch.
    c.env_remove("GIT_POLICY_HOOK_PATH");
    c
}

fn run(mut cmd: Command, what: &str) -> Result<Output> {
    cmd.output().map_err(|e| Error::io(format!("running git to {what}"), e))
}

/// Fetches our notes refs from `remote` into `refs/notes/remotes/<remote>/git-policy/*`.
pub fn fetch_notes(dir: &Path, remote: &str) -> Result<()> {
    let mut c = git(dir);
    c.args([
        "fetch",
        "--quiet",
        "--no-write-fetch-head",
        remote,
        &format!("+refs/notes/git-policy/*:refs/notes/remotes/{remote}/git-policy/*"),
    ]);
    let out = run(c, "fetch notes")?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    // A remote without any of our notes yet is not an error.
    if err.contains("couldn't find remote ref") {
        return Ok(());
    }
    Err(Error::git(
        format!("fetching notes from {remote} failed: {}", err.trim()),
        "check the remote's address and your access (git fetch works?)",
    ))
}

/// The outcome of pushing notes.
#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// Pushed (or nothing to push).
    Done,
    /// The remote has notes we do not: pull, merge, retry.
    Rejected,
}

/// Pushes the given notes refs to the same names on `remote`, without running hooks.
pub fn push_notes(dir: &Path, remote: &str, refs: &[String]) -> Result<PushOutcome> {
    if refs.is_empty() {
        return Ok(PushOutcome::Done);
    }
    let mut c = git(dir);
    c.args(["push", "--quiet", "--no-verify", "--porcelain", remote]);
    for r in refs {
        c.arg(format!("{r}:{r}"));
    }
    let out = run(c, "push notes")?;
    if out.status.success() {
        return Ok(PushOutcome::Done);
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if text.contains("non-fast-forward") || text.contains("fetch first") || text.contains("[rejected]") {
        return Ok(PushOutcome::Rejected);
    }
    Err(Error::git(
        format!("pushing notes to {remote} failed: {}", push_failure(&text)),
        "check the remote's address and your access (git push works?)",
    ))
}

/// The reasons in what a failed `git push --porcelain` printed, on one line: each refused ref
/// with git's reason, what the remote said, and git's own errors, without the `To …` and
/// `Done` lines or git's generic "failed to push some refs".
fn push_failure(text: &str) -> String {
    let mut reasons = Vec::new();
    for line in text.lines().map(str::trim_end) {
        let mut fields = line.split('\t');
        let reason = match (fields.next(), fields.next(), fields.next()) {
            (Some("!"), Some(refs), Some(why)) => {
                format!("{} {why}", refs.rsplit_once(':').map_or(refs, |(_, to)| to))
            }
            _ if line.starts_with("remote: ") || line.starts_with("fatal: ") => line.trim().to_string(),
            _ if line.starts_with("error: ") && !line.contains("failed to push some refs") => line.to_string(),
            _ => continue,
        };
        if !reason.trim_end_matches(':').trim().is_empty() && !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    if reasons.is_empty() {
        text.trim().replace('\n', "; ")
    } else {
        reasons.join("; ")
    }
}

/// The signature status git reports for each commit (`%G?`): `G` good, `B` bad, `U` good with
/// unknown validity, `X`/`Y` expired, `R` revoked, `E` cannot be checked, `N` none.
pub fn signature_status(
    dir: &Path,
    allowed_signers: Option<&Path>,
    commits: &[String],
) -> Result<Vec<(String, char, String)>> {
    if commits.is_empty() {
        return Ok(Vec::new());
    }
    let mut c = git(dir);
    if let Some(f) = allowed_signers {
        c.arg("-c").arg(format!("gpg.ssh.allowedSignersFile={}", f.display()));
    }
    c.args(["log", "--no-walk=unsorted", "--format=%H %G? %GS"]).args(commits);
    let out = run(c, "verify signatures")?;
    if !out.status.success() {
        return Err(Error::git(
            format!("git could not check signatures: {}", String::from_utf8_lossy(&out.stderr).trim()),
            "is git 2.34 or newer installed (SSH signatures)?",
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut p = l.splitn(3, ' ');
            let id = p.next()?.to_string();
            let status = p.next()?.chars().next()?;
            Some((id, status, p.next().unwrap_or("").to_string()))
        })
        .collect())
}

/// Namespace of git-policy's signed approvals (ssh-keygen -Y ... -n).
pub const REVIEW_NAMESPACE: &str = "git-policy-review";

/// Signs `payload` with an SSH key (`ssh-keygen -Y sign`); returns the armored signature.
pub fn ssh_sign(key: &Path, payload: &str) -> Result<String> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("creating a temp dir for signing", e))?;
    let file = dir.path().join("approval");
    std::fs::write(&file, payload).map_err(|e| Error::io("writing the approval to sign", e))?;
    let out = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-q", "-n", REVIEW_NAMESPACE, "-f"])
        .arg(key)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io("running ssh-keygen (install openssh-client)", e))?;
    if !out.status.success() {
        return Err(Error::git(
            format!("ssh-keygen could not sign: {}", String::from_utf8_lossy(&out.stderr).trim()),
            "set user.signingkey to your SSH key (git config user.signingkey ~/.ssh/id_ed25519.pub)",
        ));
    }
    std::fs::read_to_string(file.with_extension("sig")).map_err(|e| Error::io("reading the signature", e))
}

/// What `ssh-keygen -Y verify` made of a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshVerdict {
    /// A key the allowed-signers file lists for the identity made it, for this payload.
    Valid,
    /// It does not verify; why, as far as ssh-keygen says (an expired key, a key not yet valid,
    /// a changed payload), else that no listed key made it.
    Invalid(String),
}

/// Verifies an armored SSH signature of `payload` by `identity` against an allowed-signers file.
pub fn ssh_verify(allowed_signers: &Path, identity: &str, payload: &str, signature: &str) -> Result<SshVerdict> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("creating a temp dir for verifying", e))?;
    let sig = dir.path().join("approval.sig");
    std::fs::write(&sig, signature).map_err(|e| Error::io("writing the signature to verify", e))?;
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", REVIEW_NAMESPACE, "-f"])
        .arg(allowed_signers)
        .args(["-I", identity, "-s"])
        .arg(&sig)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io("running ssh-keygen (install openssh-client)", e))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(payload.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| Error::io("waiting for ssh-keygen", e))?;
    if out.status.success() {
        return Ok(SshVerdict::Valid);
    }
    let said = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Ok(SshVerdict::Invalid(
        verify_failure(&said, allowed_signers)
            .unwrap_or_else(|| format!("no key listed for {identity} in allowed-signers made it")),
    ))
}

/// The reason in what `ssh-keygen -Y verify` printed on failure, without the name of the
/// temporary file it read (`/tmp/…:3: key has expired: …` says `key has expired: …`).
fn verify_failure(said: &str, allowed_signers: &Path) -> Option<String> {
    let file = format!("{}:", allowed_signers.display());
    said.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Could not verify signature"))
        .map(|l| match l.strip_prefix(&file) {
            // `FILE:LINE: reason`
            Some(rest) => rest.split_once(": ").map_or(rest, |(_, reason)| reason),
            None => l,
        })
        .map(|l| l.strip_prefix("Signature verification failed: ").unwrap_or(l))
        .next()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_failures_keep_the_reasons_only() {
        let said = "To /tmp/r.git\n!\trefs/notes/git-policy/dev:refs/notes/git-policy/dev\t[remote rejected] (pre-receive hook declined)\nDone\nremote: notes not allowed here        \nerror: failed to push some refs to '/tmp/r.git'\n";
        assert_eq!(
            push_failure(said),
            "refs/notes/git-policy/dev [remote rejected] (pre-receive hook declined); remote: notes not allowed here"
        );
        let said =
            "fatal: '/nowhere' does not appear to be a git repository\nfatal: Could not read from remote repository.\n";
        assert_eq!(
            push_failure(said),
            "fatal: '/nowhere' does not appear to be a git repository; fatal: Could not read from remote repository."
        );
        assert_eq!(push_failure("something else\nentirely"), "something else; entirely");
    }

    #[test]
    fn verify_failures_are_read_without_the_temporary_file() {
        let file = Path::new("/tmp/.tmpX/signers");
        let said = "Could not verify signature.\n/tmp/.tmpX/signers:3: key has expired: verify time 2026-12-04T12:20:38 > valid-before 2020-01-01T00:00:00\n";
        assert_eq!(
            verify_failure(said, file).as_deref(),
            Some("key has expired: verify time 2026-12-04T12:20:38 > valid-before 2020-01-01T00:00:00")
        );
        let tampered = "Signature verification failed: incorrect signature\nCould not verify signature.\n";
        assert_eq!(verify_failure(tampered, file).as_deref(), Some("incorrect signature"));
        assert_eq!(verify_failure("Could not verify signature.\n\n", file), None, "nothing more said");
    }
}
