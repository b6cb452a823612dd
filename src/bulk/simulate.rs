//! The bulk benchmark workload (as `../shared/bench/gen_bulk.py`), in Rust so benchmarks need
//! no Python.
//!
//! Each analysis has k = 2 + Poisson(6) studies, a true mean μ ~ N(0.3, 0.2²), and a
//! between-study SD τ drawn from {0, 0.1, 0.3} (τ² = 0, 0.01, 0.09). Each study has arm sizes
//! uniform on 15..299, control mean ~ N(50, 5²), SD_t ~ U(5, 15), SD_c = SD_t·U(0.8, 1.25), and a
//! treatment mean giving a true standardised difference θ ~ N(μ, τ²) plus sampling error
//! N(0, 1/n_t + 1/n_c). `yi`, `vi` are Hedges' g (exact J) with the LS variance, exactly as
//! `peerstat effects --measure SMD` computes them. The stream of random numbers is ChaCha8 from
//! the seed, so a seed gives the same file on every machine and whatever the chunking.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

use crate::data::{Column, Table};
use crate::effect::{smd, VarianceType};
use crate::error::{Error, Result};

/// Column names of the simulated workload.
pub const SIM_COLUMNS: [&str; 10] = [
    "analysis_id",
    "study_id",
    "yi",
    "vi",
    "n_t",
    "mean_t",
    "sd_t",
    "n_c",
    "mean_c",
    "sd_c",
];

struct Generator {
    rng: ChaCha8Rng,
    next: usize,
    n: usize,
    poisson: Poisson<f64>,
}

#[derive(Default)]
struct Rows {
    aid: Vec<Option<i64>>,
    sid: Vec<Option<String>>,
    yi: Vec<Option<f64>>,
    vi: Vec<Option<f64>>,
    nt: Vec<Option<i64>>,
    mt: Vec<Option<f64>>,
    st: Vec<Option<f64>>,
    nc: Vec<Option<i64>>,
    mc: Vec<Option<f64>>,
    sc: Vec<Option<f64>>,
}

impl Rows {
    fn len(&self) -> usize {
        self.aid.len()
    }

    fn into_table(self) -> Table {
        let cols = vec![
            Column::Int(self.aid),
            Column::Str(self.sid),
            Column::Float(self.yi),
            Column::Float(self.vi),
            Column::Int(self.nt),
            Column::Float(self.mt),
            Column::Float(self.st),
            Column::Int(self.nc),
            Column::Float(self.mc),
            Column::Float(self.sc),
        ];
        let named = SIM_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .zip(cols)
            .collect();
        // Columns are built together, so lengths always agree.
        Table::from_columns("simulated", named).unwrap_or_else(|_| unreachable!())
    }
}

fn normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f64 {
    // sd > 0 and finite in every call below
    Normal::new(mean, sd).map_or(mean, |d| d.sample(rng))
}

impl Generator {
    fn new(n: usize, seed: u64) -> Self {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            next: 0,
            n,
            poisson: Poisson::new(6.0).unwrap_or_else(|_| unreachable!()),
        }
    }

    /// Appends whole analyses until at least `min_rows` rows are in `out` or all are done.
    fn fill(&mut self, out: &mut Rows, min_rows: usize) {
        while self.next < self.n && out.len() < min_rows {
            let a = self.next;
            self.next += 1;
            let r = &mut self.rng;
            let k = 2 + self.poisson.sample(r) as usize;
            let mu = normal(r, 0.3, 0.2);
            let tau = [0.0, 0.1, 0.3][r.random_range(0..3usize)];
            for i in 0..k {
                let nt = r.random_range(15..300i64);
                let nc = r.random_range(15..300i64);
                let theta = if tau > 0.0 { normal(r, mu, tau) } else { mu };
                let sd_t = r.random_range(5.0..15.0);
                let sd_c = sd_t * r.random_range(0.8..1.25);
                let mean_c = normal(r, 50.0, 5.0);
                let (ntf, ncf) = (nt as f64, nc as f64);
                let sp = (((ntf - 1.0) * sd_t * sd_t + (ncf - 1.0) * sd_c * sd_c)
                    / (ntf + ncf - 2.0))
                    .sqrt();
                let err = normal(r, 0.0, (1.0 / ntf + 1.0 / ncf).sqrt());
                let mean_t = mean_c + (theta + err) * sp;
                let (y, v) = smd(ntf, mean_t, sd_t, ncf, mean_c, sd_c, VarianceType::Ls);
                out.aid.push(Some(a as i64));
                out.sid.push(Some(format!("s{a}_{i}")));
                out.yi.push(Some(y));
                out.vi.push(Some(v));
                out.nt.push(Some(nt));
                out.mt.push(Some(mean_t));
                out.st.push(Some(sd_t));
                out.nc.push(Some(nc));
                out.mc.push(Some(mean_c));
                out.sc.push(Some(sd_c));
            }
        }
    }
}

