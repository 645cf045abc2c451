//! Loading a policy: read each file of the `extends` chain, check it, merge key by key, enforce
//! locks, and validate the result. Every error is located in the file that caused it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::error::{did_you_mean, PolicyError, PolicyErrors, Position};
use super::lock;
use super::model::Policy;
use super::raw::RawPolicy;

/// The policy files compiled into the binary, by `builtin:` name.
pub const BUILTINS: &[(&str, &str)] = &[
    ("default", include_str!("../../policies/default.toml")),
    ("strict", include_str!("../../policies/strict.toml")),
    ("startup", include_str!("../../policies/startup.toml")),
];

/// Reads `REV:PATH` blobs for `extends`; the command supplies it from the repository facade.
pub trait BlobReader {
    /// The text of `path` at `rev`, or why it cannot be read.
    fn read_blob(&self, rev: &str, path: &str) -> Result<String, String>;
}

/// A reader for contexts without a repository: every blob is an error.
pub struct NoBlobs;

impl BlobReader for NoBlobs {
    fn read_blob(&self, rev: &str, path: &str) -> Result<String, String> {
        Err(format!("`{rev}:{path}` cannot be read outside a git repository"))
    }
}

/// Where a policy file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// A blob read from git: `REV:PATH`.
    Blob {
        /// Revision.
        rev: String,
        /// Path in that revision.
        path: String,
    },
    /// A policy compiled into the binary.
    Builtin(String),
}

impl Source {
    /// The name shown to users.
    pub fn display(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Blob { rev, path } => format!("{rev}:{path}"),
            Source::Builtin(n) => format!("builtin:{n}"),
        }
    }

    /// Resolves an `extends` entry written in this file.
    fn resolve(&self, entry: &str) -> Source {
        if let Some(name) = entry.strip_prefix("builtin:") {
            return Source::Builtin(name.to_string());
        }
        let is_path =
            entry.starts_with("./") || entry.starts_with("../") || entry.starts_with('/') || !entry.contains(':');
        if !is_path {
            let (rev, path) = entry.split_once(':').unwrap_or((entry, ""));
            return Source::Blob { rev: rev.to_string(), path: path.to_string() };
        }
        match self {
            Source::File(p) => Source::File(normalize(&p.parent().unwrap_or(Path::new(".")).join(entry))),
            Source::Blob { rev, path } => {
                let dir = Path::new(path).parent().unwrap_or(Path::new(""));
                Source::Blob { rev: rev.clone(), path: normalize(&dir.join(entry)).to_string_lossy().into_owned() }
            }
            Source::Builtin(_) => Source::File(PathBuf::from(entry)),
        }
    }
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// One file of the chain, as read.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Where it came from.
    pub source: Source,
    /// Its text.
    pub text: String,
    /// Its keys.
    pub table: toml::Table,
}

impl Layer {
    /// The position of a key path in this file (the value, or the whole file if absent).
    pub fn position(&self, path: &[String]) -> Position {
        let name = self.source.display();
        match span_of(&self.text, path) {
            Some(span) => Position::in_text(&name, &self.text, span),
            None => Position::whole_file(&name),
        }
    }
}

impl Layer {
    /// The position of one entry of this file's `[lock] keys`.
    pub fn lock_position(&self, key: &str) -> Position {
        let name = self.source.display();
        let span = DeTable::parse(&self.text).ok().and_then(|root| {
            let lock =
                root.get_ref().iter().find(|(k, _)| k.get_ref().as_ref() == "lock")?.1.get_ref().as_table()?.clone();
            let keys = lock.iter().find(|(k, _)| k.get_ref().as_ref() == "keys")?.1.get_ref().as_array()?.clone();
            keys.iter().find(|v| v.get_ref().as_str() == Some(key)).map(|v| v.span())
        });
        match span {
            Some(span) => Position::in_text(&name, &self.text, span),
            None => self.position(&["lock".to_string(), "keys".to_string()]),
        }
    }
}

