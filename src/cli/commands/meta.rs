//! `peerstat meta` (pooled fits, subgroups, meta-regression, RVE, MH/Peto) and `peerstat effects`.

use peerstat::data;
use peerstat::effect::{EffectSizes, Measure};
use peerstat::model::multilevel::{
    parse_terms, CovSource, MultilevelMethod, MultilevelModel, MultilevelTest,
};
use peerstat::model::robust::Robust;
use peerstat::model::vcalc::VcalcSpec;
use peerstat::model::{MetaOptions, MetaResult, MultilevelOptions, RandomEffects};
use peerstat::report;
use peerstat::report::svg::{self, ForestLayout};

use super::{effect_sizes, load, model, Loaded};
use crate::cli::args::{EffectsArgs, Format, MetaArgs, MethodArg, StructArg};
use crate::cli::output::{emit, write_plot, Paths};
use crate::cli::{say, CmdResult, Failure};

/// `peerstat meta`.
pub fn meta(a: MetaArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.out.output.as_deref())
        .plot("--forest", a.forest.as_deref())
        .plot("--bubble", a.bubble.as_deref())
        .check()?;
    if a.glmm.glmm_model.is_some() {
        return super::glmm::meta_glmm(&a);
    }
    if matches!(a.model.method, MethodArg::Mh | MethodArg::Peto) {
        return meta_mh(&a);
    }
    if let Some(formula) = &a.random.formula {
        return meta_multilevel(&a, formula);
    }
    if !a.scale.is_empty() {
        return super::scale::meta_scale(&a);
    }
    let model = model(&a.model)?;
    let layout = a.forest_opts.layout();
    let l = load(&a.data, &named(&a, &layout))?;
    let es = effect_sizes(&l, &a.data.input)?;
    let file = a.data.input.display().to_string();
    let mut rep = fit(&a, &l, &es, model, &file)?;
    if a.bayes.bayes {
        rep.bayes = Some(super::bayes::fit(&a.bayes, &es, a.model.level)?);
    }
    if let Some(path) = &a.forest {
        let rob = peerstat::framework::rob::assess_rows(&l.table, &rep.fit.studies, &file);
        let opts = layout.options(&l.table, rep.fit.measure, rob.as_ref())?;
        let plot = match &rep.bayes {
            // --bayes: observations beside their shrinkage estimates, μ and θ_new
            Some(b) => svg::bayes_forest(&rep.fit, b, &opts)?,
            None => svg::forest_plot(&rep.fit, rep.subgroups.as_ref(), &opts)?,
        };
        write_plot(path, &plot, &a.plot.options())?;
    }
    if let Some(path) = &a.bubble {
        super::bubble::bubble(&a, &l, &es, &rep, path)?;
    }
    let text = match a.out.format {
        Format::Table => report::table_report(&rep, &file),
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::summary(&rep.fit)?,
    };
    emit(&text, a.out.output.as_deref())
}

/// The columns `meta`'s options name: `--by`, `--mods`, `--cluster`, `--robust`, and those of
/// the forest plot's `layout` (`--ilab`, a `--sort` column).
fn named<'a>(a: &'a MetaArgs, layout: &'a ForestLayout) -> Vec<&'a str> {
    a.by.iter()
        .chain(&a.mods)
        .chain(&a.cluster)
        .chain(&a.robust.robust)
        .map(String::as_str)
        .chain(layout.columns())
        .collect()
}

/// The fits `meta` asks for, with a warning for every study left out of one of them.
fn fit(
    a: &MetaArgs,
    l: &Loaded,
    es: &EffectSizes,
    model: RandomEffects,
    file: &str,
) -> Result<MetaResult, Failure> {
    let options = MetaOptions {
        effect: l.opts,
        model,
        by: a.by.clone(),
        common_tau2: a.common_tau2,
        mods: a.mods.clone(),
        permutations: a.permutations.map(|n| (n, a.seed)),
        cluster: a.cluster.clone(),
        rho: a.cluster.as_ref().map(|_| a.rho),
        robust: a.robust.robust.clone(),
        robust_type: a
            .robust
            .robust
            .as_ref()
            .map(|_| a.robust.robust_type.into()),
        newmods: (!a.newmods.is_empty()).then(|| a.newmods.clone()),
        blup: a.blup,
        contrasts: a.contrast.clone(),
    };
    let run = options.fit(&l.table, es)?;
    if run.regression_dropped > 0 {
        say!(
            "warning: {file}: {} studies left out of the meta-regression (missing moderator value)",
            run.regression_dropped
        );
    }
    if let (Some(sg), true) = (&run.report.subgroups, run.subgroups_omitted > 0) {
        say!(
            "warning: {file}: {} studies left out of the subgroup analysis (missing value in column {})",
            run.subgroups_omitted,
            sg.by
        );
    }
    if run.rve_dropped > 0 {
        say!(
            "warning: {file}: {} effects left out of the robust variance estimation (missing cluster or moderator value)",
            run.rve_dropped
        );
    }
    Ok(run.report)
}

