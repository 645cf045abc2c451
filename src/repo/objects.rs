//! Reading many objects once each: from the packs by hand ([`super::pack`]) when they hold
//! them, else through libgit2 (loose objects, alternates, and anything the pack reader
//! declines, so libgit2's errors still describe what is wrong).

use flate2::Decompress;

use super::pack::{BaseCache, Kind, Packs};
use super::{git_err, Repo};
use crate::error::Result;

/// A reader of objects for one thread.
pub struct Objects<'r> {
    repo: &'r Repo,
    packs: Packs,
    z: Decompress,
    bases: BaseCache,
}

impl<'r> Objects<'r> {
    /// A reader over `repo`'s packs, mapped now: objects packed later are read by libgit2.
    pub fn new(repo: &'r Repo) -> Self {
        Self {
            repo,
            packs: Packs::open(&repo.common_dir().join("objects")),
            z: Decompress::new(true),
            bases: BaseCache::default(),
        }
    }

    /// The kind and bytes of object `id`, when a pack holds it and reads cleanly.
    pub fn packed(&mut self, id: git2::Oid) -> Option<(Kind, Vec<u8>)> {
        self.packs.read(<&[u8; 20]>::try_from(id.as_bytes()).ok()?, &mut self.z, &mut self.bases)
    }

    /// The kind and bytes of object `id`.
    pub fn read(&mut self, id: git2::Oid) -> Result<(Kind, Vec<u8>)> {
        if let Some(hit) = self.packed(id) {
            return Ok(hit);
        }
        let odb = self.repo.raw().odb().map_err(|e| git_err("opening the object database", &e))?;
        let object = odb.read(id).map_err(|e| git_err(&format!("reading object {id}"), &e))?;
        let kind = match object.kind() {
            git2::ObjectType::Commit => Kind::Commit,
            git2::ObjectType::Tree => Kind::Tree,
            git2::ObjectType::Tag => Kind::Tag,
            _ => Kind::Blob,
        };
        Ok((kind, object.data().to_vec()))
    }
}

impl Repo {
    /// A reader of many objects for this thread (see [`Objects`]).
    pub fn objects(&self) -> Objects<'_> {
        Objects::new(self)
    }
}

/// The entries of a raw tree: mode, name and id. An entry cut short ends the list.
pub fn tree_entries(raw: &[u8]) -> impl Iterator<Item = (&[u8], &[u8], git2::Oid)> + '_ {
    let mut rest = raw;
    std::iter::from_fn(move || {
        let space = rest.iter().position(|&b| b == b' ')?;
        let nul = space + rest.get(space..)?.iter().position(|&b| b == 0)?;
        let id = git2::Oid::from_bytes(rest.get(nul + 1..nul + 21)?).ok()?;
        let entry = (rest.get(..space)?, rest.get(space + 1..nul)?, id);
        rest = rest.get(nul + 21..)?;
        Some(entry)
    })
}

/// A raw commit's tree and first parent, from its first header lines; `None` when it does not
/// start with a tree.
pub fn commit_tree_and_parent(raw: &[u8]) -> Option<(git2::Oid, Option<git2::Oid>)> {
    let hex = |line: Option<&[u8]>, tag: &[u8]| {
        line.and_then(|l| l.strip_prefix(tag))
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.len() == 40)
            .and_then(|h| git2::Oid::from_str(h).ok())
    };
    let mut lines = raw.split(|&b| b == b'\n');
    let tree = hex(lines.next(), b"tree ")?;
    Some((tree, hex(lines.next(), b"parent ")))
}

/// What a first-parent walk needs of a raw commit: its first parent, how many parents it has,
/// and its author and committer times; `None` when a header is not in the usual form (the
/// caller then asks libgit2, which reads every form git accepts).
pub fn commit_facts(raw: &[u8]) -> Option<(Option<git2::Oid>, usize, i64, i64)> {
    let (mut first, mut parents, mut author, mut committer) = (None, 0, None, None);
    for line in raw.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"parent ") {
            if parents == 0 {
                first = Some(git2::Oid::from_str(std::str::from_utf8(hex).ok().filter(|h| h.len() == 40)?).ok()?);
            }
            parents += 1;
        } else if let Some(sig) = line.strip_prefix(b"author ") {
            author = Some(signature_time(sig)?);
        } else if let Some(sig) = line.strip_prefix(b"committer ") {
            committer = Some(signature_time(sig)?);
        }
    }
    Some((first, parents, author?, committer?))
}