/// A loaded policy with what it was made of.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated policy.
    pub policy: Policy,
    /// Files in the order they were applied (extended files first).
    pub layers: Vec<Layer>,
    /// The merged keys.
    pub merged: toml::Table,
    /// For each leaf key path, the index of the layer that set it.
    pub origin: BTreeMap<Vec<String>, usize>,
}

/// Loads the policy whose top file is `source`.
pub fn load(source: Source, blobs: &dyn BlobReader) -> Result<Loaded, PolicyErrors> {
    let mut layers = Vec::new();
    collect(source, None, blobs, &mut Vec::new(), &mut layers)?;
    merge(layers)
}

/// Reads a file and, before it, every file it extends (depth first, in order).
fn collect(
    source: Source,
    named_at: Option<(&str, &str, usize)>,
    blobs: &dyn BlobReader,
    stack: &mut Vec<Source>,
    out: &mut Vec<Layer>,
) -> Result<(), PolicyErrors> {
    let name = source.display();
    // Located lazily: finding an `extends` entry's span re-parses its file, which only errors need.
    let at = || match named_at {
        Some((file, text, i)) => span_of_extends(text, i)
            .map_or_else(|| Position::whole_file(file), |span| Position::in_text(file, text, span)),
        None => Position::whole_file(&name),
    };
    if let Some(first) = stack.iter().position(|s| *s == source) {
        let chain: Vec<String> = stack[first..].iter().map(Source::display).chain([name.clone()]).collect();
        return Err(PolicyErrors(vec![PolicyError::new(
            at(),
            format!("`extends` forms a cycle: {}", chain.join(" -> ")),
        )
        .help("remove one of these `extends` entries so that no file extends itself")]));
    }
    let text = read(&source, blobs).map_err(|why| {
        PolicyErrors(vec![PolicyError::new(at(), format!("cannot read policy `{name}`: {why}"))
            .help("check the path (relative to the file that names it), the revision, or the builtin name (default, strict, startup)")])
    })?;
    let (raw, table) = parse(&name, &text)?;
    stack.push(source.clone());
    for (i, entry) in raw.extends.iter().flatten().enumerate() {
        collect(source.resolve(entry), Some((&name, &text, i)), blobs, stack, out)?;
    }
    stack.pop();
    out.push(Layer { source, text, table });
    Ok(())
}

fn read(source: &Source, blobs: &dyn BlobReader) -> Result<String, String> {
    match source {
        Source::File(p) => std::fs::read_to_string(p).map_err(|e| e.to_string()),
        Source::Blob { rev, path } => blobs.read_blob(rev, path),
        Source::Builtin(n) => BUILTINS
            .iter()
            .find(|(b, _)| b == n)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| format!("there is no builtin policy `{n}`")),
    }
}

/// Parses one file into its raw mirror (checking every key and type) and its plain table.
pub fn parse(name: &str, text: &str) -> Result<(RawPolicy, toml::Table), PolicyErrors> {
    let table = toml::from_str::<toml::Table>(text).map_err(|e| PolicyErrors(vec![toml_error(name, text, &e)]))?;
    // Typed from the parsed table, so the text is parsed once; only a mistake is worth a second
    // parse, from the text, to say exactly where it is.
    match RawPolicy::deserialize(toml::Value::Table(table.clone())) {
        Ok(raw) => Ok((raw, table)),
        Err(_) => {
            let raw = toml::from_str::<RawPolicy>(text).map_err(|e| PolicyErrors(vec![toml_error(name, text, &e)]))?;
            Ok((raw, table))
        }
    }
}

