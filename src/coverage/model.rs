//! The coverage model every parser produces: per file, line hits and branch outcomes, kept apart.
//!
//! Merging is a union: a line is covered when any report covers it (hits add, saturating), and a
//! branch is taken when any report took it. Repeated records of one file inside one report merge
//! the same way, so a line listed twice with 0 and 3 hits counts 3.
//!
//! Both are sorted vectors, not maps: a monorepo's report has millions of lines, which a parser
//! appends in order and a gate reads once, so a vector built in bulk costs a fraction of a map's
//! time and memory (a map allocates per node and chases pointers on every walk and drop).

use std::collections::BTreeMap;

/// A branch's id within its line. Ids are only comparable within one format: lcov's
/// `block,branch` and the XML formats' branch index are numbers, anything else is kept as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BranchId {
    /// A numeric id (lcov `block,branch` packed as `block << 32 | branch`, or an index).
    Num(u64),
    /// Any other id, as written.
    Text(Box<str>),
}

impl From<u64> for BranchId {
    fn from(n: u64) -> Self {
        BranchId::Num(n)
    }
}

impl From<String> for BranchId {
    fn from(s: String) -> Self {
        BranchId::Text(s.into_boxed_str())
    }
}

impl From<&str> for BranchId {
    fn from(s: &str) -> Self {
        BranchId::Text(s.into())
    }
}

/// Executable lines and their hit counts, sorted by line, one entry per line. A line absent is
/// not executable (not measured).
///
/// Counts are kept in 32 bits and saturate at `u32::MAX` (4,294,967,295): the gates ask only
/// whether a line ran, and half the memory of a monorepo's millions of lines is worth more
/// than the exact count of a line that ran four billion times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineHits(Vec<(u32, u32)>);

/// A count narrowed to the 32 bits kept, saturating.
#[inline]
pub(crate) fn narrow(hits: u64) -> u32 {
    u32::try_from(hits).unwrap_or(u32::MAX)
}

impl LineHits {
    /// The hits of a line, if it is executable.
    pub fn get(&self, line: &u32) -> Option<&u32> {
        self.0.binary_search_by_key(line, |&(l, _)| l).ok().map(|i| &self.0[i].1)
    }

    /// Number of executable lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no line is executable.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `(line, hits)` in line order.
    pub fn iter(&self) -> impl Iterator<Item = (&u32, &u32)> + '_ {
        self.0.iter().map(|(l, h)| (l, h))
    }

    /// Hit counts in line order.
    pub fn values(&self) -> impl Iterator<Item = &u32> + '_ {
        self.0.iter().map(|(_, h)| h)
    }

    /// Adds hits to a line (saturating), making it executable.
    pub fn add(&mut self, line: u32, hits: u64) {
        self.upsert(line, narrow(hits), u32::saturating_add);
    }

    /// Raises a line's hits to at least `hits` (for formats whose overlapping blocks repeat a
    /// line within one record).
    pub fn raise(&mut self, line: u32, hits: u64) {
        self.upsert(line, narrow(hits), u32::max);
    }

    fn upsert(&mut self, line: u32, hits: u32, combine: fn(u32, u32) -> u32) {
        // Parsers mostly go in line order: appending is the common case.
        if self.0.last().is_none_or(|&(l, _)| l < line) {
            self.0.push((line, hits));
            return;
        }
        match self.0.binary_search_by_key(&line, |&(l, _)| l) {
            Ok(i) => self.0[i].1 = combine(self.0[i].1, hits),
            Err(i) => self.0.insert(i, (line, hits)),
        }
    }

    /// Builds from entries in any order; repeated lines add up.
    fn from_unsorted(mut v: Vec<(u32, u32)>) -> Self {
        if !v.is_sorted_by_key(|&(l, _)| l) {
            v.sort_by_key(|&(l, _)| l);
        }
        v.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = kept.1.saturating_add(later.1);
            }
            same
        });
        Self(v)
    }

    /// The union of two sets of lines, hits added.
    fn merge(&mut self, other: LineHits) {
        if self.0.is_empty() {
            *self = other;
            return;
        }
        let mut all = std::mem::take(&mut self.0);
        all.extend(other.0);
        *self = Self::from_unsorted(all);
    }
}

impl<'a> IntoIterator for &'a LineHits {
    type Item = (&'a u32, &'a u32);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (u32, u32)>, fn(&'a (u32, u32)) -> (&'a u32, &'a u32)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(l, h)| (l, h))
    }
}

impl FromIterator<((u32, BranchId), bool)> for Branches {
    fn from_iter<I: IntoIterator<Item = ((u32, BranchId), bool)>>(iter: I) -> Self {
        Self::from_unsorted(iter.into_iter().collect())
    }
}

impl std::fmt::Display for BranchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BranchId::Num(n) => write!(f, "{n}"),
            BranchId::Text(t) => f.write_str(t),
        }
    }
}

impl std::ops::Index<&u32> for LineHits {
    type Output = u32;

