//! Loose objects written directly, stored without compression.
//!
//! A pre-push that stamps 50 commits writes ~100 objects, mostly notes trees of object ids,
//! which do not compress: libgit2 deflated each one, and checked for it in every pack first,
//! at ~0.25 ms an object.
//! A zlib stream of stored blocks is as valid to git and libgit2 as a compressed one, and
//! `git gc` compresses the objects when it packs them. Writes are atomic: a temporary file in
//! the object's directory, renamed into place, read-only like git's own.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Writes object `id` (of `kind`, with `data`) under `objects_dir`, unless it is there already.
pub fn write(objects_dir: &Path, id: git2::Oid, kind: git2::ObjectType, data: &[u8]) -> io::Result<()> {
    let hex = id.to_string();
    let dir = objects_dir.join(&hex[..2]);
    let path = dir.join(&hex[2..]);
    if path.exists() {
        return Ok(());
    }
    let name = type_name(kind)?;
    let mut raw = Vec::with_capacity(data.len() + 32);
    write!(raw, "{name} {}\0", data.len())?;
    raw.extend_from_slice(data);
    let stream = stored_zlib(&raw);
    let tmp = dir.join(format!("tmp_obj_git_policy_{}_{}", pid(), &hex[2..]));
    let create = || OpenOptions::new().write(true).create_new(true).mode(0o444).open(&tmp);
    // The fan-out directory usually exists: create it only when the file cannot be.
    let file = match create() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&dir) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => create(),
        },
        other => other,
    };
    let written = file.and_then(|mut f| f.write_all(&stream)).and_then(|()| fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// The id git gives an object of `kind` with `data`: the SHA-1 of its header and bytes. The
/// objects hashed here are the ones git-policy writes itself, so git's collision detection,
/// which guards against crafted input, is not needed, and this costs a third as much.
pub fn object_id(kind: git2::ObjectType, data: &[u8]) -> io::Result<git2::Oid> {
    use sha1::{Digest, Sha1};
    let mut hasher = Sha1::new();
    hasher.update(format!("{} {}\0", type_name(kind)?, data.len()).as_bytes());
    hasher.update(data);
    git2::Oid::from_bytes(&hasher.finalize()).map_err(|e| io::Error::other(e.message().to_string()))
}

fn type_name(kind: git2::ObjectType) -> io::Result<&'static str> {
    match kind {
        git2::ObjectType::Commit => Ok("commit"),
        git2::ObjectType::Tree => Ok("tree"),
        git2::ObjectType::Blob => Ok("blob"),
        git2::ObjectType::Tag => Ok("tag"),
        _ => Err(io::Error::other("an object of unknown type")),
    }
}

fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// `data` as a zlib stream (RFC 1950) of stored deflate blocks (RFC 1951, BTYPE 00): no
/// compressor state to set up (zlib's is ~256 KB, allocated and freed for every object).
fn stored_zlib(data: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 65_535;
    let mut out = Vec::with_capacity(data.len() + data.len() / BLOCK * 5 + 16);
    // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (no dictionary, lowest level; 0x7801 % 31 == 0).
    out.extend_from_slice(&[0x78, 0x01]);
    let mut chunks = data.chunks(BLOCK).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        // Chunks are at most 65,535 bytes, so the length fits.
        let len = chunk.len() as u16;
        out.push(u8::from(last));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// Adler-32 (RFC 1950), summed in runs short enough that the sums cannot overflow.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for run in data.chunks(5552) {
        for &byte in run {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn git_reads_what_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| Command::new("git").current_dir(dir.path()).args(args).output().unwrap();
        assert!(git(&["init", "-q"]).status.success());
        let objects = dir.path().join(".git/objects");
        for n in [0usize, 1, 70_000, 200_000] {
            let data: Vec<u8> = (0..n).map(|i| (i * 13 % 251) as u8).collect();
            let id = git2::Oid::hash_object(git2::ObjectType::Blob, &data).unwrap();
            write(&objects, id, git2::ObjectType::Blob, &data).unwrap();
            // Idempotent: a second write of the same object is a no-op.
            write(&objects, id, git2::ObjectType::Blob, &data).unwrap();
            let out = git(&["cat-file", "blob", &id.to_string()]);
            assert!(out.status.success());
            assert_eq!(out.stdout, data);
        }
        assert!(git(&["fsck", "--strict"]).status.success());
        let leftovers: Vec<_> = walk(&objects).into_iter().filter(|p| p.contains("tmp_obj")).collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for e in fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
        out
    }

    #[test]
    fn stored_streams_decode_with_zlib() {
        use std::io::Read;
        for n in [0usize, 1, 65_535, 65_536, 131_071, 200_000] {
            let data: Vec<u8> = (0..n).map(|i| (i * 31 % 256) as u8).collect();
            let mut back = Vec::new();
            flate2::read::ZlibDecoder::new(stored_zlib(&data).as_slice()).read_to_end(&mut back).unwrap();
            assert_eq!(back, data, "{n} bytes");
        }
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn unknown_object_types_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let id = git2::Oid::hash_object(git2::ObjectType::Blob, b"x").unwrap();
        assert!(write(dir.path(), id, git2::ObjectType::Any, b"x").is_err());
    }
}
