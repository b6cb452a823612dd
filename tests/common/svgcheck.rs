//! Reading plots back: the boxes of an SVG's text (with the plots' own width estimate), to check
//! that tick labels do not overlap and that text stays inside the canvas.

use peerstat::report::svg::text_width;

/// One `<text>` element: its class, content and box `(left, top, right, bottom)`.
#[derive(Debug, Clone)]
pub struct TextBox {
    pub class: String,
    pub text: String,
    pub bbox: (f64, f64, f64, f64),
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let s = tag.find(&key)? + key.len();
    let e = tag[s..].find('"')? + s;
    Some(&tag[s..e])
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The canvas size `(width, height)` of an SVG.
pub fn canvas(svg: &str) -> (f64, f64) {
    let tag = &svg[svg.find("<svg").unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    (
        attr(tag, "width").unwrap().parse().unwrap(),
        attr(tag, "height").unwrap().parse().unwrap(),
    )
}

/// Every `<text>` element with its estimated box (rotated axis titles included).
pub fn texts(svg: &str) -> Vec<TextBox> {
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
        let size: f64 = attr(tag, "font-size")
            .and_then(|s| s.parse().ok())
            .unwrap_or(12.0);
        let bold = if tag.contains("font-weight=\"bold\"") {
            1.1
        } else {
            1.0
        };
        let w = text_width(&text, size) * bold;
        let anchor = attr(tag, "text-anchor").unwrap_or("start");
        let along = |c: f64| match anchor {
            "middle" => (c - w / 2.0, c + w / 2.0),
            "end" => (c - w, c),
            _ => (c, c + w),
        };
        let bbox = if let Some(t) = attr(tag, "transform") {
            // translate(x,y) rotate(-90): the text runs upwards from (x, y)
            let inner = &t[t.find('(').unwrap() + 1..t.find(')').unwrap()];
            let v: Vec<f64> = inner
                .split(',')
                .map(|s| s.trim().parse().unwrap())
                .collect();
            let (lo, hi) = along(v[1]);
            (v[0] - 0.8 * size, lo, v[0] + 0.2 * size, hi)
        } else {
            let x: f64 = attr(tag, "x").unwrap_or("0").parse().unwrap();
            let y: f64 = attr(tag, "y").unwrap_or("0").parse().unwrap();
            let (l, r) = along(x);
            (l, y - 0.8 * size, r, y + 0.2 * size)
        };
        out.push(TextBox {
            class: attr(tag, "class").unwrap_or("").to_string(),
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
    let all = texts(svg);
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