/// The time of `Name <email> 1700000000 +0100`: the first field after the last `>`.
fn signature_time(sig: &[u8]) -> Option<i64> {
    let end = sig.iter().rposition(|&b| b == b'>')?;
    let rest = std::str::from_utf8(sig.get(end + 1..)?).ok()?;
    let mut fields = rest.split_ascii_whitespace();
    let time = fields.next()?.parse().ok()?;
    let tz = fields.next()?;
    (tz.len() == 5 && (tz.starts_with('+') || tz.starts_with('-')) && fields.next().is_none()).then_some(time)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::repo::commits::tests::TestRepo;

    /// Packs every object of the test repository with the git CLI (hermetically).
    pub(crate) fn pack_all(t: &TestRepo) {
        crate::repo::commits::tests::git_cli(t.dir.path(), &["repack", "-adq"]);
    }

    #[test]
    fn commit_facts_read_parents_and_both_times() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 1111111111111111111111111111111111111111\n\
parent 2222222222222222222222222222222222222222\n\
author Ada <ada@example.com> 1700000000 +0100\n\
committer C. Ommitter <c@example.com> 1700000600 -0530\n\
gpgsig -----BEGIN SSH SIGNATURE-----\n parent 3333333333333333333333333333333333333333\n -----END SSH SIGNATURE-----\n\
\n\
parent 4444444444444444444444444444444444444444 in the message is not a header\n";
        let first = git2::Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        assert_eq!(commit_facts(raw), Some((Some(first), 2, 1_700_000_000, 1_700_000_600)));
        let root = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A <a@x> 5 +0000\ncommitter A <a@x> 6 +0000\n\nroot\n";
        assert_eq!(commit_facts(root), Some((None, 0, 5, 6)));
    }

    #[test]
    fn unusual_commit_headers_are_left_to_libgit2() {
        let with = |author: &str| {
            format!("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor {author}\ncommitter A <a@x> 6 +0000\n\n")
        };
        assert_eq!(commit_facts(with("A <a@x> 5 +0000").as_bytes()).map(|f| f.2), Some(5));
        assert_eq!(commit_facts(with("A <a@x> 5 +0000 > <odd> 7 +0100").as_bytes()).map(|f| f.2), Some(7));
        for odd in
            ["A <a@x>", "A <a@x> soon +0000", "A <a@x> 5", "A <a@x> 5 0000", "A <a@x> 5 +0000 extra", "A a@x 5 +0000"]
        {
            assert_eq!(commit_facts(with(odd).as_bytes()), None, "{odd}");
        }
        assert_eq!(commit_facts(b"tree x\ncommitter A <a@x> 6 +0000\n\n"), None, "no author");
        assert_eq!(commit_facts(b"parent 12345\nauthor A <a@x> 5 +0000\ncommitter A <a@x> 6 +0000\n"), None);
    }

    #[test]
    fn tree_entries_match_libgit2_and_stop_at_a_cut() {
        let t = TestRepo::new();
        let c = t.commit(None, &[], &[("a b", Some("1")), ("dir/x", Some("2")), ("z\u{e9}", Some("3"))], 100);
        let tree = t.git.find_commit(c).unwrap().tree().unwrap();
        let raw = t.git.odb().unwrap().read(tree.id()).unwrap().data().to_vec();
        let ours: Vec<(Vec<u8>, Vec<u8>, git2::Oid)> =
            tree_entries(&raw).map(|(m, n, id)| (m.to_vec(), n.to_vec(), id)).collect();
        let theirs: Vec<(Vec<u8>, Vec<u8>, git2::Oid)> = tree
            .iter()
            .map(|e| (format!("{:o}", e.filemode()).into_bytes(), e.name_bytes().to_vec(), e.id()))
            .collect();
        assert_eq!(ours, theirs);
        assert_eq!(tree_entries(&raw[..raw.len() - 1]).count(), 2, "a cut entry ends the list");
    }

    #[test]
    fn objects_come_from_packs_and_loose_alike() {
        let t = TestRepo::new();
        let packed = t.commit(Some("refs/heads/main"), &[], &[("a", Some("packed\n"))], 100);
        pack_all(&t);
        let loose = t.commit(Some("refs/heads/main"), &[packed], &[("a", Some("loose\n"))], 200);
        let r = t.open();
        let mut objects = r.objects();
        assert!(objects.packed(packed).is_some());
        assert!(objects.packed(loose).is_none(), "written after the packs were mapped");
        for id in [packed, loose] {
            let (kind, bytes) = objects.read(id).unwrap();
            assert_eq!(kind, Kind::Commit);
            assert_eq!(bytes, t.git.odb().unwrap().read(id).unwrap().data());
        }
        let e = objects.read(git2::Oid::from_str(crate::repo::commits::tests::MISSING).unwrap()).unwrap_err();
        assert!(e.to_string().starts_with("git: reading object 1234567890"), "{e}");
    }
}
