//! A tree-to-tree diff that skips identical subtrees by id. libgit2's diff walks every entry of
//! both trees, which costs milliseconds per commit on a 10,000-file repository; judging every
//! commit of a long range needs only the paths that changed.

use std::cmp::Ordering;

use super::objects::{tree_entries, Objects};
use super::pack::Kind;
use super::{git_err, Repo, TREE_MODE};
use crate::error::{Error, Result};
use crate::subject::FileChange;

const GITLINK_MODE: i32 = 0o160000;

/// One side of a changed path: the entry's id and mode.
pub(crate) type Side = Option<(git2::Oid, i32)>;

impl Repo {
    /// Files that differ between two trees (by id); `None` is the empty tree. Trees are read
    /// through `objects` (the packs by hand, delta bases cached): over a long range, libgit2
    /// inflated each tree's delta chain again and spent three quarters of `check` there.
    pub(crate) fn tree_changes(
        &self,
        objects: &mut Objects<'_>,
        old: Option<git2::Oid>,
        new: Option<git2::Oid>,
        sizes: bool,
    ) -> Result<Vec<FileChange>> {
        let mut out = Vec::new();
        let odb =
            if sizes { Some(self.raw().odb().map_err(|e| git_err("opening the object database", &e))?) } else { None };
        walk_tree_changes(objects, old, new, "", &mut |path, _, new| {
            match new {
                Some((id, mode)) => {
                    let size = match &odb {
                        Some(odb) if mode != GITLINK_MODE => odb
                            .read_header(id)
                            .map(|(s, _)| s as u64)
                            .map_err(|e| git_err("reading an object header", &e))?,
                        _ => 0,
                    };
                    out.push(FileChange { path, size, deleted: false });
                }
                None => out.push(FileChange { path, size: 0, deleted: true }),
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The paths a commit changes against its first parent (or the empty tree), trees read
    /// through `objects` (the packs by hand): for a long walk, on any thread.
    pub fn commit_paths(&self, objects: &mut Objects<'_>, commit: &str) -> Result<Vec<String>> {
        let id = git2::Oid::from_str(commit).map_err(|e| git_err("bad object id", &e))?;
        let (tree, parent) = commit_tree_and_parent(objects, id)?;
        let old = match parent {
            Some(p) => Some(commit_tree_and_parent(objects, p)?.0),
            None => None,
        };
        let mut out = Vec::new();
        walk_tree_changes(objects, old, Some(tree), "", &mut |path, _, _| {
            out.push(path);
            Ok(())
        })?;
        Ok(out)
    }
}

/// Calls `visit(path, old, new)` for every non-tree entry that differs between two trees
/// (by id or mode), in git's order; a side is `None` where the path is absent. Trees are read
/// through `objects`.
pub(crate) fn walk_tree_changes(
    objects: &mut Objects<'_>,
    old: Option<git2::Oid>,
    new: Option<git2::Oid>,
    prefix: &str,
    visit: &mut dyn FnMut(String, Side, Side) -> Result<()>,
) -> Result<()> {
    let mut load = |id: git2::Oid| match objects.read(id)? {
        (Kind::Tree, bytes) => Ok(bytes),
        _ => Err(Error::git(format!("{id} is not a tree"), "run git fsck")),
    };
    walk_changes(&mut load, old, new, prefix, visit)
}

/// A commit's tree and first parent, from its raw object.
fn commit_tree_and_parent(objects: &mut Objects<'_>, id: git2::Oid) -> Result<(git2::Oid, Option<git2::Oid>)> {
    let (kind, raw) = objects.read(id)?;
    (kind == Kind::Commit)
        .then(|| super::objects::commit_tree_and_parent(&raw))
        .flatten()
        .ok_or_else(|| Error::git(format!("{id} is not a commit git-policy can read"), "run git fsck"))
}

/// The walk behind [`walk_tree_changes`], with trees' raw bytes from `load`.
fn walk_changes(
    load: &mut dyn FnMut(git2::Oid) -> Result<Vec<u8>>,
    old: Option<git2::Oid>,
    new: Option<git2::Oid>,
    prefix: &str,
    visit: &mut dyn FnMut(String, Side, Side) -> Result<()>,
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let (raw_a, raw_b) = (old.map(&mut *load).transpose()?, new.map(&mut *load).transpose()?);
    fn entries(raw: Option<&[u8]>) -> Vec<(&[u8], i32, git2::Oid)> {
        raw.map(|r| tree_entries(r).map(|(mode, name, id)| (name, parse_mode(mode), id)).collect()).unwrap_or_default()
    }
    let (ta, tb) = (entries(raw_a.as_deref()), entries(raw_b.as_deref()));
    let (mut i, mut j) = (0, 0);
    // Both trees are sorted in git's order, so one merge pass pairs their entries.
    while i < ta.len() || j < tb.len() {
        let (ea, eb) = (ta.get(i), tb.get(j));
        let order = match (ea, eb) {
            (Some(a), Some(b)) => git_order(a.0, a.1 == TREE_MODE, b.0, b.1 == TREE_MODE),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        let (a, b) = match order {
            Ordering::Less => {
                i += 1;
                (ea, None)
            }
            Ordering::Greater => {
                j += 1;
                (None, eb)
            }
            Ordering::Equal => {
                i += 1;
                j += 1;
                (ea, eb)
            }
        };
        let key = |e: Option<&(&[u8], i32, git2::Oid)>| e.map(|e| (e.2, e.1));
        let (ka, kb) = (key(a), key(b));
        if ka == kb {
            continue;
        }
        let name = a.or(b).map(|e| String::from_utf8_lossy(e.0).into_owned()).unwrap_or_default();
        let path = format!("{prefix}{name}");
        let sub = |k: Side| k.filter(|(_, m)| *m == TREE_MODE).map(|(id, _)| id);
        if sub(ka).is_some() || sub(kb).is_some() {
            walk_changes(load, sub(ka), sub(kb), &format!("{path}/"), visit)?;
        }
        let (fa, fb) = (ka.filter(|(_, m)| *m != TREE_MODE), kb.filter(|(_, m)| *m != TREE_MODE));
        if fa.is_some() || fb.is_some() {
            visit(path, fa, fb)?;
        }
    }
    Ok(())
}

/// A tree entry's octal mode (`40000`, `100644`); an unreadable one is 0, which matches nothing.
fn parse_mode(mode: &[u8]) -> i32 {
    std::str::from_utf8(mode).ok().and_then(|m| i32::from_str_radix(m, 8).ok()).unwrap_or(0)
}

/// git's tree order: names compare bytewise, a tree's name as if it ended in `/`.
pub(super) fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], tree: bool| name.get(n).copied().unwrap_or(if tree { b'/' } else { 0 });
    next(a, a_tree).cmp(&next(b, b_tree)).then(a.len().cmp(&b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_paths_are_the_paths_commit_changes_finds() {
        use crate::repo::commits::tests::TestRepo;
        let t = TestRepo::new();
        let c0 = t.commit(None, &[], &[("a", Some("1")), ("d/x", Some("1")), ("d/y", Some("1"))], 100);
        let c1 = t.commit(None, &[c0], &[("a", Some("2")), ("d/x", None), ("e/f/g", Some("1"))], 200);
        // A file becomes a directory, a directory a file, and a name sorts between them: c2 has
        // c1 as parent and this tree.
        let shape =
            t.commit(None, &[], &[("a/b", Some("1")), ("a.b", Some("1")), ("d", Some("f")), ("e/f/g", Some("1"))], 1);
        let tree = t.git.find_commit(shape).unwrap().tree().unwrap();
        let parent = t.git.find_commit(c1).unwrap();
        let sig = crate::repo::commits::tests::ada(300);
        let c2 = t.git.commit(None, &sig, &sig, "reshape\n", &tree, &[&parent]).unwrap();
        let side = t.commit(None, &[c1], &[("s", Some("1"))], 250);
        let merge = t.commit(Some("refs/heads/main"), &[c2, side], &[("s", Some("1"))], 400);
        crate::repo::objects::tests::pack_all(&t);
        let r = t.open();
        let mut objects = r.objects();
        for c in [c0, c1, c2, merge] {
            let changes = r.commit_changes(&mut objects, &c.to_string(), true).unwrap();
            // libgit2's own tree diff says which paths changed and which went away.
            let commit = t.git.find_commit(c).unwrap();
            let old = commit.parent(0).ok().map(|p| p.tree().unwrap());
            let diff = t.git.diff_tree_to_tree(old.as_ref(), Some(&commit.tree().unwrap()), None).unwrap();
            let mut by_libgit2: Vec<(String, bool)> = diff
                .deltas()
                .map(|d| {
                    let deleted = d.status() == git2::Delta::Deleted;
                    let file = if deleted { d.old_file() } else { d.new_file() };
                    (file.path().unwrap().to_string_lossy().into_owned(), deleted)
                })
                .collect();
            let mut ours: Vec<(String, bool)> = changes.iter().map(|f| (f.path.clone(), f.deleted)).collect();
            by_libgit2.sort();
            ours.sort();
            assert_eq!(ours, by_libgit2, "{c}: paths and deletions");
            let want: Vec<String> = changes.into_iter().map(|f| f.path).collect();
            assert_eq!(r.commit_paths(&mut objects, &c.to_string()).unwrap(), want, "{c}");
        }
        assert_eq!(r.commit_paths(&mut objects, &c2.to_string()).unwrap(), ["a", "a.b", "a/b", "d", "d/y"]);
        assert_eq!(r.commit_paths(&mut objects, &c0.to_string()).unwrap(), ["a", "d/x", "d/y"], "a root commit");
        let tree = t.git.find_commit(c0).unwrap().tree_id().to_string();
        let e = r.commit_paths(&mut objects, &tree).unwrap_err().to_string();
        assert!(e.contains("is not a commit"), "{e}");
    }

    #[test]
    fn orders_like_git() {
        // git sorts "a.txt" < "a/" (tree) < "a0": '.' < '/' < '0'.
        assert_eq!(git_order(b"a.txt", false, b"a", true), Ordering::Less);
        assert_eq!(git_order(b"a", true, b"a0", false), Ordering::Less);
        assert_eq!(git_order(b"a", false, b"a", false), Ordering::Equal);
        assert_eq!(git_order(b"a", false, b"a", true), Ordering::Less);
    }
}
