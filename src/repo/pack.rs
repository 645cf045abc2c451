//! A read-only reader of git's pack files, for runs that read many objects once each (the
//! metrics' first-parent walk, whole notes trees).
//!
//! libgit2 spends most of such a run outside inflating: its object cache, a binary search of
//! the pack index by `memcmp`, and a process-wide lock around every pack access (so a second
//! reading thread made both slower). This reader maps the `.idx` and `.pack` files (git
//! replaces packs by rename and never rewrites one in place), finds an object through the
//! index's fan-out table, inflates it with zlib and applies delta chains itself.
//!
//! It is an accelerator, never the authority: an object it cannot find or read (loose,
//! in an alternate, a damaged pack) is answered `None`, and the caller asks libgit2, whose
//! errors say what is wrong. Any copy of an object is the same bytes (objects are named by
//! their hash), so whichever pack holds it answers.
//!
//! Formats: git's `Documentation/gitformat-pack.txt` (pack v2/v3, index v2).

use std::path::Path;
use std::rc::Rc;

use flate2::{Decompress, FlushDecompress, Status};

use super::mapped::Mapped;

/// The object kinds a pack stores whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A commit.
    Commit,
    /// A tree.
    Tree,
    /// A blob.
    Blob,
    /// An annotated tag.
    Tag,
}

/// git's own default delta depth is 50 and `--depth` is capped at 4095; a longer chain is a
/// damaged pack (or a loop), left to libgit2.
const MAX_CHAIN: usize = 4096;
/// The most bytes allocated up front for one object, whatever its header claims; a real
/// object larger than this still reads, growing as it inflates.
const MAX_RESERVE: usize = 64 << 20;
const IDX_MAGIC: [u8; 4] = [0xff, b't', b'O', b'c'];
const FANOUT: usize = 8;
const NAMES: usize = FANOUT + 256 * 4;

/// One pack and its index.
struct Pack {
    idx: Mapped,
    data: Mapped,
    count: usize,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

impl Pack {
    /// Maps a version 2 index and its pack; `None` for anything else (left to libgit2).
    fn open(idx_path: &Path) -> Option<Self> {
        let idx = Mapped::open(idx_path).ok()?;
        let data = Mapped::open(&idx_path.with_extension("pack")).ok()?;
        if idx.get(..4)? != IDX_MAGIC || be32(&idx, 4)? != 2 || data.get(..4)? != b"PACK" {
            return None;
        }
        let count = usize::try_from(be32(&idx, FANOUT + 255 * 4)?).ok()?;
        // Names, CRCs and 32-bit offsets, then the two trailing checksums, at the least.
        if idx.len() < NAMES.checked_add(count.checked_mul(28)?)?.checked_add(40)? {
            return None;
        }
        Some(Self { idx, data, count })
    }

