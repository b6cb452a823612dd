//! The report's answers from few studies (issue #26): the Bayesian paragraph of a domain with
//! few studies, the selection model and PET-PEESE beside the bias checks, and the exploratory
//! table "does heterogeneity differ by form of support?".

use std::fmt::Write as _;

use super::svg::esc;
use crate::effect::Measure;
use crate::framework::evaluate::{AdjustedBias, DomainBayes, DomainResult, FormHeterogeneity};

/// A value on the display scale (ratios exponentiated).
fn show(m: Measure, x: f64) -> f64 {
    if m.is_log_scale() {
        x.exp()
    } else {
        x
    }
}

/// The Bayesian paragraph: the sentence, why it is given, the prior, and which result the
/// certainty rating reads.
pub(crate) fn bayes_html(b: &DomainBayes) -> String {
    format!(
        "<h3>Bayesian result (few studies)</h3><p><strong>{}</strong></p><p class=\"caveat\">Given because of {}. Prior for the between-study heterogeneity: {} (<code>{}</code>); fitted on {}. The frequentist result above stays the main result: the certainty rating, imprecision included, reads its confidence interval.</p>",
        esc(&b.statement),
        esc(&b.reason),
        esc(&b.prior),
        esc(&b.fit.tau_prior.to_string()),
        esc(&b.data)
    )
}

/// The selection model and PET-PEESE beside Egger and trim-and-fill.
pub(crate) fn bias_adjusted_html(a: &AdjustedBias, m: Measure) -> String {
    let sym = match m {
        Measure::Or => "OR ",
        Measure::Irr => "IRR ",
        _ => "",
    };
    let mut bits = Vec::new();
    match (&a.selmodel, &a.selmodel_note) {
        (Some(s), _) => bits.push(format!(
            "the selection model ({} steps {}, selection on the {} side) gives {sym}{:.2} [{:.2}, {:.2}] (likelihood-ratio test of no selection p {})",
            s.kind.as_str(),
            s.steps
                .as_ref()
                .map(|v| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "))
                .unwrap_or_default(),
            match s.alternative {
                crate::diag::Alternative::Less => "lower",
                _ => "higher",
            },
            show(m, s.estimate),
            show(m, s.ci_lower),
            show(m, s.ci_upper),
            s.lrt_p.map_or_else(|| "not available".into(), super::pv)
        )),
        (None, Some(n)) => bits.push(esc(n)),
        (None, None) => {}
    }
    match (&a.pet_peese, &a.pet_peese_note) {
        (Some(p), _) => bits.push(format!(
            "PET-PEESE ({}) gives {sym}{:.2} [{:.2}, {:.2}]",
            match p.pet_peese.chosen {
                crate::diag::PetOrPeese::Pet => "PET",
                crate::diag::PetOrPeese::Peese => "PEESE",
            },
            show(m, p.pet_peese.estimate),
            show(m, p.pet_peese.ci_lower),
            show(m, p.pet_peese.ci_upper)
        )),
        (None, Some(n)) => bits.push(esc(n)),
        (None, None) => {}
    }
    format!(
        "<p>Bias-adjusted estimates (on {}): {}. For the certainty rating: {}.</p>",
        esc(&a.data),
        bits.join("; "),
        esc(&a.moves_reason)
    )
}

/// The exploratory table of τ² per form of support with the QS test.
pub(crate) fn form_heterogeneity_html(f: &FormHeterogeneity) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<h3>Does heterogeneity differ by form of support? (exploratory)</h3><p class=\"caveat\">{}</p><table><tr><th>Form ({})</th><th>Studies</th><th>τ²</th><th>τ</th></tr>",
        esc(&f.caveat),
        esc(&f.by)
    );
    for l in &f.levels {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.3}</td></tr>",
            esc(&l.level),
            l.studies,
            l.tau2,
            l.tau2.sqrt()
        );
    }
    let left = if f.left_out.is_empty() {
        String::new()
    } else {
        format!(
            " Forms with too few studies left out: {}.",
            esc(&f.left_out.join(", "))
        )
    };
    let _ = write!(
        o,
        "</table><p>Test that the forms share one τ² (location-scale model, REML, on {}): QS = {:.2}, df = {}, p {}.{left}</p>",
        esc(&f.data),
        f.qs,
        f.qs_df,
        super::pv(f.qs_p)
    );
    o
}

/// The few-studies parts of a domain's section that follow its pooled result.
pub(crate) fn domain_html(d: &DomainResult) -> String {
    let mut o = String::new();
    if let Some(b) = &d.bayes {
        o.push_str(&bayes_html(b));
    }
    if let Some(f) = &d.heterogeneity_by_form {
        o.push_str(&form_heterogeneity_html(f));
    }
    o
}
