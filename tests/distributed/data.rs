//! Data of the distributed tests besides the SQL tests' helpers (`tests/sql/support.rs`):
//! partitioned Parquet directories and results as exact text.

use std::path::Path;

use datafusion::arrow::array::RecordBatch;

use super::support::{batch, Rows};

/// Writes `rows` as `files` Parquet files in `dir`, dealt round robin by row, so every group's
/// rows are spread over several files (and so partitions and executors).
pub fn write_parquet_dir(rows: &Rows, dir: &Path, files: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for f in 0..files {
        let part: Rows = rows.iter().skip(f).step_by(files).copied().collect();
        let b = batch(&part);
        let file = std::fs::File::create(dir.join(format!("part-{f}.parquet"))).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, b.schema(), None).unwrap();
        w.write(&b).unwrap();
        w.close().unwrap();
    }
}

/// Every cell of a result as exact text (Arrow's shortest round-trip float formatting), row by
/// row.
pub fn cells(batches: &[RecordBatch]) -> Vec<String> {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let opts = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for b in batches {
        let fmts: Vec<ArrayFormatter> = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap())
            .collect();
        for i in 0..b.num_rows() {
            let row: Vec<String> = fmts.iter().map(|f| f.value(i).to_string()).collect();
            out.push(row.join(" | "));
        }
    }
    out
}
