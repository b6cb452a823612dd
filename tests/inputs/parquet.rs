//! Parquet inputs (issue #11, items 7, 8, 9, 11, 12): integer types, page checksums, codecs,
//! repeated and text columns and durations, read alike by `meta` and `reanalyse`. The files are
//! written here with the parquet crate's `ArrowWriter`, except the checksummed fixtures
//! (`fixtures/corrupt/`, made with pyarrow: the Rust writer writes no page checksums).

use std::sync::Arc;

use arrow_array::{
    ArrayRef, DurationSecondArray, Float64Array, RecordBatch, StringArray, UInt64Array,
};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use tempfile::TempDir;

use crate::common::cli::*;

/// Writes `cols` as `dir/name` (Parquet, with `compression`); returns its path.
fn write_parquet(
    dir: &TempDir,
    name: &str,
    cols: Vec<(&str, ArrayRef)>,
    compression: Compression,
) -> String {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), cols.into_iter().map(|c| c.1).collect())
        .expect("record batch");
    let path = dir.path().join(name);
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let file = std::fs::File::create(&path).unwrap();
    let mut w = ArrowWriter::try_new(file, schema, Some(props)).expect("Parquet writer");
    w.write(&batch).expect("write Parquet");
    w.close().expect("close Parquet");
    path_str(&path)
}

fn texts(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn floats(v: &[f64]) -> ArrayRef {
    Arc::new(Float64Array::from(v.to_vec()))
}

/// BCG's `study`, `yi`, `vi` (fixtures/bcg_yi.csv) as Arrow columns.
fn bcg_yi() -> Vec<(&'static str, ArrayRef)> {
    let csv = std::fs::read_to_string(fixture("bcg_yi.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let col = |j: usize| {
        rows.iter()
            .map(|r| r[j].parse().unwrap())
            .collect::<Vec<f64>>()
    };
    let study: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    vec![
        ("study", texts(&study)),
        ("yi", floats(&col(1))),
        ("vi", floats(&col(2))),
    ]
}

/// Runs `reanalyse FILE --group-by GROUP --measure GEN -o DIR/out.csv`.
fn reanalyse(dir: &TempDir, file: &str, group: &str) -> (i32, String, String) {
    let out = path_str(&dir.path().join("out.csv"));
    run(&[
        "reanalyse",
        file,
        "--group-by",
        group,
        "--measure",
        "GEN",
        "-o",
        &out,
        "-q",
    ])
}

// ---------------------------------------------------------------------------------------------
// 7. Integer types
// ---------------------------------------------------------------------------------------------

#[test]
fn uint64_above_i64_max_is_refused_not_read_as_negative() {
    let dir = tempfile::tempdir().unwrap();
    let big = (1u64 << 63) + 5;
    let f = write_parquet(
        &dir,
        "big.parquet",
        vec![
            (
                "study",
                Arc::new(UInt64Array::from(vec![1, big, 3])) as ArrayRef,
            ),
            ("yi", floats(&[0.1, 0.2, 0.3])),
            ("vi", floats(&[0.1, 0.1, 0.2])),
        ],
        Compression::UNCOMPRESSED,
    );
    let needles = [
        f.as_str(),
        "row 2",
        "column 'study'",
        "9223372036854775813",
        "2^63 - 1",
    ];
    assert_fails(&run(&["meta", &f, "--measure", "GEN"]), &needles);
    assert_fails(&reanalyse(&dir, &f, "study"), &needles);
    // The largest value that fits is read as it is.
    let f = write_parquet(
        &dir,
        "max.parquet",
        vec![
            (
                "study",
                Arc::new(UInt64Array::from(vec![1, i64::MAX as u64, 3])) as ArrayRef,
            ),
            ("yi", floats(&[0.1, 0.2, 0.3])),
            ("vi", floats(&[0.1, 0.1, 0.2])),
        ],
        Compression::UNCOMPRESSED,
    );
    let j = meta_json(&[&f, "--measure", "GEN"]);
    assert_eq!(j["studies"][1]["study"], "9223372036854775807");
}

// ---------------------------------------------------------------------------------------------
// 8. Page checksums
// ---------------------------------------------------------------------------------------------

#[test]
fn parquet_page_checksum_mismatch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // The intact checksummed file reads, with BCG's result.
    let good = fixture("corrupt/bcg_yi_crc.parquet");
    let want = num(&meta_json(&[&fixture("bcg_yi.csv")]), "estimate");
    assert_eq!(num(&meta_json(&[&good]), "estimate"), want);
    assert_eq!(reanalyse(&dir, &good, "study").0, 0);
    // One bit of the first yi value flipped: the page's CRC no longer matches.
    let bad = fixture("corrupt/bcg_yi_crc_flipped.parquet");
    let needles = [bad.as_str(), "checksum (CRC) does not match"];
    assert_fails(&run(&["meta", &bad]), &needles);
    assert_fails(&reanalyse(&dir, &bad, "study"), &needles);
}

// ---------------------------------------------------------------------------------------------
// 11. Codecs
// ---------------------------------------------------------------------------------------------

#[test]
fn gzip_brotli_and_lz4_parquet_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let want = num(&meta_json(&[&fixture("bcg_yi.csv")]), "estimate");
    for (name, c) in [
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ("lz4", Compression::LZ4),
        ("lz4_raw", Compression::LZ4_RAW),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
        ("snappy", Compression::SNAPPY),
    ] {
        let f = write_parquet(&dir, &format!("{name}.parquet"), bcg_yi(), c);
        assert_eq!(num(&meta_json(&[&f]), "estimate"), want, "{name}");
        let res = reanalyse(&dir, &f, "study");
        assert_eq!(res.0, 0, "{name}: {}", res.2);
    }
}

