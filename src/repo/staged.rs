//! Staged changes for pre-commit, fast: the index file read directly and compared with HEAD's
//! tree only under the directories its cache tree marks as changed. libgit2's index-to-tree
//! diff walks every entry of both, about 80 ms on a 10,000-file repository; this takes well
//! under a millisecond after a typical `git add`. Whatever the fast reader does not support
//! (split or sparse indexes, SHA-256) falls back to libgit2.

use std::ops::Range;
use std::path::PathBuf;

use super::index_file::{self, FlatCacheTree, LeanEntries, LeanEntry};
use super::mapped::Mapped;
use super::{git_err, Repo, TREE_MODE};
use crate::error::{Error, Result};
use crate::subject::FileChange;

/// What every step of the index-to-HEAD walk shares.
struct Walk<'w, 'a> {
    cache_tree: Option<&'w FlatCacheTree<'a>>,
    entries: &'w Entries<'a>,
    odb: &'w git2::Odb<'w>,
}

/// Index entries from the fast scan (decoded on demand) or from the complete reader.
enum Entries<'a> {
    Lean(LeanEntries<'a>),
    Full(Vec<LeanEntry<'a>>),
}

impl<'a> Entries<'a> {
    fn len(&self) -> usize {
        match self {
            Self::Lean(e) => e.len(),
            Self::Full(e) => e.len(),
        }
    }

    fn get(&self, i: usize) -> LeanEntry<'a> {
        match self {
            Self::Lean(e) => e.get(i),
            Self::Full(e) => e[i],
        }
    }

    /// The first index in `range` whose path fails `pred`, for a predicate that holds for a
    /// prefix of the range (entries are sorted by path).
    fn partition_point(&self, range: Range<usize>, pred: impl Fn(&[u8]) -> bool) -> usize {
        let (mut lo, mut hi) = (range.start, range.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.get(mid).path) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

impl Repo {
    /// The index file git uses now (`GIT_INDEX_FILE` during `git commit -a` or `git commit PATHS`).
    pub(crate) fn index_path(&self) -> PathBuf {
        match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
            Some(p) => {
                let p = PathBuf::from(p);
                // git gives hooks a path relative to the work tree root, where hooks run.
                if p.is_absolute() {
                    p
                } else {
                    std::env::current_dir().map(|d| d.join(&p)).unwrap_or(p)
                }
            }
            None => self.git_dir().join("index"),
        }
    }

    /// Staged changes: the index against HEAD (everything, on an unborn branch).
    pub fn staged_changes(&self) -> Result<Vec<FileChange>> {
        let head = self.head_commit()?;
        self.staged_changes_at(head.as_deref())
    }

    /// Staged changes against the commit HEAD points to (`None` on an unborn branch), for
    /// callers that resolved HEAD already.
    pub fn staged_changes_at(&self, head: Option<&str>) -> Result<Vec<FileChange>> {
        let head_tree = match head {
            // Only the id: the cache tree usually settles the root without reading the tree.
            Some(id) => Some(self.commit_tree_id(id)?),
            None => None,
        };
        crate::env::trace("HEAD's tree found");
        let path = self.index_path();
        let bytes = match Mapped::open(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return self.staged_changes_libgit2(),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        crate::env::trace("index file mapped");
        let full;
        let mut v4_paths = Vec::new();
        let (entries, cache_tree) = match index_file::scan(&bytes, &mut v4_paths) {
            Ok(lean) => (Entries::Lean(lean.entries), lean.cache_tree),
            Err(_) => {
                // Anything odd goes through the complete reader, which says exactly what is
                // unsupported or corrupt.
                full = match index_file::parse(&bytes) {
                    Ok(i) => i,
                    Err(index_file::IndexError::Unsupported(_)) => return self.staged_changes_libgit2(),
                    Err(e) => {
                        return Err(Error::git(
                            format!("{} is corrupt: {e}", path.display()),
                            "git status will say more; `git reset` rebuilds the index from HEAD",
                        ))
                    }
                };
                let entries = full
                    .entries
                    .iter()
                    .map(|e| LeanEntry {
                        path: e.path.as_bytes(),
                        mode: e.mode,
                        oid: e.oid,
                        file_size: e.file_size,
                        stage: e.stage,
                        intent_to_add: e.intent_to_add,
                    })
                    .collect();
                (Entries::Full(entries), full.cache_tree.as_ref().map(FlatCacheTree::from_nested))
            }
        };
        crate::env::trace("index scanned");
        let mut out = Vec::new();
        let odb = self.raw().odb().map_err(|e| git_err("opening the object database", &e))?;
        let walk = Walk { cache_tree: cache_tree.as_ref(), entries: &entries, odb: &odb };
        self.diff_index_dir(
            &walk,
            b"",
            cache_tree.as_ref().and_then(FlatCacheTree::root),
            head_tree,
            0..entries.len(),
            &mut out,
        )?;
        Ok(out)
    }

    /// Compares the index entries in `range` (those under `dir`) with the HEAD tree `head`;
    /// `node` is `dir`'s cache-tree node, which settles the whole directory when it is valid
    /// and names `head`.
    fn diff_index_dir(
        &self,
        walk: &Walk<'_, '_>,
        dir: &[u8],
        node: Option<usize>,
        head: Option<git2::Oid>,
        range: Range<usize>,
        out: &mut Vec<FileChange>,
    ) -> Result<()> {
        let (entries, odb) = (walk.entries, walk.odb);
        if let (Some(t), Some(n), Some(h)) = (walk.cache_tree, node, head) {
            let n = t.node(n);
            if n.is_valid() && n.oid.as_ref().is_some_and(|o| o == h.as_bytes()) {
                return Ok(());
            }
        }
        let tree = head.map(|h| self.raw().find_tree(h).map_err(|e| git_err("reading a tree", &e))).transpose()?;
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut seen: Vec<&[u8]> = Vec::new();
        let mut i = range.start;
        while i < range.end {
            let e = entries.get(i);
            let rel = &e.path[dir.len()..];
            match rel.iter().position(|&b| b == b'/') {
                Some(slash) => {
                    let sub = &rel[..slash];
                    let prefix = &e.path[..dir.len() + slash + 1];
                    let end = entries.partition_point(i..range.end, |p| p.starts_with(prefix));
                    let name = text(sub);
                    let head_sub = tree
                        .as_ref()
                        .and_then(|t| t.get_name(&name))
                        .filter(|e| e.filemode() == TREE_MODE)
                        .map(|e| e.id());
                    let child = walk.cache_tree.zip(node).and_then(|(t, n)| t.child(n, sub));
                    self.diff_index_dir(walk, prefix, child, head_sub, i..end, out)?;
                    seen.push(sub);
                    i = end;
                }
                None => {
                    i += 1;
                    seen.push(rel);
                    if e.stage != 0 || e.intent_to_add {
                        // Conflicted or only intended: not part of the next commit.
                        continue;
                    }
                    let in_head =
                        tree.as_ref().and_then(|t| t.get_name(&text(rel))).filter(|h| h.filemode() != TREE_MODE);
                    let same =
                        in_head.as_ref().is_some_and(|h| h.id().as_bytes() == e.oid && h.filemode() as u32 == e.mode);
                    if !same {
                        let oid =
                            git2::Oid::from_bytes(&e.oid).map_err(|er| git_err("bad object id in the index", &er))?;
                        let size = if e.mode == 0o160000 {
                            0
                        } else {
                            odb.read_header(oid).map_or(u64::from(e.file_size), |(s, _)| s as u64)
                        };
                        out.push(FileChange { path: text(e.path), size, deleted: false });
                    }
                }
            }
        }
        if let Some(t) = &tree {
            for h in t.iter() {
                if seen.contains(&h.name_bytes()) {
                    continue;
                }
                let path = format!("{}{}", text(dir), text(h.name_bytes()));
                if h.filemode() == TREE_MODE {
                    // A whole directory left the index: every file under it is deleted.
                    for f in self.tree_changes(&mut self.objects(), Some(h.id()), None, false)? {
                        out.push(FileChange { path: format!("{path}/{}", f.path), size: 0, deleted: true });
                    }
                } else {
                    out.push(FileChange { path, size: 0, deleted: true });
                }
            }
        }
        Ok(())
    }
}
