//! A fast, exact reader of git's index file (`.git/index`), versions 2, 3 and 4, with its cache
//! tree (`TREE` extension).
//!
//! The pre-commit hook has a budget of about a millisecond on a 10,000-file repository, and
//! libgit2's `diff_tree_to_index` alone takes ~80 ms there. Reading the index ourselves gives the
//! staged entries directly, and the cache tree tells which directories are unchanged since they
//! were last written as trees (their object id is known), so whole subtrees can be skipped.
//!
//! The format is git's `Documentation/gitformat-index.txt`; where that text is loose, this reader
//! follows what git's `read-cache.c` and `cache-tree.c` do. It uses only `std` and never panics:
//! every malformed input is an [`IndexError`].
//!
//! Deliberate limits, each reported as [`IndexError::Unsupported`] so the caller can fall back to
//! libgit2: split indexes (`link`), sparse indexes (`sdir`), any other required extension, index
//! versions other than 2–4, SHA-256 repositories, non-UTF-8 paths, unknown extended entry flags,
//! and cache trees nested deeper than [`MAX_CACHE_TREE_DEPTH`].
//!
//! Where git is lenient about things it never writes, this reader says `Corrupt` instead: a
//! malformed `TREE` (git silently drops the cache tree), stray bytes too short for an extension
//! header (git ignores them), a path whose length field disagrees with its NUL terminator or that
//! holds a NUL, extended flags in a version 2 entry. Like git, it rejects entries out of
//! path/stage order.
//!
//! The trailing checksum is not verified, because hashing the file would cost more than parsing
//! it. Truncation and garbage are still caught by the structure: every entry and extension must
//! fit, and the extensions must end exactly where the 20-byte checksum begins. The one truncation
//! this cannot see is a cut landing exactly 20 bytes past the end of the entries or of an
//! extension (those 20 bytes then pass for the checksum); callers that need certainty must hash.

use std::cmp::Ordering;
use std::ffi::CStr;
use std::fmt;

/// Bytes in a SHA-1 object id, the only hash this reader accepts.
const SHA1_LEN: usize = 20;
/// Bytes in a SHA-256 object id; only used to recognise (and refuse) SHA-256 indexes.
const SHA256_LEN: usize = 32;
/// The header: "DIRC", version, entry count.
const HEADER_LEN: usize = 12;
/// The stat data that starts every entry: ctime, mtime (seconds and nanoseconds each), dev, ino,
/// mode, uid, gid, size; 32 bits each.
const STAT_LEN: usize = 40;
/// The 12-bit name length field holds this when the name is this long or longer.
const NAME_MASK: u16 = 0x0FFF;
/// Entry flag: a second 16-bit flags word follows (v3+).
const FLAG_EXTENDED: u16 = 0x4000;
/// Extended flag: skip-worktree (sparse checkout).
const XFLAG_SKIP_WORKTREE: u16 = 0x4000;
/// Extended flag: intent-to-add (`git add -N`).
const XFLAG_INTENT_TO_ADD: u16 = 0x2000;

/// Cache-tree nodes nested deeper than this are refused as unsupported. Dropping (and printing)
/// a node recurses, so an unbounded depth taken from a crafted file could overflow the stack;
/// no real repository comes near this (a path would need more than 8 KB of `a/` components).
pub const MAX_CACHE_TREE_DEPTH: usize = 4096;

/// One index entry: a staged path at one merge stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Path relative to the work tree root, `/`-separated. Always valid UTF-8: an index with any
    /// other path is refused as [`IndexError::Unsupported`] rather than read lossily.
    pub path: String,
    /// The mode: `0o100644`, `0o100755`, `0o120000` (symlink) or `0o160000` (gitlink).
    pub mode: u32,
    /// The object id (SHA-1) of the staged blob (or commit, for a gitlink).
    pub oid: [u8; 20],
    /// The file size from the last stat, truncated to 32 bits (0 for entries git never stat'ed).
    pub file_size: u32,
    /// The merge stage: 0 normally; 1 (base), 2 (ours), 3 (theirs) during a conflict.
    pub stage: u8,
    /// Added with `git add -N`: the path is known but no content is staged (the oid is the empty
    /// blob's).
    pub intent_to_add: bool,
    /// Marked skip-worktree (sparse checkout or `git update-index --skip-worktree`).
    pub skip_worktree: bool,
}

/// One directory of the cache tree (`TREE` extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheTreeNode {
    /// This directory's name relative to its parent (one path component); `""` for the root.
    pub name: String,
    /// How many index entries lie under this directory, or `-1` when the node is invalid (a path
    /// under it changed since the tree was last written). Git writes `-1` for every invalid node;
    /// any other negative count is read as `-1` too, as git reads them all as invalid.
    pub entry_count: i64,
    /// The tree object this directory would be written as; `Some` exactly when the node is valid.
    pub oid: Option<[u8; 20]>,
    /// The subdirectories git tracks, in the file's order (git sorts them by name length first,
    /// so this is not alphabetical).
    pub children: Vec<CacheTreeNode>,
}

/// A parsed index file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// The format version: 2, 3 or 4.
    pub version: u32,
    /// The entries, in index order: sorted by path bytes, then by stage.
    pub entries: Vec<IndexEntry>,
    /// The cache tree, if the index has a `TREE` extension.
    pub cache_tree: Option<CacheTreeNode>,
}

/// Why an index could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexError {
    /// The index is well-formed as far as this reader can tell but uses something it does not
    /// handle (split or sparse index, SHA-256, non-UTF-8 paths, ...): fall back to libgit2.
    Unsupported(String),
    /// The bytes are not a valid index.
    Corrupt {
        /// Byte offset in the file where the problem was found.
        offset: usize,
        /// What is wrong.
        what: String,
    },
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported(what) => write!(f, "unsupported index: {what}"),
            Self::Corrupt { offset, what } => write!(f, "corrupt index at byte {offset}: {what}"),
        }
    }
}

impl std::error::Error for IndexError {}

fn corrupt(offset: usize, what: impl Into<String>) -> IndexError {
    IndexError::Corrupt { offset, what: what.into() }
}

impl CacheTreeNode {
    /// The node for directory `dir`: `""` is the root (this node), `"a/b"` is `b` under `a`.
    /// `None` if git does not track that directory in the cache tree (absent, or dropped when a
    /// path under it was removed), or if `dir` has an empty component (`"a//b"`, `"a/"`).
    #[must_use]
    pub fn find(&self, dir: &str) -> Option<&CacheTreeNode> {
        if dir.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for component in dir.split('/') {
            // Linear: directories have few subdirectories, and git's order (length first) is not
            // one a foreign writer is bound to follow, so a binary search would be a guess.
            node = node.children.iter().find(|c| c.name == component)?;
        }
        Some(node)
    }

    /// Whether the node is valid: its `oid` matches the entries under it.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.entry_count >= 0
    }
}

/// Parses the bytes of an index file (SHA-1 repositories only).
///
/// The caller should still check `extensions.objectFormat`: a SHA-256 index is recognised and
/// refused here, but only by its layout.
///
/// # Errors
///
/// [`IndexError::Unsupported`] for a valid index this reader does not handle (fall back to
/// libgit2), [`IndexError::Corrupt`] for bytes that are not a valid index.
pub fn parse(bytes: &[u8]) -> Result<IndexFile, IndexError> {
    match parse_with_hash::<SHA1_LEN>(bytes) {
        Ok((file, _)) => Ok(file),
        Err(err) => {
            // The index does not say which hash it uses. Only on failure, try the SHA-256
            // layout, so that a SHA-256 index is reported as unsupported instead of corrupt.
            match parse_with_hash::<SHA256_LEN>(bytes) {
                Ok(_) | Err(IndexError::Unsupported(_)) => {
                    Err(IndexError::Unsupported("SHA-256 index (32-byte object ids)".to_string()))
                }
                Err(IndexError::Corrupt { .. }) => Err(err),
            }
        }
    }
}

/// A bounds-checked cursor over a slice; offsets in errors are absolute in the file.
/// Appends `src` to `buf` in 16-byte moves the compiler inlines: musl's `memcpy`, which
/// `extend_from_slice` calls for a length it cannot see, aligns byte by byte and then starts a
/// `rep movsq`, which made it 35% of reading a version 4 index of short paths.
fn append(buf: &mut Vec<u8>, src: &[u8]) {
    let mut chunks = src.chunks_exact(16);
    for block in (&mut chunks).filter_map(<[u8]>::first_chunk::<16>) {
        buf.extend_from_slice(block);
    }
    for &b in chunks.remainder() {
        buf.push(b);
    }
}

