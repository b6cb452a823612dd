//! `peerstat reanalyse` and `peerstat simulate`.

use indicatif::{ProgressBar, ProgressStyle};
use peerstat::bulk::{BulkMultilevel, Reanalysis};
use peerstat::data::{self, FileKind};
use peerstat::model::multilevel::{
    parse_random, MultilevelMethod, MultilevelModel, MultilevelTest,
};
use peerstat::model::robust::Robust;

use super::meta::{parse_sigma2, parse_vcalc};
use super::{check_renames, effect_options, model};
use crate::cli::args::{MethodArg, ReanalyseArgs, SimulateArgs};
use crate::cli::output::{columns, Paths};
use crate::cli::{say, CmdResult, Failure};

/// `peerstat reanalyse`.
pub fn reanalyse(a: ReanalyseArgs) -> CmdResult {
    use std::io::IsTerminal;
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", Some(&a.output))
        .check()?;
    let model = model(&a.model)?;
    let opts = effect_options(&a.data)?;
    let map = columns(&a.data.col)?;
    let multilevel = multilevel(&a)?;
    let group_by: Vec<&str> = a
        .group_by
        .iter()
        .map(String::as_str)
        .chain(multilevel.iter().flat_map(BulkMultilevel::columns_read))
        .collect();
    check_renames(&map, &group_by)?;
    let Some(measure) = a.data.measure else {
        return Err(Failure::Usage(
            "reanalyse needs --measure (SMD, MD, ROM, OR, RR, RD, or GEN for yi with vi/sei)"
                .into(),
        ));
    };
    if let Some(asked) = a.threads {
        let n = threads(asked);
        if n != asked {
            say!(
                "note: --threads {asked} is more than this machine can use; using {n} (at most {} per core here, and never more than {MAX_THREADS})",
                THREADS_PER_CORE
            );
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| Failure::Usage(format!("--threads: {e}")))?;
    }
    let mut job = Reanalysis::new(&a.group_by, measure.into())
        .effect_options(opts)
        .model(model)
        .columns(map);
    if let Some(m) = multilevel {
        job = job.multilevel(m);
    }
    if let Some(b) = super::bayes::bulk(&a.bayes, a.model.level)? {
        job = job.bayes(b);
    }
    let start = std::time::Instant::now();
    if a.decode_only {
        let (rows, groups) = job.decode_only(&a.data.input)?;
        say!(
            "decoded {rows} rows, {groups} groups in {:.3} s",
            start.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} rows · {msg} · {per_sec} · ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    };
    let progress = |rows: usize, total: Option<usize>, groups: usize| {
        if let Some(t) = total {
            bar.set_length(t as u64);
        }
        bar.set_position(rows as u64);
        bar.set_message(format!("{groups} groups"));
    };
    let report = job.run(&a.data.input, &a.output, &progress)?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    if !report.clustered && FileKind::of(&a.data.input) == Some(FileKind::Parquet) {
        say!(
            "note: {} is not clustered by {}; it was grouped in memory instead (memory grows with the input; sort the file by the group key to stream it)",
            a.data.input.display(),
            a.group_by.join(",")
        );
    }
    say!(
        "reanalysed {} groups ({} failed; {} rows, {} omitted) in {:.3} s = {:.0} analyses/s -> {}",
        report.groups,
        report.failed,
        report.rows,
        report.omitted_rows,
        secs,
        report.groups as f64 / secs,
        a.output.display()
    );
    Ok(())
}

/// The multilevel model of `--random` (with `--vcalc`, `--sigma2`, `--robust`), checked before
/// any group is read.
fn multilevel(a: &ReanalyseArgs) -> Result<Option<BulkMultilevel>, Failure> {
    let Some(formula) = &a.random.formula else {
        return Ok(None);
    };
    let factors = parse_random(formula)?;
    let method = match a.model.method {
        MethodArg::Reml => MultilevelMethod::Reml,
        MethodArg::Ml => MultilevelMethod::Ml,
        _ => {
            return Err(Failure::Usage(
                "--random fits the variance components by REML or ML: use --method REML (the default) or --method ML".into(),
            ))
        }
    };
    let mut model = MultilevelModel::new()
        .method(method)
        .test(if a.model.knha {
            MultilevelTest::T
        } else {
            MultilevelTest::Z
        })
        .level(a.model.level)?
        .max_iter(a.model.max_iter)
        .max_block(a.model.max_block);
    if let Some(text) = &a.sigma2.held {
        let held = parse_sigma2(text)?;
        if held.len() != factors.len() {
            return Err(Failure::Usage(format!(
                "--sigma2 '{text}': {} entries for the {} --random factors ({}); give one per factor, outer first",
                held.len(),
                factors.len(),
                factors.join(", ")
            )));
        }
        model = model.fix_sigma2(held);
    }
    let mut m = BulkMultilevel::new(model, &factors)?;
    if let Some(text) = &a.vcalc.spec {
        m = m.vcalc(parse_vcalc(text)?)?;
    }
    if let Some(col) = &a.robust.robust {
        m = m.robust(
            Robust::new(a.robust.robust_type.into(), a.model.level)?,
            col,
        );
    }
    Ok(Some(m))
}

/// Worker threads per available core that `--threads` may ask for.
const THREADS_PER_CORE: usize = 4;
/// The most worker threads `--threads` gives, however many cores there are.
const MAX_THREADS: usize = 256;

