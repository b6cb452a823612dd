//! Finding one's way around the evaluation report, on a desktop, a phone and paper: the
//! contents list, summary tables that become one card per row on narrow screens, plots that
//! keep their text readable on a phone, and the print ("save as PDF") style sheet.
//!
//! Everything here works on the finished HTML of the report body, so a section added by any part
//! of the report (with an `id` and an `<h2>`) is listed in the contents in page order.

/// The narrowest drawn text (CSS px) a plot may show: a plot gets a minimum width so that its
/// smallest font, scaled down with the plot, is at least this size.
pub const MIN_PLOT_TEXT_PX: f64 = 10.0;

/// Style rules for the contents list, collapsible sections, summary cards on narrow screens and
/// printing. Appended to the report's own style sheet.
pub const NAV_CSS: &str = "nav.toc{font-size:14px;border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:1em 0;background:#fafafa}\
nav.toc h2{font-size:16px;margin:0 0 4px}\
nav.toc ol{margin:0;padding-left:1.4em}\
nav.toc li{margin:2px 0}\
section.domain>details>summary{cursor:pointer}\
section.domain>details>summary>h2{display:inline;margin:0}\
section.domain>details>summary::after{content:' (click to fold or unfold)';font-size:13px;color:#666}\
@media (min-width:1100px){body{max-width:1400px}\
.page{display:grid;grid-template-columns:15em minmax(0,1fr);column-gap:28px;align-items:start}\
nav.toc{position:sticky;top:0;max-height:100vh;overflow-y:auto;box-sizing:border-box;margin-top:0}}\
@media (max-width:600px){table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:auto;min-width:0!important}\
.table-wrap>table.cards{min-width:0}\
table.cards tr:first-child{display:none}\
table.cards tr{border:1px solid #ccc;border-radius:6px;margin:0 0 12px;padding:6px 10px}\
table.cards td{border:0;padding:3px 0}\
table.cards td:first-child{font-weight:bold;font-size:1.05em}\
table.cards td:not(:first-child)::before{content:attr(data-label);display:block;font-size:13px;font-weight:bold;color:#555}}\
@media print{nav.toc{display:none}\
.page{display:block}\
body{max-width:none;margin:0;padding:0;font-size:11pt}\
.table-wrap,.plot,.sof-scroll,.scroll{overflow:visible!important}\
.plot svg{min-width:0!important;max-width:100%;height:auto}\
table,tr,.plot,svg,figure,.plot-link{break-inside:avoid;page-break-inside:avoid}\
h2,h3,summary{break-after:avoid;page-break-after:avoid}\
section.domain{break-before:page;page-break-before:always}\
section.domain>details>summary::after{content:''}\
details>summary{list-style:none}\
a{color:inherit;text-decoration:none}\
.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

/// Opens every folded section before printing, so a printed or saved PDF report is complete.
pub const PRINT_SCRIPT: &str = "<script>window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});});</script>";

/// The contents list of `body`: one link per `<section id="…">` whose first `<h2>` comes before
/// the next section, in page order (empty when there is none).
///
/// # Examples
///
/// ```
/// use peerstat::report::html_nav::contents;
/// let body = "<section id=\"sof\"><h2>Summary of findings</h2></section><section id=\"d-x\"><details open><summary><h2>x <em>y</em></h2></summary></details></section>";
/// let toc = contents(body);
/// assert!(toc.contains("<a href=\"#sof\">Summary of findings</a>"));
/// assert!(toc.contains("<a href=\"#d-x\">x y</a>"));
/// ```
pub fn contents(body: &str) -> String {
    let items: String = sections(body)
        .into_iter()
        .map(|(id, title)| format!("<li><a href=\"#{id}\">{title}</a></li>"))
        .collect();
    if items.is_empty() {
        return String::new();
    }
    format!("<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2><ol>{items}</ol></nav>")
}

/// (id, heading text without tags) of each section of `body` that has an id and a heading.
fn sections(body: &str) -> Vec<(String, String)> {
    const OPEN: &str = "<section id=\"";
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(OPEN) {
        rest = &rest[at + OPEN.len()..];
        let Some(end) = rest.find('"') else { break };
        let id = rest[..end].to_string();
        let next = rest.find("<section").unwrap_or(rest.len());
        if let Some(title) = first_h2(&rest[..next]) {
            out.push((id, title));
        }
    }
    out
}

/// The text of the first `<h2>` in `html`, tags removed.
fn first_h2(html: &str) -> Option<String> {
    let start = html.find("<h2")?;
    let open_end = start + html[start..].find('>')? + 1;
    let close = open_end + html[open_end..].find("</h2>")?;
    Some(strip_tags(&html[open_end..close]).trim().to_string())
}

/// `html` without its tags (entities are kept as they are).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Marks the table `<table class="CLASS">` of `html` to become one card per row on narrow
/// screens: adds class `cards` and gives each data cell a `data-label` with its column heading
/// (shown above the value on a card). `html` is unchanged when there is no such table.
///
/// # Examples
///
/// ```
/// use peerstat::report::html_nav::as_cards;
/// let t = "<table class=\"sof\"><tr><th>Outcome</th><th>Effect</th></tr><tr><td>a</td><td>1</td></tr></table>";
/// let c = as_cards(t, "sof");
/// assert!(c.contains("<table class=\"sof cards\">"));
/// assert!(c.contains("<td data-label=\"Effect\">1</td>"));
/// ```
pub fn as_cards(html: &str, class: &str) -> String {
    let open = format!("<table class=\"{class}\">");
    let Some(start) = html.find(&open) else {
        return html.to_string();
    };
    let Some(len) = html[start..].find("</table>") else {
        return html.to_string();
    };
    let table = &html[start + open.len()..start + len];
    let heads = headings(table);
    let mut out = String::with_capacity(html.len() + 64 * heads.len());
    out.push_str(&html[..start]);
    out.push_str(&format!("<table class=\"{class} cards\">"));
    out.push_str(&label_cells(table, &heads));
    out.push_str(&html[start + len..]);
    out
}

