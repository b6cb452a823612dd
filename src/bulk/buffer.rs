//! Rows held column-wise while they are grouped: group keys, effect columns, file row numbers.

use std::collections::{HashMap, HashSet};

use crate::data::cell::parse_number;
use crate::data::Column;

/// Rows held column-wise: group keys and the effect columns, with each row's file row number.
pub(super) struct Buffer {
    pub(super) keys: Vec<Column>,
    pub(super) vals: Vec<Vec<Option<f64>>>,
    /// Further columns a multilevel fit reads (random factors, `vcalc` and robust clusters),
    /// held as they are typed.
    pub(super) aux: Vec<Column>,
    pub(super) rows: Vec<usize>,
    /// Names in the file of the effect columns.
    pub(super) val_names: Vec<String>,
    /// Cells of the effect columns that are not numbers (held as NaN in `vals`), by (effect
    /// column, 0-based file row): the message the row validation reports for them.
    pub(super) bad: HashMap<(usize, usize), String>,
}

impl Buffer {
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    fn same_key(&self, i: usize, j: usize) -> bool {
        self.keys.iter().all(|c| match c {
            Column::Int(v) => v[i] == v[j],
            Column::Float(v) => v[i].map(f64::to_bits) == v[j].map(f64::to_bits),
            Column::Str(v) => v[i] == v[j],
            Column::Bool(v) => v[i] == v[j],
        })
    }

    fn key(&self, i: usize) -> Vec<KeyPart> {
        self.keys
            .iter()
            .map(|c| match c {
                Column::Int(v) => v[i].map_or(KeyPart::Null, KeyPart::Int),
                Column::Float(v) => v[i].map_or(KeyPart::Null, |x| KeyPart::Float(x.to_bits())),
                Column::Str(v) => v[i].clone().map_or(KeyPart::Null, KeyPart::Str),
                Column::Bool(v) => v[i].map_or(KeyPart::Null, KeyPart::Bool),
            })
            .collect()
    }

    /// A 64-bit hash of the key at row `i` (FNV-1a over the key's bytes, then a splitmix64
    /// finaliser).
    pub(super) fn key_hash(&self, i: usize) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        for c in &self.keys {
            match c {
                Column::Int(v) => v[i].hash(&mut h),
                Column::Float(v) => v[i].map(f64::to_bits).hash(&mut h),
                Column::Str(v) => v[i].hash(&mut h),
                Column::Bool(v) => v[i].hash(&mut h),
            }
        }
        let mut z = h.finish();
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Contiguous runs of equal keys.
    pub(super) fn runs(&self) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..self.len() {
            if !self.same_key(i, i - 1) {
                out.push(start..i);
                start = i;
            }
        }
        if self.len() > 0 {
            out.push(start..self.len());
        }
        out
    }

    /// Drops the first `n` rows.
    pub(super) fn drain_front(&mut self, n: usize) {
        for c in self.keys.iter_mut().chain(&mut self.aux) {
            match c {
                Column::Int(v) => drop(v.drain(..n)),
                Column::Float(v) => drop(v.drain(..n)),
                Column::Str(v) => drop(v.drain(..n)),
                Column::Bool(v) => drop(v.drain(..n)),
            }
        }
        for v in &mut self.vals {
            v.drain(..n);
        }
        if !self.bad.is_empty() {
            let gone: HashSet<usize> = self.rows[..n].iter().copied().collect();
            self.bad.retain(|(_, row), _| !gone.contains(row));
        }
        self.rows.drain(..n);
    }

    /// Reorders rows so that groups are contiguous, in order of first appearance (stable within
    /// a group, so each group's rows keep their file order). Returns true when the rows were
    /// already clustered.
    pub(super) fn cluster(&mut self) -> bool {
        // Already clustered when no run's key was the key of an earlier run: checked by 64-bit
        // key hash without building keys (as the streaming path does); a hash collision only
        // takes the full regrouping below, which finds the same order.
        let mut seen: HashSet<u64, std::hash::BuildHasherDefault<IdentityHasher>> =
            HashSet::with_capacity_and_hasher(self.len() / 4 + 16, Default::default());
        if self
            .runs()
            .iter()
            .all(|g| seen.insert(self.key_hash(g.start)))
        {
            return true;
        }
        let mut ids: HashMap<Vec<KeyPart>, usize> = HashMap::new();
        let gid: Vec<usize> = (0..self.len())
            .map(|i| {
                let n = ids.len();
                *ids.entry(self.key(i)).or_insert(n)
            })
            .collect();
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by_key(|&i| gid[i]);
        if order.iter().enumerate().all(|(a, &b)| a == b) {
            return true;
        }
        fn permute<T: Clone>(v: &mut Vec<T>, order: &[usize]) {
            *v = order.iter().map(|&i| v[i].clone()).collect();
        }
        for c in self.keys.iter_mut().chain(&mut self.aux) {
            *c = c.take(&order);
        }
        for v in &mut self.vals {
            permute(v, &order);
        }
        permute(&mut self.rows, &order);
        false
    }
}

/// FNV-1a hasher (fast for short keys; not DoS-resistant, which does not matter here).
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
pub(super) struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyPart {
    Null,
    Int(i64),
    Float(u64),
    Str(String),
    Bool(bool),
}

/// Lenient numeric conversion of a column (not a logical one: the caller refuses those, as
/// `Table::numeric` does): a cell that is not a number becomes NaN, and its row and message (the
/// one every command gives) are returned, for the row validation to report in its group only.
pub(super) fn numeric_from_column(c: &Column) -> (Vec<Option<f64>>, Vec<(usize, String)>) {
    let mut bad = Vec::new();
    let mut lenient = |i: usize, s: &str| {
        parse_number(s).unwrap_or_else(|m| {
            bad.push((i, m));
            f64::NAN
        })
    };
    let vals = match c {
        Column::Int(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
        Column::Float(v) => v.clone(),
        Column::Str(v) => v
            .iter()
            .enumerate()
            .map(|(i, s)| s.as_ref().map(|s| lenient(i, s)))
            .collect(),
        Column::Bool(v) => v.iter().map(|x| x.map(|_| f64::NAN)).collect(),
    };
    (vals, bad)
}