/// A multilevel model with nested random intercepts (`--random '~ 1 | study/esid'`).
fn meta_multilevel(a: &MetaArgs, formula: &str) -> CmdResult {
    let options = multilevel_options(a, formula)?;
    let l = load(&a.data, &options.columns())?;
    let es = effect_sizes(&l, &a.data.input)?;
    let file = a.data.input.display().to_string();
    let run = options.fit(&l.table, &es)?;
    if run.dropped > 0 {
        say!(
            "warning: {file}: {} effects left out of the multilevel model (missing moderator value)",
            run.dropped
        );
    }
    let rep = run.report;
    let text = match a.out.format {
        Format::Table => {
            let mut t = report::multilevel_table(&rep.table, &file);
            if let Some(r) = &rep.robust {
                t.push_str(&report::text::robust_table(r));
            }
            if let Some(g) = &rep.rho_grid {
                t.push_str(&report::text::rho_grid_table(g));
            }
            if let Some(c) = &rep.contrasts {
                t.push_str(&report::text::contrast_table(c));
            }
            if let Some(r) = &rep.ranef {
                t.push_str(&report::text::ranef_table(r, &rep.table.fit.factors));
            }
            t
        }
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::record(&rep)?,
    };
    emit(&text, a.out.output.as_deref())
}

/// The multilevel fit `--random FORMULA` and its companion flags ask for.
fn multilevel_options(a: &MetaArgs, formula: &str) -> Result<MultilevelOptions, Failure> {
    let terms = parse_terms(formula)?;
    let factors = terms.nested.clone();
    let s = &a.structured;
    if terms.structured.is_none()
        && (s.tau2.is_some() || s.struct_rho.is_some() || s.structure != StructArg::Cs)
    {
        return Err(Failure::Usage(format!(
            "--struct, --tau2 and --struct-rho need a structured term in --random ('~ inner | outer', e.g. '~ outcome | study'); '{formula}' has none"
        )));
    }
    let model = multilevel_model(a)?;
    let held = a.sigma2.held.as_deref().map(parse_sigma2).transpose()?;
    let model = match &held {
        Some(h) => model.fix_sigma2(h.clone()),
        None => model,
    };
    if let Some(name) = &a.lrt_drop {
        if !factors.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            return Err(Failure::Usage(format!(
                "--lrt-drop {name}: not a factor of --random (factors: {})",
                factors.join(", ")
            )));
        }
    }
    let spec = a.vcalc.spec.as_deref().map(parse_vcalc).transpose()?;
    Ok(MultilevelOptions {
        model: model.profile_ci(!a.no_profile_ci),
        terms,
        mods: a.mods.clone(),
        cov: match spec {
            Some(s) => Some(CovSource::Vcalc(s)),
            None if !a.vcov_cols.is_empty() => Some(CovSource::Columns(a.vcov_cols.clone())),
            None => None,
        },
        sigma2: held,
        lrt_drop: a.lrt_drop.clone(),
        blup: a.blup,
        contrasts: a.contrast.clone(),
        robust: a
            .robust
            .robust
            .as_ref()
            .map(|col| {
                Robust::new(a.robust.robust_type.into(), a.model.level).map(|r| (r, col.clone()))
            })
            .transpose()?,
        rho_grid: a.rho_grid.clone(),
    })
}