/// [`append`] of `buf[start..start + len]` to `buf` itself.
fn append_within(buf: &mut Vec<u8>, start: usize, len: usize) {
    let end = start + len;
    let mut at = start;
    while let Some(block) = buf.get(at..end).and_then(<[u8]>::first_chunk::<16>).copied() {
        buf.extend_from_slice(&block);
        at += 16;
    }
    while at < end {
        let b = buf[at];
        buf.push(b);
        at += 1;
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Where `data` starts in the file.
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn err(&self, what: impl Into<String>) -> IndexError {
        corrupt(self.offset(), what)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], IndexError> {
        let slice = self
            .pos
            .checked_add(n)
            .and_then(|end| self.data.get(self.pos..end))
            .ok_or_else(|| self.err(format!("truncated {what}")))?;
        self.pos += n;
        Ok(slice)
    }

    fn take_array<const N: usize>(&mut self, what: &str) -> Result<&'a [u8; N], IndexError> {
        let pos = self.pos;
        match self.rest().first_chunk::<N>() {
            Some(array) => {
                self.pos = pos + N;
                Ok(array)
            }
            None => Err(self.err(format!("truncated {what}"))),
        }
    }

    fn byte(&mut self, what: &str) -> Result<u8, IndexError> {
        Ok(self.take_array::<1>(what)?[0])
    }

    fn be16(&mut self, what: &str) -> Result<u16, IndexError> {
        Ok(u16::from_be_bytes(*self.take_array::<2>(what)?))
    }

    fn be32(&mut self, what: &str) -> Result<u32, IndexError> {
        Ok(u32::from_be_bytes(*self.take_array::<4>(what)?))
    }

    /// A NUL-terminated string; the cursor moves past the NUL.
    fn c_str(&mut self, what: &str) -> Result<&'a [u8], IndexError> {
        // CStr's search is std's memchr: much faster than a byte loop on long paths.
        let len = CStr::from_bytes_until_nul(self.rest())
            .map(|s| s.to_bytes().len())
            .map_err(|_| self.err(format!("{what} is not NUL-terminated")))?;
        let s = self.take(len, what)?;
        self.pos += 1;
        Ok(s)
    }

    /// Git's varint (`varint.c`, as for OFS_DELTA offsets): big-endian 7-bit groups where each
    /// continuation adds one before shifting, so every value has exactly one encoding. Not LEB128.
    fn varint(&mut self, what: &str) -> Result<usize, IndexError> {
        let start = self.offset();
        let mut c = self.byte(what)?;
        let mut value = u64::from(c & 0x7f);
        while c & 0x80 != 0 {
            value = value.wrapping_add(1);
            // The same overflow test as git: the next shift must not lose bits.
            if value == 0 || value >> (64 - 7) != 0 {
                return Err(corrupt(start, format!("{what} overflows")));
            }
            c = self.byte(what)?;
            value = (value << 7) + u64::from(c & 0x7f);
        }
        usize::try_from(value).map_err(|_| corrupt(start, format!("{what} overflows")))
    }

    /// A version 4 entry's path: how many leading bytes of the previous path (`prev_len` long)
    /// it keeps, and the suffix it adds. `length` is the entry's 12-bit length field when it
    /// holds the whole length (which spares a search for the NUL); `entry_at` is where the entry
    /// starts, for errors about that field.
    fn v4_path(
        &mut self,
        prev_len: usize,
        length: Option<usize>,
        entry_at: usize,
    ) -> Result<(usize, &'a [u8]), IndexError> {
        let name_at = self.offset();
        let strip = self.varint("path prefix length")?;
        let keep = prev_len
            .checked_sub(strip)
            .ok_or_else(|| corrupt(name_at, "path strips more than the previous path's length"))?;
        let suffix = match length {
            Some(length) => {
                let len = length
                    .checked_sub(keep)
                    .ok_or_else(|| corrupt(entry_at, "path length disagrees with the entry's length field"))?;
                let suffix = self.take(len, "path")?;
                if self.byte("path terminator")? != 0 {
                    return Err(corrupt(name_at, "path length disagrees with its NUL terminator"));
                }
                suffix
            }
            None => self.c_str("path")?,
        };
        Ok((keep, suffix))
    }
}

/// How many leading bytes `prev` and `next` share, and how `prev` sorts against `next` (as
/// memcmp would); eight bytes at a time, as sibling paths share long prefixes.
fn compare_paths(prev: &[u8], next: &[u8]) -> (usize, Ordering) {
    let mut shared = 0;
    while let (Some(a), Some(b)) =
        (prev.get(shared..).and_then(<[u8]>::first_chunk::<8>), next.get(shared..).and_then(<[u8]>::first_chunk::<8>))
    {
        let diff = u64::from_le_bytes(*a) ^ u64::from_le_bytes(*b);
        if diff != 0 {
            // Little-endian: the lowest set bit is in the first differing byte.
            shared += (diff.trailing_zeros() / 8) as usize;
            break;
        }
        shared += 8;
    }
    loop {
        match (prev.get(shared), next.get(shared)) {
            (Some(a), Some(b)) if a == b => shared += 1,
            (Some(a), Some(b)) => return (shared, a.cmp(b)),
            (Some(_), None) => return (shared, Ordering::Greater),
            (None, Some(_)) => return (shared, Ordering::Less),
            (None, None) => return (shared, Ordering::Equal),
        }
    }
}

/// Whether every byte is ASCII and not NUL: branch-free, so cheaper than a NUL search on the
/// few bytes it usually sees.
fn is_plain_ascii(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |ok, &c| ok & (c.wrapping_sub(1) < 0x7f))
}

fn count_to_usize(count: u32) -> usize {
    usize::try_from(count).unwrap_or(usize::MAX)
}

fn be32_at(bytes: &[u8; STAT_LEN], at: usize) -> u32 {
    // Callers pass constant offsets below STAT_LEN - 3; `get` keeps even a mistake panic-free.
    bytes.get(at..at + 4).and_then(|s| s.first_chunk::<4>()).map_or(0, |a| u32::from_be_bytes(*a))
}

/// The parse for one hash length `H`; also returns where the extensions start (tests use it).
fn parse_with_hash<const H: usize>(bytes: &[u8]) -> Result<(IndexFile, usize), IndexError> {
    if bytes.len() < HEADER_LEN + H {
        return Err(corrupt(bytes.len(), "file shorter than the header and checksum"));
    }
    // Everything but the trailing checksum; nothing may be read from the checksum itself.
    let content = bytes.get(..bytes.len() - H).unwrap_or_default();
    let mut r = Reader::new(content, 0);

    if r.take_array::<4>("signature")? != b"DIRC" {
        return Err(corrupt(0, "bad signature (not an index file)"));
    }
    let version = r.be32("version")?;
    if !(2..=4).contains(&version) {
        return Err(IndexError::Unsupported(format!("index version {version}")));
    }
    let count = r.be32("entry count")?;

    // Never trust the count for the allocation: a flipped bit must not reserve gigabytes. The
    // smallest possible entry is the fixed part, a one-byte name and its NUL (rounded up to 8 for
    // v2/v3; a one-byte varint instead of padding for v4).
    let min_entry = STAT_LEN + H + 2 + 2;
    let capacity = count_to_usize(count).min(content.len() / min_entry);
    let mut entries: Vec<IndexEntry> = Vec::with_capacity(capacity);

    // Errors that do not stop the walk. A split index's entries can have empty names and be out
    // of order, and a non-UTF-8 path says nothing about the rest of the file; finishing the walk
    // lets a later `link` extension (unsupported) or a structural fault (corrupt) be the answer.
    let mut deferred: Option<IndexError> = None;
    // The previous path's bytes. v4 rebuilds each path from its predecessor, so it keeps a copy;
    // v2/v3 paths are whole in the file, so borrowing them costs nothing.
    let mut prev_v4: Vec<u8> = Vec::new();
    let mut prev_v2: &[u8] = &[];
    let mut prev_stage: Option<u8> = None;

    for _ in 0..count {
        let start = r.offset();
        let stat = r.take_array::<STAT_LEN>("entry")?;
        let oid_bytes = r.take_array::<H>("entry object id")?;
        let flags = r.be16("entry flags")?;
        let (intent_to_add, skip_worktree) = if flags & FLAG_EXTENDED != 0 {
            if version < 3 {
                deferred.get_or_insert_with(|| corrupt(start, "extended flags in a version 2 index"));
            }
            let xflags = r.be16("entry extended flags")?;
            if xflags & !(XFLAG_SKIP_WORKTREE | XFLAG_INTENT_TO_ADD) != 0 {
                // git refuses these too ("unknown index entry format"): a newer git's meaning.
                deferred.get_or_insert_with(|| {
                    IndexError::Unsupported(format!("unknown extended entry flags {xflags:#06x}"))
                });
            }
            (xflags & XFLAG_INTENT_TO_ADD != 0, xflags & XFLAG_SKIP_WORKTREE != 0)
        } else {
            (false, false)
        };
        let stage = ((flags >> 12) & 0x3) as u8;
        // The 12-bit length; NAME_MASK means "4095 or more, find the NUL".
        let name_field = usize::from(flags & NAME_MASK);
        let known_length = name_field < usize::from(NAME_MASK);

        let name_at = r.offset();
        // The new path's bytes, how many leading bytes it shares with the previous path, and
        // how it sorts against it; all found while both paths are at hand.
        let (path, shared, order): (&[u8], usize, Ordering) = if version == 4 {
            let (keep, suffix) = r.v4_path(prev_v4.len(), known_length.then_some(name_field), start)?;
            // A writer may strip more than it must, so the paths can share more than `keep`.
            let (extra, order) = compare_paths(prev_v4.get(keep..).unwrap_or_default(), suffix);
            prev_v4.truncate(keep);
            prev_v4.extend_from_slice(suffix);
            (prev_v4.as_slice(), keep + extra, order)
        } else {
            let name = if known_length {
                let name = r.take(name_field, "path")?;
                if r.byte("path terminator")? != 0 {
                    return Err(corrupt(name_at, "path length disagrees with its NUL terminator"));
                }
                name
            } else {
                r.c_str("path")?
            };
            // Entries are padded with 1-8 NULs (the terminator counts) to a multiple of 8 bytes.
            let size = (name_at - start + name.len() + 8) & !7;
            r.take((start + size).saturating_sub(r.offset()), "entry padding")?;
            let (shared, order) = compare_paths(prev_v2, name);
            prev_v2 = name;
            (name, shared, order)
        };
        if !known_length && path.len() < name_field {
            return Err(corrupt(start, "path shorter than the entry's length field says"));
        }
        if path.is_empty() {
            deferred.get_or_insert_with(|| corrupt(start, "empty path"));
        }
        // git's check_ce_order: sorted by path, then stage; a merged (stage 0) path is alone.
        if let Some(prev_stage) = prev_stage {
            let out_of_order = match order {
                Ordering::Greater => true,
                Ordering::Equal => prev_stage == 0 || prev_stage > stage,
                Ordering::Less => false,
            };
            if out_of_order {
                deferred.get_or_insert_with(|| corrupt(start, "entries out of order"));
            }
        }
        prev_stage = Some(stage);

        // The previous entry's path was checked already, so only the bytes after the shared
        // prefix need checking: usually a few bytes instead of the whole path. The prefix is
        // cut back to a character boundary, as a shared prefix can end inside a character.
        let prev_path = match (&deferred, entries.last()) {
            (None, Some(last)) => last.path.as_str(),
            _ => "",
        };
        let mut boundary = shared.min(prev_path.len());
        while !prev_path.is_char_boundary(boundary) {
            boundary -= 1;
        }
        let tail = path.get(boundary..).unwrap_or_default();
        if !is_plain_ascii(tail) && tail.contains(&0) {
            return Err(corrupt(name_at, "NUL byte inside a path"));
        }
        let Ok(tail) = std::str::from_utf8(tail) else {
            deferred.get_or_insert_with(|| {
                IndexError::Unsupported(format!("non-UTF-8 path {:?}", String::from_utf8_lossy(path)))
            });
            continue;
        };
        if deferred.is_none() {
            let head = prev_path.get(..boundary).unwrap_or_default();
            // The path `String` is the one allocation per entry.
            let mut path = String::with_capacity(head.len() + tail.len());
            path.push_str(head);
            path.push_str(tail);
            let mut oid = [0u8; 20];
            if let Some(first) = oid_bytes.first_chunk::<20>() {
                oid = *first;
            }
            entries.push(IndexEntry {
                path,
                mode: be32_at(stat, 24),
                oid,
                file_size: be32_at(stat, 36),
                stage,
                intent_to_add,
                skip_worktree,
            });
        }
    }
    let extensions_start = r.offset();

    let mut cache_tree = None;
    // An extension this reader refuses. The walk still goes on to the end, so that `Unsupported`
    // always means "structurally sound": `parse` relies on that to recognise SHA-256 indexes.
    let mut refused: Option<IndexError> = None;
    while !r.at_end() {
        let header_at = r.offset();
        let signature = *r.take_array::<4>("extension header")?;
        let size = r.be32("extension header")?;
        let size = usize::try_from(size).map_err(|_| corrupt(header_at, "extension size overflows"))?;
        let data_at = r.offset();
        let data = r.take(size, "extension")?;
        let refusal = match &signature {
            b"TREE" => {
                cache_tree = Some((parse_cache_tree::<H>(data, data_at)?, data_at));
                None
            }
            b"link" => Some("split index (`link` extension)".to_string()),
            b"sdir" => Some("sparse index (`sdir` extension)".to_string()),
            // Optional extensions (REUC, UNTR, FSMN, EOIE, IEOT, ...) may be ignored by design.
            [b'A'..=b'Z', ..] => None,
            _ => Some(format!("required index extension `{}`", signature.escape_ascii())),
        };
        if refused.is_none() {
            refused = refusal.map(IndexError::Unsupported);
        }
    }

    // A refused extension explains odd entries (a split index's are unsorted, some unnamed), so
    // it is the better answer than anything set aside during the entry walk.
    if let Some(err) = refused.or(deferred) {
        return Err(err);
    }
    // Callers use the counts to skip ranges of entries, so they must stay in bounds. Checked
    // only now: a split index's cache tree counts the entries of the shared index too.
    if let Some((tree, at)) = &cache_tree {
        let mut stack = vec![tree];
        while let Some(node) = stack.pop() {
            if usize::try_from(node.entry_count).is_ok_and(|n| n > entries.len()) {
                return Err(corrupt(
                    *at,
                    format!("cache tree counts more entries than the index has under {:?}", node.name),
                ));
            }
            stack.extend(&node.children);
        }
    }
    let cache_tree = cache_tree.map(|(tree, _)| tree);
    Ok((IndexFile { version, entries, cache_tree }, extensions_start))
}

