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

/// The median seconds of `n` runs of `f`.
fn median_secs(n: usize, mut f: impl FnMut() -> PyResult<()>) -> PyResult<f64> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[n / 2])
}

/// Median seconds per repetition of, on the table `data` (read once): (1) the random-effects fit
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
    let fit = median_secs(n, || {
        std::hint::black_box(model.fit(std::hint::black_box(&es)).map_err(to_py)?);
        Ok(())
    })?;
    let options = MetaOptions::new(opts, model);
    let meta = median_secs(n, || {
        let es = EffectSizes::compute(&table, parse(measure)?, &opts).map_err(to_py)?;
        std::hint::black_box(options.fit(&table, &es).map_err(to_py)?);
        Ok(())
    })?;
    let old = median_secs(n, || {
        let es = EffectSizes::compute(&table, parse(measure)?, &opts).map_err(to_py)?;
        let run = options.fit(&table, &es).map_err(to_py)?;
        std::hint::black_box(crate::json(&run.report, "bench")?);
        std::hint::black_box(peerstat::report::table_report(&run.report, "bench"));
        Ok(())
    })?;
    Ok((fit, meta, old))
}
