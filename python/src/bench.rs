//! Timing hooks for `python/bench.py`: the Rust side of a call measured inside the extension,
//! so the script can report the per-call overhead of the Python layer.

use std::time::Instant;

use peerstat::data::ColumnMap;
use peerstat::effect::{EffectOptions, EffectSizes};
use peerstat::model::{MetaOptions, RandomEffects};
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::errors::to_py;
use crate::parse;

/// Seconds per repetition of, on the table `data` (read once): (1) the random-effects fit
/// alone, (2) effect sizes + `MetaOptions::fit`, which is what `meta` runs after reading its
/// input (the result is held typed; its JSON and table text are written when asked for), and
/// (3) the same plus the JSON and the table text (what `meta` ran before it held results).
#[pyfunction]
#[pyo3(signature = (data, measure, method, repeats))]
pub(crate) fn _bench_meta(
    data: &Bound<'_, PyAny>,
    measure: &str,
    method: &str,
    repeats: usize,
) -> PyResult<(f64, f64, f64)> {
    let table = load(data, "bench", &ColumnMap::new())?;
    let model = RandomEffects::new().method(parse(method)?);
    let opts = EffectOptions::default();
    let es = EffectSizes::compute(&table, parse(measure)?, &opts).map_err(to_py)?;
    let n = repeats.max(1);
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(model.fit(std::hint::black_box(&es)).map_err(to_py)?);
    }
    let fit = start.elapsed().as_secs_f64() / n as f64;
    let options = MetaOptions {
        effect: opts,
        model,
        by: None,
        common_tau2: false,
        mods: Vec::new(),
        permutations: None,
        cluster: None,
        rho: None,
        robust: None,
        robust_type: None,
        newmods: None,
    };
    let start = Instant::now();
    for _ in 0..n {
        let es = EffectSizes::compute(&table, parse(measure)?, &opts).map_err(to_py)?;
        std::hint::black_box(options.fit(&table, &es).map_err(to_py)?);
    }
    let meta = start.elapsed().as_secs_f64() / n as f64;
    let start = Instant::now();
    for _ in 0..n {
        let es = EffectSizes::compute(&table, parse(measure)?, &opts).map_err(to_py)?;
        let run = options.fit(&table, &es).map_err(to_py)?;
        std::hint::black_box(crate::json(&run.report, "bench")?);
        std::hint::black_box(peerstat::report::table_report(&run.report, "bench"));
    }
    Ok((fit, meta, start.elapsed().as_secs_f64() / n as f64))
}
