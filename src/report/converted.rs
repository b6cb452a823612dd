//! The "Converted values" section of the evaluation report: every analysed row whose effect
//! came from reported statistics (a CI, p-value, t or F statistic, medians, standard errors) or
//! was adjusted for clustering, with where `yi` and `vi` came from.

use super::fmt::f4;
use super::svg::esc;
use crate::framework::evaluate::Evaluation;

/// The section as HTML.
pub fn converted_html(ev: &Evaluation) -> String {
    if ev.converted.is_empty() {
        return "<section id=\"converted\"><h2>Converted values</h2><p>No effect was converted from reported statistics or adjusted for clustering: every effect came from arm data, a 2x2 table or yi with vi/sei.</p></section>".into();
    }
    let rows: String = ev
        .converted
        .iter()
        .map(|c| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c.row,
                esc(&c.study),
                esc(&c.domain),
                c.source.yi_source,
                c.source.vi_source,
                c.source.design_effect.map_or(String::new(), f4),
                if c.source.skewed { "skewed (Shi)" } else { "" }
            )
        })
        .collect();
    format!(
        "<section id=\"converted\"><h2>Converted values ({})</h2><p>Sources: arms (means, SDs), 2x2, yi/vi/sei as given; ci (vi from a confidence interval), p (from a p-value), t and F (SMD from the statistic), median_iqr / median_range / median_iqr_range (means and SDs from medians: Luo 2018, Wan 2014, Shi 2020), se (SDs from standard errors). A design effect 1 + (m - 1) ICC was applied to cluster-randomised trials.</p><table><tr><th>Row</th><th>Study</th><th>Domain</th><th>yi from</th><th>vi from</th><th>Design effect</th><th>Flag</th></tr>{rows}</table></section>",
        ev.converted.len()
    )
}
