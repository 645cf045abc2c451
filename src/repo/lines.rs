//! What the coverage gates need from git: the tracked files, and the lines a change adds or
//! modifies, from a diff with rename detection on whatever the user's config says.

use std::collections::{BTreeMap, BTreeSet};

use super::{git_err, Repo};
use crate::error::Result;

impl Repo {
    /// Every file tracked at HEAD (the index, when there is no HEAD yet).
    pub fn tracked_files(&self) -> Result<BTreeSet<String>> {
        let index = self.raw().index().map_err(|e| git_err("reading the index", &e))?;
        Ok(index.iter().filter_map(|e| String::from_utf8(e.path).ok()).collect())
    }

    /// Lines of `to` that are new against `from` (added or modified), by file, with rename and
    /// copy detection on: a pure rename adds no lines.
    pub fn added_lines(&self, from: &str, to: &str) -> Result<BTreeMap<String, BTreeSet<u32>>> {
        let tree = |id: &str| -> Result<git2::Tree<'_>> {
            let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
            self.raw().find_commit(oid).and_then(|c| c.tree()).map_err(|e| git_err(&format!("reading {id}"), &e))
        };
        let (a, b) = (tree(from)?, tree(to)?);
        let mut opts = git2::DiffOptions::new();
        opts.context_lines(0).ignore_submodules(true);
        let mut diff =
            self.raw().diff_tree_to_tree(Some(&a), Some(&b), Some(&mut opts)).map_err(|e| git_err("diffing", &e))?;
        let mut find = git2::DiffFindOptions::new();
        find.renames(true).copies(false).rename_threshold(50);
        diff.find_similar(Some(&mut find)).map_err(|e| git_err("finding renames", &e))?;
        let mut out: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
        diff.foreach(
            &mut |_, _| true,
            None,
            None,
            Some(&mut |delta, _hunk, line| {
                if line.origin() == '+' {
                    if let (Some(path), Some(n)) = (delta.new_file().path(), line.new_lineno()) {
                        out.entry(path.to_string_lossy().into_owned()).or_default().insert(n);
                    }
                }
                true
            }),
        )
        .map_err(|e| git_err("reading the diff", &e))?;
        Ok(out)
    }
}
