//! The notes store: git notes refs written compare-and-swap, with git's fan-out built here
//! (libgit2 never fans out a tree it creates), and read in one walk of the notes tree. New
//! blobs, trees and commits are serialised here and stored loose (see `loose`), bypassing
//! libgit2's write path.
//!
//! Notes are merged line-wise (sorted, unique) like git's `cat_sort_uniq`, so concurrent writers
//! and two machines' notes combine without loss.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::objects::{tree_entries, Objects};
use super::pack::Kind;
use super::treediff::git_order;
use super::{git_err, Repo};
use crate::error::{Error, Result};
use crate::events::union_lines;

/// How long a write keeps retrying while other writers move the ref first (a busy CI machine
/// with many concurrent stamps can need hundreds of attempts).
const RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(30);
/// git moves a notes tree off flat layout once it holds more than this many notes.
const FLAT_LIMIT: usize = 256;
const BLOB_MODE: &[u8] = b"100644";
const TREE_MODE_BYTES: &[u8] = b"40000";

fn oid(id: &str) -> Result<git2::Oid> {
    git2::Oid::from_str(id).map_err(|e| git_err(&format!("`{id}` is not an object id"), &e))
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// git never fans a notes tree deeper than this for any number of notes a repository can hold
/// (256^3 directories); a deeper chain of two-hex directories is not a notes layout to follow.
const MAX_FANOUT: usize = 3;

/// A tree object's bytes, read through `objects`.
fn read_tree(objects: &mut Objects<'_>, id: git2::Oid) -> Result<Vec<u8>> {
    match objects.read(id)? {
        (Kind::Tree, raw) => Ok(raw),
        _ => Err(Error::git(format!("notes object {id} is not a tree"), "run git fsck")),
    }
}

fn is_tree_mode(mode: &[u8]) -> bool {
    mode == b"40000" || mode == b"040000"
}

/// The first fan-out directory (two hex digits) of a raw tree.
fn first_fanout_dir(raw: &[u8]) -> Option<git2::Oid> {
    tree_entries(raw)
        .find(|(mode, name, _)| is_tree_mode(mode) && name.len() == 2 && name.iter().all(u8::is_ascii_hexdigit))
        .map(|(_, _, id)| id)
}

/// The fan-out depth of a notes tree: 0 flat, 1 `ab/…`, 2 `ab/cd/…`, judged, as git does, by
/// following the first fan-out directory down.
fn fanout(objects: &mut Objects<'_>, root: &[u8]) -> Result<usize> {
    let mut depth = 0;
    let mut next = first_fanout_dir(root);
    while let Some(id) = next.filter(|_| depth < MAX_FANOUT) {
        depth += 1;
        next = first_fanout_dir(&read_tree(objects, id)?);
    }
    Ok(depth)
}

fn path_for(commit: &str, depth: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = commit;
    for _ in 0..depth {
        parts.push(rest[..2].to_string());
        rest = &rest[2..];
    }
    parts.push(rest.to_string());
    parts
}

/// The blob of the note on `commit` in the raw notes tree `root`, at whatever depth it is.
fn note_blob(objects: &mut Objects<'_>, root: &[u8], commit: &str) -> Result<Option<git2::Oid>> {
    let entry = |raw: &[u8], name: &str, dir: bool| {
        tree_entries(raw).find(|(m, n, _)| is_tree_mode(m) == dir && *n == name.as_bytes()).map(|(_, _, id)| id)
    };
    'depths: for depth in 0..=MAX_FANOUT {
        let path = path_for(commit, depth);
        let Some((last, dirs)) = path.split_last() else { continue };
        let mut tree: Option<Vec<u8>> = None;
        for dir in dirs {
            let Some(id) = entry(tree.as_deref().unwrap_or(root), dir, true) else { continue 'depths };
            tree = Some(read_tree(objects, id)?);
        }
        if let Some(id) = entry(tree.as_deref().unwrap_or(root), last, false) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Writes the raw tree `base` with `entries` (path components -> blob) set and the top-level
/// names in `remove` taken out, each changed tree written once; returns the new root's id.
/// Unchanged entries are copied as they are, mode bytes included: a stamp changes one entry of
/// trees of hundreds, so the base is merged with the few new entries rather than rebuilt.
fn write_tree(
    objects: &mut Objects<'_>,
    dir: &Path,
    base: Option<&[u8]>,
    entries: Vec<(Vec<String>, git2::Oid)>,
    remove: &[String],
) -> Result<git2::Oid> {
    // The new entries of this tree, (mode, name, id), then put in git's order.
    let mut new: Vec<(&[u8], Vec<u8>, git2::Oid)> = Vec::new();
    let mut subdirs: BTreeMap<String, Vec<(Vec<String>, git2::Oid)>> = BTreeMap::new();
    for (mut path, blob) in entries {
        if path.len() == 1 {
            new.retain(|(_, n, _)| n.as_slice() != path[0].as_bytes());
            new.push((BLOB_MODE, path.remove(0).into_bytes(), blob));
        } else {
            let first = path.remove(0);
            subdirs.entry(first).or_default().push((path, blob));
        }
    }
    for (sub, inner) in subdirs {
        let old = base
            .into_iter()
            .flat_map(tree_entries)
            .find(|(m, n, _)| is_tree_mode(m) && *n == sub.as_bytes())
            .map(|(_, _, id)| id);
        let old = old.map(|id| read_tree(objects, id)).transpose()?;
        let id = write_tree(objects, dir, old.as_deref(), inner, &[])?;
        new.retain(|(_, n, _)| n.as_slice() != sub.as_bytes());
        new.push((TREE_MODE_BYTES, sub.into_bytes(), id));
    }
    new.sort_by(|a, b| git_order(&a.1, is_tree_mode(a.0), &b.1, is_tree_mode(b.0)));
    // A new entry replaces a base entry of the same name, whatever its mode.
    let replaced: std::collections::HashSet<&[u8]> =
        new.iter().map(|(_, n, _)| n.as_slice()).chain(remove.iter().map(|r| r.as_bytes())).collect();
    let mut raw = Vec::with_capacity(base.map_or(0, <[u8]>::len) + new.len() * 64);
    let push = |raw: &mut Vec<u8>, mode: &[u8], name: &[u8], id: git2::Oid| {
        raw.extend_from_slice(mode);
        raw.push(b' ');
        raw.extend_from_slice(name);
        raw.push(0);
        raw.extend_from_slice(id.as_bytes());
    };
    let mut pending = new.iter().peekable();
    for (mode, name, id) in base.into_iter().flat_map(tree_entries) {
        if replaced.contains(name) {
            continue;
        }
        while let Some((m, n, i)) =
            pending.next_if(|(m, n, _)| git_order(n, is_tree_mode(m), name, is_tree_mode(mode)).is_lt())
        {
            push(&mut raw, m, n, *i);
        }
        push(&mut raw, mode, name, id);
    }
    for (m, n, i) in pending {
        push(&mut raw, m, n, *i);
    }
    store(dir, git2::ObjectType::Tree, &raw)
}

/// Writes one object loose (see `loose`) and returns its id.
fn store(objects: &Path, kind: git2::ObjectType, data: &[u8]) -> Result<git2::Oid> {
    let id = super::loose::object_id(kind, data).map_err(|e| Error::io("hashing an object", e))?;
    super::loose::write(objects, id, kind, data)
        .map_err(|e| Error::io(format!("writing object {id} to {}", objects.display()), e))?;
    Ok(id)
}

/// A commit object's bytes, as git writes them.
fn commit_bytes(tree: git2::Oid, parents: &[git2::Oid], sig: &git2::Signature<'_>, message: &str) -> Vec<u8> {
    let when = sig.when();
    let offset = when.offset_minutes();
    // Name and email as bytes: an identity need not be UTF-8.
    let mut ident = sig.name_bytes().to_vec();
    ident.extend_from_slice(b" <");
    ident.extend_from_slice(sig.email_bytes());
    let sign = if offset < 0 { '-' } else { '+' };
    let (hours, minutes) = (offset.unsigned_abs() / 60, offset.unsigned_abs() % 60);
    ident.extend_from_slice(format!("> {} {sign}{hours:02}{minutes:02}", when.seconds()).as_bytes());
    let mut out = format!("tree {tree}\n").into_bytes();
    for p in parents {
        out.extend_from_slice(format!("parent {p}\n").as_bytes());
    }
    for role in ["author ", "committer "] {
        out.extend_from_slice(role.as_bytes());
        out.extend_from_slice(&ident);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(message.as_bytes());
    out
}

/// A note's bytes as text (invalid UTF-8 replaced, as `git notes show` shows it).
fn note_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Which commits of one notes ref have a note, and where it is: the notes tree walked once,
/// no note read yet ([`NotesIndex::note`] reads one). For many notes of a large ref, this
/// reads each fan-out tree once instead of three trees per note.
#[derive(Debug, Default)]
pub struct NotesIndex {
    blobs: std::collections::HashMap<git2::Oid, git2::Oid>,
}

impl NotesIndex {
    /// How many commits have a note.
    pub fn len(&self) -> usize {
        self.blobs.len()
    }

    /// Whether no commit has a note (or the ref does not exist).
    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty()
    }

    /// The note on `commit` (full hex), read through `objects`; `None` when it has none.
    pub fn note(&self, objects: &mut Objects<'_>, commit: &str) -> Result<Option<String>> {
        let Ok(id) = git2::Oid::from_str(commit) else { return Ok(None) };
        match self.blobs.get(&id) {
            Some(blob) => Ok(Some(note_text(objects.read(*blob)?.1))),
            None => Ok(None),
        }
    }
}

/// Adds every note of a raw tree to `out`, keyed by the annotated commit. `prefix` holds the
/// hex of the fan-out directories above it. Gives up (`false`) once `stop` is set, checked per
/// top-level entry, so at most 1/256 of a large tree is read after it.
fn index_tree(
    objects: &mut Objects<'_>,
    raw: &[u8],
    prefix: &mut String,
    out: &mut std::collections::HashMap<git2::Oid, git2::Oid>,
    stop: &AtomicBool,
) -> Result<bool> {
    for (mode, name, id) in tree_entries(raw) {
        if prefix.is_empty() && stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let Some(name) = std::str::from_utf8(name).ok().filter(|n| is_hex(n)) else { continue };
        let depth = prefix.len();
        if mode == b"40000" && name.len() == 2 && depth + 2 < 40 {
            let (kind, sub) = objects.read(id)?;
            if kind != Kind::Tree {
                return Err(Error::git(format!("notes tree entry {prefix}{name} is not a tree"), "run git fsck"));
            }
            prefix.push_str(name);
            let walked = index_tree(objects, &sub, prefix, out, stop);
            prefix.truncate(depth);
            if !walked? {
                return Ok(false);
            }
        } else if mode.starts_with(b"100") && depth + name.len() == 40 {
            prefix.push_str(name);
            let commit = git2::Oid::from_str(prefix);
            prefix.truncate(depth);
            if let Ok(commit) = commit {
                out.insert(commit, id);
            }
        }
    }
    Ok(true)
}

/// Reads many notes of one ref with the ref resolved once (a lookup per commit would hit the
/// filesystem for the ref every time).
pub struct NotesReader<'r> {
    repo: &'r Repo,
    root: Option<git2::Tree<'r>>,
}

impl NotesReader<'_> {
    /// The note on `commit`, if any.
    pub fn get(&self, commit: &str) -> Result<Option<String>> {
        match &self.root {
            Some(root) => self.repo.note_in_tree(root, commit),
            None => Ok(None),
        }
    }

    /// Whether the ref exists at all.
    pub fn exists(&self) -> bool {
        self.root.is_some()
    }
}

impl Repo {
    /// A reader for many notes of `notes_ref`.
    pub fn notes_reader(&self, notes_ref: &str) -> Result<NotesReader<'_>> {
        Ok(NotesReader { repo: self, root: self.notes_tree(notes_ref)?.map(|(_, t)| t) })
    }

    fn notes_tree(&self, notes_ref: &str) -> Result<Option<(git2::Oid, git2::Tree<'_>)>> {
        match self.raw().find_reference(notes_ref) {
            Ok(r) => {
                let commit = r.peel_to_commit().map_err(|e| git_err(&format!("{notes_ref} is not a notes ref"), &e))?;
                let tree = commit.tree().map_err(|e| git_err(&format!("reading {notes_ref}"), &e))?;
                Ok(Some((commit.id(), tree)))
            }
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(&format!("reading {notes_ref}"), &e)),
        }
    }

    /// The note on `commit` in `notes_ref`, whatever the tree's fan-out.
    pub fn note_text(&self, notes_ref: &str, commit: &str) -> Result<Option<String>> {
        let Some((_, root)) = self.notes_tree(notes_ref)? else { return Ok(None) };
        self.note_in_tree(&root, commit)
    }

    fn note_in_tree(&self, root: &git2::Tree<'_>, commit: &str) -> Result<Option<String>> {
        if commit.len() != 40 || !is_hex(commit) {
            return Ok(None);
        }
        for depth in 0..=3 {
            let path = path_for(commit, depth).join("/");
            if let Ok(entry) = root.get_path(std::path::Path::new(&path)) {
                return self.blob_text(entry.id()).map(Some);
            }
        }
        Ok(None)
    }

    fn blob_text(&self, id: git2::Oid) -> Result<String> {
        let blob = self.raw().find_blob(id).map_err(|e| git_err("reading a note", &e))?;
        Ok(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// The index of every note of `notes_ref` (empty when the ref does not exist).
    ///
    /// Trees are read through `objects` (the packs by hand): a 100,000-note ref has some 53,000
    /// fan-out trees.
    pub fn notes_index(&self, notes_ref: &str, objects: &mut Objects<'_>) -> Result<NotesIndex> {
        let never = AtomicBool::new(false);
        Ok(self.notes_index_unless(notes_ref, objects, &never)?.unwrap_or_default())
    }

    /// [`Repo::notes_index`], given up (`None`) once another thread sets `stop`: the metrics
    /// index beside a history walk that may turn out too short to need it.
    pub fn notes_index_unless(
        &self,
        notes_ref: &str,
        objects: &mut Objects<'_>,
        stop: &AtomicBool,
    ) -> Result<Option<NotesIndex>> {
        let mut blobs = std::collections::HashMap::new();
        if let Some((_, root)) = self.notes_tree(notes_ref)? {
            let (_, raw) = objects.read(root.id())?;
            if !index_tree(objects, &raw, &mut String::with_capacity(40), &mut blobs, stop)? {
                return Ok(None);
            }
        }
        Ok(Some(NotesIndex { blobs }))
    }

    /// Every note of a ref, `(commit, text)`, in one walk of the notes tree.
    pub fn all_notes(&self, notes_ref: &str) -> Result<Vec<(String, String)>> {
        let mut objects = self.objects();
        let index = self.notes_index(notes_ref, &mut objects)?;
        let mut noted: Vec<(&git2::Oid, &git2::Oid)> = index.blobs.iter().collect();
        noted.sort_unstable();
        let mut out = Vec::with_capacity(noted.len());
        for (commit, blob) in noted {
            out.push((commit.to_string(), note_text(objects.read(*blob)?.1)));
        }
        Ok(out)
    }

    /// Walks the first-parent history from `from` (inclusive, newest first, at most `depth`
    /// commits) and returns the first commit with a note in `notes_ref` that `accept` takes.
    ///
    /// The noted commits are listed once from the notes tree, so a long walk past commits with
    /// no note costs one set lookup each, not one tree lookup.
    pub fn first_parent_note(
        &self,
        notes_ref: &str,
        from: &str,
        depth: usize,
        accept: &mut dyn FnMut(&str, &str) -> bool,
    ) -> Result<Option<(String, String)>> {
        let mut objects = self.objects();
        let noted = self.notes_index(notes_ref, &mut objects)?;
        if noted.is_empty() {
            return Ok(None);
        }
        let mut oid = git2::Oid::from_str(from).map_err(|e| git_err(&format!("`{from}` is not an object id"), &e))?;
        for _ in 0..depth {
            let id = oid.to_string();
            if let Some(text) = noted.note(&mut objects, &id)? {
                if accept(&id, &text) {
                    return Ok(Some((id, text)));
                }
            }
            let c = self.raw().find_commit(oid).map_err(|e| git_err(&format!("reading commit {oid}"), &e))?;
            match c.parent_ids().next() {
                Some(p) => oid = p,
                None => break,
            }
        }
        Ok(None)
    }

    /// Adds lines to the notes of several commits in one notes commit, merging with what is
    /// there (sorted, unique). Compare-and-swap on the ref, retried when another writer won.
    pub fn append_notes(&self, notes_ref: &str, writes: &[(String, Vec<String>)], message: &str) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        self.write_notes(notes_ref, writes, message, None)
    }

    /// Merges another notes ref (a remote's copy) into `notes_ref` by a union of lines; the
    /// merge commit has both tips as parents, so pushing it back is a fast-forward.
    /// Returns how many notes changed.
    pub fn merge_notes(&self, notes_ref: &str, other_ref: &str) -> Result<usize> {
        let Some((other_tip, _)) = self.notes_tree(other_ref)? else { return Ok(0) };
        let local = self.notes_tree(notes_ref)?;
        let Some((local_tip, local_root)) = local else {
            self.raw()
                .reference_matching(notes_ref, other_tip, true, git2::Oid::zero(), "git-policy: notes from remote")
                .map_err(|e| git_err(&format!("creating {notes_ref}"), &e))?;
            return Ok(self.all_notes(notes_ref)?.len());
        };
        if local_tip == other_tip || self.raw().graph_descendant_of(local_tip, other_tip).unwrap_or(false) {
            return Ok(0);
        }
        if self.raw().graph_descendant_of(other_tip, local_tip).unwrap_or(false) {
            self.raw()
                .reference_matching(notes_ref, other_tip, true, local_tip, "git-policy: fast-forward notes")
                .map_err(|e| git_err(&format!("updating {notes_ref}"), &e))?;
            return Ok(1);
        }
        let mut writes = Vec::new();
        for (commit, text) in self.all_notes(other_ref)? {
            let mine = self.note_in_tree(&local_root, &commit)?;
            if mine.as_deref() != Some(text.as_str()) {
                writes.push((commit, text.lines().map(str::to_string).collect()));
            }
        }
        let changed = writes.len();
        self.write_notes(notes_ref, &writes, "git-policy: merge notes (union of lines)", Some(other_tip))?;
        Ok(changed)
    }

    /// The commit a notes ref points to, `None` when there is no such ref.
    fn notes_tip(&self, notes_ref: &str) -> Result<Option<git2::Oid>> {
        match self.raw().refname_to_id(notes_ref) {
            Ok(id) => Ok(Some(id)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(&format!("reading {notes_ref}"), &e)),
        }
    }

    /// The raw tree of notes commit `commit`.
    fn commit_tree_raw(&self, objects: &mut Objects<'_>, commit: git2::Oid, notes_ref: &str) -> Result<Vec<u8>> {
        let (kind, raw) = objects.read(commit)?;
        match (kind == Kind::Commit).then(|| super::objects::commit_tree_and_parent(&raw)).flatten() {
            Some((tree, _)) => read_tree(objects, tree),
            None => Err(Error::git(
                format!("{notes_ref} points to {commit}, which is not a notes commit"),
                format!("look at it with git cat-file -p {commit}; git update-ref -d {notes_ref} drops the ref"),
            )),
        }
    }

    /// Who writes the notes commits: `user.name` and `user.email`, as `git notes` takes them,
    /// or git-policy itself where they are not set; the time is now.
    fn notes_signature(&self) -> Result<git2::Signature<'static>> {
        let (name, email) = self
            .configured_identity()?
            .unwrap_or_else(|| ("git-policy".to_string(), "git-policy@localhost".to_string()));
        git2::Signature::now(&name, &email)
            .or_else(|_| git2::Signature::now("git-policy", "git-policy@localhost"))
            .map_err(|e| git_err("making a signature for the notes commit", &e))
    }

    fn write_notes(
        &self,
        notes_ref: &str,
        writes: &[(String, Vec<String>)],
        message: &str,
        merge_parent: Option<git2::Oid>,
    ) -> Result<()> {
        let repo = self.raw();
        let dir = self.objects_dir();
        let mut objects = self.objects();
        let sig = self.notes_signature()?;
        let mut attempt = 0u32;
        let started = std::time::Instant::now();
        loop {
            attempt += 1;
            let parent = self.notes_tip(notes_ref)?;
            let root = parent.map(|c| self.commit_tree_raw(&mut objects, c, notes_ref)).transpose()?;
            let root = root.as_deref();
            let depth = root.map_or(Ok(0), |r| fanout(&mut objects, r))?;
            crate::env::trace("notes: tree read");
            let mut entries = Vec::new();
            let mut moved_out = Vec::new();
            let new_count = writes.len() + root.map_or(0, |r| if depth == 0 { tree_entries(r).count() } else { 0 });
            let depth = if depth == 0 && new_count > FLAT_LIMIT {
                // Move every flat note into fan-out once; later writes follow the fanned layout.
                for (_, name, id) in root.into_iter().flat_map(tree_entries) {
                    if let Some(name) = std::str::from_utf8(name).ok().filter(|n| n.len() == 40 && is_hex(n)) {
                        entries.push((path_for(name, 1), id));
                        moved_out.push(name.to_string());
                    }
                }
                1
            } else {
                depth
            };
            let mut merged: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (commit, lines) in writes {
                merged.entry(commit.as_str()).or_default().extend(lines.iter().map(String::as_str));
            }
            for (commit, lines) in merged {
                oid(commit)?;
                let moved = entries.iter().find(|(p, _)| p.concat() == commit).map(|(_, b)| *b);
                let blob = match (moved, root) {
                    (Some(blob), _) => Some(blob),
                    (None, Some(r)) => note_blob(&mut objects, r, commit)?,
                    (None, None) => None,
                };
                let existing = blob.map(|b| objects.read(b).map(|(_, bytes)| note_text(bytes))).transpose()?;
                let joined = lines.join("\n");
                let text = union_lines(existing.as_deref().into_iter().chain([joined.as_str()]));
                let blob = store(&dir, git2::ObjectType::Blob, text.as_bytes())?;
                entries.retain(|(p, _)| p.concat() != commit);
                entries.push((path_for(commit, depth), blob));
            }
            // Every object is stored before the ref moves, so no reader sees a ref to a missing one.
            let tree = write_tree(&mut objects, &dir, root, entries, &moved_out)?;
            let parents: Vec<git2::Oid> = parent.iter().chain(merge_parent.iter()).copied().collect();
            let commit = store(&dir, git2::ObjectType::Commit, &commit_bytes(tree, &parents, &sig, message))?;
            crate::env::trace("notes: objects written");
            // Compare-and-swap under the ref's lock. Creating goes the same way, expecting the
            // zero id (absent): libgit2's non-forced create checks for an existing ref before it
            // takes the lock, so two first writers could both "create" and one be lost.
            let updated = repo
                .reference_matching(notes_ref, commit, true, parent.unwrap_or_else(git2::Oid::zero), message)
                .map(|_| ());
            match updated {
                Ok(()) => {
                    crate::env::trace("notes: ref moved");
                    return Ok(());
                }
                Err(_) if started.elapsed() < RETRY_FOR => backoff(attempt),
                Err(e) => {
                    return Err(Error::git(
                        format!("could not update {notes_ref} after {attempt} attempts: {}", e.message()),
                        "another process keeps writing the same notes ref; try again",
                    ))
                }
            }
        }
    }
}

