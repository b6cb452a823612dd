//! Reading SVG plots in tests: text elements with their positions and estimated extents or
//! boxes, the canvas size, elements by class and their numeric attributes, and the layout rules
//! every plot keeps (no overlapping tick labels, all text inside the canvas).

/// One `<text>` element: position, anchor, font size, class, content.
#[derive(Debug)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    pub anchor: String,
    pub size: f64,
    pub class: String,
    pub body: String,
}

pub fn attr_of(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

pub fn texts(svg: &str) -> Vec<Text> {
    svg.split("<text")
        .skip(1)
        .map(|rest| {
            let close = rest.find('>').unwrap();
            let tag = &rest[..close];
            let end = rest.find("</text>").unwrap();
            Text {
                x: attr_of(tag, "x").unwrap().parse().unwrap(),
                y: attr_of(tag, "y").unwrap().parse().unwrap(),
                anchor: attr_of(tag, "text-anchor").unwrap_or_else(|| "start".into()),
                size: attr_of(tag, "font-size").map_or(12.0, |s| s.parse().unwrap()),
                class: attr_of(tag, "class").unwrap_or_default(),
                body: unescape(&rest[close + 1..end]),
            }
        })
        .collect()
}

/// The horizontal extent of a text, with the width estimate the plots lay out with
/// ([`peerstat::report::svg::text_width`]).
pub fn extent(t: &Text) -> (f64, f64) {
    let w = peerstat::report::svg::text_width(&t.body, t.size);
    match t.anchor.as_str() {
        "middle" => (t.x - w / 2.0, t.x + w / 2.0),
        "end" => (t.x - w, t.x),
        _ => (t.x, t.x + w),
    }
}

/// The canvas size `(width, height)` of an SVG.
pub fn canvas(svg: &str) -> (f64, f64) {
    let tag = &svg[svg.find("<svg").unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    (
        attr_of(tag, "width").unwrap().parse().unwrap(),
        attr_of(tag, "height").unwrap().parse().unwrap(),
    )
}

/// The opening tags of the elements of a class.
pub fn tags<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
    let key = format!("class=\"{class}\"");
    svg.match_indices(&key)
        .map(|(i, _)| {
            let start = svg[..i].rfind('<').unwrap();
            let end = svg[i..].find('>').unwrap() + i;
            &svg[start..end]
        })
        .collect()
}

pub fn nums(svg: &str, class: &str, name: &str) -> Vec<f64> {
    tags(svg, class)
        .iter()
        .filter_map(|t| attr_of(t, name)?.parse().ok())
        .collect()
}

/// Checks the layout rules every forest plot keeps; returns the number of ticks.
#[track_caller]
pub fn check_layout(svg: &str) -> usize {
    let (w, h) = canvas(svg);
    let all = texts(svg);
    for t in &all {
        let (l, r) = extent(t);
        assert!(
            l >= 0.0 && r <= w && t.y <= h && t.y - t.size >= 0.0,
            "text {:?} outside the {w}x{h} canvas ({l:.1}..{r:.1})",
            t.body
        );
    }
    let ticks: Vec<&Text> = all.iter().filter(|t| t.class == "tick").collect();
    assert!(ticks.len() >= 2, "only {} ticks", ticks.len());
    for p in ticks.windows(2) {
        let (_, ra) = extent(p[0]);
        let (lb, _) = extent(p[1]);
        assert!(
            lb - ra >= 4.0,
            "tick labels {:?} and {:?} overlap ({ra:.1} vs {lb:.1})",
            p[0].body,
            p[1].body
        );
    }
    let fav: Vec<&Text> = all.iter().filter(|t| t.class == "favours").collect();
    if let [a, b] = fav[..] {
        assert!(extent(a).1 <= extent(b).0, "favours labels overlap");
    }
    ticks.len()
}

/// True when the estimate column's header reads `want` ("Odds ratio [95% CI]"), on one line
/// or as the name over "[95% CI]".
pub fn has_header(svg: &str, want: &str) -> bool {
    let heads: Vec<String> = texts(svg)
        .into_iter()
        .filter(|t| t.class == "col-head")
        .map(|t| t.body)
        .collect();
    heads.iter().any(|h| h == want)
        || want.split_once(" [").is_some_and(|(name, ci)| {
            heads.iter().any(|h| h == name) && heads.iter().any(|h| *h == format!("[{ci}"))
        })
}

/// One `<text>` element: its class, content and box `(left, top, right, bottom)`.
#[derive(Debug, Clone)]
pub struct TextBox {
    pub class: String,
    pub text: String,
    pub bbox: (f64, f64, f64, f64),
}

/// Every `<text>` element with its estimated box (rotated axis titles included).
pub fn boxes(svg: &str) -> Vec<TextBox> {
    let mut out = Vec::new();
    for part in svg.split("<text").skip(1) {
        let Some(close) = part.find('>') else {
            continue;
        };
        let tag = &part[..close];
        let Some(end) = part.find("</text>") else {
            continue;
        };
        let text = unescape(&part[close + 1..end]);
        let size: f64 = attr_of(tag, "font-size")
            .and_then(|s| s.parse().ok())
            .unwrap_or(12.0);
        let bold = if tag.contains("font-weight=\"bold\"") {
            1.1
        } else {
            1.0
        };
        let w = peerstat::report::svg::text_width(&text, size) * bold;
        let anchor = attr_of(tag, "text-anchor").unwrap_or_else(|| "start".into());
        let along = |c: f64| match anchor.as_str() {
            "middle" => (c - w / 2.0, c + w / 2.0),
            "end" => (c - w, c),
            _ => (c, c + w),
        };
        let bbox = if let Some(t) = attr_of(tag, "transform") {
            // translate(x,y) rotate(-90): the text runs upwards from (x, y)
            let inner = &t[t.find('(').unwrap() + 1..t.find(')').unwrap()];
            let v: Vec<f64> = inner
                .split(',')
                .map(|s| s.trim().parse().unwrap())
                .collect();
            let (lo, hi) = along(v[1]);
            (v[0] - 0.8 * size, lo, v[0] + 0.2 * size, hi)
        } else {
            let x: f64 = attr_of(tag, "x").map_or(0.0, |s| s.parse().unwrap());
            let y: f64 = attr_of(tag, "y").map_or(0.0, |s| s.parse().unwrap());
            let (l, r) = along(x);
            (l, y - 0.8 * size, r, y + 0.2 * size)
        };
        out.push(TextBox {
            class: attr_of(tag, "class").unwrap_or_default(),
            text,
            bbox,
        });
    }
    out
}

fn overlap(a: &TextBox, b: &TextBox) -> bool {
    let (a, b) = (a.bbox, b.bbox);
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Asserts that no two tick labels overlap, that every text lies inside the canvas, and that
/// the plot has at least `min_ticks` tick labels; returns the number of tick labels.
#[track_caller]
pub fn assert_readable(name: &str, svg: &str, min_ticks: usize) -> usize {
    let (w, h) = canvas(svg);
    let all = boxes(svg);
    for t in &all {
        let (l, top, r, b) = t.bbox;
        assert!(
            l >= -0.5 && top >= -0.5 && r <= w + 0.5 && b <= h + 0.5,
            "{name}: text {:?} ({:?}) leaves the {w} × {h} canvas",
            t.text,
            t.bbox
        );
    }
    let ticks: Vec<&TextBox> = all.iter().filter(|t| t.class.starts_with("tick")).collect();
    for (i, a) in ticks.iter().enumerate() {
        for b in &ticks[..i] {
            assert!(
                !overlap(a, b),
                "{name}: tick labels {:?} and {:?} overlap ({:?} / {:?})",
                a.text,
                b.text,
                a.bbox,
                b.bbox
            );
        }
    }
    assert!(
        ticks.len() >= min_ticks,
        "{name}: {} tick labels",
        ticks.len()
    );
    ticks.len()
}