/// The worker threads used for `--threads asked`: at least 1, at most [`THREADS_PER_CORE`] per
/// available core and [`MAX_THREADS`] (more only adds start-up time and memory: results do not
/// depend on the thread count).
fn threads(asked: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    asked.clamp(1, (THREADS_PER_CORE * cores).min(MAX_THREADS))
}

/// `peerstat simulate`.
pub fn simulate(a: SimulateArgs) -> CmdResult {
    let costs_path = a.framework.then(|| framework_costs_path(&a.output));
    Paths::default()
        .output("-o", Some(&a.output))
        .output("the costs file", costs_path.as_deref())
        .check()?;
    if let Some(costs_path) = costs_path {
        check_simulate_size(&SimulationSize::trials(a.trials), &a)?;
        let (effects, costs) = peerstat::framework::simulate::simulate_framework(a.trials, a.seed);
        let meta = [
            ("peerstat.simulated", "true"),
            ("peerstat.description", "SIMULATED peer-support evidence base for demonstration (peerstat simulate --framework); not real studies"),
        ];
        data::write_table_with_metadata(&effects, &a.output, &meta)?;
        data::write_table_with_metadata(&costs, &costs_path, &meta)?;
        say!(
            "simulated a demonstration evidence base (SIMULATED data: {} trials, {} effect rows, seed {}) -> {} and {}",
            a.trials,
            effects.nrows(),
            a.seed,
            a.output.display(),
            costs_path.display()
        );
        return Ok(());
    }
    let n = a.analyses.unwrap_or(0);
    check_simulate_size(&SimulationSize::analyses(n), &a)?;
    let rows = peerstat::bulk::simulate_to(&a.output, n, a.seed)?;
    say!(
        "simulated {n} analyses ({rows} rows, seed {}) -> {}",
        a.seed,
        a.output.display()
    );
    Ok(())
}

/// Where `simulate --framework` writes its economic companion: NAME_costs.EXT beside `output`.
fn framework_costs_path(output: &std::path::Path) -> std::path::PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "demo".into());
    let ext = output
        .extension()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "parquet".into());
    output.with_file_name(format!("{stem}_costs.{ext}"))
}

/// The most analyses `simulate` writes without `--allow-large`: about 80 million rows.
const SIMULATE_CAP: usize = 10_000_000;

/// The most trials `simulate --framework` makes without `--allow-large`: about 220,000 rows,
/// built in memory (about 5 KB per trial) before they are written.
const TRIALS_CAP: usize = 100_000;

/// The size of a simulation, for [`check_simulate_size`]: `count` of what `flag` asks for,
/// refused past `cap`, with about `rows` rows and `bytes` bytes (`[Parquet, CSV]`) each.
struct SimulationSize {
    flag: &'static str,
    count: usize,
    cap: usize,
    rows: usize,
    bytes: [f64; 2],
}

impl SimulationSize {
    /// `--analyses N`: about 8 rows per analysis; bytes a little under those measured (460 per
    /// analysis in Parquet, 1,080 in CSV), so that only a run that cannot fit is refused.
    fn analyses(count: usize) -> Self {
        SimulationSize {
            flag: "--analyses",
            count,
            cap: SIMULATE_CAP,
            rows: 8,
            bytes: [400.0, 1000.0],
        }
    }

    /// `--framework --trials N`: about 2.2 rows per trial (counted as 2); bytes a little under
    /// those measured with the costs file (67 per trial in Parquet, 850 in CSV).
    fn trials(count: usize) -> Self {
        SimulationSize {
            flag: "--trials",
            count,
            cap: TRIALS_CAP,
            rows: 2,
            bytes: [60.0, 800.0],
        }
    }
}

/// Refuses a simulation over its cap without `--allow-large` (exit 2), or larger than the free
/// space where the output goes (exit 3), before any work is done.
fn check_simulate_size(size: &SimulationSize, a: &SimulateArgs) -> CmdResult {
    let SimulationSize {
        flag,
        count: n,
        cap,
        ..
    } = *size;
    let csv = FileKind::output(&a.output)? == FileKind::Csv;
    let bytes = n as f64 * size.bytes[usize::from(csv)];
    let gb = |b: f64| format!("{:.1} GB", b / 1e9);
    if n > cap && !a.allow_large {
        return Err(Failure::Usage(format!(
            "{flag} {n} would write about {} rows ({}); the limit is {cap} {}: pass --allow-large to go beyond it",
            n.saturating_mul(size.rows),
            gb(bytes),
            flag.trim_start_matches("--")
        )));
    }
    let dir = match a.output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    if let Some(free) = free_space(dir) {
        if bytes > free as f64 {
            return Err(Failure::Output(format!(
                "{}: {flag} {n} would write about {}, but {} has {} free",
                a.output.display(),
                gb(bytes),
                dir.display(),
                gb(free as f64)
            )));
        }
    }
    Ok(())
}

/// Bytes available to this user in the file system of `dir`, where that can be asked.
#[cfg(unix)]
fn free_space(dir: &std::path::Path) -> Option<u64> {
    let s = rustix::fs::statvfs(dir).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

/// Bytes available in the file system of `dir`: unknown on this platform.
#[cfg(not(unix))]
fn free_space(_dir: &std::path::Path) -> Option<u64> {
    None
}