/// Simulates `analyses` meta-analyses in memory (columns [`SIM_COLUMNS`]).
///
/// # Examples
/// ```
/// let t = peerstat::bulk::simulate_table(10, 7);
/// assert!(t.nrows() >= 20);
/// assert_eq!(t.names()[0], "analysis_id");
/// ```
pub fn simulate_table(analyses: usize, seed: u64) -> Table {
    let mut g = Generator::new(analyses, seed);
    let mut rows = Rows::default();
    g.fill(&mut rows, usize::MAX);
    rows.into_table()
}

/// Simulates `analyses` meta-analyses into `path` (`.parquet` or `.csv`), written in chunks
/// through a temporary file. Returns the number of rows.
///
/// # Errors
/// Unknown extension or write failure.
pub fn simulate_to(path: &Path, analyses: usize, seed: u64) -> Result<usize> {
    let name = path.display().to_string();
    let csv_out = crate::data::FileKind::output(path)? == crate::data::FileKind::Csv;
    let mut g = Generator::new(analyses, seed);
    let mut total = 0usize;
    crate::data::atomic_write(path, |w| {
        if csv_out {
            let mut wr = csv::Writer::from_writer(w);
            let cv = |e| crate::data::write::csv_write_error(&name, e);
            wr.write_record(SIM_COLUMNS).map_err(cv)?;
            loop {
                let mut rows = Rows::default();
                g.fill(&mut rows, 65_536);
                if rows.len() == 0 {
                    break;
                }
                total += rows.len();
                let t = rows.into_table();
                for i in 0..t.nrows() {
                    wr.write_record(t.columns().iter().map(|c| c.text(i).unwrap_or_default()))
                        .map_err(cv)?;
                }
            }
            wr.flush().map_err(|e| Error::io(&name, e))
        } else {
            use parquet::arrow::ArrowWriter;
            use parquet::file::properties::WriterProperties;
            let pq = |e| crate::data::write::parquet_write_error(&name, e);
            let mut writer: Option<ArrowWriter<_>> = None;
            let mut w = Some(w);
            loop {
                let mut rows = Rows::default();
                g.fill(&mut rows, 131_072);
                if rows.len() == 0 && writer.is_some() {
                    break;
                }
                total += rows.len();
                let batch = crate::data::write::to_record_batch(&rows.into_table())?;
                if writer.is_none() {
                    let props = WriterProperties::builder()
                        .set_compression(parquet::basic::Compression::SNAPPY)
                        .set_max_row_group_row_count(Some(1 << 20))
                        .build();
                    let out = w
                        .take()
                        .ok_or_else(|| Error::format(&name, "writer closed"))?;
                    writer =
                        Some(ArrowWriter::try_new(out, batch.schema(), Some(props)).map_err(pq)?);
                }
                if let Some(wr) = writer.as_mut() {
                    wr.write(&batch).map_err(pq)?;
                }
                if g.next >= g.n {
                    break;
                }
            }
            if let Some(wr) = writer {
                wr.close().map_err(pq)?;
            }
            Ok(())
        }
    })?;
    Ok(total)
}
