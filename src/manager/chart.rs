//! Bar charts as SVG, drawn on the server: no script, nothing loaded from elsewhere (the
//! CSP allows neither), scaled to the page's width by its `viewBox`. Each chart has a
//! title for screen readers; its numbers are in the table the page shows beside it.

use std::fmt::Write;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
/// Room for the axis labels.
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 12.0;

/// One series: its name (shown in the legend) and one value per label.
pub struct Series<'a> {
    /// Name.
    pub name: &'a str,
    /// Values, one per label.
    pub values: Vec<i64>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Bars, grouped by label, one colour (CSS class `s0`, `s1`, …) per series; `format` writes
/// the largest value on the axis.
pub fn bars(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    format: fn(i64) -> String,
) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / labels.len().max(1) as f64;
    let bar = (slot * 0.8) / series.len().max(1) as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        escape(title)
    );
    let base = TOP + plot_h;
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>",
        LEFT - 4.0,
        TOP + 10.0,
        escape(&format(max)),
        LEFT - 4.0,
    );
    for (i, label) in labels.iter().enumerate() {
        let x0 = LEFT + slot * i as f64 + slot * 0.1;
        for (k, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0).max(0);
            let h = plot_h * v as f64 / max as f64;
            let _ = write!(
                svg,
                "<rect class=\"s{k}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\">\
                 <title>{} {}: {}</title></rect>",
                x0 + bar * k as f64,
                base - h,
                bar.max(1.0),
                h,
                escape(label),
                escape(s.name),
                escape(&format(v)),
            );
        }
        // The first, last and a few labels between: a phone's width holds no more.
        let every = labels.len().div_ceil(8).max(1);
        if i % every == 0 || i + 1 == labels.len() {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x0 + slot * 0.4,
                HEIGHT - 6.0,
                escape(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_text() {
        let labels = vec!["<a>".to_string(), "b".to_string()];
        let s = [Series {
            name: "n",
            values: vec![5, 10],
        }];
        let svg = bars("T & t", &labels, &s, |v| v.to_string());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>T &amp; t</title>"));
        assert!(svg.contains("&lt;a&gt;") && !svg.contains("<a>"));
        // The largest bar fills the plot's height, the other half of it.
        assert!(svg.contains("height=\"184.0\"") && svg.contains("height=\"92.0\""));
    }
}
