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
        format!("pushing notes to {remote} failed: {}", text.trim()),
        "check the remote's address and your access (git push works?)",
    ))
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

/// Verifies an armored SSH signature of `payload` by `identity` against an allowed-signers file.
pub fn ssh_verify(allowed_signers: &Path, identity: &str, payload: &str, signature: &str) -> Result<bool> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("creating a temp dir for verifying", e))?;
    let sig = dir.path().join("approval.sig");
    std::fs::write(&sig, signature).map_err(|e| Error::io("writing the signature to verify", e))?;
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", REVIEW_NAMESPACE, "-f"])
        .arg(allowed_signers)
        .args(["-I", identity, "-s"])
        .arg(&sig)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Error::io("running ssh-keygen (install openssh-client)", e))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(payload.as_bytes());
    }
    let status = child.wait().map_err(|e| Error::io("waiting for ssh-keygen", e))?;
    Ok(status.success())
}