    fn index(&self, line: &u32) -> &u32 {
        #[expect(clippy::expect_used, reason = "indexing a missing key panics, as a map's does")]
        self.get(line).expect("line is not executable")
    }
}

impl FromIterator<(u32, u64)> for LineHits {
    fn from_iter<I: IntoIterator<Item = (u32, u64)>>(iter: I) -> Self {
        Self::from_unsorted(iter.into_iter().map(|(l, h)| (l, narrow(h))).collect())
    }
}

impl IntoIterator for LineHits {
    type Item = (u32, u32);
    type IntoIter = std::vec::IntoIter<(u32, u32)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Branch outcomes, sorted by line and id, one entry per branch: `((line, id), taken)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branches(Vec<((u32, BranchId), bool)>);

impl Branches {
    /// Number of branches.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether each branch was taken, in order.
    pub fn values(&self) -> impl Iterator<Item = &bool> + '_ {
        self.0.iter().map(|(_, t)| t)
    }

    /// `((line, id), taken)` in order.
    pub fn iter(&self) -> impl Iterator<Item = (&(u32, BranchId), &bool)> + '_ {
        self.0.iter().map(|(k, t)| (k, t))
    }

    /// `(line, id)` of every branch, in order.
    pub fn keys(&self) -> impl Iterator<Item = &(u32, BranchId)> + '_ {
        self.0.iter().map(|(k, _)| k)
    }

    /// Whether a branch was taken, if the branch is known.
    pub fn get(&self, key: &(u32, BranchId)) -> Option<&bool> {
        self.0.binary_search_by(|(k, _)| k.cmp(key)).ok().map(|i| &self.0[i].1)
    }

    /// Whether a branch is known.
    pub fn contains_key(&self, key: &(u32, BranchId)) -> bool {
        self.get(key).is_some()
    }

    fn from_unsorted(mut v: Vec<((u32, BranchId), bool)>) -> Self {
        if !v.windows(2).all(|w| w[0].0 < w[1].0) {
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    kept.1 |= later.1;
                }
                same
            });
        }
        Self(v)
    }

    fn add(&mut self, line: u32, id: BranchId, taken: bool) {
        let key = (line, id);
        if self.0.last().is_none_or(|(k, _)| *k < key) {
            self.0.push((key, taken));
            return;
        }
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.0[i].1 |= taken,
            Err(i) => self.0.insert(i, (key, taken)),
        }
    }

    fn merge(&mut self, other: Branches) {
        if self.0.is_empty() {
            *self = other;
            return;
        }
        let mut all = std::mem::take(&mut self.0);
        all.extend(other.0);
        *self = Self::from_unsorted(all);
    }
}

/// Coverage of one source file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    /// Executable lines and their hits.
    pub lines: LineHits,
    /// Branch outcomes.
    pub branches: Branches,
}

impl FileCoverage {
    /// Records hits on a line, adding to any hits already recorded.
    pub fn add_line(&mut self, line: u32, hits: u64) {
        self.lines.add(line, hits);
    }

    /// Records a branch outcome; a branch taken anywhere stays taken.
    pub fn add_branch(&mut self, line: u32, id: impl Into<BranchId>, taken: bool) {
        self.branches.add(line, id.into(), taken);
    }

    /// Merges another record of the same file into this one.
    pub fn merge(&mut self, other: FileCoverage) {
        self.lines.merge(other.lines);
        self.branches.merge(other.branches);
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

/// Collects one file's records in arrival order and sorts them once at the end, which is far
/// cheaper than an ordered insert per record when a report has millions of lines.
#[derive(Debug, Default)]
pub(crate) struct FileBuilder {
    lines: Vec<(u32, u32)>,
    branches: Vec<((u32, BranchId), bool)>,
}

impl FileBuilder {
    /// Records hits on a line; repeats add up.
    #[inline]
    pub(crate) fn line(&mut self, line: u32, hits: u64) {
        self.lines.push((line, narrow(hits)));
    }

    /// Records a branch outcome; repeats OR together.
    #[inline]
    pub(crate) fn branch(&mut self, line: u32, id: impl Into<BranchId>, taken: bool) {
        self.branches.push(((line, id.into()), taken));
    }

    /// Builds the file's coverage and empties the builder, keeping its capacity for the next
    /// file: the result is copied out at its exact size, so a report's many files do not each
    /// regrow a vector from nothing, nor keep a half-empty one.
    pub(crate) fn take(&mut self) -> FileCoverage {
        let lines = LineHits::from_unsorted(std::mem::take(&mut self.lines));
        self.lines = lines.0;
        let branches = Branches::from_unsorted(std::mem::take(&mut self.branches));
        self.branches = branches.0;
        FileCoverage {
            lines: LineHits(self.lines.drain(..).collect()),
            branches: Branches(self.branches.drain(..).collect()),
        }
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
        assert_eq!(f.lines.iter().map(|(&l, &h)| (l, h)).collect::<Vec<_>>(), [(1, 4), (2, u32::MAX), (3, 0), (7, 0)]);
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
