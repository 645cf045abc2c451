//! The coverage model every parser produces: per file, line hits and branch outcomes, kept apart.
//!
//! Merging is a union: a line is covered when any report covers it (hits add, saturating), and a
//! branch is taken when any report took it. Repeated records of one file inside one report merge
//! the same way, so a line listed twice with 0 and 3 hits counts 3.

use std::collections::BTreeMap;

/// Coverage of one source file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    /// Executable line -> hit count. A line absent from the map is not executable (not measured).
    pub lines: BTreeMap<u32, u64>,
    /// (line, branch id) -> whether the branch was taken. Ids are only comparable within one format.
    pub branches: BTreeMap<(u32, String), bool>,
}

impl FileCoverage {
    /// Records hits on a line, adding to any hits already recorded.
    pub fn add_line(&mut self, line: u32, hits: u64) {
        let h = self.lines.entry(line).or_insert(0);
        *h = h.saturating_add(hits);
    }

    /// Records a branch outcome; a branch taken anywhere stays taken.
    pub fn add_branch(&mut self, line: u32, id: String, taken: bool) {
        let t = self.branches.entry((line, id)).or_insert(false);
        *t |= taken;
    }

    /// Merges another record of the same file into this one.
    pub fn merge(&mut self, other: FileCoverage) {
        if self.lines.is_empty() {
            self.lines = other.lines;
        } else {
            for (line, hits) in other.lines {
                self.add_line(line, hits);
            }
        }
        if self.branches.is_empty() {
            self.branches = other.branches;
        } else {
            for ((line, id), taken) in other.branches {
                self.add_branch(line, id, taken);
            }
        }
    }

    /// Executable lines with at least one hit.
    pub fn covered_lines(&self) -> u64 {
        self.lines.values().filter(|&&h| h > 0).count() as u64
    }

    /// Branches taken at least once.
    pub fn taken_branches(&self) -> u64 {
        self.branches.values().filter(|&&t| t).count() as u64
    }
}

/// Collects one file's records in arrival order and builds its maps in bulk at the end, which is
/// far cheaper than a map insert per record when a report has millions of lines.
#[derive(Debug, Default)]
pub(crate) struct FileBuilder {
    lines: Vec<(u32, u64)>,
    branches: Vec<((u32, String), bool)>,
}

impl FileBuilder {
    /// Records hits on a line; repeats add up.
    #[inline]
    pub(crate) fn line(&mut self, line: u32, hits: u64) {
        self.lines.push((line, hits));
    }

    /// Records a branch outcome; repeats OR together.
    pub(crate) fn branch(&mut self, line: u32, id: String, taken: bool) {
        self.branches.push(((line, id), taken));
    }

    /// Builds the file's coverage and empties the builder, keeping its capacity for the next file.
    pub(crate) fn take(&mut self) -> FileCoverage {
        let mut file = FileCoverage::default();
        if !self.lines.is_sorted_by_key(|&(l, _)| l) {
            self.lines.sort_by_key(|&(l, _)| l);
        }
        let mut w = 0;
        for r in 0..self.lines.len() {
            let (l, h) = self.lines[r];
            if w > 0 && self.lines[w - 1].0 == l {
                self.lines[w - 1].1 = self.lines[w - 1].1.saturating_add(h);
            } else {
                self.lines[w] = (l, h);
                w += 1;
            }
        }
        self.lines.truncate(w);
        // Handing the vector over lets the map's bulk build reuse its allocation.
        let capacity = self.lines.capacity();
        file.lines = std::mem::replace(&mut self.lines, Vec::with_capacity(capacity)).into_iter().collect();
        if !self.branches.is_empty() {
            if !self.branches.windows(2).all(|w| w[0].0 < w[1].0) {
                self.branches.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                self.branches.dedup_by(|later, kept| {
                    let same = later.0 == kept.0;
                    if same {
                        kept.1 |= later.1;
                    }
                    same
                });
            }
            let capacity = self.branches.capacity();
            file.branches = std::mem::replace(&mut self.branches, Vec::with_capacity(capacity)).into_iter().collect();
        }
        file
    }
}

/// Coverage of many files, keyed by path (report paths before mapping, repository paths after).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Path -> that file's coverage.
    pub files: BTreeMap<String, FileCoverage>,
}

impl Coverage {
    /// Merges another report (or another record set) into this one; see the module doc.
    pub fn merge(&mut self, other: Coverage) {
        if self.files.is_empty() {
            self.files = other.files;
            return;
        }
        for (path, file) in other.files {
            self.merge_file(&path, file);
        }
    }

    /// Merges one file's record, allocating the key only for a file not seen before.
    pub fn merge_file(&mut self, path: &str, file: FileCoverage) {
        match self.files.get_mut(path) {
            Some(existing) => existing.merge(file),
            None => {
                self.files.insert(path.to_owned(), file);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(lines: &[(u32, u64)], branches: &[(u32, &str, bool)]) -> FileCoverage {
        let mut f = FileCoverage::default();
        for &(l, h) in lines {
            f.add_line(l, h);
        }
        for &(l, id, t) in branches {
            f.add_branch(l, id.to_owned(), t);
        }
        f
    }

    #[test]
    fn coverage_merge_of_disjoint_reports_keeps_both() {
        let mut a = Coverage::default();
        a.merge_file("src/a.rs", file(&[(1, 1), (2, 0)], &[]));
        let mut b = Coverage::default();
        b.merge_file("src/b.rs", file(&[(5, 3)], &[(5, "0,0", true)]));
        a.merge(b);
        assert_eq!(a.files.len(), 2);
        assert_eq!(a.files["src/b.rs"].lines[&5], 3);
        assert_eq!(a.files["src/a.rs"].covered_lines(), 1);
    }

    #[test]
    fn coverage_merge_is_a_union_with_saturating_hits() {
        let mut a = Coverage::default();
        a.merge_file("x.c", file(&[(1, 0), (2, u64::MAX), (3, 0)], &[(1, "0,0", false), (1, "0,1", true)]));
        let mut b = Coverage::default();
        b.merge_file("x.c", file(&[(1, 4), (2, 9), (7, 0)], &[(1, "0,0", true), (1, "0,1", false)]));
        a.merge(b);
        let f = &a.files["x.c"];
        assert_eq!(f.lines, BTreeMap::from([(1, 4), (2, u64::MAX), (3, 0), (7, 0)]));
        assert_eq!(f.taken_branches(), 2);
        assert_eq!(f.covered_lines(), 2);
    }

    #[test]
    fn coverage_merge_of_a_repeated_record_counts_the_line_covered() {
        let mut c = Coverage::default();
        c.merge_file("A.java", file(&[(10, 0)], &[]));
        c.merge_file("A.java", file(&[(10, 3)], &[]));
        assert_eq!(c.files["A.java"].lines[&10], 3);
    }

    #[test]
    fn coverage_file_builder_matches_incremental_adds() {
        let mut b = FileBuilder::default();
        let mut f = FileCoverage::default();
        for (l, h) in [(5, 1), (2, 0), (5, 2), (9, u64::MAX), (9, 3), (1, 0)] {
            b.line(l, h);
            f.add_line(l, h);
        }
        for (l, id, t) in [(2, "1", false), (2, "0", true), (2, "1", true), (1, "0", false)] {
            b.branch(l, id.to_owned(), t);
            f.add_branch(l, id.to_owned(), t);
        }
        assert_eq!(b.take(), f);
        assert_eq!(b.take(), FileCoverage::default());
    }
}