    /// The pack offset of object `id`, if this pack holds it.
    fn find(&self, id: &[u8; 20]) -> Option<usize> {
        let first = usize::from(id[0]);
        let mut lo = if first == 0 { 0 } else { usize::try_from(be32(&self.idx, FANOUT + (first - 1) * 4)?).ok()? };
        let mut hi = usize::try_from(be32(&self.idx, FANOUT + first * 4)?).ok()?.min(self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let name = self.idx.get(NAMES + mid * 20..NAMES + mid * 20 + 20)?;
            match name.cmp(id.as_slice()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    fn offset(&self, i: usize) -> Option<usize> {
        let small = be32(&self.idx, NAMES + self.count * 24 + i * 4)?;
        if small & 0x8000_0000 == 0 {
            return usize::try_from(small).ok();
        }
        let large = NAMES + self.count * 28 + usize::try_from(small & 0x7fff_ffff).ok()? * 8;
        usize::try_from(be64(&self.idx, large)?).ok()
    }
}

/// Where an entry's base is, for a delta.
enum Base {
    /// At an earlier offset of the same pack.
    Offset(usize),
    /// The object of this id, wherever it is.
    Id([u8; 20]),
}

/// An entry's header: its type code, inflated size, where its zlib data starts, and its base
/// when it is a delta.
fn entry_header(data: &[u8], offset: usize) -> Option<(u8, usize, usize, Option<Base>)> {
    let mut at = offset;
    let mut byte = *data.get(at)?;
    at += 1;
    let code = (byte >> 4) & 7;
    let mut size = u64::from(byte & 15);
    let mut shift = 4;
    while byte & 0x80 != 0 {
        byte = *data.get(at)?;
        at += 1;
        if shift > 57 {
            return None;
        }
        size |= u64::from(byte & 0x7f) << shift;
        shift += 7;
    }
    let size = usize::try_from(size).ok()?;
    let base = match code {
        6 => {
            byte = *data.get(at)?;
            at += 1;
            let mut back = u64::from(byte & 0x7f);
            while byte & 0x80 != 0 {
                byte = *data.get(at)?;
                at += 1;
                if back >= 1 << 56 {
                    return None;
                }
                back = ((back + 1) << 7) | u64::from(byte & 0x7f);
            }
            let base = offset.checked_sub(usize::try_from(back).ok()?)?;
            if base == offset {
                return None;
            }
            Some(Base::Offset(base))
        }
        7 => {
            let id: [u8; 20] = data.get(at..at + 20)?.try_into().ok()?;
            at += 20;
            Some(Base::Id(id))
        }
        1..=4 => None,
        _ => return None,
    };
    Some((code, size, at, base))
}

/// Inflates one zlib stream from the start of `input` to exactly `size` bytes.
fn inflate(input: &[u8], size: usize, z: &mut Decompress) -> Option<Vec<u8>> {
    z.reset(true);
    // Room past the expected size: a stream longer than its header says is caught, and zlib
    // takes its fast path only while at least 258 bytes of output room remain (without it,
    // small objects such as commits inflated at a third of the speed).
    let mut out = Vec::with_capacity(size.min(MAX_RESERVE) + 258);
    loop {
        let consumed = usize::try_from(z.total_in()).ok()?;
        let before = out.len();
        let status = z.decompress_vec(input.get(consumed..)?, &mut out, FlushDecompress::Finish).ok()?;
        if status == Status::StreamEnd {
            break;
        }
        if out.len() > size {
            return None;
        }
        if out.len() == out.capacity() {
            out.reserve((size + 258 - out.len()).min(MAX_RESERVE));
        } else if out.len() == before && usize::try_from(z.total_in()).ok()? == consumed {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

/// A delta's size header: little-endian groups of seven bits.
fn delta_size(delta: &[u8], at: &mut usize) -> Option<usize> {
    let mut size = 0u64;
    let mut shift = 0;
    loop {
        let byte = *delta.get(*at)?;
        *at += 1;
        if shift > 57 {
            return None;
        }
        size |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return usize::try_from(size).ok();
        }
    }
}

/// Applies a git delta to its base.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    if delta_size(delta, &mut at)? != base.len() {
        return None;
    }
    let size = delta_size(delta, &mut at)?;
    let mut out = Vec::with_capacity(size.min(MAX_RESERVE));
    while let Some(&op) = delta.get(at) {
        at += 1;
        if op & 0x80 != 0 {
            // Copy from the base: the offset's and length's present bytes are flagged in `op`.
            let mut offset = 0usize;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    offset |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            let mut len = 0usize;
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            // Insert the next `op` bytes of the delta itself.
            let len = usize::from(op);
            out.extend_from_slice(delta.get(at..at + len)?);
            at += len;
        } else {
            return None;
        }
        if out.len() > size {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

/// The packs of one object directory. It holds maps only, so threads can share it, each with
/// its own [`Decompress`].
pub struct Packs {
    packs: Vec<Pack>,
}

impl Packs {
    /// Maps every pack in `objects/pack` that has a version 2 index, newest first (as git
    /// searches them). A pack that cannot be mapped is skipped: its objects are left to libgit2.
    pub fn open(objects: &Path) -> Self {
        let mut found: Vec<(std::time::SystemTime, std::path::PathBuf)> = std::fs::read_dir(objects.join("pack"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .map(|p| (p.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), p))
            .collect();
        found.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        Self { packs: found.iter().filter_map(|(_, p)| Pack::open(p)).collect() }
    }

    /// How many packs were mapped.
    pub fn len(&self) -> usize {
        self.packs.len()
    }

    /// Whether no pack was mapped.
    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    fn locate(&self, id: &[u8; 20]) -> Option<(usize, usize)> {
        self.packs.iter().enumerate().find_map(|(i, p)| p.find(id).map(|at| (i, at)))
    }

    /// Object `id`'s kind and bytes, when a pack here holds it and reads cleanly; `None` sends
    /// the caller to libgit2. `bases` keeps delta bases between calls.
    pub fn read(&self, id: &[u8; 20], z: &mut Decompress, bases: &mut BaseCache) -> Option<(Kind, Vec<u8>)> {
        let (mut pack, mut offset) = self.locate(id)?;
        // Walk down the delta chain to a whole object or a cached base, then apply the deltas
        // back up, keeping each base for the next object built on it.
        let mut deltas: Vec<(usize, usize, usize, usize)> = Vec::new();
        let (kind, mut bytes) = loop {
            if deltas.len() > MAX_CHAIN {
                return None;
            }
            if !deltas.is_empty() {
                if let Some((kind, bytes)) = bases.get(pack, offset) {
                    break (kind, bytes);
                }
            }
            let data = &self.packs.get(pack)?.data;
            let (code, size, start, base) = entry_header(data, offset)?;
            match base {
                None => {
                    let kind = match code {
                        1 => Kind::Commit,
                        2 => Kind::Tree,
                        3 => Kind::Blob,
                        _ => Kind::Tag,
                    };
                    let bytes = Rc::new(inflate(data.get(start..)?, size, z)?);
                    if !deltas.is_empty() {
                        bases.put(pack, offset, kind, &bytes);
                    }
                    break (kind, bytes);
                }
                Some(Base::Offset(base)) => {
                    deltas.push((pack, offset, start, size));
                    offset = base;
                }
                Some(Base::Id(base)) => {
                    deltas.push((pack, offset, start, size));
                    (pack, offset) = self.locate(&base)?;
                }
            }
        };
        while let Some((pack, offset, start, size)) = deltas.pop() {
            let delta = inflate(self.packs.get(pack)?.data.get(start..)?, size, z)?;
            bytes = Rc::new(apply_delta(&bytes, &delta)?);
            if !deltas.is_empty() {
                bases.put(pack, offset, kind, &bytes);
            }
        }
        Some((kind, Rc::try_unwrap(bytes).unwrap_or_else(|shared| shared.to_vec())))
    }
}

/// Delta bases read recently, by pack and offset, so that objects deltified against one base
/// (a notes tree's blobs, a directory's tree versions) inflate it once, not once per object.
/// Bounded like git's `core.deltaBaseCacheLimit` (96 MiB), evicting the oldest first.
#[derive(Default)]
pub struct BaseCache {
    entries: std::collections::HashMap<Place, (Kind, Rc<Vec<u8>>)>,
    order: std::collections::VecDeque<Place>,
    bytes: usize,
}

/// Where an entry is: which pack, at what offset.
type Place = (usize, usize);

/// git's default `core.deltaBaseCacheLimit`.
const BASE_CACHE_LIMIT: usize = 96 << 20;

impl BaseCache {
    fn get(&self, pack: usize, offset: usize) -> Option<(Kind, Rc<Vec<u8>>)> {
        self.entries.get(&(pack, offset)).map(|(k, b)| (*k, Rc::clone(b)))
    }

    fn put(&mut self, pack: usize, offset: usize, kind: Kind, bytes: &Rc<Vec<u8>>) {
        if bytes.len() > BASE_CACHE_LIMIT / 4 || self.entries.contains_key(&(pack, offset)) {
            return;
        }
        while self.bytes + bytes.len() > BASE_CACHE_LIMIT {
            let Some(old) = self.order.pop_front() else { break };
            if let Some((_, b)) = self.entries.remove(&old) {
                self.bytes -= b.len();
            }
        }
        self.bytes += bytes.len();
        self.order.push_back((pack, offset));
        self.entries.insert((pack, offset), (kind, Rc::clone(bytes)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_copy_and_insert_and_reject_what_does_not_add_up() {
        let base = b"hello, pack world";
        // source 17, target 12; copy base[7..11] ("pack"), insert " it", copy base[0..5].
        let delta = [17, 12, 0x91, 7, 4, 3, b' ', b'i', b't', 0x90, 5, 0x80 | 0x10, 0];
        // The last op copies 0 bytes... flagged size byte 0 means 0x10000: out of the base.
        assert_eq!(apply_delta(base, &delta), None, "a copy past the base's end");
        let delta = [17, 12, 0x91, 7, 4, 3, b' ', b'i', b't', 0x90, 5];
        assert_eq!(apply_delta(base, &delta).as_deref(), Some(&b"pack ithello"[..]));
        assert_eq!(apply_delta(b"short", &delta), None, "the base's size is checked");
        assert_eq!(apply_delta(base, &[17, 13, 0x91, 7, 4]), None, "the result's size is checked");
        assert_eq!(apply_delta(base, &[17, 1, 0]), None, "op 0 is reserved");
        assert_eq!(apply_delta(base, &[17, 3, 5, b'a']), None, "an insert past the delta's end");
        assert_eq!(apply_delta(base, &[0x80]), None, "a size that never ends");
    }

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(low);
                return;
            }
            out.push(low | 0x80);
        }
    }

    #[test]
    fn a_long_copy_reads_its_offset_bytes_and_the_implied_length() {
        let base: Vec<u8> = (0..=255u8).cycle().take(0x10000 + 300).collect();
        let mut delta = Vec::new();
        varint(base.len(), &mut delta);
        varint(0x10000, &mut delta);
        // Copy from offset 0x012c (two offset bytes), no length byte: 0x10000 bytes.
        delta.extend_from_slice(&[0x80 | 0x01 | 0x02, 0x2c, 0x01]);
        let out = apply_delta(&base, &delta).unwrap();
        assert_eq!(out, &base[0x12c..0x12c + 0x10000]);
    }

    #[test]
    fn entry_headers_read_sizes_and_bases() {
        // A commit of 300 bytes: type 1, size 300 = 0b1_0010_1100 -> 0x9c (more, 1100), 0x12.
        assert_eq!(
            entry_header(&[0x9c, 0x12, 0x78], 0).map(|(c, s, at, b)| (c, s, at, b.is_none())),
            Some((1, 300, 2, true))
        );
        // An offset delta 200 bytes back: 200 = ((0 + 1) << 7) | 72 -> 0x80, 0x48.
        let data = [0u8; 300];
        let mut at300 = data.to_vec();
        at300.extend_from_slice(&[0x65, 0x80, 0x48]);
        match entry_header(&at300, 300) {
            Some((6, 5, 303, Some(Base::Offset(100)))) => {}
            other => panic!("{:?}", other.map(|(c, s, at, _)| (c, s, at))),
        }
        assert!(entry_header(&[0x65, 0x7f], 0).is_none(), "a base before the pack's start");
        assert!(entry_header(&[0x50], 0).is_none(), "type 5 is reserved");
        assert!(entry_header(&[0x90], 0).is_none(), "a size that never ends");
        assert!(entry_header(&[0x75, 1, 2], 0).is_none(), "a ref delta with a short id");
    }

    #[test]
    fn inflate_needs_the_exact_size() {
        use std::io::Write;
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"tree 0000\n").unwrap();
        let z = enc.finish().unwrap();
        let mut d = Decompress::new(true);
        assert_eq!(inflate(&z, 10, &mut d).as_deref(), Some(&b"tree 0000\n"[..]));
        assert_eq!(inflate(&z, 9, &mut d), None, "longer than its header says");
        assert_eq!(inflate(&z, 11, &mut d), None, "shorter than its header says");
        assert_eq!(inflate(&z[..z.len() - 6], 10, &mut d), None, "cut short");
        assert_eq!(inflate(b"not zlib", 3, &mut d), None);
    }

    /// A repository whose history git packs with deltas: many versions of a few files, one
    /// large enough for long copies, and binary content.
    fn packed_repo() -> (tempfile::TempDir, impl Fn(&[&str]) -> std::process::Output) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let git = move |args: &[&str]| crate::repo::commits::tests::git_cli(&path, args);
        git(&["init", "-q"]);
        let mut big: Vec<u8> = (0..200_000u32).flat_map(|i| format!("line {i}\n").into_bytes()).collect();
        for n in 0..40u32 {
            std::fs::write(dir.path().join("notes.txt"), format!("v1 committed n={n}\n").repeat(n as usize + 1))
                .unwrap();
            let at = (n as usize * 7919) % (big.len() - 10);
            big[at..at + 6].copy_from_slice(b"edited");
            std::fs::write(dir.path().join("big.txt"), &big).unwrap();
            std::fs::write(dir.path().join("bin"), (0..4096u32).map(|i| (i * n % 256) as u8).collect::<Vec<_>>())
                .unwrap();
            git(&["add", "-A"]);
            git(&["commit", "-q", "-m", &format!("change {n}")]);
        }
        (dir, git)
    }

    /// Reads every object of the repository through the pack reader, twice (the second time
    /// through cached bases), and through libgit2, and compares.
    fn assert_reads_like_libgit2(dir: &Path, git: &dyn Fn(&[&str]) -> std::process::Output) -> usize {
        let repo = git2::Repository::open(dir).unwrap();
        let odb = repo.odb().unwrap();
        let packs = Packs::open(&dir.join(".git/objects"));
        assert_eq!(packs.len(), 1);
        let listed = git(&["cat-file", "--batch-all-objects", "--batch-check=%(objectname)"]);
        let ids: Vec<git2::Oid> =
            String::from_utf8(listed.stdout).unwrap().lines().map(|l| git2::Oid::from_str(l).unwrap()).collect();
        let (mut z, mut bases) = (Decompress::new(true), BaseCache::default());
        for _ in 0..2 {
            for id in &ids {
                let raw: &[u8; 20] = id.as_bytes().try_into().unwrap();
                let (kind, bytes) = packs.read(raw, &mut z, &mut bases).unwrap_or_else(|| panic!("{id} unread"));
                let want = odb.read(*id).unwrap();
                assert_eq!(bytes, want.data(), "{id}");
                let want_kind = match want.kind() {
                    git2::ObjectType::Commit => Kind::Commit,
                    git2::ObjectType::Tree => Kind::Tree,
                    git2::ObjectType::Blob => Kind::Blob,
                    _ => Kind::Tag,
                };
                assert_eq!(kind, want_kind, "{id}");
            }
        }
        let missing = [0xabu8; 20];
        assert!(packs.read(&missing, &mut z, &mut bases).is_none());
        ids.len()
    }

    fn deltas_in(dir: &Path, git: &dyn Fn(&[&str]) -> std::process::Output) -> usize {
        let idx = std::fs::read_dir(dir.join(".git/objects/pack"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .unwrap();
        let out = git(&["verify-pack", "-v", idx.to_str().unwrap()]);
        // Deltified entries list their depth and base after the usual five columns.
        let text = String::from_utf8(out.stdout).unwrap();
        let depths: Vec<usize> = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() == 7)
            .map(|f| f[5].parse().unwrap())
            .collect();
        assert!(depths.iter().any(|&d| d >= 5), "chains of five deltas and more: {depths:?}");
        depths.len()
    }

    #[test]
    fn reads_every_object_of_a_pack_with_offset_deltas_as_libgit2_does() {
        let (dir, git) = packed_repo();
        // One delta-search thread: with several, git's delta choices (and chain lengths) vary.
        git(&["-c", "pack.threads=1", "repack", "-adfq", "--depth=50", "--window=250"]);
        let deltas = deltas_in(dir.path(), &git);
        assert!(deltas > 30, "the pack has delta chains to follow: {deltas}");
        assert!(assert_reads_like_libgit2(dir.path(), &git) > 150);
    }

    #[test]
    fn reads_reference_deltas_and_64_bit_offsets() {
        let (dir, git) = packed_repo();
        // Bases named by id instead of by offset.
        git(&[
            "-c",
            "repack.useDeltaBaseOffset=false",
            "-c",
            "pack.threads=1",
            "repack",
            "-adfq",
            "--depth=50",
            "--window=250",
        ]);
        let deltas = deltas_in(dir.path(), &git);
        assert!(deltas > 30, "{deltas}");
        assert_reads_like_libgit2(dir.path(), &git);
        // Rewrite the index with every offset in its 64-bit table.
        let pack_dir = dir.path().join(".git/objects/pack");
        let pack = std::fs::read_dir(&pack_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .unwrap();
        let idx = pack.with_extension("idx");
        std::fs::remove_file(&idx).unwrap();
        git(&["index-pack", "--index-version=2,0", "-o", idx.to_str().unwrap(), pack.to_str().unwrap()]);
        assert_reads_like_libgit2(dir.path(), &git);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

        /// Damaged index or pack bytes give the right object or `None`, never a panic.
        #[test]
        fn damaged_packs_never_panic(
            flips in proptest::collection::vec(
                (proptest::prelude::any::<bool>(), proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()),
                1..8,
            ),
        ) {
            struct Fixture {
                _dir: tempfile::TempDir,
                idx: Vec<u8>,
                pack: Vec<u8>,
                ids: Vec<[u8; 20]>,
            }
            static FIXTURE: std::sync::OnceLock<std::sync::Mutex<Fixture>> = std::sync::OnceLock::new();
            let fixture = FIXTURE.get_or_init(|| {
                let (dir, git) = packed_repo();
                git(&["repack", "-adq", "--depth=50"]);
                let pack_dir = dir.path().join(".git/objects/pack");
                let file = |ext: &str| {
                    let p = std::fs::read_dir(&pack_dir).unwrap().flatten().map(|e| e.path())
                        .find(|p| p.extension().is_some_and(|x| x == ext)).unwrap();
                    std::fs::read(p).unwrap()
                };
                let repo = git2::Repository::open(dir.path()).unwrap();
                let odb = repo.odb().unwrap();
                let mut ids = Vec::new();
                odb.foreach(|id| {
                    ids.push(id.as_bytes().try_into().unwrap());
                    true
                }).unwrap();
                ids.truncate(60);
                std::sync::Mutex::new(Fixture { idx: file("idx"), pack: file("pack"), ids, _dir: dir })
            });
            let f = fixture.lock().unwrap();
            let (mut idx, mut pack) = (f.idx.clone(), f.pack.clone());
            for (in_idx, at, b) in &flips {
                let bytes = if *in_idx { &mut idx } else { &mut pack };
                let i = at.index(bytes.len());
                bytes[i] = *b;
            }
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("pack")).unwrap();
            std::fs::write(dir.path().join("pack/pack-x.idx"), &idx).unwrap();
            std::fs::write(dir.path().join("pack/pack-x.pack"), &pack).unwrap();
            let packs = Packs::open(dir.path());
            let (mut z, mut bases) = (Decompress::new(true), BaseCache::default());
            // What is read may be right (a flip in bytes nothing reads) or `None`; what matters
            // is that nothing panics, loops or allocates without bound.
            for id in &f.ids {
                let _ = packs.read(id, &mut z, &mut bases);
            }
        }
    }

    #[test]
    fn a_directory_without_packs_has_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Packs::open(dir.path()).is_empty());
        std::fs::create_dir(dir.path().join("pack")).unwrap();
        std::fs::write(dir.path().join("pack/pack-x.idx"), b"\xfftOc\0\0\0\x02short").unwrap();
        std::fs::write(dir.path().join("pack/pack-x.pack"), b"PACK").unwrap();
        assert!(Packs::open(dir.path()).is_empty(), "a truncated index is skipped");
    }
}