/// One cache-tree node as it sits in the extension, name not copied: the flat, depth-first
/// form both readers start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlatNode<'a> {
    /// One path component; empty for the root.
    pub name: &'a [u8],
    /// The tree object id; `Some` exactly when the node is valid.
    pub oid: Option<[u8; 20]>,
    /// Entry count as written (`-1` for an invalid node).
    entry_count: i64,
    /// How many direct subdirectories follow.
    subtrees: usize,
    /// Index one past this node's last descendant: its next sibling, if it has one.
    end: usize,
}

/// A cache tree in flat depth-first form: one allocation for the whole tree, which matters
/// for pre-commit on repositories with thousands of directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatCacheTree<'a> {
    nodes: Vec<FlatNode<'a>>,
}

impl<'a> FlatCacheTree<'a> {
    /// The root node (index 0).
    pub fn root(&self) -> Option<usize> {
        (!self.nodes.is_empty()).then_some(0)
    }

    /// Node `i`.
    ///
    /// # Panics
    /// When `i` did not come from [`Self::root`] or [`Self::child`].
    pub fn node(&self, i: usize) -> &FlatNode<'a> {
        &self.nodes[i]
    }

    /// The direct subdirectory of node `i` named `name`.
    pub fn child(&self, i: usize, name: &[u8]) -> Option<usize> {
        let node = self.nodes.get(i)?;
        let mut at = i + 1;
        for _ in 0..node.subtrees {
            let c = self.nodes.get(at)?;
            if c.name == name {
                return Some(at);
            }
            at = c.end;
        }
        None
    }

    /// The same tree from the nested form (the complete reader's).
    pub fn from_nested(root: &'a CacheTreeNode) -> Self {
        let mut nodes = Vec::new();
        // (node, index in `nodes`); a node's `end` is set once all its descendants are pushed.
        let mut stack: Vec<(&'a CacheTreeNode, usize, usize)> = Vec::new();
        nodes.push(FlatNode::of(root));
        stack.push((root, 0, 0));
        while let Some((node, at, next_child)) = stack.pop() {
            match node.children.get(next_child) {
                Some(child) => {
                    stack.push((node, at, next_child + 1));
                    nodes.push(FlatNode::of(child));
                    stack.push((child, nodes.len() - 1, 0));
                }
                None => nodes[at].end = nodes.len(),
            }
        }
        Self { nodes }
    }
}

impl<'a> FlatNode<'a> {
    fn of(node: &'a CacheTreeNode) -> Self {
        Self {
            name: node.name.as_bytes(),
            oid: node.oid,
            entry_count: node.entry_count,
            subtrees: node.children.len(),
            end: 0,
        }
    }

    /// Whether the node is valid: its `oid` matches the entries under it.
    pub fn is_valid(&self) -> bool {
        self.entry_count >= 0
    }
}

/// Parses the `TREE` extension: nodes in depth-first order, each `name NUL count SP subtrees LF`
/// then the oid when `count >= 0`. Iterative, so a crafted file cannot overflow the stack.
fn parse_flat_cache_tree<const H: usize>(data: &[u8], base: usize) -> Result<FlatCacheTree<'_>, IndexError> {
    let mut r = Reader::new(data, base);
    let root = read_tree_node::<H>(&mut r)?;
    if !root.name.is_empty() {
        // git ignores such a tree ("not the whole tree"); git never writes one.
        return Err(corrupt(base, "cache tree does not start at the root"));
    }
    let mut nodes = vec![root];
    // Each stack element: a node's index and how many of its subtrees are still to be read.
    let mut stack: Vec<(usize, usize)> = vec![(0, root.subtrees)];
    while let Some((at, pending)) = stack.last_mut() {
        if *pending > 0 {
            *pending -= 1;
            let offset = r.offset();
            if stack.len() >= MAX_CACHE_TREE_DEPTH {
                return Err(IndexError::Unsupported(format!(
                    "cache tree deeper than {MAX_CACHE_TREE_DEPTH} levels (at byte {offset})"
                )));
            }
            let child = read_tree_node::<H>(&mut r)?;
            if child.name.is_empty() || child.name.contains(&b'/') {
                return Err(corrupt(offset, "cache tree subtree name is not a path component"));
            }
            nodes.push(child);
            stack.push((nodes.len() - 1, child.subtrees));
        } else {
            let done = *at;
            nodes[done].end = nodes.len();
            stack.pop();
        }
    }
    if !r.at_end() {
        return Err(r.err("bytes after the cache tree"));
    }
    Ok(FlatCacheTree { nodes })
}

/// Parses the `TREE` extension into the nested form.
fn parse_cache_tree<const H: usize>(data: &[u8], base: usize) -> Result<CacheTreeNode, IndexError> {
    let flat = parse_flat_cache_tree::<H>(data, base)?;
    // Built bottom-up from the flat form: children of node i are finished before i itself.
    let mut built: Vec<Option<CacheTreeNode>> = vec![None; flat.nodes.len()];
    for i in (0..flat.nodes.len()).rev() {
        let n = &flat.nodes[i];
        let name = std::str::from_utf8(n.name)
            .map_err(|_| IndexError::Unsupported("non-UTF-8 cache tree name".into()))?
            .to_string();
        let mut children = Vec::with_capacity(n.subtrees);
        let mut at = i + 1;
        for _ in 0..n.subtrees {
            let next = flat.nodes[at].end;
            children.extend(built[at].take());
            at = next;
        }
        built[i] = Some(CacheTreeNode { name, entry_count: n.entry_count, oid: n.oid, children });
    }
    built.first_mut().and_then(Option::take).ok_or_else(|| corrupt(base, "empty cache tree"))
}

/// One cache-tree node; `subtrees` says how many children follow, `end` is set by the caller.
fn read_tree_node<'a, const H: usize>(r: &mut Reader<'a>) -> Result<FlatNode<'a>, IndexError> {
    let name = r.c_str("cache tree name")?;

    let count_at = r.offset();
    let negative = r.rest().first() == Some(&b'-');
    if negative {
        r.pos += 1;
    }
    let magnitude = read_decimal(r, b' ', "cache tree entry count")?;
    let subtrees = read_decimal(r, b'\n', "cache tree subtree count")?;

    let (entry_count, oid) = if negative && magnitude != 0 {
        (-1, None)
    } else {
        let count = i64::try_from(magnitude).map_err(|_| corrupt(count_at, "cache tree entry count overflows"))?;
        let oid_bytes = r.take_array::<H>("cache tree object id")?;
        let mut oid = [0u8; 20];
        if let Some(first) = oid_bytes.first_chunk::<20>() {
            oid = *first;
        }
        (count, Some(oid))
    };
    let subtrees = usize::try_from(subtrees).map_err(|_| corrupt(count_at, "cache tree subtree count overflows"))?;
    Ok(FlatNode { name, oid, entry_count, subtrees, end: 0 })
}

/// ASCII decimal digits (at least one) ending in `terminator`, as git writes them with `%d`.
fn read_decimal(r: &mut Reader<'_>, terminator: u8, what: &str) -> Result<u64, IndexError> {
    let start = r.offset();
    let mut value: u64 = 0;
    let mut digits = 0usize;
    loop {
        let c = r.byte(what)?;
        match c {
            b'0'..=b'9' => {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(c - b'0')))
                    .ok_or_else(|| corrupt(start, format!("{what} overflows")))?;
                digits += 1;
            }
            _ if c == terminator && digits > 0 => return Ok(value),
            _ => return Err(corrupt(start, format!("malformed {what}"))),
        }
    }
}

