"""A small hand-written SVG line chart for docs/results-*.svg (no plotting library needed)."""

import math
from html import escape

WIDTH, HEIGHT = 720, 420
LEFT, RIGHT, TOP, BOTTOM = 64, 190, 40, 56
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd")


def _nice_range(values):
    """Whole-percent bounds around `values` with a little margin, and a tick step giving about 5 ticks."""
    low, high = math.floor(min(values) - 0.5), math.ceil(max(values) + 0.5)
    step = max(1, math.ceil((high - low) / 5))
    return low - (low % step), high, step


def line_chart(path, title, x_label, y_label, x_ticks, series):
    """Write a chart of `series` [(label, [(x, y)], dashed)] with labelled `x_ticks` [(x, text)] to `path`.

    Points of one series are joined in order; a series whose x values are not adjacent ticks (the width and
    depth groups) is simply drawn as its own line.
    """
    xs = [x for x, _ in x_ticks]
    x_min, x_max = min(xs), max(xs)
    y_min, y_max, y_step = _nice_range([y for _, points, _ in series for _, y in points])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x):
        return LEFT + (x - x_min) / (x_max - x_min) * plot_w

    def sy(y):
        return TOP + (y_max - y) / (y_max - y_min) * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{WIDTH / 2:.0f}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>']
    y = y_min
    while y <= y_max + 1e-9:
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
        y += y_step
    for x, text in x_ticks:
        out.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 5}" stroke="#333"/>')
        out.append(f'<text x="{sx(x):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{escape(text)}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 12}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text x="16" y="{TOP + plot_h / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 16 {TOP + plot_h / 2:.0f})">{escape(y_label)}</text>')
    for index, (label, points, dashed) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        coordinates = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
        out.append(f'<polyline points="{coordinates}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        if not dashed:
            for x, y in points:
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>')
        legend_y = TOP + 10 + 20 * index
        out.append(f'<line x1="{LEFT + plot_w + 14}" x2="{LEFT + plot_w + 40}" y1="{legend_y}" y2="{legend_y}" '
                   f'stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{LEFT + plot_w + 46}" y="{legend_y + 4}">{escape(label)}</text>')
    out.append("</svg>")
    with open(path, "w") as file:
        file.write("\n".join(out) + "\n")
