//! `policy show | validate | init | schema`.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use super::io_err;
use crate::cli::DataFormat as Format;
use crate::cli::PolicyCommand;
use crate::error::{Error, Result};
use crate::policy::load::{dotted, flatten, Loaded};
use crate::policy::{catalogue, load, NoBlobs, Source};
use crate::repo::Repo;

/// Runs a `policy` subcommand.
pub fn run(cmd: PolicyCommand, out: &mut dyn Write) -> Result<u8> {
    match cmd {
        PolicyCommand::Show { format } => {
            let repo = Repo::discover().ok();
            let loaded = super::load_policy(repo.as_ref())?;
            show(&loaded, format, out)
        }
        PolicyCommand::Validate { file } => validate(file, out),
        PolicyCommand::Init { out: path } => init(path, out),
        PolicyCommand::Schema => {
            serde_json::to_writer_pretty(&mut *out, &crate::policy::schema()).map_err(|e| io_err(e.into()))?;
            writeln!(out).map_err(io_err)?;
            Ok(0)
        }
    }
}

#[derive(Serialize)]
struct ShownValue {
    key: String,
    value: serde_json::Value,
    file: String,
    line: usize,
}

#[derive(Serialize)]
struct ShownRule {
    id: &'static str,
    level: catalogue::Level,
    set_by: String,
    summary: &'static str,
}

#[derive(Serialize)]
struct Shown {
    files: Vec<String>,
    values: Vec<ShownValue>,
    rules: Vec<ShownRule>,
}

fn show(loaded: &Loaded, format: Format, out: &mut dyn Write) -> Result<u8> {
    let mut leaves = Vec::new();
    flatten(&loaded.merged, &mut Vec::new(), &mut leaves);
    let values = leaves
        .into_iter()
        .filter(|(path, _)| path[0] != "rules")
        .map(|(path, value)| {
            let (file, line) = loaded.origin.get(&path).map_or((String::new(), 0), |&i| {
                let at = loaded.layers[i].position(&path);
                (at.file, at.line)
            });
            ShownValue { key: dotted(&path), value: serde_json::to_value(&value).unwrap_or_default(), file, line }
        })
        .collect();
    let rules = catalogue::RULES
        .iter()
        .map(|r| {
            let path = vec!["rules".to_string(), r.id.to_string()];
            let set_by = loaded
                .origin
                .get(&path)
                .map_or_else(|| "built-in default".to_string(), |&i| loaded.layers[i].position(&path).to_string());
            ShownRule { id: r.id, level: loaded.policy.level(r.id), set_by, summary: r.summary }
        })
        .collect();
    let shown = Shown { files: loaded.layers.iter().map(|l| l.source.display()).collect(), values, rules };
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &shown).map_err(|e| io_err(e.into()))?;
            writeln!(out).map_err(io_err)?;
        }
        Format::Text => {
            let w = |out: &mut dyn Write| -> std::io::Result<()> {
                writeln!(out, "# files, applied in order: {}", shown.files.join(", "))?;
                for v in &shown.values {
                    let where_ = if v.line > 0 { format!("{}:{}", v.file, v.line) } else { v.file.clone() };
                    writeln!(out, "{} = {}    # {where_}", v.key, toml_text(&v.value))?;
                }
                writeln!(out, "\n# rules")?;
                for r in &shown.rules {
                    writeln!(out, "{:<32} {:<5}  # {}; {}", r.id, r.level.to_string(), r.summary, r.set_by)?;
                }
                Ok(())
            };
            w(out).map_err(io_err)?;
        }
    }
    Ok(0)
}

fn toml_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn validate(file: Option<PathBuf>, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover().ok();
    let source = match file {
        Some(f) => {
            if !f.exists() {
                return Err(Error::usage(
                    format!("{} does not exist", f.display()),
                    "name a policy file, e.g. .git-policy.toml",
                ));
            }
            Source::File(f)
        }
        None => super::policy_source(repo.as_ref()),
    };
    let name = source.display();
    let loaded = match &repo {
        Some(r) => load::load(source, r)?,
        None => load::load(source, &NoBlobs)?,
    };
    let chain: Vec<String> = loaded.layers.iter().map(|l| l.source.display()).collect();
    writeln!(out, "{name}: valid ({})", chain.join(" -> ")).map_err(io_err)?;
    Ok(0)
}

fn init(path: Option<PathBuf>, out: &mut dyn Write) -> Result<u8> {
    let path = match path {
        Some(p) => p,
        None => {
            let repo = Repo::discover()?;
            let root = repo.workdir().ok_or_else(|| {
                Error::usage("a bare repository has no work tree for a policy file", "pass --out FILE")
            })?;
            root.join(crate::policy::FILE_NAME)
        }
    };
    if path.exists() {
        return Err(Error::usage(
            format!("{} exists already; not overwriting it", path.display()),
            "edit it, or remove it first",
        ));
    }
    std::fs::write(&path, crate::policy::STARTER).map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    writeln!(out, "wrote {}; check it with `git-policy policy validate`", path.display()).map_err(io_err)?;
    Ok(0)
}
