//! What the coverage gates need from git: the tracked files, and the lines a change adds or
//! modifies, from a diff with rename detection on whatever the user's config says.

use std::collections::{BTreeMap, BTreeSet};

use super::index_file;
use super::mapped::Mapped;
use super::treediff::Side;
use super::{git_err, Repo};
use crate::error::Result;

const GITLINK_MODE: i32 = 0o160000;

/// Changed lines by repository path.
pub type AddedLines = BTreeMap<String, BTreeSet<u32>>;

impl Repo {
    /// Every file tracked in the index.
    ///
    /// The index is mapped and scanned without building an entry per file (a monorepo's index
    /// holds hundreds of thousands); an index the scan does not read (split or sparse) goes
    /// through libgit2.
    pub fn tracked_files(&self) -> Result<BTreeSet<String>> {
        if let Ok(bytes) = Mapped::open(&self.index_path()) {
            let mut paths = Vec::new();
            if let Ok(lean) = index_file::scan(&bytes, &mut paths) {
                return Ok(lean
                    .entries
                    .iter()
                    .filter_map(|e| std::str::from_utf8(e.path).ok().map(str::to_owned))
                    .collect());
            }
        }
        let index = self.raw().index().map_err(|e| git_err("reading the index", &e))?;
        Ok(index.iter().filter_map(|e| String::from_utf8(e.path).ok()).collect())
    }

    /// Lines of `to` that are new against `from` (added or modified), by file, with rename
    /// detection on (50% similarity, as git's default): a pure rename adds no lines.
    ///
    /// The trees are compared by id, skipping identical subtrees, and each modified file is
    /// diffed on its own; libgit2's tree-to-tree diff, which walks every entry of both trees,
    /// runs only over the added and deleted files, and only when both exist, to pair renames.
    pub fn added_lines(&self, from: &str, to: &str) -> Result<AddedLines> {
        let tree = |id: &str| -> Result<git2::Tree<'_>> {
            let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
            self.raw().find_commit(oid).and_then(|c| c.tree()).map_err(|e| git_err(&format!("reading {id}"), &e))
        };
        let (a, b) = (tree(from)?, tree(to)?);
        let mut modified: Vec<(String, git2::Oid, git2::Oid)> = Vec::new();
        let mut added: Vec<(String, git2::Oid)> = Vec::new();
        let mut deleted: Vec<String> = Vec::new();
        let blob = |s: Side| s.filter(|&(_, mode)| mode != GITLINK_MODE).map(|(id, _)| id);
        super::treediff::walk_tree_changes(
            &mut self.objects(),
            Some(a.id()),
            Some(b.id()),
            "",
            &mut |path, old, new| {
                match (blob(old), blob(new)) {
                    (Some(o), Some(n)) => modified.push((path, o, n)),
                    (None, Some(n)) => added.push((path, n)),
                    (Some(_), None) => deleted.push(path),
                    (None, None) => {}
                }
                Ok(())
            },
        )?;
        let mut out = AddedLines::new();
        // A second handle whose index is empty: a blob patch looks up the path's diff driver in
        // .gitattributes, and libgit2 reads attributes from the index too, which would load and
        // checksum the whole index (tens of milliseconds in a monorepo) for one lookup. Content
        // then decides what is binary, as git does without attributes.
        let differ = self.reopen()?;
        let differ = differ.raw();
        let mut empty = git2::Index::new().map_err(|e| git_err("creating an index", &e))?;
        differ.set_index(&mut empty).map_err(|e| git_err("creating an index", &e))?;
        for (path, old, new) in &modified {
            blob_diff_lines(differ, path, Some(*old), *new, &mut out)?;
        }
        if deleted.is_empty() {
            for (path, new) in &added {
                blob_diff_lines(differ, path, None, *new, &mut out)?;
            }
        } else if !added.is_empty() {
            self.renamed_lines(
                &a,
                &b,
                added.iter().map(|(p, _)| p.as_str()).chain(deleted.iter().map(String::as_str)),
                &mut out,
            )?;
        }
        Ok(out)
    }

    /// Lines of the added files, with renames from the deleted ones paired by libgit2's
    /// similarity detection over just those paths.
    fn renamed_lines<'p>(
        &self,
        a: &git2::Tree<'_>,
        b: &git2::Tree<'_>,
        paths: impl Iterator<Item = &'p str>,
        out: &mut AddedLines,
    ) -> Result<()> {
        let mut opts = diff_options();
        opts.ignore_submodules(true).disable_pathspec_match(true);
        for p in paths {
            opts.pathspec(p);
        }
        let mut diff =
            self.raw().diff_tree_to_tree(Some(a), Some(b), Some(&mut opts)).map_err(|e| git_err("diffing", &e))?;
        let mut find = git2::DiffFindOptions::new();
        find.renames(true).copies(false).rename_threshold(50);
        diff.find_similar(Some(&mut find)).map_err(|e| git_err("finding renames", &e))?;
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
        Ok(())
    }
}

/// Diff options as git's defaults: no context, and the indent heuristic git turns on by default
/// (libgit2 does not), so that a slid hunk names the same added lines as `git diff`.
fn diff_options() -> git2::DiffOptions {
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0).indent_heuristic(true);
    opts
}

