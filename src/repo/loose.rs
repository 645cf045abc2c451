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
    let name = match kind {
        git2::ObjectType::Commit => "commit",
        git2::ObjectType::Tree => "tree",
        git2::ObjectType::Blob => "blob",
        git2::ObjectType::Tag => "tag",
        _ => return Err(io::Error::other("an object of unknown type")),
    };
    let mut raw = Vec::with_capacity(data.len() + 32);
    write!(raw, "{name} {}\0", data.len())?;
    raw.extend_from_slice(data);
    let stream = stored_zlib(&raw)?;
    match fs::create_dir(&dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    let tmp = dir.join(format!("tmp_obj_git_policy_{}_{}", std::process::id(), &hex[2..]));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o444)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&stream))
        .and_then(|()| fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// `data` as a zlib stream of stored (uncompressed) blocks.
fn stored_zlib(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65_535 * 5 + 16);
    let mut z = flate2::Compress::new(flate2::Compression::none(), true);
    loop {
        out.reserve(data.len() / 8 + 64);
        let read = usize::try_from(z.total_in()).unwrap_or(data.len()).min(data.len());
        let status =
            z.compress_vec(&data[read..], &mut out, flate2::FlushCompress::Finish).map_err(io::Error::other)?;
        if status == flate2::Status::StreamEnd {
            return Ok(out);
        }
    }
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
    fn unknown_object_types_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let id = git2::Oid::hash_object(git2::ObjectType::Blob, b"x").unwrap();
        assert!(write(dir.path(), id, git2::ObjectType::Any, b"x").is_err());
    }
}
