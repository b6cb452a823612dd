//! The files of `peerstat init`: the template CSV (header and example rows) and the data
//! dictionary (Markdown), rendered from [`Template`].

use std::fmt::Write as _;

use crate::framework::template::Template;

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The template CSV: every column, then the example rows.
pub fn template_csv(t: &Template) -> String {
    let mut out = t
        .columns
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for e in &t.examples {
        let cells: Vec<String> = t
            .columns
            .iter()
            .map(|c| {
                e.values
                    .iter()
                    .find(|(n, _)| *n == c.name)
                    .map_or(String::new(), |(_, v)| quote(v))
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The data dictionary: columns (type, allowed levels, meaning), the combinations of columns
/// that give an effect, and the example rows.
pub fn dictionary_md(t: &Template, csv_name: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Data dictionary: {}\n", md(&t.codebook));
    let _ = writeln!(
        o,
        "One row per comparison of peer support with a comparator for one outcome. Fill `{csv_name}` \
         (delete the example rows, which are invented), leave a cell empty when it is not reported, \
         and run `peerstat evaluate {csv_name}`. Category levels are matched ignoring case, and \
         space, hyphen and underscore are treated alike. Columns not listed here are kept as \
         extra moderators.\n"
    );
    let _ = writeln!(
        o,
        "## Columns\n\n| column | group | type | allowed values | meaning |\n|---|---|---|---|---|"
    );
    for c in &t.columns {
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} | {} |",
            c.name,
            md(&c.group),
            c.kind,
            md(&c.levels.join("; ")),
            md(&c.description)
        );
    }
    let _ = writeln!(
        o,
        "\n## Which columns give an effect\n\nA row needs one of these sets (tried in this order; \
         the first complete one is used). Every converted row is listed in the report's \
         \"Converted values\" section.\n\n| kind | columns | computed |\n|---|---|---|"
    );
    for c in &t.combinations {
        let _ = writeln!(o, "| `{}` | {} | {} |", c.kind, md(c.columns), md(c.gives));
    }
    let _ = writeln!(o, "\n## Example rows (two of each kind)\n");
    for e in &t.examples {
        let vals: Vec<String> = e
            .values
            .iter()
            .map(|(c, v)| format!("`{c}` = {}", md(v)))
            .collect();
        let _ = writeln!(o, "* **{}**: {}", e.kind, vals.join(", "));
    }
    o
}