/// The texts of the `<th>` cells of the first row of `table` (tags removed).
fn headings(table: &str) -> Vec<String> {
    let row_end = table.find("</tr>").unwrap_or(table.len());
    table[..row_end]
        .split("<th")
        .skip(1)
        .filter_map(|cell| {
            let inner = &cell[cell.find('>')? + 1..];
            let end = inner.find("</th>").unwrap_or(inner.len());
            Some(strip_tags(&inner[..end]).trim().replace('"', "&quot;"))
        })
        .collect()
}

/// `table` with `data-label="HEADING"` on each `<td>`, counting cells from each `<tr>`.
fn label_cells(table: &str, heads: &[String]) -> String {
    let mut out = String::with_capacity(table.len());
    let mut col = 0;
    let mut rest = table;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with("<tr") {
            col = 0;
        } else if rest.starts_with("<td") {
            out.push_str("<td");
            if let Some(h) = heads.get(col) {
                out.push_str(&format!(" data-label=\"{h}\""));
            }
            col += 1;
            rest = &rest[3..];
            continue;
        }
        out.push('<');
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// `svg` with a minimum drawn width, so that on a narrow screen the plot scrolls sideways in its
/// box instead of shrinking its smallest text below [`MIN_PLOT_TEXT_PX`]. The plot's own width
/// (viewBox) and smallest `font-size` are read from the SVG; `svg` is unchanged when either is
/// missing or the plot never needs it.
///
/// # Examples
///
/// ```
/// use peerstat::report::html_nav::readable_svg;
/// let s = readable_svg("<svg width=\"1026\" viewBox=\"0 0 1026 300\" font-size=\"12\"><text font-size=\"14\">a</text></svg>");
/// assert!(s.starts_with("<svg style=\"min-width:855px\" "));
/// ```
pub fn readable_svg(svg: &str) -> String {
    let Some(start) = svg.find("<svg ") else {
        return svg.to_string();
    };
    let (Some(width), Some(font)) = (viewbox_width(svg), smallest_font(svg)) else {
        return svg.to_string();
    };
    let min_px = (width * MIN_PLOT_TEXT_PX / font).ceil();
    format!(
        "{}<svg style=\"min-width:{min_px}px\" {}",
        &svg[..start],
        &svg[start + 5..]
    )
}

/// The width of the root `viewBox` (its third number).
fn viewbox_width(svg: &str) -> Option<f64> {
    let at = svg.find("viewBox=\"")? + 9;
    let end = at + svg[at..].find('"')?;
    svg[at..end]
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .nth(2)?
        .parse()
        .ok()
        .filter(|w: &f64| *w > 0.0)
}

/// The smallest `font-size="…"` (plot units) in `svg`.
fn smallest_font(svg: &str) -> Option<f64> {
    svg.split("font-size=\"")
        .skip(1)
        .filter_map(|s| {
            s.split('"')
                .next()?
                .trim_end_matches("px")
                .parse::<f64>()
                .ok()
        })
        .filter(|f| *f > 0.0)
        .reduce(f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_get_their_column_heading_and_rows_restart() {
        let t = "<p><table class=\"summary\"><tr><th>A</th><th>B <em>x</em></th></tr><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table></p>";
        let c = as_cards(t, "summary");
        assert_eq!(c.matches("data-label=\"A\"").count(), 2);
        assert_eq!(c.matches("data-label=\"B x\"").count(), 2);
        assert!(c.starts_with("<p><table class=\"summary cards\">"));
        assert!(c.ends_with("</table></p>"));
        assert_eq!(
            as_cards("<table class=\"other\"></table>", "sof"),
            "<table class=\"other\"></table>"
        );
    }

    #[test]
    fn sections_are_listed_in_page_order_and_untitled_ones_skipped() {
        let b = "<section id=\"a\"><h2>One</h2></section><section id=\"b\"><p>none</p></section><section><h2>No id</h2></section><section id=\"c\"><h2 class=\"x\">Three &amp; four</h2>";
        assert_eq!(
            sections(b),
            vec![
                ("a".to_string(), "One".to_string()),
                ("c".to_string(), "Three &amp; four".to_string())
            ]
        );
        assert_eq!(contents("<p>no sections</p>"), "");
    }

    #[test]
    fn plots_get_the_width_that_keeps_their_smallest_text_readable() {
        // 600 units wide, smallest text 12: 500 px keeps it at 10 px.
        let s = readable_svg("<?xml version=\"1.0\"?><svg viewBox=\"0 0 600 100\" font-size=\"14\"><text font-size=\"12\">a</text></svg>");
        assert!(s.contains("<svg style=\"min-width:500px\" viewBox"));
        assert_eq!(readable_svg("<svg width=\"3\">"), "<svg width=\"3\">");
    }
}