/// One entry as it sits in the file, its path not copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeanEntry<'a> {
    /// Path bytes, repository-relative.
    pub path: &'a [u8],
    /// File mode.
    pub mode: u32,
    /// Object id.
    pub oid: [u8; SHA1_LEN],
    /// Size in the work tree when staged (truncated to 32 bits).
    pub file_size: u32,
    /// Merge stage (0 when not conflicted).
    pub stage: u8,
    /// `git add -N`: recorded, not staged.
    pub intent_to_add: bool,
}

/// The entries of a scanned index, decoded on demand: a scan records where each entry sits
/// (8 bytes an entry) instead of building them all, since pre-commit looks at only the few
/// directories the cache tree marks as changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeanEntries<'a> {
    content: &'a [u8],
    /// Offset of each entry and the length of its path, both checked by the scan.
    spans: Vec<(u32, u32)>,
    /// Version 4 only: every path spelled out, one after another (the file stores each as what
    /// it adds to the one before), and where each starts; empty for versions 2 and 3, whose
    /// paths are read where they are in the file.
    paths: &'a [u8],
    path_starts: Vec<u32>,
}

impl<'a> LeanEntries<'a> {
    /// How many entries the index holds.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the index has no entries.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Entry `i` in index order.
    ///
    /// # Panics
    /// When `i` is out of range, like slice indexing. The spans were bounds-checked by [`scan`].
    pub fn get(&self, i: usize) -> LeanEntry<'a> {
        let (at, name_len) = self.spans[i];
        let at = at as usize;
        let fixed = &self.content[at..at + STAT_LEN + SHA1_LEN + 2];
        let flags = u16::from_be_bytes([fixed[60], fixed[61]]);
        let mut name_at = at + STAT_LEN + SHA1_LEN + 2;
        let mut intent_to_add = false;
        if flags & FLAG_EXTENDED != 0 {
            let x = &self.content[name_at..name_at + 2];
            intent_to_add = u16::from_be_bytes([x[0], x[1]]) & XFLAG_INTENT_TO_ADD != 0;
            name_at += 2;
        }
        let word = |i: usize| u32::from_be_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
        let mut oid = [0u8; SHA1_LEN];
        oid.copy_from_slice(&fixed[40..60]);
        let path = match self.path_starts.get(i) {
            Some(&start) => &self.paths[start as usize..start as usize + name_len as usize],
            None => &self.content[name_at..name_at + name_len as usize],
        };
        LeanEntry { path, mode: word(24), oid, file_size: word(36), stage: ((flags >> 12) & 3) as u8, intent_to_add }
    }

    /// Every entry, in index order.
    pub fn iter(&self) -> impl Iterator<Item = LeanEntry<'a>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// A zero-copy view of an index: what the pre-commit hot path reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeanIndex<'a> {
    /// Entries in index order.
    pub entries: LeanEntries<'a>,
    /// The cache tree, if the index has one.
    pub cache_tree: Option<FlatCacheTree<'a>>,
}

