//! `git-policy hook NAME [ARGS]`: the single entry point of every installed shim.
//!
//! It runs a chained foreign hook first (with the same arguments and stdin), then the rules
//! registered for the hook. It takes no clap parse, because hooks must start in milliseconds.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::policy::Policy;
use crate::repo::Repo;
use crate::report::{self, Format, Report, Style};
use crate::rules::{self, push::Ancestry};
use crate::shim;
use crate::subject::{RefUpdate, Staged};

/// `Some(args after "hook")` when argv is a plain hook call; anything else goes through clap.
pub fn fast_args(argv: &[OsString]) -> Option<Vec<String>> {
    if argv.get(1)? != "hook" {
        return None;
    }
    let rest: Vec<String> = argv[2..].iter().map(|a| a.to_str().map(str::to_string)).collect::<Option<_>>()?;
    let name = rest.first()?;
    (shim::is_known(name)).then_some(rest)
}

fn takes_stdin(name: &str) -> bool {
    matches!(name, "pre-push" | "post-rewrite" | "pre-receive")
}

fn can_block(name: &str) -> bool {
    !name.starts_with("post-")
}

/// Runs hook `args[0]` with git's arguments `args[1..]`; returns the exit code.
pub fn run(args: &[String], err: &mut dyn Write) -> Result<u8> {
    let Some(name) = args.first().map(String::as_str).filter(|n| shim::is_known(n)) else {
        return Err(Error::usage(
            format!("unknown hook `{}`", args.first().map_or("", String::as_str)),
            format!("hooks: {}, {}", shim::CLIENT_HOOKS.join(", "), shim::SERVER_HOOKS.join(", ")),
        ));
    };
    let git_args = &args[1..];
    let mut stdin = Vec::new();
    if takes_stdin(name) {
        std::io::stdin().read_to_end(&mut stdin).map_err(|e| Error::io("reading the hook's input", e))?;
    }
    let chained_code = run_chained(name, git_args, &stdin, err)?;
    if chained_code != 0 && can_block(name) {
        writeln!(err, "git-policy: the {name} hook that was installed before git-policy failed (exit {chained_code}); fix what it reports").map_err(super::io_err)?;
        return Ok(chained_code);
    }

    crate::env::trace("input read");
    let repo = Repo::discover()?;
    // `git am` runs its own three hooks where `git commit` runs pre-commit, commit-msg and
    // post-commit, with the same arguments: they do the same work. Reports keep the name git ran.
    let hook = name;
    let am = matches!(name, "pre-applypatch" | "applypatch-msg" | "post-applypatch");
    let name = match name {
        "pre-applypatch" => "pre-commit",
        "applypatch-msg" => "commit-msg",
        "post-applypatch" => "post-commit",
        other => other,
    };
    crate::env::trace("repository opened");
    let stdin = String::from_utf8_lossy(&stdin);
    if matches!(name, "post-commit" | "post-rewrite") {
        // A stamp that cannot be written is worth a warning, never a failed commit. post-commit
        // reads the policy only when pre-commit's record does not already name it (0.5-0.7 ms
        // of every commit, BENCHMARKS.md); post-rewrite only carries stamps and needs none.
        let stamped = if name == "post-commit" {
            // `git rebase --apply` replays its picks through `git am --rebasing`.
            let rebasing = || repo.git_dir().join("rebase-apply").join("rebasing").exists();
            let made_by = am.then(|| if rebasing() { "rebase" } else { "am" });
            super::stamp::committed(&repo, made_by, &mut || super::load_policy(Some(&repo)), err)
        } else {
            super::stamp::rewritten(&repo, &stdin)
        };
        if let Err(e) = stamped {
            writeln!(err, "git-policy: warning: the {hook} stamp was not written: {e}").map_err(super::io_err)?;
        }
        return Ok(0);
    }
    let loaded = super::load_policy(Some(&repo))?;
    crate::env::trace("policy loaded");
    let policy = &loaded.policy;
    let stamping = policy.lead_time.stamp;
    let mut pushed = Vec::new();
    let mut head = None;
    let mut message_key = None;
    let mut notes = Vec::new();
    let findings = match name {
        "pre-commit" => {
            let (findings, at) = pre_commit(&repo, policy)?;
            head = at;
            findings
        }
        "commit-msg" => {
            let (findings, key) = commit_msg(&repo, policy, git_args)?;
            message_key = Some(key);
            findings
        }
        "pre-push" => {
            let updates = RefUpdate::parse_pre_push(&stdin)
                .map_err(|m| Error::usage(m, "git-policy reads the input git gives the pre-push hook"))?;
            let remote = git_args.first().map(String::as_str);
            let mut found = push(&repo, policy, &updates, remote, &mut pushed)?;
            if let Some(cov) = &policy.coverage {
                found.extend(super::coverage::before_push(&repo, policy, cov, &updates, remote, &mut notes)?);
            }
            found
        }
        "pre-receive" => pre_receive(&repo, &stdin)?,
        _ => Vec::new(),
    };
    crate::env::trace("rules run");
    let code = finish(hook, policy, findings, notes, err)?;
    if code == 0 && stamping {
        let at = Attempt { head: head.as_deref(), message_key: message_key.as_deref(), pushed: &pushed };
        after_pass(&repo, &loaded, name, git_args, &at, err)?;
    }
    crate::env::trace("done");
    Ok(code)
}