/// The `+` lines of one file's diff between two blobs (no old blob: every line is added).
fn blob_diff_lines(
    repo: &git2::Repository,
    path: &str,
    old: Option<git2::Oid>,
    new: git2::Oid,
    out: &mut AddedLines,
) -> Result<()> {
    let failed = |e: git2::Error| git_err(&format!("diffing {path}"), &e);
    let new_blob = repo.find_blob(new).map_err(failed)?;
    let mut opts = diff_options();
    let patch = match old {
        Some(old) => {
            let old_blob = repo.find_blob(old).map_err(failed)?;
            git2::Patch::from_blobs(&old_blob, None, &new_blob, None, Some(&mut opts))
        }
        None => git2::Patch::from_buffers(&[], None, new_blob.content(), None, Some(&mut opts)),
    }
    .map_err(failed)?;
    let mut lines = BTreeSet::new();
    for h in 0..patch.num_hunks() {
        let n = patch.num_lines_in_hunk(h).map_err(failed)?;
        for l in 0..n {
            let line = patch.line_in_hunk(h, l).map_err(failed)?;
            if line.origin() == '+' {
                if let Some(n) = line.new_lineno() {
                    lines.insert(n);
                }
            }
        }
    }
    if !lines.is_empty() {
        out.entry(path.to_owned()).or_default().extend(lines);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::commits::tests::TestRepo;

    /// The added lines as `git diff -U0 -M` (git's own defaults: Myers, indent heuristic) shows them.
    fn git_added(dir: &std::path::Path, from: &str, to: &str) -> AddedLines {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["diff", "-U0", "-M", "--no-color", "--no-ext-diff", from, to])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut added = AddedLines::new();
        let mut path = None;
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            if let Some(p) = line.strip_prefix("+++ ") {
                path = p.strip_prefix("b/").map(str::to_string);
            } else if let (Some(h), Some(path)) = (line.strip_prefix("@@ "), &path) {
                let plus = h.split(' ').nth(1).unwrap().trim_start_matches('+');
                let (start, count) = plus.split_once(',').map_or((plus, "1"), |(s, c)| (s, c));
                let (start, count): (u32, u32) = (start.parse().unwrap(), count.parse().unwrap());
                let lines = added.entry(path.clone()).or_default();
                lines.extend(start..start + count);
            }
        }
        added.retain(|_, l| !l.is_empty());
        added
    }

    #[test]
    fn added_lines_match_git_diff_on_slides_renames_new_and_binary_files() {
        let t = TestRepo::new();
        // Inserting a block that repeats its neighbours can be shown at two places; git's indent
        // heuristic (git's default, not libgit2's) shows lines 5-7, plain Myers 6-8. This is
        // git's own example (t4061).
        let before = "1\n2\na\n\nb\n3\n4\n";
        let after = "1\n2\na\n\nb\na\n\nb\n3\n4\n";
        let long: String = (1..=40).map(|i| format!("line number {i} of the moved file\n")).collect();
        let moved = long.replace("line number 7 of", "line number seven of");
        let base = t.commit(
            Some("refs/heads/main"),
            &[],
            &[("src/slide.py", Some(before)), ("src/old_name.py", Some(&long)), ("gone.txt", Some("bye\n"))],
            1_700_000_000,
        );
        let head = t.commit(
            Some("refs/heads/main"),
            &[base],
            &[
                ("src/slide.py", Some(after)),
                ("src/old_name.py", None),
                ("src/new_name.py", Some(&moved)),
                ("src/fresh.py", Some("one\ntwo\n")),
                ("logo.bin", Some("\0\u{1}binary\0data\n")),
                ("gone.txt", None),
            ],
            1_700_000_100,
        );
        let repo = t.open();
        let ours = repo.added_lines(&base.to_string(), &head.to_string()).unwrap();
        let git = git_added(t.dir.path(), &base.to_string(), &head.to_string());
        assert_eq!(ours, git);
        assert_eq!(ours["src/slide.py"], BTreeSet::from([5, 6, 7]), "the slid hunk as git shows it");
        assert_eq!(ours["src/new_name.py"], BTreeSet::from([7]), "a renamed file adds only its edits");
        assert!(!ours.contains_key("logo.bin"), "binary files add no lines");
        // Without deletions, new files take the fast path; the answer is the same.
        let only_new = t.commit(Some("refs/heads/main"), &[head], &[("src/more.py", Some("a\nb\nc\n"))], 1_700_000_200);
        let ours = repo.added_lines(&head.to_string(), &only_new.to_string()).unwrap();
        assert_eq!(ours, git_added(t.dir.path(), &head.to_string(), &only_new.to_string()));
        assert_eq!(ours["src/more.py"], BTreeSet::from([1, 2, 3]));
    }

    #[test]
    fn tracked_files_come_from_the_index() {
        let t = TestRepo::new();
        let c = t.commit(
            Some("refs/heads/main"),
            &[],
            &[("a.txt", Some("a\n")), ("dir/b.txt", Some("b\n"))],
            1_700_000_000,
        );
        let tree = t.git.find_commit(c).unwrap().tree().unwrap();
        let mut index = t.git.index().unwrap();
        index.read_tree(&tree).unwrap();
        index.write().unwrap();
        let files = t.open().tracked_files().unwrap();
        assert_eq!(files, BTreeSet::from(["a.txt".to_string(), "dir/b.txt".to_string()]));
    }
}
