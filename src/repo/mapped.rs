//! Read-only memory maps of files git replaces by rename (the index, pack files and their
//! indexes, the commit-graph), the one place this crate uses `unsafe`.
//!
//! Reading a 1 MB index with read(2) copies it into freshly faulted anonymous pages, which
//! was a fifth of the pre-commit hook's time on a 10,000-file repository; a map shares the
//! page cache's pages instead. git maps its index the same way.

use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::Path;

/// A file's bytes, mapped when the file is not empty.
#[derive(Debug)]
pub enum Mapped {
    /// A shared read-only map of the whole file.
    Map(memmap2::Mmap),
    /// An empty file (zero-length maps are an error on Linux).
    Empty,
}

impl Mapped {
    /// Maps `path` read-only.
    ///
    /// Only for files git never rewrites in place: git writes `index.lock` and renames it over
    /// the index (and writes packs and commit-graphs to temporary files it renames), so a map
    /// keeps the old inode's bytes intact while git replaces or deletes the file.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        if file.metadata()?.len() == 0 {
            return Ok(Self::Empty);
        }
        #[expect(unsafe_code, reason = "mapping a file that is replaced by rename, never truncated in place")]
        // SAFETY: the map is read-only and private to this process; git replaces these files by
        // renaming a new file over them, so the mapped inode's bytes do not change while mapped.
        // A tool that truncated the index in place could make a read fault (SIGBUS), the same
        // exposure git itself has, which maps the index too.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(Self::Map(map))
    }
}

impl Deref for Mapped {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Map(m) => m,
            Self::Empty => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_contents_and_empty_files() {
        let dir = tempfile::tempdir().unwrap();
        let full = dir.path().join("full");
        std::fs::write(&full, b"DIRC and more").unwrap();
        assert_eq!(&*Mapped::open(&full).unwrap(), b"DIRC and more");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        assert!(Mapped::open(&empty).unwrap().is_empty());
        assert_eq!(Mapped::open(&dir.path().join("missing")).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