// ---------------------------------------------------------------------------------------------
// 9. One validation path: repeated columns and text in number columns
// ---------------------------------------------------------------------------------------------

#[test]
fn repeated_column_is_refused_by_meta_and_reanalyse_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut cols = bcg_yi();
    cols.push(("vi", floats(&[1.0; 13])));
    let f = write_parquet(&dir, "twice.parquet", cols, Compression::UNCOMPRESSED);
    let needles = [f.as_str(), "column 'vi' appears twice"];
    assert_fails(&run(&["meta", &f]), &needles);
    assert_fails(&reanalyse(&dir, &f, "study"), &needles);
}

#[test]
fn text_in_a_parquet_number_column_is_reported_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_parquet(
        &dir,
        "text.parquet",
        vec![
            ("g", texts(&["A", "A", "B", "B"])),
            ("yi", floats(&[0.1, 0.3, 0.2, 0.4])),
            ("vi", texts(&["0.1", "abc", "0.1", "0.2"])),
        ],
        Compression::UNCOMPRESSED,
    );
    assert_fails(
        &run(&["meta", &f, "--measure", "GEN"]),
        &["row 2", "column 'vi'", "expected a number, found 'abc'"],
    );
    let res = reanalyse(&dir, &f, "g");
    assert_eq!(res.0, 0, "{}", res.2);
    let out = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(
        out.contains("row 2, column vi: expected a number, found 'abc'"),
        "{out}"
    );
}

#[test]
fn logical_number_column_is_refused_by_meta_and_reanalyse_alike() {
    let dir = tempfile::tempdir().unwrap();
    let pq = write_parquet(
        &dir,
        "logical.parquet",
        vec![
            ("g", texts(&["A", "A"])),
            ("yi", floats(&[0.1, 0.3])),
            (
                "vi",
                Arc::new(arrow_array::BooleanArray::from(vec![true, false])) as ArrayRef,
            ),
        ],
        Compression::UNCOMPRESSED,
    );
    let csv = write_csv(&dir, "logical.csv", "g,yi,vi\nA,0.1,true\nA,0.3,false\n");
    for f in [pq, csv] {
        let needles = [
            f.as_str(),
            "column 'vi'",
            "found a logical (true/false) column",
        ];
        assert_fails(&run(&["meta", &f, "--measure", "GEN"]), &needles);
        assert_fails(&reanalyse(&dir, &f, "g"), &needles);
    }
}

// ---------------------------------------------------------------------------------------------
// 12. Durations
// ---------------------------------------------------------------------------------------------

#[test]
fn duration_columns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cols = bcg_yi();
    cols.push((
        "followup",
        Arc::new(DurationSecondArray::from(vec![86_400i64; 13])) as ArrayRef,
    ));
    let f = write_parquet(&dir, "duration.parquet", cols, Compression::UNCOMPRESSED);
    assert_fails(
        &run(&["meta", &f]),
        &[&f, "column 'followup' holds durations"],
    );
    // reanalyse reads only the columns it needs: a duration among them is refused.
    assert_eq!(reanalyse(&dir, &f, "study").0, 0);
    assert_fails(
        &reanalyse(&dir, &f, "followup"),
        &[&f, "column 'followup' holds durations"],
    );
}