/// Sleeps a little, more with each attempt and with jitter, so racing writers spread out.
fn backoff(attempt: u32) {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let jitter = u64::from(nanos % 1000);
    // Up to ~10 ms plus up to 2 ms of jitter: short enough for a hook, long enough to let the
    // winner of a race finish.
    let jitter = jitter * 2;
    std::thread::sleep(std::time::Duration::from_micros(200 * u64::from(attempt.min(50)) + jitter));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::commits::tests::TestRepo;

    const REF: &str = "refs/notes/git-policy/dev";

    #[test]
    fn the_index_finds_every_note_of_a_fanned_out_tree_packed_or_loose() {
        let t = TestRepo::new();
        let mut parent = None;
        let mut commits = Vec::new();
        for i in 0..300 {
            let c = t.commit(Some("refs/heads/main"), parent.as_slice(), &[("f", Some(&i.to_string()))], 100 + i);
            parent = Some(c);
            commits.push(c.to_string());
        }
        let r = t.open();
        let first: Vec<(String, Vec<String>)> =
            commits[..200].iter().map(|c| (c.clone(), vec![format!("note of {c}")])).collect();
        r.append_notes(REF, &first, "stamp").unwrap();
        crate::repo::objects::tests::pack_all(&t);
        let rest: Vec<(String, Vec<String>)> =
            commits[150..].iter().map(|c| (c.clone(), vec![format!("more on {c}")])).collect();
        r.append_notes(REF, &rest, "stamp").unwrap();
        let r = t.open();
        let mut objects = r.objects();
        let tip = r.notes_tip(REF).unwrap().unwrap();
        let root = r.commit_tree_raw(&mut objects, tip, REF).unwrap();
        assert_eq!(fanout(&mut objects, &root).unwrap(), 1, "300 notes are fanned out");
        let index = r.notes_index(REF, &mut objects).unwrap();
        assert_eq!(index.len(), 300);
        let all: std::collections::HashMap<String, String> = r.all_notes(REF).unwrap().into_iter().collect();
        for c in &commits {
            assert_eq!(index.note(&mut objects, c).unwrap().as_ref(), all.get(c), "{c}");
        }
        assert_eq!(index.note(&mut objects, crate::repo::commits::tests::MISSING).unwrap(), None);
        assert_eq!(index.note(&mut objects, "not-an-id").unwrap(), None);
        assert!(r.notes_index("refs/notes/git-policy/none", &mut objects).unwrap().is_empty());
        let stop = AtomicBool::new(true);
        assert!(r.notes_index_unless(REF, &mut objects, &stop).unwrap().is_none(), "given up when told");
    }

    /// write_tree merges new entries into a base tree; libgit2's tree builder, which sorts as
    /// git does, says what the tree must be. Names share prefixes with `-`, `.` and `0`, which
    /// sort before and after `/`, so a directory's place differs from a file's of the same name.
    fn merged_tree_matches_a_tree_builder(spec: &[(String, bool, bool, Option<bool>)]) {
        let t = TestRepo::new();
        let r = t.open();
        let git = &t.git;
        let blob = git.blob(b"x").unwrap();
        let tree_with = |base: Option<git2::Oid>, name: &str| {
            let base = base.map(|b| git.find_tree(b).unwrap());
            let mut b = git.treebuilder(base.as_ref()).unwrap();
            b.insert(name, blob, 0o100644).unwrap();
            b.write().unwrap()
        };
        let dir_in_base = tree_with(None, "f");
        let mut base = git.treebuilder(None).unwrap();
        for (name, dir, in_base, _) in spec {
            if *in_base {
                let (id, mode) = if *dir { (dir_in_base, 0o040000) } else { (blob, 0o100644) };
                base.insert(name, id, mode).unwrap();
            }
        }
        let base_id = base.write().unwrap();
        let mut expected = git.treebuilder(Some(&git.find_tree(base_id).unwrap())).unwrap();
        let mut entries = Vec::new();
        for (name, dir, in_base, new) in spec {
            match new {
                Some(false) => {
                    entries.push((vec![name.clone()], blob));
                    let _ = expected.remove(name);
                    expected.insert(name, blob, 0o100644).unwrap();
                }
                Some(true) => {
                    entries.push((vec![name.clone(), "x".to_string()], blob));
                    let old = (*in_base && *dir).then_some(dir_in_base);
                    let _ = expected.remove(name);
                    expected.insert(name, tree_with(old, "x"), 0o040000).unwrap();
                }
                None => {}
            }
        }
        let mut objects = r.objects();
        let base_raw = read_tree(&mut objects, base_id).unwrap();
        let got = write_tree(&mut objects, &r.objects_dir(), Some(&base_raw), entries, &[]).unwrap();
        assert_eq!(got, expected.write().unwrap(), "{spec:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
        #[test]
        fn merged_trees_are_in_git_order(
            spec in proptest::collection::btree_map(
                "[ab][ab.0-]{0,2}",
                (proptest::prelude::any::<bool>(), proptest::prelude::any::<bool>(), proptest::option::of(proptest::prelude::any::<bool>())),
                1..12,
            )
        ) {
            let spec: Vec<_> = spec.into_iter().map(|(n, (d, b, new))| (n, d, b, new)).collect();
            merged_tree_matches_a_tree_builder(&spec);
        }
    }

    #[test]
    fn a_file_and_a_directory_sort_apart() {
        // "a-" < "a/" < "a0": the directory `a` goes between them, the file `a` before both.
        let spec = [
            ("a-".to_string(), false, true, None),
            ("a0".to_string(), false, true, None),
            ("a".to_string(), false, true, Some(true)),
            ("b".to_string(), true, true, Some(false)),
        ];
        merged_tree_matches_a_tree_builder(&spec);
        assert!(git_order(b"a", true, b"a-", false).is_gt() && git_order(b"a", false, b"a-", false).is_lt());
    }

    #[test]
    fn a_stamp_keeps_what_else_the_notes_tree_holds_and_refuses_a_ref_that_is_no_notes_commit() {
        let t = TestRepo::new();
        let a = t.commit(Some("refs/heads/main"), &[], &[("f", Some("1"))], 100);
        let b = t.commit(Some("refs/heads/main"), &[a], &[("f", Some("2"))], 200);
        // A notes tree as another tool might leave it: a note, a stray file and a stray directory.
        let git = &t.git;
        let note = git.blob(b"by another tool\n").unwrap();
        let readme = git.blob(b"not a note").unwrap();
        let mut inner = git.treebuilder(None).unwrap();
        inner.insert("x", readme, 0o100644).unwrap();
        let inner = inner.write().unwrap();
        let mut root = git.treebuilder(None).unwrap();
        root.insert(a.to_string(), note, 0o100644).unwrap();
        root.insert("README", readme, 0o100644).unwrap();
        root.insert("docs", inner, 0o040000).unwrap();
        let root = git.find_tree(root.write().unwrap()).unwrap();
        let sig = crate::repo::commits::tests::ada(300);
        let tip = git.commit(None, &sig, &sig, "notes", &root, &[]).unwrap();
        t.set_ref(REF, tip);
        let r = t.open();
        r.append_notes(REF, &[(a.to_string(), vec!["mine".into()]), (b.to_string(), vec!["new".into()])], "stamp")
            .unwrap();
        let tree = git.find_reference(REF).unwrap().peel_to_tree().unwrap();
        assert_eq!(tree.get_name("README").map(|e| e.id()), Some(readme));
        assert_eq!(tree.get_name("docs").map(|e| e.id()), Some(inner));
        assert_eq!(r.note_text(REF, &a.to_string()).unwrap().as_deref(), Some("by another tool\nmine\n"));
        assert_eq!(r.note_text(REF, &b.to_string()).unwrap().as_deref(), Some("new\n"));
        crate::repo::commits::tests::git_cli(t.dir.path(), &["fsck", "--strict"]);

        t.set_ref("refs/notes/git-policy/odd", readme);
        let err =
            r.append_notes("refs/notes/git-policy/odd", &[(a.to_string(), vec!["x".into()])], "stamp").unwrap_err();
        assert!(err.to_string().contains("not a notes commit"), "{err}");
    }

    #[test]
    fn the_index_reads_notes_git_wrote() {
        let t = TestRepo::new();
        let c = t.commit(Some("refs/heads/main"), &[], &[("f", Some("1"))], 100);
        crate::repo::commits::tests::git_cli(
            t.dir.path(),
            &["notes", "--ref", REF, "add", "-m", "by git", &c.to_string()],
        );
        let r = t.open();
        let mut objects = r.objects();
        let index = r.notes_index(REF, &mut objects).unwrap();
        assert_eq!(index.note(&mut objects, &c.to_string()).unwrap().as_deref(), Some("by git\n"));
    }
}
