//! `meta --model glmm`: a generalised linear mixed model fitted to the counts.

use peerstat::effect::Measure;
use peerstat::model::glmm::{Counts, Glmm, GlmmData, GlmmMeasure, GlmmModel};
use peerstat::report;

use super::load;
use crate::cli::args::{Format, MetaArgs, MethodArg};
use crate::cli::output::emit;
use crate::cli::{CmdResult, Failure};

/// `peerstat meta --model glmm`.
pub fn meta_glmm(a: &MetaArgs) -> CmdResult {
    if a.cluster.is_some() || a.robust.robust.is_some() || a.model.knha || !a.scale.is_empty() {
        return Err(Failure::Usage(
            "--model glmm fits the counts themselves: it does not combine with --cluster, --robust, --knha or --scale".into(),
        ));
    }
    let random =
        match a.model.method {
            MethodArg::Ee => false,
            MethodArg::Ml | MethodArg::Reml => true,
            _ => return Err(Failure::Usage(
                "--model glmm: use --method EE (equal effects) or ML (random effects, the default)"
                    .into(),
            )),
        };
    let l = load(&a.data, &[])?;
    let (measure, cols): (GlmmMeasure, &[&str]) = match l.measure {
        Measure::Or => (GlmmMeasure::Or, &["events_t", "n_t", "events_c", "n_c"]),
        Measure::Irr => (
            GlmmMeasure::Irr,
            &["events_t", "person_time_t", "events_c", "person_time_c"],
        ),
        Measure::Plo => (GlmmMeasure::Plo, &["events", "n"]),
        m => {
            return Err(Failure::Usage(format!(
                "--model glmm fits OR, IRR (two groups) or PLO (one group); got --measure {m}"
            )))
        }
    };
    let model: GlmmModel = a.glmm.glmm.parse()?;
    let values: Vec<Vec<Option<f64>>> = cols
        .iter()
        .map(|c| l.table.numeric(c, "for the GLMM"))
        .collect::<Result<_, _>>()?;
    let rows: Vec<Option<Counts>> = (0..l.table.nrows())
        .map(|i| {
            let v: Option<Vec<f64>> = values.iter().map(|c| c[i]).collect();
            v.map(|v| Counts {
                x1: v[0],
                n1: v[1],
                x2: v.get(2).copied().unwrap_or(0.0),
                n2: v.get(3).copied().unwrap_or(0.0),
            })
        })
        .collect();
    let data = GlmmData::new(measure, &rows)?;
    let fit = Glmm::new(model)
        .random(random)
        .nagq(a.glmm.nagq)?
        .level(a.model.level)?
        .fit(&data)?;
    let text = match a.out.format {
        Format::Json => report::json(&fit)?,
        Format::Csv => report::csv::record(&fit)?,
        Format::Table => report::text::glmm_table(&fit, &a.data.input.display().to_string()),
    };
    emit(&text, a.out.output.as_deref())
}