/// The multilevel model of the flags: method, test, level, the structured term's covariance and
/// held values, the df, predictions (the held `--sigma2` is added by the caller).
fn multilevel_model(a: &MetaArgs) -> Result<MultilevelModel, Failure> {
    let method = match a.model.method {
        MethodArg::Reml => MultilevelMethod::Reml,
        MethodArg::Ml => MultilevelMethod::Ml,
        _ => {
            return Err(Failure::Usage(
                "--random fits the variance components by REML or ML: use --method REML (the default) or --method ML".into(),
            ))
        }
    };
    if a.model.knha && a.test.as_deref() == Some("z") {
        return Err(Failure::Usage(
            "--test z and --knha contradict each other: under --random, --knha means --test t"
                .into(),
        ));
    }
    let model = MultilevelModel::new()
        .method(method)
        .test(if a.model.knha || a.test.as_deref() == Some("t") {
            MultilevelTest::T
        } else {
            MultilevelTest::Z
        })
        .level(a.model.level)?
        .max_iter(a.model.max_iter)
        .max_block(a.model.max_block);
    let s = &a.structured;
    let model = model.structure(s.structure.into());
    let model = match &s.tau2 {
        Some(t) => model.fix_tau2(parse_held(t, "--tau2")?),
        None => model,
    };
    let model = match &s.struct_rho {
        Some(t) => model.fix_rho(parse_held(t, "--struct-rho")?),
        None => model,
    };
    let model = match a.dfs {
        Some(d) => model.dfs(d.into()),
        None => model,
    };
    Ok(if a.newmods.is_empty() {
        model
    } else {
        model.newmods(a.newmods.clone())
    })
}

/// Parses held values of a structured term (`--tau2`, `--struct-rho`): numbers, `NA` or empty
/// for one estimated.
fn parse_held(text: &str, flag: &str) -> Result<Vec<Option<f64>>, Failure> {
    text.split(',')
        .map(|part| {
            let p = part.trim();
            if p.is_empty() || p.eq_ignore_ascii_case("na") {
                Ok(None)
            } else {
                p.parse::<f64>().map(Some).map_err(|_| {
                    Failure::Usage(format!(
                        "{flag} '{text}': '{part}' is neither a number nor NA; expected one entry per parameter, NA (or empty) for one to estimate"
                    ))
                })
            }
        })
        .collect()
}

/// Parses `--sigma2 'NA,0'`: one entry per random factor, `NA` or empty for one estimated.
/// The library checks the count and the values (finite, non-negative).
pub(super) fn parse_sigma2(text: &str) -> Result<Vec<Option<f64>>, Failure> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            if part.is_empty() || part.eq_ignore_ascii_case("NA") {
                Ok(None)
            } else {
                part.parse::<f64>().map(Some).map_err(|_| {
                    Failure::Usage(format!(
                        "--sigma2 '{text}': '{part}' is neither a number nor NA; expected one entry per --random factor, outer first, NA (or empty) for one to estimate (e.g. 'NA,0')"
                    ))
                })
            }
        })
        .collect()
}