/// Reads a SHA-1 index without an allocation per entry, which matters in a process that lives
/// a few milliseconds: version 2 and 3 paths are borrowed from the file; version 4's, which the
/// file stores as what each adds to the one before (`feature.manyFiles` turns it on), are spelled
/// out into `paths`, one buffer for all. Split and sparse indexes are `Unsupported`: use
/// [`parse`].
pub fn scan<'a>(bytes: &'a [u8], paths: &'a mut Vec<u8>) -> Result<LeanIndex<'a>, IndexError> {
    if bytes.len() < HEADER_LEN + SHA1_LEN || bytes.get(..4) != Some(b"DIRC".as_slice()) {
        return Err(corrupt(0, "not an index file"));
    }
    let content = &bytes[..bytes.len() - SHA1_LEN];
    if u32::try_from(content.len()).is_err() {
        return Err(IndexError::Unsupported("an index of 4 GiB or more in the fast reader".into()));
    }
    let be32 = |at: usize| -> Result<u32, IndexError> {
        content
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| corrupt(at, "truncated"))
    };
    let version = be32(4)?;
    if !(2..=4).contains(&version) {
        return Err(IndexError::Unsupported(format!("index version {version} in the fast reader")));
    }
    let v4 = version == 4;
    let count = count_to_usize(be32(8)?);
    // Every entry takes at least 64 bytes (versions 2 and 3 pad to 8; version 4 has a prefix
    // count, a suffix of a byte or more and its NUL), so a flipped count cannot reserve gigabytes.
    let mut spans = Vec::with_capacity(count.min(content.len() / 64));
    let mut path_starts: Vec<u32> = Vec::with_capacity(if v4 { spans.capacity() } else { 0 });
    paths.clear();
    if v4 {
        // About what the paths take spelled out (an entry's fixed part is as long as a typical
        // path): no reallocation, and what is not used is never touched.
        paths.reserve(content.len());
    }
    let mut at = HEADER_LEN;
    for _ in 0..count {
        let fixed = content.get(at..at + STAT_LEN + SHA1_LEN + 2).ok_or_else(|| corrupt(at, "truncated entry"))?;
        let flags = u16::from_be_bytes([fixed[60], fixed[61]]);
        let mut name_at = at + STAT_LEN + SHA1_LEN + 2;
        if flags & FLAG_EXTENDED != 0 {
            if version < 3 {
                return Err(corrupt(at, "extended flags in a version 2 index"));
            }
            content.get(name_at..name_at + 2).ok_or_else(|| corrupt(at, "truncated entry"))?;
            name_at += 2;
        }
        let len = usize::from(flags & NAME_MASK);
        let known_length = len < usize::from(NAME_MASK);
        let (name_len, next) = if v4 {
            let mut r = Reader::new(content.get(name_at..).unwrap_or_default(), name_at);
            let prev = match (path_starts.last(), spans.last()) {
                (Some(&start), Some(&(_, len))) => start as usize..start as usize + len as usize,
                _ => 0..0,
            };
            let (keep, suffix) = r.v4_path(prev.len(), known_length.then_some(len), at)?;
            let start = u32::try_from(paths.len())
                .map_err(|_| IndexError::Unsupported("4 GiB of paths or more in the fast reader".into()))?;
            append_within(paths, prev.start, keep);
            append(paths, suffix);
            path_starts.push(start);
            (keep + suffix.len(), r.offset())
        } else {
            let name_len = if known_length {
                len
            } else {
                content
                    .get(name_at..)
                    .and_then(|r| r.iter().position(|&b| b == 0))
                    .ok_or_else(|| corrupt(at, "unterminated path"))?
            };
            content.get(name_at..name_at + name_len).ok_or_else(|| corrupt(at, "truncated path"))?;
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            (name_len, at + ((name_at - at + name_len + 8) & !7))
        };
        // The offset fits: the content is shorter than 4 GiB (checked above); so does a path
        // of version 2 or 3, and one of version 4 is part of `paths`, checked just above.
        spans.push((at as u32, name_len as u32));
        at = next;
        if at > content.len() {
            return Err(corrupt(at, "entries run past the end of the file"));
        }
    }
    let mut cache_tree = None;
    while at < content.len() {
        let sig = content.get(at..at + 4).ok_or_else(|| corrupt(at, "truncated extension"))?;
        let size = count_to_usize(be32(at + 4)?);
        let data_at = at + 8;
        let data =
            content.get(data_at..data_at.saturating_add(size)).ok_or_else(|| corrupt(at, "truncated extension"))?;
        match sig {
            b"TREE" => cache_tree = Some(parse_flat_cache_tree::<SHA1_LEN>(data, data_at)?),
            b"link" | b"sdir" => return Err(IndexError::Unsupported("split or sparse index".into())),
            [b'A'..=b'Z', ..] => {}
            _ => return Err(IndexError::Unsupported(format!("required extension `{}`", sig.escape_ascii()))),
        }
        at = data_at + size;
    }
    let paths: &'a Vec<u8> = paths;
    Ok(LeanIndex { entries: LeanEntries { content, spans, paths, path_starts }, cache_tree })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;
    use std::process::Command;
    use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
    use std::time::Instant;

    const EMPTY_BLOB: &str = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

    /// A throwaway repository; removed on drop.
    struct TempRepo {
        dir: PathBuf,
    }

    impl TempRepo {
        fn new(tag: &str) -> Self {
            Self::with_init(tag, &[])
        }

        fn with_init(tag: &str, init_args: &[&str]) -> Self {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, AtomicOrdering::SeqCst);
            let dir = std::env::temp_dir().join(format!("git-policy-index-{}-{tag}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let repo = Self { dir };
            let mut args = vec!["init", "-q", "-b", "main"];
            args.extend_from_slice(init_args);
            repo.git(&args);
            repo
        }

        fn command(&self) -> Command {
            let mut cmd = Command::new("git");
            cmd.current_dir(&self.dir)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_AUTHOR_NAME", "Test")
                .env("GIT_AUTHOR_EMAIL", "test@example.com")
                .env("GIT_COMMITTER_NAME", "Test")
                .env("GIT_COMMITTER_EMAIL", "test@example.com")
                .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
                .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z");
            // The tests may themselves run inside a git hook or a tuned environment.
            for var in [
                "GIT_DIR",
                "GIT_WORK_TREE",
                "GIT_INDEX_FILE",
                "GIT_INDEX_VERSION",
                "GIT_OBJECT_DIRECTORY",
                "GIT_ALTERNATE_OBJECT_DIRECTORIES",
                "GIT_TEST_SPLIT_INDEX",
                "GIT_TEST_SPARSE_INDEX",
                "GIT_DEFAULT_HASH",
            ] {
                cmd.env_remove(var);
            }
            cmd.args(["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgSign=false", "-c", "core.quotePath=false"]);
            cmd
        }

        fn run(&self, args: &[&OsStr], allow_failure: bool) -> String {
            let out = self.command().args(args).output().unwrap();
            if !allow_failure {
                assert!(
                    out.status.success(),
                    "git {args:?} failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            String::from_utf8_lossy(&out.stdout).into_owned()
        }

        fn git(&self, args: &[&str]) -> String {
            let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
            self.run(&args, false)
        }

        fn git_may_fail(&self, args: &[&str]) -> String {
            let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
            self.run(&args, true)
        }

        fn write(&self, rel: &str, contents: &str) {
            let path = self.dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        }

        fn index_bytes(&self) -> Vec<u8> {
            std::fs::read(self.dir.join(".git/index")).unwrap()
        }

        fn parse(&self) -> IndexFile {
            let bytes = self.index_bytes();
            let full = parse(&bytes).unwrap();
            assert_scan_agrees(&bytes, &full);
            full
        }

        fn hash_object_w(&self, contents: &str) -> String {
            let mut child = self
                .command()
                .args(["hash-object", "-w", "--stdin"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            std::io::Write::write_all(&mut child.stdin.take().unwrap(), contents.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        }
    }

    impl Drop for TempRepo {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What `git ls-files -s --debug` says about one entry.
    #[derive(Debug)]
    struct GitEntry {
        mode: u32,
        oid: String,
        stage: u8,
        path: String,
        size: u32,
        flags: u32,
    }

    fn git_entries(repo: &TempRepo) -> Vec<GitEntry> {
        let out = repo.git(&["ls-files", "-s", "--debug"]);
        let mut entries = Vec::new();
        let mut lines = out.lines();
        while let Some(line) = lines.next() {
            let (meta, path) = line.split_once('\t').unwrap();
            let mut meta = meta.split(' ');
            let mode = u32::from_str_radix(meta.next().unwrap(), 8).unwrap();
            let oid = meta.next().unwrap().to_string();
            let stage = meta.next().unwrap().parse().unwrap();
            // ctime, mtime, dev/ino, uid/gid, then "size: N\tflags: X".
            let debug: Vec<&str> = (0..5).map(|_| lines.next().unwrap()).collect();
            let size_line = debug[4].trim();
            let (size, flags) = size_line.split_once('\t').unwrap();
            let size = size.strip_prefix("size: ").unwrap().parse().unwrap();
            let flags = u32::from_str_radix(flags.strip_prefix("flags: ").unwrap(), 16).unwrap();
            entries.push(GitEntry { mode, oid, stage, path: path.to_string(), size, flags });
        }
        entries
    }

    /// Asserts the parsed entries are exactly what git lists, field by field.
    fn assert_entries_match_git(repo: &TempRepo, index: &IndexFile) {
        let expected = git_entries(repo);
        assert_eq!(index.entries.len(), expected.len(), "entry count");
        for (ours, git) in index.entries.iter().zip(&expected) {
            assert_eq!(ours.path, git.path);
            assert_eq!(ours.mode, git.mode, "mode of {}", git.path);
            assert_eq!(hex(&ours.oid), git.oid, "oid of {}", git.path);
            assert_eq!(ours.stage, git.stage, "stage of {}", git.path);
            assert_eq!(u32::from(ours.stage), (git.flags >> 12) & 3, "stage flags of {}", git.path);
            assert_eq!(ours.file_size, git.size, "size of {}", git.path);
            assert_eq!(ours.intent_to_add, git.flags & (1 << 29) != 0, "intent-to-add of {}", git.path);
            assert_eq!(ours.skip_worktree, git.flags & (1 << 30) != 0, "skip-worktree of {}", git.path);
        }
    }

    /// The fast scan sees the same entries and cache tree as the complete reader, whatever the
    /// version.
    fn assert_scan_agrees(bytes: &[u8], full: &IndexFile) {
        let mut paths = Vec::new();
        let lean = scan(bytes, &mut paths).expect("the scan reads what the complete reader reads");
        let entries: Vec<LeanEntry<'_>> = lean.entries.iter().collect();
        assert_eq!(entries.len(), full.entries.len());
        for (l, f) in entries.iter().zip(&full.entries) {
            assert_eq!(
                (l.path, l.mode, l.oid, l.file_size, l.stage, l.intent_to_add),
                (f.path.as_bytes(), f.mode, f.oid, f.file_size, f.stage, f.intent_to_add)
            );
        }
        assert_eq!(lean.cache_tree, full.cache_tree.as_ref().map(FlatCacheTree::from_nested));
    }

    /// Every (path, node) of a cache tree; the root is "".
    fn tree_nodes(root: &CacheTreeNode) -> Vec<(String, &CacheTreeNode)> {
        let mut out = Vec::new();
        let mut stack = vec![(String::new(), root)];
        while let Some((path, node)) = stack.pop() {
            for child in &node.children {
                let child_path = if path.is_empty() { child.name.clone() } else { format!("{path}/{}", child.name) };
                stack.push((child_path, child));
            }
            out.push((path, node));
        }
        out
    }

    fn rev_parse_trees(repo: &TempRepo, rev: &str, dirs: &[&str]) -> Vec<String> {
        let specs: Vec<String> =
            dirs.iter().map(|d| if d.is_empty() { format!("{rev}^{{tree}}") } else { format!("{rev}:{d}") }).collect();
        let mut args = vec!["rev-parse"];
        args.extend(specs.iter().map(String::as_str));
        repo.git(&args).lines().map(str::to_string).collect()
    }

    /// Asserts a fully valid cache tree mirrors HEAD: same directories, same tree ids, and each
    /// count is the number of entries under the directory.
    fn assert_cache_tree_matches_head(repo: &TempRepo, index: &IndexFile) {
        let tree = index.cache_tree.as_ref().expect("index has a cache tree");
        let nodes = tree_nodes(tree);
        let ours: BTreeSet<&str> = nodes.iter().map(|(p, _)| p.as_str()).collect();
        let listing = repo.git(&["ls-tree", "-r", "-t", "HEAD"]);
        let mut git: BTreeSet<String> = listing
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .filter(|(meta, _)| meta.split(' ').nth(1) == Some("tree"))
            .map(|(_, path)| path.to_string())
            .collect();
        git.insert(String::new());
        assert_eq!(ours, git.iter().map(String::as_str).collect::<BTreeSet<_>>(), "cache tree directories");

        let dirs: Vec<&str> = nodes.iter().map(|(p, _)| p.as_str()).collect();
        let oids = rev_parse_trees(repo, "HEAD", &dirs);
        for ((path, node), oid) in nodes.iter().zip(&oids) {
            assert_eq!(node.oid.map(|o| hex(&o)).as_deref(), Some(oid.as_str()), "tree oid of {path:?}");
            let under =
                index.entries.iter().filter(|e| path.is_empty() || e.path.starts_with(&format!("{path}/"))).count();
            assert_eq!(node.entry_count, under as i64, "entry count of {path:?}");
            assert!(std::ptr::eq(tree.find(path).unwrap(), *node), "find({path:?})");
        }
    }

    /// A repository with a little of everything in its first commit.
    fn populated_repo(tag: &str) -> TempRepo {
        let repo = TempRepo::new(tag);
        repo.write("README", "readme\n");
        repo.write("empty", "");
        repo.write("a/one.txt", "one\n");
        repo.write("a/b/two.txt", "two\n");
        repo.write("a/b/c/three.txt", "three\n");
        repo.write("a/bb/four.txt", "four\n");
        repo.write("z/x/caf\u{e9}", "e-acute\n");
        repo.write("z/x/caf\u{e8}", "e-grave\n");
        repo.write("z/x/cafe", "plain\n");
        repo.write("d-sibling", "sorts between d and d/\n");
        repo.write("d/inner", "inner\n");
        repo.write("tool.sh", "#!/bin/sh\n");
        let tool = repo.dir.join("tool.sh");
        let mut perms = std::fs::metadata(&tool).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&tool, perms).unwrap();
        std::os::unix::fs::symlink("a/one.txt", repo.dir.join("link")).unwrap();
        repo.git(&["add", "."]);
        // A gitlink, staged without a submodule checkout (after `add .`, which would unstage it).
        let commit = "1111111111111111111111111111111111111111";
        repo.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{commit},vendor/sub")]);
        repo.git(&["commit", "-q", "-m", "initial"]);
        repo
    }

    #[test]
    fn version_2_matches_git() {
        let repo = populated_repo("v2");
        let index = repo.parse();
        assert_eq!(index.version, 2);
        assert_entries_match_git(&repo, &index);
        assert_cache_tree_matches_head(&repo, &index);
        let modes: BTreeMap<&str, u32> = index.entries.iter().map(|e| (e.path.as_str(), e.mode)).collect();
        assert_eq!(modes["tool.sh"], 0o100755);
        assert_eq!(modes["link"], 0o120000);
        assert_eq!(modes["vendor/sub"], 0o160000);
        assert_eq!(modes["README"], 0o100644);
    }

    #[test]
    fn version_4_matches_git_including_prefixes_split_inside_a_character() {
        let repo = populated_repo("v4");
        repo.git(&["update-index", "--index-version", "4"]);
        let index = repo.parse();
        assert_eq!(index.version, 4);
        // "z/x/caf\u{e8}" then "z/x/caf\u{e9}": the shared prefix ends inside the character, so
        // the stored suffix alone is not UTF-8.
        assert!(index.entries.iter().any(|e| e.path == "z/x/caf\u{e9}"));
        assert_entries_match_git(&repo, &index);
        assert_cache_tree_matches_head(&repo, &index);
        // Same content as the v2 parse of the same index.
        repo.git(&["update-index", "--index-version", "2"]);
        let v2 = repo.parse();
        assert_eq!(v2.version, 2);
        assert_eq!(v2.entries, index.entries);
        assert_eq!(v2.cache_tree, index.cache_tree);
    }

    #[test]
    fn version_3_intent_to_add_and_skip_worktree() {
        let repo = populated_repo("v3");
        repo.write("a/new.txt", "new\n");
        repo.git(&["add", "-N", "a/new.txt"]);
        repo.git(&["update-index", "--skip-worktree", "a/b/two.txt"]);
        let index = repo.parse();
        // git moves to version 3 by itself once an entry needs extended flags.
        assert_eq!(index.version, 3);
        assert_entries_match_git(&repo, &index);
        let new = index.entries.iter().find(|e| e.path == "a/new.txt").unwrap();
        assert!(new.intent_to_add && !new.skip_worktree);
        assert_eq!(hex(&new.oid), EMPTY_BLOB);
        let skipped = index.entries.iter().find(|e| e.path == "a/b/two.txt").unwrap();
        assert!(skipped.skip_worktree && !skipped.intent_to_add);
        assert_eq!(index.entries.iter().filter(|e| e.intent_to_add || e.skip_worktree).count(), 2);

        // The same index in v4 keeps the flags.
        repo.git(&["update-index", "--index-version", "4"]);
        let v4 = repo.parse();
        assert_eq!(v4.version, 4);
        assert_eq!(v4.entries, index.entries);
        assert_entries_match_git(&repo, &v4);
    }

    #[test]
    fn version_3_is_demoted_without_extended_flags() {
        // git writes version 2 whenever no entry needs extended flags, even when asked for 3.
        let repo = populated_repo("v3plain");
        repo.git(&["update-index", "--index-version", "3"]);
        let index = repo.parse();
        assert_eq!(index.version, 2);
        assert_entries_match_git(&repo, &index);
        assert_cache_tree_matches_head(&repo, &index);
    }

    #[test]
    fn cache_tree_invalidation_and_write_tree() {
        let repo = populated_repo("tree");
        repo.write("a/b/two.txt", "changed\n");
        repo.git(&["add", "a/b/two.txt"]);
        let index = repo.parse();
        let tree = index.cache_tree.as_ref().unwrap();
        let nodes = tree_nodes(tree);
        let invalid: BTreeSet<&str> = nodes.iter().filter(|(_, n)| !n.is_valid()).map(|(p, _)| p.as_str()).collect();
        assert_eq!(invalid, BTreeSet::from(["", "a", "a/b"]));
        for (path, node) in &nodes {
            if invalid.contains(path.as_str()) {
                assert_eq!(node.entry_count, -1, "{path:?}");
                assert_eq!(node.oid, None, "{path:?}");
            }
        }
        let valid: Vec<&str> = nodes.iter().filter(|(_, n)| n.is_valid()).map(|(p, _)| p.as_str()).collect();
        assert!(valid.contains(&"a/b/c") && valid.contains(&"a/bb") && valid.contains(&"z/x"));
        let oids = rev_parse_trees(&repo, "HEAD", &valid);
        for (path, oid) in valid.iter().zip(&oids) {
            assert_eq!(hex(&tree.find(path).unwrap().oid.unwrap()), *oid, "{path}");
        }
        assert_entries_match_git(&repo, &index);

        // write-tree revalidates the whole tree and stores it back in the index.
        let written = repo.git(&["write-tree"]).trim().to_string();
        let index = repo.parse();
        let tree = index.cache_tree.as_ref().unwrap();
        assert!(tree_nodes(tree).iter().all(|(_, n)| n.is_valid()));
        assert_eq!(hex(&tree.oid.unwrap()), written);
        let sub = repo.git(&["rev-parse", &format!("{written}:a/b")]).trim().to_string();
        assert_eq!(hex(&tree.find("a/b").unwrap().oid.unwrap()), sub);
        assert_eq!(tree.find("a/b").unwrap().entry_count, 2);
    }

    #[test]
    fn find_walks_components() {
        let repo = populated_repo("find");
        let tree = repo.parse().cache_tree.unwrap();
        assert!(std::ptr::eq(tree.find("").unwrap(), &tree));
        assert_eq!(tree.find("a/b/c").unwrap().name, "c");
        assert_eq!(tree.find("a/b/c").unwrap().entry_count, 1);
        assert_eq!(tree.find("a").unwrap().entry_count, 4);
        assert!(tree.find("a/").is_none());
        assert!(tree.find("/a").is_none());
        assert!(tree.find("a//b").is_none());
        assert!(tree.find("a/b/c/three.txt").is_none());
        assert!(tree.find("nope").is_none());
        assert!(tree.find("README").is_none());
    }

    #[test]
    fn long_and_deep_paths() {
        let repo = TempRepo::new("long");
        // ~300 bytes over real directories (each component under NAME_MAX).
        let medium = format!("{}/{}/file.txt", "m".repeat(140), "n".repeat(150));
        repo.write(&medium, "medium\n");
        // 60 levels deep.
        let deep: Vec<String> = (0..60).map(|i| format!("d{i}")).collect();
        let deep = format!("{}/leaf", deep.join("/"));
        repo.write(&deep, "deep\n");
        repo.write("top", "top\n");
        // Before the --cacheinfo entries: `add .` unstages paths missing from the work tree.
        repo.git(&["add", "."]);
        // Longer than the 12-bit length field (0xFFF), so git stores 0xFFF and a NUL-terminated
        // name; --cacheinfo needs no file on disk, so no filesystem limit applies.
        let blob = repo.hash_object_w("huge\n");
        let huge_a = format!("{}/f", vec!["h".repeat(200); 25].join("/"));
        let huge_b = format!("{}/g", vec!["h".repeat(200); 25].join("/"));
        let exact = format!("x/{}", "e".repeat(0xFFF - 2));
        assert!(huge_a.len() > 0xFFF && exact.len() == 0xFFF);
        for path in [&huge_a, &huge_b, &exact] {
            repo.git(&["update-index", "--add", "--cacheinfo", &format!("100644,{blob},{path}")]);
        }
        repo.git(&["commit", "-q", "-m", "long"]);

        // Version 3 only with an extended flag (see version_3_is_demoted_without_extended_flags).
        for version in ["2", "4", "3"] {
            if version == "3" {
                repo.git(&["update-index", "--skip-worktree", &huge_a]);
            }
            repo.git(&["update-index", "--index-version", version]);
            // Marking skip-worktree invalidates the cache tree; write-tree revalidates it.
            repo.git(&["write-tree"]);
            let index = repo.parse();
            assert_eq!(index.version.to_string(), version);
            assert_entries_match_git(&repo, &index);
            assert_cache_tree_matches_head(&repo, &index);
            for path in [&medium, &deep, &huge_a, &huge_b, &exact] {
                assert!(index.entries.iter().any(|e| &e.path == path), "v{version}: {}", &path[..40]);
            }
            let tree = index.cache_tree.as_ref().unwrap();
            let deep_dir = deep.strip_suffix("/leaf").unwrap();
            assert_eq!(tree.find(deep_dir).unwrap().entry_count, 1);
        }
    }

    /// A repository in the middle of a conflicting merge.
    fn conflicted_repo(tag: &str) -> TempRepo {
        let repo = TempRepo::new(tag);
        repo.write("both.txt", "base\n");
        repo.write("keep.txt", "keep\n");
        repo.write("dir/file", "file\n");
        repo.git(&["add", "."]);
        repo.git(&["commit", "-q", "-m", "base"]);
        repo.git(&["checkout", "-q", "-b", "other"]);
        repo.write("both.txt", "other\n");
        repo.write("added.txt", "other's\n");
        repo.git(&["add", "."]);
        repo.git(&["commit", "-q", "-m", "other"]);
        repo.git(&["checkout", "-q", "main"]);
        repo.write("both.txt", "main\n");
        repo.write("added.txt", "main's\n");
        repo.git(&["add", "."]);
        repo.git(&["commit", "-q", "-m", "main"]);
        repo.git_may_fail(&["merge", "-q", "other"]);
        repo
    }

    #[test]
    fn merge_conflict_stages() {
        let repo = conflicted_repo("conflict");
        let index = repo.parse();
        assert_entries_match_git(&repo, &index);
        let stages =
            |path: &str| -> Vec<u8> { index.entries.iter().filter(|e| e.path == path).map(|e| e.stage).collect() };
        assert_eq!(stages("both.txt"), [1, 2, 3]);
        assert_eq!(stages("added.txt"), [2, 3]);
        assert_eq!(stages("keep.txt"), [0]);

        for version in ["4", "3"] {
            repo.git(&["update-index", "--index-version", version]);
            let other = repo.parse();
            assert_eq!(other.entries, index.entries);
            assert_entries_match_git(&repo, &other);
        }

        // Resolving records the old stages in the optional REUC extension, which is skipped.
        repo.git(&["add", "both.txt", "added.txt"]);
        let bytes = repo.index_bytes();
        assert!(bytes.windows(4).any(|w| w == b"REUC"), "the test needs a REUC extension");
        let resolved = parse(&bytes).unwrap();
        assert_entries_match_git(&repo, &resolved);
        assert!(resolved.entries.iter().all(|e| e.stage == 0));
    }

    #[test]
    fn optional_extensions_are_skipped() {
        let repo = populated_repo("optional");
        repo.write("untracked", "u\n");
        repo.git(&["update-index", "--untracked-cache"]);
        repo.git(&["status", "--porcelain"]);
        repo.git(&["-c", "index.recordEndOfIndexEntries=true", "update-index", "--force-write-index"]);
        let bytes = repo.index_bytes();
        assert!(bytes.windows(4).any(|w| w == b"UNTR"), "the test needs an UNTR extension");
        assert!(bytes.windows(4).any(|w| w == b"EOIE"), "the test needs an EOIE extension");
        let index = parse(&bytes).unwrap();
        assert_entries_match_git(&repo, &index);
        assert_cache_tree_matches_head(&repo, &index);
    }

    #[test]
    fn skip_hash_index_parses() {
        // index.skipHash writes a zero checksum; it is never checked here anyway.
        let repo = populated_repo("skiphash");
        repo.git(&["-c", "index.skipHash=true", "update-index", "--force-write-index"]);
        let bytes = repo.index_bytes();
        assert!(bytes[bytes.len() - 20..].iter().all(|&b| b == 0));
        let index = parse(&bytes).unwrap();
        assert_entries_match_git(&repo, &index);
    }

    #[test]
    fn split_index_is_unsupported() {
        let repo = populated_repo("split");
        repo.git(&["update-index", "--split-index"]);
        repo.write("a/one.txt", "changed\n");
        repo.git(&["add", "a/one.txt"]);
        repo.write("new-file", "new\n");
        repo.git(&["add", "new-file"]);
        let err = parse(&repo.index_bytes()).unwrap_err();
        assert!(matches!(&err, IndexError::Unsupported(m) if m.contains("split")), "{err}");
    }

    #[test]
    fn sparse_index_is_unsupported() {
        let repo = populated_repo("sparse");
        repo.git(&["sparse-checkout", "set", "--cone", "--sparse-index", "a"]);
        let bytes = repo.index_bytes();
        assert!(bytes.windows(4).any(|w| w == b"sdir"), "the test needs a sparse index");
        let err = parse(&bytes).unwrap_err();
        assert!(matches!(&err, IndexError::Unsupported(m) if m.contains("sparse")), "{err}");
        // Expanded again, it is an ordinary index with skip-worktree entries.
        repo.git(&["sparse-checkout", "set", "--no-sparse-index", "a"]);
        let index = repo.parse();
        assert_entries_match_git(&repo, &index);
        assert!(index.entries.iter().any(|e| e.skip_worktree));
    }

    #[test]
    fn sha256_index_is_unsupported() {
        let repo = TempRepo::with_init("sha256", &["--object-format=sha256"]);
        repo.write("a/file", "x\n");
        repo.write("b", "y\n");
        repo.git(&["add", "."]);
        repo.git(&["commit", "-q", "-m", "x"]);
        for version in ["2", "4"] {
            repo.git(&["update-index", "--index-version", version]);
            let err = parse(&repo.index_bytes()).unwrap_err();
            assert!(matches!(&err, IndexError::Unsupported(m) if m.contains("SHA-256")), "v{version}: {err}");
        }
    }

    #[test]
    fn non_utf8_path_is_unsupported() {
        let repo = populated_repo("nonutf8");
        let blob = repo.hash_object_w("bytes\n");
        let mut info = format!("100644,{blob},").into_bytes();
        info.extend_from_slice(b"bad\xff\xfename");
        repo.run(
            &[OsStr::new("update-index"), OsStr::new("--add"), OsStr::new("--cacheinfo"), OsStr::from_bytes(&info)],
            false,
        );
        for version in ["2", "4"] {
            repo.git(&["update-index", "--index-version", version]);
            let err = parse(&repo.index_bytes()).unwrap_err();
            assert!(matches!(&err, IndexError::Unsupported(m) if m.contains("UTF-8")), "v{version}: {err}");
        }
    }

    // --- Hand-made indexes -----------------------------------------------------------------

    /// Builds a v2/v3 entry with a correct length field and padding.
    fn raw_entry(path: &[u8], stage: u16, xflags: Option<u16>) -> Vec<u8> {
        // Stat data that is not all zeros, so no other layout can read it as well-formed.
        let mut e: Vec<u8> = (1..=STAT_LEN as u8).collect();
        e[24..28].copy_from_slice(&0o100644u32.to_be_bytes());
        e.extend_from_slice(&[0xab; 20]);
        let len = path.len().min(0xFFF) as u16;
        let flags = len | (stage << 12) | if xflags.is_some() { FLAG_EXTENDED } else { 0 };
        e.extend_from_slice(&flags.to_be_bytes());
        if let Some(x) = xflags {
            e.extend_from_slice(&x.to_be_bytes());
        }
        e.extend_from_slice(path);
        let size = (e.len() + 8) & !7;
        e.resize(size, 0);
        e
    }

    fn raw_index(version: u32, entries: &[Vec<u8>], extensions: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut b = b"DIRC".to_vec();
        b.extend_from_slice(&version.to_be_bytes());
        b.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for e in entries {
            b.extend_from_slice(e);
        }
        for (sig, data) in extensions {
            b.extend_from_slice(*sig);
            b.extend_from_slice(&(data.len() as u32).to_be_bytes());
            b.extend_from_slice(data);
        }
        b.extend_from_slice(&[0u8; 20]);
        b
    }

    fn is_corrupt(r: &Result<IndexFile, IndexError>) -> bool {
        matches!(r, Err(IndexError::Corrupt { .. }))
    }

    fn is_unsupported(r: &Result<IndexFile, IndexError>) -> bool {
        matches!(r, Err(IndexError::Unsupported(_)))
    }

    #[test]
    fn hand_made_headers() {
        let ok = raw_index(2, &[raw_entry(b"a", 0, None)], &[]);
        assert_eq!(parse(&ok).unwrap().entries[0].path, "a");
        assert!(is_corrupt(&parse(b"")));
        assert!(is_corrupt(&parse(&[0u8; 40])));
        let mut bad_sig = ok.clone();
        bad_sig[0] = b'X';
        assert!(is_corrupt(&parse(&bad_sig)));
        for version in [0u32, 1, 5, u32::MAX] {
            let mut v = ok.clone();
            v[4..8].copy_from_slice(&version.to_be_bytes());
            assert!(is_unsupported(&parse(&v)), "version {version}");
        }
        // An absurd entry count must neither allocate nor succeed.
        let mut huge = ok.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(is_corrupt(&parse(&huge)));
        // Trailing bytes that are neither an extension nor the checksum.
        let mut trailing = ok.clone();
        trailing.extend_from_slice(&[0u8; 5]);
        assert!(is_corrupt(&parse(&trailing)));
        // Empty index.
        let empty = raw_index(2, &[], &[]);
        let index = parse(&empty).unwrap();
        assert!(index.entries.is_empty() && index.cache_tree.is_none());
    }

    #[test]
    fn hand_made_entries() {
        // Extended flags need version 3.
        let itoa = raw_entry(b"a", 0, Some(XFLAG_INTENT_TO_ADD));
        assert!(parse(&raw_index(3, std::slice::from_ref(&itoa), &[])).unwrap().entries[0].intent_to_add);
        assert!(is_corrupt(&parse(&raw_index(2, &[itoa], &[]))));
        // Unknown extended flags are a newer git's business.
        assert!(is_unsupported(&parse(&raw_index(3, &[raw_entry(b"a", 0, Some(0x0001))], &[]))));
        // Order: by path, then stage; a stage-0 path stands alone.
        let sorted = [raw_entry(b"a", 1, None), raw_entry(b"a", 3, None), raw_entry(b"b", 0, None)];
        assert_eq!(parse(&raw_index(2, &sorted, &[])).unwrap().entries.len(), 3);
        for bad in [
            vec![raw_entry(b"b", 0, None), raw_entry(b"a", 0, None)],
            vec![raw_entry(b"a", 0, None), raw_entry(b"a", 0, None)],
            vec![raw_entry(b"a", 0, None), raw_entry(b"a", 2, None)],
            vec![raw_entry(b"a", 3, None), raw_entry(b"a", 2, None)],
            vec![raw_entry(b"", 0, None)],
        ] {
            assert!(is_corrupt(&parse(&raw_index(2, &bad, &[]))));
        }
        // A length field that disagrees with the NUL terminator.
        let mut e = raw_entry(b"abc", 0, None);
        e[61] = 2; // flags low byte: length 2, but "abc\0"
        assert!(is_corrupt(&parse(&raw_index(2, &[e], &[]))));
        // A NUL inside the declared name.
        let e = raw_entry(b"a\0c", 0, None);
        assert!(is_corrupt(&parse(&raw_index(2, &[e], &[]))));
        // 0xFFF in the length field promises at least 4095 bytes.
        let mut e = raw_entry(b"short", 0, None);
        e[60] = 0x0F;
        e[61] = 0xFF;
        assert!(is_corrupt(&parse(&raw_index(2, &[e], &[]))));
        let long = vec![b'x'; 5000];
        assert_eq!(parse(&raw_index(2, &[raw_entry(&long, 0, None)], &[])).unwrap().entries[0].path.len(), 5000);
    }

    /// Builds a v4 entry: `strip` bytes removed from the previous path, then `suffix`.
    fn raw_v4_entry(strip: &[u8], suffix: &[u8], full_len: usize) -> Vec<u8> {
        let mut e: Vec<u8> = (1..=STAT_LEN as u8).collect();
        e.extend_from_slice(&[0xcd; 20]);
        e.extend_from_slice(&(full_len.min(0xFFF) as u16).to_be_bytes());
        e.extend_from_slice(strip);
        e.extend_from_slice(suffix);
        e.push(0);
        e
    }

    #[test]
    fn hand_made_v4_and_varints() {
        let entries = [raw_v4_entry(&[0], b"dir/aaa", 7), raw_v4_entry(&[1], b"b", 7), raw_v4_entry(&[3], b"zz", 6)];
        let index = parse(&raw_index(4, &entries, &[])).unwrap();
        let paths: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["dir/aaa", "dir/aab", "dir/zz"]);
        // Stripping more than the previous path is corrupt; so is a wrong length field.
        assert!(is_corrupt(&parse(&raw_index(4, &[raw_v4_entry(&[1], b"a", 1)], &[]))));
        assert!(is_corrupt(&parse(&raw_index(4, &[raw_v4_entry(&[0], b"abc", 4)], &[]))));
        // No NUL before the end of the data.
        let mut open = raw_v4_entry(&[0], b"abc", 3);
        open.pop();
        assert!(is_corrupt(&parse(&raw_index(4, &[open], &[]))));

        // git's varint: 0x80 0x00 is 128 (not 0 as LEB128 would say).
        let cases: [(&[u8], Option<usize>); 6] = [
            (&[0x00], Some(0)),
            (&[0x7f], Some(127)),
            (&[0x80, 0x00], Some(128)),
            (&[0x81, 0x00], Some(256)),
            (&[0xff, 0x7f], Some(16511)),
            (&[0xff; 12], None),
        ];
        for (bytes, want) in cases {
            let mut r = Reader::new(bytes, 0);
            assert_eq!(r.varint("v").ok(), want, "{bytes:?}");
        }
        assert!(Reader::new(&[0x80], 0).varint("v").is_err());
    }

    /// A TREE node as git writes it.
    fn tree_node(name: &str, count: i64, subtrees: usize, oid: u8) -> Vec<u8> {
        let mut b = format!("{name}\0{count} {subtrees}\n").into_bytes();
        if count >= 0 {
            b.extend_from_slice(&[oid; 20]);
        }
        b
    }

    #[test]
    fn hand_made_cache_trees() {
        let entries = [raw_entry(b"a/x", 0, None), raw_entry(b"a/y", 0, None), raw_entry(b"b/z", 0, None)];
        let with_tree = |tree: Vec<u8>| parse(&raw_index(2, &entries, &[(b"TREE", tree)]));
        let good = [tree_node("", -1, 2, 0), tree_node("a", 2, 0, 1), tree_node("b", 1, 0, 2)].concat();
        let tree = with_tree(good.clone()).unwrap().cache_tree.unwrap();
        assert_eq!(tree.entry_count, -1);
        assert_eq!(tree.oid, None);
        assert_eq!(tree.find("a").unwrap().oid, Some([1; 20]));
        assert_eq!(tree.find("b").unwrap().entry_count, 1);

        // Other negative counts read as -1; "-0" is zero.
        let t = with_tree([tree_node("", -7, 0, 0)].concat()).unwrap().cache_tree.unwrap();
        assert_eq!((t.entry_count, t.oid), (-1, None));
        let mut minus_zero = b"\0-0 0\n".to_vec();
        minus_zero.extend_from_slice(&[9; 20]);
        assert_eq!(with_tree(minus_zero).unwrap().cache_tree.unwrap().oid, Some([9; 20]));

        for bad in [
            tree_node("root", 3, 0, 0),                                // root must be unnamed
            [tree_node("", 3, 1, 0)].concat(),                         // missing subtree
            [good.clone(), vec![0]].concat(),                          // trailing bytes
            tree_node("", 4, 0, 0),                                    // more entries than the index
            [tree_node("", 3, 1, 0), tree_node("", 1, 0, 0)].concat(), // unnamed child
            [tree_node("", 3, 1, 0), tree_node("a/b", 1, 0, 0)].concat(),
            b"\0 1 0\n".to_vec(),
            b"\x003  0\n".to_vec(),
            b"\0+3 0\n".to_vec(),
            b"\x003 -1\n".to_vec(),
            b"\099999999999999999999999 0\n".to_vec(),
            b"\x003 0\nshort".to_vec(),
            b"no terminator".to_vec(),
            Vec::new(),
        ] {
            let r = with_tree(bad.clone());
            assert!(is_corrupt(&r), "{:?} {r:?}", bad.escape_ascii().to_string());
        }

        // Absurd nesting is refused without recursion (and so without a stack overflow).
        let mut deep = b"\0-1 1\n".to_vec();
        for _ in 0..100_000 {
            deep.extend_from_slice(b"d\0-1 1\n");
        }
        assert!(is_unsupported(&with_tree(deep)));
        // Nesting up to the limit is fine.
        let mut ok_deep = b"\0-1 1\n".to_vec();
        for _ in 1..MAX_CACHE_TREE_DEPTH - 1 {
            ok_deep.extend_from_slice(b"d\0-1 1\n");
        }
        ok_deep.extend_from_slice(b"d\0-1 0\n");
        assert!(with_tree(ok_deep).is_ok());
    }

    #[test]
    fn hand_made_extensions() {
        let entries = [raw_entry(b"a", 0, None)];
        assert!(parse(&raw_index(2, &entries, &[(b"ZZZZ", vec![1, 2, 3])])).is_ok());
        assert!(is_unsupported(&parse(&raw_index(2, &entries, &[(b"abcd", vec![])]))));
        assert!(is_unsupported(&parse(&raw_index(2, &entries, &[(b"link", vec![0; 20])]))));
        assert!(is_unsupported(&parse(&raw_index(2, &entries, &[(b"sdir", vec![])]))));
        // An extension longer than the file.
        let mut over = raw_index(2, &entries, &[(b"ZZZZ", vec![0; 4])]);
        let at = over.len() - 20 - 4 - 4;
        over[at..at + 4].copy_from_slice(&1000u32.to_be_bytes());
        assert!(is_corrupt(&parse(&over)));
        // An out-of-order split index is reported as split, not corrupt.
        let unsorted = [raw_entry(b"b", 0, None), raw_entry(b"a", 0, None)];
        assert!(is_unsupported(&parse(&raw_index(2, &unsorted, &[(b"link", vec![0; 20])]))));
        assert!(is_corrupt(&parse(&raw_index(2, &unsorted, &[]))));
        // A split index's cache tree counts the shared index's entries too: still "split".
        let tree = tree_node("", 50, 0, 7);
        assert!(is_unsupported(&parse(&raw_index(2, &entries, &[(b"TREE", tree.clone()), (b"link", vec![0; 20])]))));
        assert!(is_corrupt(&parse(&raw_index(2, &entries, &[(b"TREE", tree)]))));
    }

    // --- Fuzzing -----------------------------------------------------------------------------

    /// xorshift64*: deterministic, dependency-free randomness.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Offsets where a parse could legitimately stop: the end of the entries and of each
    /// extension. A cut leaving exactly 20 bytes after one of them is indistinguishable from a
    /// complete index without hashing.
    fn boundaries(bytes: &[u8]) -> BTreeSet<usize> {
        let (_, mut at) = parse_with_hash::<SHA1_LEN>(bytes).unwrap();
        let mut set = BTreeSet::from([at]);
        while at + 8 <= bytes.len() - 20 {
            let size = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            at += 8 + size;
            set.insert(at);
        }
        set
    }

    #[test]
    fn appends_copy_exactly_what_they_are_given() {
        let mut buf = b"0123456789abcdefghijklmnopqrstuvwxyz".to_vec();
        for len in [0, 1, 15, 16, 17, 33] {
            let mut ours = buf.clone();
            append_within(&mut ours, 2, len);
            let mut std = buf.clone();
            std.extend_from_within(2..2 + len);
            assert_eq!(ours, std, "{len} bytes from within");
            let src: Vec<u8> = (0..len as u8).collect();
            let mut ours = buf.clone();
            append(&mut ours, &src);
            assert_eq!(ours[buf.len()..], src[..], "{len} bytes");
        }
        buf.clear();
        append(&mut buf, b"");
        assert!(buf.is_empty());
    }

    /// The fast scan of damaged bytes: an error or entries that can all be read, never a panic.
    fn scan_everything(bytes: &[u8]) {
        let mut paths = Vec::new();
        if let Ok(lean) = scan(bytes, &mut paths) {
            for e in lean.entries.iter() {
                std::hint::black_box(e);
            }
        }
    }

    fn fuzz_one(original: &[u8], rng: &mut Rng, iterations: usize) {
        let expected = parse(original).unwrap();
        let ends = boundaries(original);
        // Every truncation of a small index, random ones of a big one.
        let cuts: Vec<usize> = if original.len() <= 4096 {
            (0..original.len()).collect()
        } else {
            (0..iterations).map(|_| rng.below(original.len())).collect()
        };
        for cut in cuts {
            scan_everything(&original[..cut]);
            let result = parse(&original[..cut]);
            if cut >= 20 && ends.contains(&(cut - 20)) {
                if let Ok(index) = result {
                    assert_eq!(index.entries, expected.entries);
                }
            } else {
                assert!(result.is_err(), "truncation to {cut} of {} bytes parsed", original.len());
            }
        }
        let mut buf = original.to_vec();
        for _ in 0..iterations {
            buf.copy_from_slice(original);
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(buf.len());
                buf[i] ^= 1 << rng.below(8);
            }
            let _ = parse(&buf);
            scan_everything(&buf);
            // Flips confined to the header's signature are always caught.
            let mut sig = original.to_vec();
            sig[rng.below(4)] ^= 1 << rng.below(8);
            assert!(parse(&sig).is_err());
        }
        for _ in 0..iterations / 4 {
            // Random bytes behind a valid header, and random lengths.
            let len = rng.below(original.len() + 64);
            let mut junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if junk.len() >= 12 {
                junk[..12].copy_from_slice(&original[..12]);
            }
            let _ = parse(&junk);
            scan_everything(&junk);
            // Random splices of the real file.
            let a = rng.below(original.len());
            let b = rng.below(original.len());
            let mut splice = original[..a].to_vec();
            splice.extend_from_slice(&original[b..]);
            let _ = parse(&splice);
            scan_everything(&splice);
        }
    }

    #[test]
    fn fuzz_never_panics() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let repo = populated_repo("fuzz");
        repo.write("a/b/two.txt", "changed\n");
        repo.git(&["add", "a/b/two.txt"]);
        let v2 = repo.index_bytes();
        repo.git(&["update-index", "--index-version", "4"]);
        let v4 = repo.index_bytes();
        repo.write("a/new.txt", "new\n");
        repo.git(&["add", "-N", "a/new.txt"]);
        repo.git(&["update-index", "--index-version", "3"]);
        let v3 = repo.index_bytes();
        let conflict = conflicted_repo("fuzzconflict");
        let conflicted = conflict.index_bytes();
        conflict.git(&["add", "both.txt"]);
        let with_reuc = conflict.index_bytes();
        // Paths past the 12-bit length field, in both path encodings.
        let long = TempRepo::new("fuzzlong");
        let blob = long.hash_object_w("x\n");
        for path in [format!("{}/f", "p".repeat(5000)), format!("{}/g", "p".repeat(5000)), "q".to_string()] {
            long.git(&["update-index", "--add", "--cacheinfo", &format!("100644,{blob},{path}")]);
        }
        long.git(&["write-tree"]);
        let long_v2 = long.index_bytes();
        long.git(&["update-index", "--index-version", "4"]);
        let long_v4 = long.index_bytes();
        for bytes in [&v2, &v3, &v4, &conflicted, &with_reuc, &long_v2, &long_v4] {
            fuzz_one(bytes, &mut rng, 3000);
        }
    }

    // --- Scale -------------------------------------------------------------------------------

    #[test]
    #[allow(clippy::print_stdout)] // a timing report, not an assertion
    fn ten_thousand_files() {
        let repo = TempRepo::new("10k");
        for d in 0..100 {
            let dir = repo.dir.join(format!("src/module_{d:03}"));
            std::fs::create_dir_all(&dir).unwrap();
            for f in 0..100 {
                std::fs::write(dir.join(format!("file_{f:03}.rs")), "").unwrap();
            }
        }
        repo.git(&["add", "."]);
        repo.git(&["commit", "-q", "-m", "10k"]);
        for version in ["2", "4"] {
            repo.git(&["update-index", "--index-version", version]);
            let bytes = repo.index_bytes();
            let index = parse(&bytes).unwrap();
            assert_eq!(index.entries.len(), 10_000);
            assert_entries_match_git(&repo, &index);
            assert_eq!(index.cache_tree.as_ref().unwrap().entry_count, 10_000);
            assert_eq!(index.cache_tree.as_ref().unwrap().find("src/module_042").unwrap().entry_count, 100);

            let mut times = Vec::new();
            for _ in 0..200 {
                let start = Instant::now();
                let index = parse(&bytes).unwrap();
                times.push(start.elapsed());
                assert_eq!(index.entries.len(), 10_000);
            }
            times.sort();
            println!(
                "index v{version}, 10,000 entries, {} bytes: parse min {:?}, median {:?}, max {:?}",
                bytes.len(),
                times[0],
                times[times.len() / 2],
                times[times.len() - 1]
            );
        }
    }

    #[test]
    fn error_display() {
        assert_eq!(IndexError::Unsupported("x".into()).to_string(), "unsupported index: x");
        assert_eq!(corrupt(7, "bad").to_string(), "corrupt index at byte 7: bad");
    }
}