fn toml_error(name: &str, text: &str, e: &toml::de::Error) -> PolicyError {
    let at = match e.span() {
        Some(span) => Position::in_text(name, text, span),
        None => Position::whole_file(name),
    };
    let msg = e.message().trim().to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let help = match did_you_mean(field, candidates.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if candidates.is_empty() => "remove this key".to_string(),
            None => format!("the keys allowed here are: {}", candidates.join(", ")),
        };
        return PolicyError::new(at, format!("unknown key `{field}`")).help(help);
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (word, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let help = did_you_mean(word, candidates.iter().copied())
            .map_or_else(|| format!("use one of: {}", candidates.join(", ")), |s| format!("did you mean `{s}`?"));
        return PolicyError::new(at, format!("`{word}` is not allowed here")).help(help);
    }
    let msg = msg
        .replace("expected u64", "expected a whole number (0 or more)")
        .replace("expected u8", "expected a severity (1, 2 or 3)");
    let help = if msg.contains("invalid type") || msg.contains("invalid value") {
        "check the value's type against `git-policy policy schema` (quote strings, no quotes around numbers and booleans)"
    } else if msg.starts_with("a regular expression string") {
        "write a pattern string, or a table: { pattern = '...', examples = [\"...\"], counter-examples = [\"...\"] }"
    } else if msg.starts_with("a percentage") {
        "write a number from 0 to 100"
    } else if msg.starts_with("duplicate key") {
        "a key may appear once per table: remove one of them"
    } else {
        "fix the TOML syntax at this position"
    };
    PolicyError::new(at, msg).help(help)
}

/// Applies the layers in order, key by key, refusing to loosen locked keys, then validates.
fn merge(layers: Vec<Layer>) -> Result<Loaded, PolicyErrors> {
    let mut merged = toml::Table::new();
    let mut origin: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    let mut locks: Vec<(String, usize)> = Vec::new();
    let mut errors = Vec::new();
    for (idx, layer) in layers.iter().enumerate() {
        let mut leaves = Vec::new();
        flatten(&layer.table, &mut Vec::new(), &mut leaves);
        for (path, value) in leaves {
            if path[0] == "extends" {
                continue;
            }
            if let Some((key, lock_idx)) = locks.iter().find(|(k, _)| lock::covers(k, &path)) {
                let old = get(&merged, &path);
                if !lock::is_tightening(lock::direction(&path), &path, old, &value) {
                    let shown =
                        |v: Option<&toml::Value>| v.map_or_else(|| "its default".to_string(), |v| format!("`{v}`"));
                    let lock_layer = &layers[*lock_idx];
                    errors.push(
                        PolicyError::new(
                            layer.position(&path),
                            format!(
                                "`{}` is locked by {} and may only be tightened, but this changes it from {} to {}",
                                dotted(&path),
                                lock_layer.source.display(),
                                shown(old),
                                shown(Some(&value))
                            ),
                        )
                        .related(lock_layer.lock_position(key), format!("`{key}` is locked here"))
                        .help(format!(
                            "keep {} or make it stricter ({})",
                            shown(old),
                            describe(lock::direction(&path))
                        )),
                    );
                    continue;
                }
            }
            if path[0] == "lock" {
                let mut keys: Vec<toml::Value> =
                    get(&merged, &path).and_then(|v| v.as_array()).cloned().unwrap_or_default();
                for v in value.as_array().into_iter().flatten() {
                    if !keys.contains(v) {
                        keys.push(v.clone());
                    }
                }
                set(&mut merged, &path, toml::Value::Array(keys));
            } else {
                set(&mut merged, &path, value);
            }
            origin.insert(path, idx);
        }
        for key in layer.table.get("lock").and_then(|l| l.get("keys")).and_then(|k| k.as_array()).into_iter().flatten()
        {
            if let Some(k) = key.as_str() {
                locks.push((k.to_string(), idx));
            }
        }
    }
    if !errors.is_empty() {
        return Err(PolicyErrors(errors));
    }
    let raw = RawPolicy::deserialize(toml::Value::Table(merged.clone())).map_err(|e| {
        let top =
            layers.last().map_or_else(|| Position::whole_file("policy"), |l| Position::whole_file(&l.source.display()));
        PolicyErrors(vec![PolicyError::new(top, format!("the merged policy is not valid: {e}"))])
    })?;
    let trusted = |path: &[&str]| {
        let mut from = origin.iter().filter(|(p, _)| p.len() >= path.len() && p.iter().zip(path).all(|(a, b)| a == b));
        from.clone().next().is_some() && from.all(|(_, &i)| matches!(layers[i].source, Source::Builtin(_)))
    };
    let policy = Policy::from_raw_trusting(&raw, &trusted).map_err(|invalid| {
        PolicyErrors(
            invalid
                .into_iter()
                .map(|inv| {
                    let at = locate(&layers, &origin, &inv.path);
                    let e = PolicyError::new(at, format!("`{}`: {}", dotted(&inv.path), inv.message));
                    match inv.help {
                        Some(h) => e.help(h),
                        None => e,
                    }
                })
                .collect(),
        )
    })?;
    Ok(Loaded { policy, layers, merged, origin })
}

