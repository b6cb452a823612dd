//! `peerstat business-case`.

use std::path::PathBuf;

use peerstat::econ::business::{business_case as build, Scenario};
use peerstat::report::{self, business, svg};

use crate::cli::args::{BusinessCaseArgs, CaseFormat};
use crate::cli::output::{emit, write_plot, Paths};
use crate::cli::{CmdResult, Failure};

/// `peerstat business-case`.
pub fn business_case(a: BusinessCaseArgs) -> CmdResult {
    let plots = plots(&a.plot)?;
    let mut paths = Paths::default()
        .input("", Some(&a.scenario))
        .output("-o", a.output.as_deref());
    for (_, p) in &plots {
        paths = paths.plot("--plot", Some(p));
    }
    paths.check()?;
    let scenario = Scenario::from_file(&a.scenario)?;
    let case = build(&scenario)?;
    for (kind, path) in &plots {
        let t = a.title.as_deref();
        let s = match kind.as_str() {
            "cashflow" => svg::business_cashflow(&case, t),
            "tornado" => svg::business_tornado(&case, t),
            _ => svg::business_ceac(&case, t),
        };
        write_plot(path, &s, &a.plot_opts.options())?;
    }
    let text = match a.format {
        CaseFormat::Json => report::json(&case)?,
        CaseFormat::Csv => business::business_case_csv(&case)?,
        CaseFormat::Text => business::business_case_text(&case),
    };
    emit(&text, a.output.as_deref())
}

/// `--plot KIND FILE` pairs.
fn plots(raw: &[String]) -> Result<Vec<(String, PathBuf)>, Failure> {
    raw.chunks(2)
        .map(|p| match p {
            [k, f] if ["cashflow", "tornado", "ceac"].contains(&k.as_str()) => {
                Ok((k.clone(), PathBuf::from(f)))
            }
            [k, _] => Err(Failure::Usage(format!(
                "--plot {k}: the plot is cashflow, tornado or ceac (--plot KIND FILE.svg)"
            ))),
            _ => Err(Failure::Usage(
                "--plot needs a kind and a file: --plot tornado tornado.svg".into(),
            )),
        })
        .collect()
}