/// What a passing hook found that its record needs.
struct Attempt<'a> {
    /// pre-commit: the commit HEAD pointed to.
    head: Option<&'a str>,
    /// commit-msg: the key of the message it passed.
    message_key: Option<&'a str>,
    /// pre-push: what was pushed.
    pushed: &'a [super::stamp::Pushed],
}

/// What a passing pre-commit, commit-msg or pre-push leaves behind for the stamps.
fn after_pass(
    repo: &Repo,
    loaded: &crate::policy::Loaded,
    name: &str,
    git_args: &[String],
    at: &Attempt<'_>,
    err: &mut dyn Write,
) -> Result<()> {
    use super::stamp;
    match name {
        "pre-commit" => {
            // Starts a new commit attempt's record, naming the parent it passed on and the
            // policy it enforced (post-commit stamps that digest without reading the policy).
            let line = format!("pre-commit {} {}", at.head.unwrap_or("none"), stamp::policy_digest(loaded));
            stamp::record_pass(repo, &line)
        }
        "commit-msg" => stamp::record_pass(repo, &format!("commit-msg {}", at.message_key.unwrap_or_default())),
        "pre-push" => {
            let remote = git_args.first().map_or("", String::as_str);
            if let Err(e) = stamp::pushed(repo, &loaded.policy, remote, at.pushed) {
                writeln!(err, "git-policy: warning: pushed stamps not written: {e}").map_err(super::io_err)?;
            }
            if loaded.policy.lead_time.push_notes && !remote.is_empty() {
                if let Err(e) = super::notes::push(repo, remote) {
                    writeln!(err, "git-policy: warning: your push goes on, but the stamps were not pushed ({e}); the next push retries").map_err(super::io_err)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Filters skipped rules, prints the report on stderr (git shows it) and returns the exit code.
fn finish(
    name: &str,
    policy: &Policy,
    mut findings: Vec<Finding>,
    mut notes: Vec<String>,
    err: &mut dyn Write,
) -> Result<u8> {
    let skip = crate::env::skip_list();
    let skipped = if skip.is_empty() {
        Vec::new()
    } else if policy.hooks.allow_skip {
        rules::apply_skips(&mut findings, &skip)
    } else {
        notes.push("GIT_POLICY_SKIP is ignored: the policy sets [hooks] allow-skip = false".to_string());
        Vec::new()
    };
    let report = Report { subject: name, findings: &findings, skipped: &skipped, notes: &notes };
    if !findings.is_empty() || !skipped.is_empty() || !notes.is_empty() {
        use std::io::IsTerminal;
        report::render(Format::Text, &report, Style::for_terminal(std::io::stderr().is_terminal()), err)
            .map_err(super::io_err)?;
    }
    Ok(report.exit_code())
}

/// Runs `<hook>.git-policy-chained` next to the shim, if there is one; returns its exit code.
fn run_chained(name: &str, git_args: &[String], stdin: &[u8], err: &mut dyn Write) -> Result<u8> {
    let Some(hook_path) = crate::env::var("GIT_POLICY_HOOK_PATH") else { return Ok(0) };
    let chained = std::path::PathBuf::from(format!("{hook_path}{}", shim::CHAINED_SUFFIX));
    if !shim::is_executable(&chained) {
        return Ok(0);
    }
    let mut child = Command::new(&chained)
        .args(git_args)
        .stdin(if takes_stdin(name) { Stdio::piped() } else { Stdio::inherit() })
        .spawn()
        .map_err(|e| Error::io(format!("running the chained hook {}", chained.display()), e))?;
    if let Some(mut pipe) = child.stdin.take() {
        // A hook that exits without reading its input closes the pipe; that is not an error.
        let _ = pipe.write_all(stdin);
    }
    let status = child.wait().map_err(|e| Error::io(format!("waiting for {}", chained.display()), e))?;
    let code = status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1));
    if code != 0 {
        let _ = err.flush();
    }
    Ok(code)
}

/// The findings, and the commit HEAD points to (`None` on an unborn branch).
fn pre_commit(repo: &Repo, policy: &Policy) -> Result<(Vec<Finding>, Option<String>)> {
    // HEAD is resolved once: its commit says both whether the branch is unborn and which tree
    // the index is compared with.
    let head = repo.head_commit()?;
    let staged = Staged {
        branch: repo.current_branch()?,
        unborn: head.is_none(),
        changes: repo.staged_changes_at(head.as_deref())?,
    };
    Ok((rules::staged::check(policy, &staged), head))
}

/// What pre-commit and commit-msg would have said of `commit`, judged after the fact: its
/// changes against its first parent as the staged changes, its message as the draft.
/// For the commits git makes without those hooks (`git revert`, `git cherry-pick`).
pub fn judge_made_commit(
    repo: &Repo,
    policy: &Policy,
    info: &crate::repo::commits::CommitInfo,
) -> Result<Vec<Finding>> {
    let staged = Staged {
        branch: repo.current_branch()?,
        unborn: false,
        changes: repo.commit_changes(&mut repo.objects(), &info.id, true)?,
    };
    let mut out = rules::staged::check(policy, &staged);
    let msg = crate::subject::Message {
        text: &info.message,
        author_email: Some(&info.author_email),
        author_name: Some(&info.author_name),
    };
    out.extend(rules::message::check(policy, &msg, rules::message::Scope::Draft));
    Ok(out)
}

/// commit-msg: the message rules on the edited message, and the key post-commit matches the
/// commit against.
fn commit_msg(repo: &Repo, policy: &Policy, git_args: &[String]) -> Result<(Vec<Finding>, String)> {
    let Some(file) = git_args.first() else {
        return Err(Error::usage(
            "commit-msg needs the message file",
            "git passes it; by hand: git-policy hook commit-msg .git/COMMIT_EDITMSG",
        ));
    };
    let raw = std::fs::read(file).map_err(|e| Error::io(format!("reading {file}"), e))?;
    let text =
        super::stamp::clean_message(&String::from_utf8_lossy(&raw), repo.config_string("core.commentChar")?.as_deref());
    let email = match crate::env::var("GIT_AUTHOR_EMAIL") {
        Some(e) => Some(e),
        None => repo.config_string("user.email")?,
    };
    let name = match crate::env::var("GIT_AUTHOR_NAME") {
        Some(n) => Some(n),
        None => repo.config_string("user.name")?,
    };
    let msg = crate::subject::Message { text: &text, author_email: email.as_deref(), author_name: name.as_deref() };
    Ok((rules::message::check(policy, &msg, rules::message::Scope::Draft), super::stamp::message_key(&text)))
}

/// pre-push and pre-receive: every ref update, and every commit it would add to the remote.
/// pre-receive: each update is judged by the policy of the branch it updates (its current tip,
/// or the default branch for a new ref), so a push cannot bring its own, weaker policy.
fn pre_receive(repo: &Repo, stdin: &str) -> Result<Vec<Finding>> {
    let updates = RefUpdate::parse_pre_receive(stdin)
        .map_err(|m| Error::usage(m, "git-policy reads the input git gives the pre-receive hook"))?;
    let mut out = Vec::new();
    for u in &updates {
        let rev = if u.is_create() { repo.head_commit()? } else { Some(u.old.clone()) };
        let loaded = match rev {
            Some(rev) => super::load_policy_at(repo, &rev)?,
            None => super::load_policy(Some(repo))?,
        };
        out.extend(push(repo, &loaded.policy, std::slice::from_ref(u), None, &mut Vec::new())?);
    }
    Ok(out)
}

/// `remote` is the remote's name for pre-push, `None` on a server (pre-receive).
/// Pushed commits are collected into `pushed` for the stamps.
fn push(
    repo: &Repo,
    policy: &Policy,
    updates: &[RefUpdate],
    remote: Option<&str>,
    pushed: &mut Vec<super::stamp::Pushed>,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    // Commits already on the other side are not judged again.
    let prefix = match remote {
        Some(r) => format!("refs/remotes/{r}/"),
        None => "refs/heads/".to_string(),
    };
    let known: Vec<String> = repo.ref_targets(&prefix)?.into_iter().map(|(_, id)| id).collect();
    for u in updates {
        let ancestry = if u.is_create() || u.is_delete() {
            Ancestry::FastForward
        } else if !repo.has_commit(&u.old) {
            Ancestry::Unknown
        } else if repo.is_ancestor(&u.old, &u.new)? {
            Ancestry::FastForward
        } else {
            Ancestry::Rewrite
        };
        out.extend(rules::push::check(policy, u, ancestry));
        if u.is_delete() || u.branch().is_none() {
            continue;
        }
        let mut exclude: Vec<String> = known.iter().filter(|id| repo.has_commit(id)).cloned().collect();
        if !u.is_create() && repo.has_commit(&u.old) {
            exclude.push(u.old.clone());
        }
        let Some(branch) = u.branch() else { continue };
        let on_branch = rules::staged::is_work_branch(policy, branch);
        let ids = repo.commits_between(std::slice::from_ref(&u.new), &exclude)?;
        pushed.extend(ids.iter().map(|id| super::stamp::Pushed {
            commit: id.clone(),
            remote_ref: u.remote_ref.clone(),
            tip: *id == u.new,
        }));
        let place = |f: Finding| if f.reference.is_none() { f.reference(u.remote_ref.clone()) } else { f };
        out.extend(super::facts::judge_commits(repo, policy, &ids, on_branch)?.into_iter().map(place));
        if let Some(facts) = super::facts::branch_facts(repo, policy, branch, &u.new, remote)? {
            out.extend(rules::branch::check(policy, &facts, crate::env::now()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_only_for_known_hooks() {
        let argv = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(fast_args(&argv(&["gp", "hook", "pre-commit"])), Some(vec!["pre-commit".to_string()]));
        assert_eq!(fast_args(&argv(&["gp", "hook", "--help"])), None);
        assert_eq!(fast_args(&argv(&["gp", "check"])), None);
    }
}