fn describe(d: lock::Direction) -> &'static str {
    use lock::Direction as D;
    match d {
        D::Higher => "a higher value",
        D::Lower => "a lower value",
        D::True => "true",
        D::False => "false",
        D::Superset => "add entries, remove none",
        D::Subset => "remove entries, add none",
        D::Level => "error is stricter than warn, warn than off",
        D::Fixed => "this key cannot change once locked",
    }
}

/// Finds the layer that set the longest prefix of `path` and the position there.
fn locate(layers: &[Layer], origin: &BTreeMap<Vec<String>, usize>, path: &[String]) -> Position {
    for len in (1..=path.len()).rev() {
        let prefix = &path[..len];
        let hit = origin.iter().filter(|(p, _)| p.starts_with(prefix)).map(|(_, i)| *i).max();
        if let Some(i) = hit {
            return layers[i].position(path);
        }
    }
    layers.last().map_or_else(|| Position::whole_file("policy"), |l| Position::whole_file(&l.source.display()))
}

/// A key path written as TOML would: `rules."branch.max-age"`.
pub fn dotted(path: &[String]) -> String {
    path.iter()
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                s.clone()
            } else {
                format!("\"{s}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Leaves of a table: every non-table value (arrays, including arrays of tables, are leaves).
pub fn flatten(table: &toml::Table, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, toml::Value)>) {
    for (k, v) in table {
        prefix.push(k.clone());
        match v {
            toml::Value::Table(t) if !t.is_empty() => flatten(t, prefix, out),
            other => out.push((prefix.clone(), other.clone())),
        }
        prefix.pop();
    }
}

fn get<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (last, dirs) = path.split_last()?;
    let mut t = table;
    for d in dirs {
        t = t.get(d)?.as_table()?;
    }
    t.get(last)
}

fn set(table: &mut toml::Table, path: &[String], value: toml::Value) {
    let Some((last, dirs)) = path.split_last() else { return };
    let mut t = table;
    for d in dirs {
        let entry = t.entry(d.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(inner) = entry else { return };
        t = inner;
    }
    t.insert(last.clone(), value);
}

/// The byte span of the value at `path` in a file's text (the first table of an array of tables).
fn span_of(text: &str, path: &[String]) -> Option<std::ops::Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut table: &DeTable<'_> = root.get_ref();
    let mut found = None;
    for seg in path {
        let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == seg.as_str())?;
        found = Some(value.span());
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            DeValue::Array(a) => {
                if let Some(t) = a.iter().find_map(|v| v.get_ref().as_table()) {
                    table = t;
                }
            }
            _ => {}
        }
    }
    found
}

fn span_of_extends(text: &str, index: usize) -> Option<std::ops::Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let (_, value) = root.get_ref().iter().find(|(k, _)| k.get_ref().as_ref() == "extends")?;
    value.get_ref().as_array()?.get(index).map(|v| v.span())
}
