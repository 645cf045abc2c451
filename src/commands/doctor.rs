//! `doctor`: what is installed, whether it works, and how to fix what does not.

use std::io::Write;

use serde::Serialize;

use super::io_err;
use crate::cli::DataFormat as Format;
use crate::cli::DoctorArgs;
use crate::error::Result;
use crate::repo::Repo;
use crate::shim::{self, State};

#[derive(Serialize)]
struct HookRow {
    hook: &'static str,
    state: String,
    ok: bool,
}

#[derive(Serialize)]
struct Diagnosis {
    version: &'static str,
    binary: String,
    build: String,
    /// Why the hooks could start sooner with another build, when they could.
    #[serde(skip_serializing_if = "Option::is_none")]
    build_note: Option<&'static str>,
    hooks_dir: String,
    hooks: Vec<HookRow>,
    policy_files: Vec<String>,
    policy: String,
    policy_ok: bool,
    notes_refspecs: Vec<String>,
    problems: Vec<String>,
}

/// Runs the diagnosis; exit 1 when something is broken.
pub fn run(args: &DoctorArgs, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let bin = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "unknown".into());
    let dir = repo.hooks_dir()?;
    let mut problems = Vec::new();
    let names: &[&'static str] = if repo.is_bare() { shim::SERVER_HOOKS } else { shim::CLIENT_HOOKS };
    let hooks: Vec<HookRow> = names
        .iter()
        .map(|&hook| {
            let (state, ok) = match shim::inspect(&dir, hook) {
                State::Missing => ("missing".to_string(), false),
                State::Foreign => ("foreign (not git-policy's)".to_string(), false),
                State::Ours { version, .. } if version < shim::VERSION => {
                    (format!("stale (shim v{version}, this binary writes v{})", shim::VERSION), false)
                }
                State::Ours { chained: true, .. } => ("ours, with a chained hook that runs first".to_string(), true),
                State::Ours { .. } => ("ours".to_string(), true),
            };
            if !ok {
                problems.push(format!("{hook}: {state}: run `git-policy install`"));
            }
            HookRow { hook, state, ok }
        })
        .collect();
    let source = super::policy_source(Some(&repo));
    let (policy, policy_ok, policy_files) = match super::load_policy(Some(&repo)) {
        Ok(loaded) => ("valid".to_string(), true, loaded.layers.iter().map(|l| l.source.display()).collect()),
        Err(e) => {
            problems.push("the policy is invalid: run `git-policy policy validate`".to_string());
            (e.to_string(), false, vec![source.display()])
        }
    };
    let mut notes_refspecs = Vec::new();
    if !repo.is_bare() {
        for remote in repo.remotes()? {
            let want = super::install::notes_refspec(&remote);
            let has = repo.config_multi(&format!("remote.{remote}.fetch"))?.contains(&want);
            notes_refspecs.push(format!("{remote}: {}", if has { want } else { "notes refspec missing".to_string() }));
            if !has {
                problems.push(format!("remote {remote} does not fetch git-policy notes: run `git-policy install`"));
            }
        }
    }
    let d = Diagnosis {
        version: env!("CARGO_PKG_VERSION"),
        binary: bin,
        build: build(),
        build_note: if cfg!(target_env = "gnu") {
            build_note(true, &std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default())
        } else {
            None
        },
        hooks_dir: dir.display().to_string(),
        hooks,
        policy_files,
        policy,
        policy_ok,
        notes_refspecs,
        problems,
    };
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &d).map_err(|e| io_err(e.into()))?;
            writeln!(out).map_err(io_err)?;
        }
        Format::Text => text(&d, out).map_err(io_err)?,
    }
    Ok(u8::from(!d.problems.is_empty()))
}

/// What the binary was built for, e.g. `x86_64-linux-musl, static`: the C library and linking
/// decide how fast every hook starts (BENCHMARKS.md), so a slow hook starts its diagnosis here.
fn build() -> String {
    let libc = if cfg!(target_env = "musl") {
        "-musl"
    } else if cfg!(target_env = "gnu") {
        "-gnu"
    } else {
        ""
    };
    let linking = if cfg!(target_feature = "crt-static") { "static" } else { "dynamic" };
    format!("{}-{}{libc}, {linking}", std::env::consts::ARCH, std::env::consts::OS)
}

/// A glibc build in a virtual machine: glibc's start-up probes the CPU's caches with CPUID,
/// which traps to the hypervisor, ~0.4 ms in every hook process (BENCHMARKS.md). Not a problem,
/// so it does not change the exit code. `cpuinfo` is `/proc/cpuinfo`, whose `hypervisor` flag
/// says the kernel runs under one.
fn build_note(glibc: bool, cpuinfo: &str) -> Option<&'static str> {
    let virtual_machine = cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .any(|l| l.split_whitespace().any(|flag| flag == "hypervisor"));
    (glibc && virtual_machine).then_some(
        "in this virtual machine every hook starts ~0.4 ms sooner from the musl build: \
         install musl-gcc (apt-get install musl-tools) and run ./install.sh again",
    )
}

fn text(d: &Diagnosis, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "git-policy {} at {} ({})", d.version, d.binary, d.build)?;
    if let Some(note) = d.build_note {
        writeln!(out, "  note: {note}")?;
    }
    writeln!(out, "hooks directory: {}", d.hooks_dir)?;
    for h in &d.hooks {
        writeln!(out, "  {} {:<13} {}", if h.ok { "ok " } else { "BAD" }, h.hook, h.state)?;
    }
    writeln!(out, "policy files (applied in order): {}", d.policy_files.join(", "))?;
    if d.policy_ok {
        writeln!(out, "  ok  policy is valid")?;
    } else {
        writeln!(out, "  BAD policy is invalid:\n{}", d.policy)?;
    }
    if d.notes_refspecs.is_empty() {
        writeln!(out, "notes refspecs: no remotes")?;
    } else {
        writeln!(out, "notes refspecs:")?;
        for r in &d.notes_refspecs {
            writeln!(out, "  {r}")?;
        }
    }
    if d.problems.is_empty() {
        writeln!(out, "everything works")?;
    } else {
        writeln!(out, "{} problem(s):", d.problems.len())?;
        for p in &d.problems {
            writeln!(out, "  - {p}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glibc_build_in_a_virtual_machine_gets_a_note() {
        let vm = "processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor avx2\n";
        let metal = "processor\t: 0\nflags\t\t: fpu vme sse2 avx2\n";
        assert!(build_note(true, vm).is_some_and(|n| n.contains("musl")));
        assert_eq!(build_note(true, metal), None);
        assert_eq!(build_note(false, vm), None, "the musl build is the fast one");
        assert_eq!(build_note(true, ""), None, "no /proc/cpuinfo (not Linux)");
        // A flag that merely contains the word is not the flag.
        assert_eq!(build_note(true, "flags\t: nohypervisor_x\n"), None);
    }
}