/// Parses `--vcalc 'cluster=COL,obs=COL,rho=R[,time=COL,phi=P][,type=COL][,subgroup=COL]
/// [,grp1=COL,grp2=COL[,w1=COL,w2=COL]][,time2=COL]'`. `rho` takes metafor's values: one, or with
/// both `type` and `obs` two separated by ';' (within types, between types), or `rho_type=R`
/// beside it. The library checks the values and the combinations of groups, times and sizes.
pub(super) fn parse_vcalc(text: &str) -> Result<VcalcSpec, Failure> {
    let bad = |why: String| {
        Failure::Usage(format!(
            "--vcalc '{text}': {why}; expected 'cluster=COL,obs=COL,rho=R' with optional 'time=COL,phi=P', 'type=COL' (rho=R_WITHIN;R_BETWEEN with obs), 'subgroup=COL', 'grp1=COL,grp2=COL', 'w1=COL,w2=COL', 'time2=COL' (e.g. 'cluster=study,obs=esid,rho=0.6')"
        ))
    };
    let mut spec = VcalcSpec::default();
    let (mut cluster, mut rho, mut rho_type): (Option<String>, Option<Vec<f64>>, Option<f64>) =
        (None, None, None);
    let number = |key: &str, v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| bad(format!("{key} must be a number (got '{v}')")))
    };
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| bad(format!("'{part}' is not key=value")))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(bad(format!("{} has no value", key.trim())));
        }
        let col = Some(value.to_string());
        match key.trim() {
            "cluster" => cluster = col,
            "obs" => spec.obs = col,
            "time" | "time1" => spec.time = col,
            "time2" => spec.time2 = col,
            "type" => spec.type_col = col,
            "subgroup" => spec.subgroup = col,
            "grp1" => spec.grp1 = col,
            "grp2" => spec.grp2 = col,
            "w1" => spec.w1 = col,
            "w2" => spec.w2 = col,
            "rho" => {
                rho = Some(
                    value
                        .split(';')
                        .map(|v| number("rho", v))
                        .collect::<Result<_, _>>()?,
                )
            }
            "rho_type" => rho_type = Some(number("rho_type", value)?),
            "phi" => spec.phi = Some(number("phi", value)?),
            k => return Err(bad(format!("unknown key '{k}'"))),
        }
    }
    spec.cluster = cluster.ok_or_else(|| bad("cluster is missing".into()))?;
    if spec.time.is_some() != spec.phi.is_some() {
        return Err(bad("time and phi go together".into()));
    }
    let rho = rho.unwrap_or_default();
    match (spec.obs.is_some(), spec.type_col.is_some(), &rho[..], rho_type) {
        (true, true, &[w, b], None) | (true, true, &[w], Some(b)) => {
            spec.rho = w;
            spec.rho_type = Some(b);
        }
        (true, true, ..) => {
            return Err(bad(
                "with type and obs, rho needs the within-type and the between-type correlation (rho=0.7;0.5, or rho=0.7,rho_type=0.5)".into(),
            ))
        }
        (false, true, &[b], None) | (false, true, &[], Some(b)) => spec.rho_type = Some(b),
        (false, true, ..) => {
            return Err(bad(
                "with type (and no obs), give one rho: the correlation between types".into(),
            ))
        }
        (_, false, _, Some(_)) => return Err(bad("rho_type needs type".into())),
        (true, false, &[r], None) => spec.rho = r,
        (true, false, &[], None) => return Err(bad("rho is missing".into())),
        (_, false, &[r], None) => spec.rho = r,
        (false, false, &[], None) => {}
        (_, false, ..) => {
            return Err(bad(
                "rho takes two values (R_WITHIN;R_BETWEEN) only with type and obs".into(),
            ))
        }
    }
    Ok(spec)
}

/// Mantel–Haenszel / Peto: common-effect methods on the 2×2 tables.
fn meta_mh(a: &MetaArgs) -> CmdResult {
    let name = if a.model.method == MethodArg::Mh {
        "MH"
    } else {
        "PETO"
    };
    if !a.mods.is_empty()
        || a.by.is_some()
        || a.cluster.is_some()
        || a.robust.robust.is_some()
        || a.model.knha
    {
        return Err(Failure::Usage(format!(
            "--method {name} is a common-effect method for 2x2 tables: it does not combine with --mods, --by, --cluster, --robust or --knha"
        )));
    }
    let layout = a.forest_opts.layout();
    let l = load(&a.data, &named(a, &layout))?;
    let fit = if a.model.method == MethodArg::Mh {
        peerstat::diag::mantel_haenszel_with(
            &l.table,
            l.measure,
            a.model.level,
            !a.no_cmh_correction,
        )?
    } else {
        if l.measure != Measure::Or {
            return Err(Failure::Usage(format!(
                "--method PETO gives an odds ratio: use --measure OR (got {})",
                l.measure
            )));
        }
        peerstat::diag::peto(&l.table, a.model.level)?
    };
    let text = match a.out.format {
        Format::Json => report::json(&fit)?,
        Format::Csv => report::csv::record(&fit)?,
        Format::Table => report::mh_table(&fit, &a.data.input.display().to_string()),
    };
    emit(&text, a.out.output.as_deref())
}

/// `peerstat effects`.
pub fn effects(a: EffectsArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", Some(&a.output))
        .check()?;
    let l = load(&a.data, &[])?;
    let es = effect_sizes(&l, &a.data.input)?;
    let out = es.with_columns(&l.table)?;
    data::write_table(&out, &a.output)?;
    say!(
        "wrote {} rows ({} with effect sizes, measure {}) to {}",
        out.nrows(),
        es.k(),
        es.measure(),
        a.output.display()
    );
    Ok(())
}
