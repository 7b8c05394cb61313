"""What a referee sees: no legend or inset over data, no label outside its axes.

:func:`layout_problems` renders a figure and lists, in display pixels,
every plotted point (markers, line vertices, points sampled every 2 px along
drawn line segments, error bars) that a legend or an inset covers, and every
text of an axes (contour labels, annotations) that sticks out of it. Guides
drawn in axes coordinates (``axhline``, ``axvline``) are not data and may
pass under a legend. A point counts only where it is visible (inside its own
axes); a 1 px margin absorbs antialiasing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nonrecip.paper import figures as F

MARGIN = 1.0  # px


def _render(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _inside(pts, bb, margin=MARGIN):
    if len(pts) == 0:
        return np.zeros(0, bool)
    return ((pts[:, 0] > bb.x0 + margin) & (pts[:, 0] < bb.x1 - margin)
            & (pts[:, 1] > bb.y0 + margin) & (pts[:, 1] < bb.y1 - margin))


def _data_points(ax):
    """Display coordinates of everything plotted in data coordinates on ``ax``."""
    from matplotlib.collections import LineCollection, PathCollection

    out = []
    for line in ax.get_lines():
        if not line.get_visible() or line.get_transform() != ax.transData:
            continue  # axhline / axvline guides: axes coordinates
        xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if not len(xy):
            continue
        d = ax.transData.transform(xy)
        out.append(d)
        if line.get_linestyle() not in ("None", "none", "", " ") and len(d) > 1:
            for a, b in zip(d[:-1], d[1:], strict=True):
                n = int(min(np.hypot(*(b - a)) / 2.0, 2000))
                if n > 1:
                    t = np.linspace(0, 1, n)[:, None]
                    out.append(a + t * (b - a))
    for coll in ax.collections:
        if isinstance(coll, PathCollection) and coll.get_transform() == ax.transData:
            off = np.asarray(coll.get_offsets(), float)
            if len(off):
                out.append(ax.transData.transform(off))
        elif isinstance(coll, LineCollection) and coll.get_transform() == ax.transData:  # error bars
            for seg in coll.get_segments():
                seg = np.asarray(seg, float)
                if len(seg) == 2 and np.all(np.isfinite(seg)):
                    a, b = ax.transData.transform(seg)
                    out.append(a + np.linspace(0, 1, 20)[:, None] * (b - a))
    if not out:
        return np.zeros((0, 2))
    pts = np.concatenate(out)
    return pts[_inside(pts, ax.get_window_extent(), margin=0)]  # only what is visible


def layout_problems(fig) -> list[str]:
    """Legends or insets over data, and axes texts outside their axes, of ``fig``."""
    r = _render(fig)
    problems = []
    axes = list(fig.axes)
    for ax in list(axes):
        axes += [c for c in getattr(ax, "child_axes", []) if c not in axes]
    legends = [(lg, "figure legend") for lg in fig.legends]
    for ax in axes:
        lg = ax.get_legend()
        if lg is not None:
            legends.append((lg, f"legend of '{ax.get_title()}'"))
    for ax in axes:
        pts = _data_points(ax)
        name = ax.get_title() or "axes"
        for lg, what in legends:
            k = int(_inside(pts, lg.get_window_extent(r)).sum())
            if k:
                problems.append(f"{what} covers {k} plotted points of '{name}'")
        for child in getattr(ax, "child_axes", []):
            k = int(_inside(pts, child.get_tightbbox(r)).sum())
            if k:
                problems.append(f"inset covers {k} plotted points of '{name}'")
        box = ax.get_window_extent(r)
        for t in ax.texts:
            if t.get_visible() and t.get_text():
                bb = t.get_window_extent(r)
                if bb.x0 < box.x0 - MARGIN or bb.x1 > box.x1 + MARGIN or bb.y0 < box.y0 - MARGIN \
                        or bb.y1 > box.y1 + MARGIN:
                    problems.append(f"text {t.get_text()!r} of '{name}' sticks out of its axes")
    return problems


# --------------------------------------------------------------------------
# the checker itself: it must see what a referee sees
# --------------------------------------------------------------------------
def test_checker_sees_a_legend_over_data_and_a_clipped_label():
    from nonrecip.paper.figures._base import new_figure

    fig, axes = new_figure(1, 1)
    ax = axes[0][0]
    x = np.linspace(0, 1, 50)
    ax.plot(x, np.ones_like(x), "o", label="flat")  # fills the upper edge: an upper-right legend hides it
    ax.plot(x, x, label="ramp")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper right")
    ax.text(0.99, 0.5, "a long label that leaves the axes")
    found = layout_problems(fig)
    assert any("legend" in p and "covers" in p for p in found), found
    assert any("sticks out" in p for p in found), found

    fig, axes = new_figure(1, 1)
    ax = axes[0][0]
    ax.plot(x, x, label="ramp")
    ax.axhline(0.9, color="k")  # a guide under the legend is not data
    ax.legend(loc="upper left")
    assert layout_problems(fig) == []


# --------------------------------------------------------------------------
# every figure of the gallery (quick grids)
# --------------------------------------------------------------------------
_MADE: dict = {}


def _made(name):
    """Each quick figure once per test session (shared by the checks below)."""
    if name not in _MADE:
        _MADE[name] = F.make(name, quick=True)
    return _MADE[name]


@pytest.mark.parametrize("name", F.names())
def test_gallery_figure_layout(name):
    assert layout_problems(_made(name).fig) == []


def _texts(fig):
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_one_wording_of_the_classical_current_unit():
    from nonrecip.paper.figures._base import CURRENT_UNIT

    seen = 0
    for name in F.names():
        for t in _texts(_made(name).fig):
            assert "/ step" not in t and "walkers per step" not in t, (name, t)
            seen += CURRENT_UNIT in t
    assert seen >= 2  # the Monte Carlo figure's two axes at least


def test_fig_6_physical_root_one_colour_one_legend():
    fig = _made("6").fig
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 2 and all(ax.get_legend() is None for ax in panels)
    colours = [{ln.get_markeredgecolor() for ln in ax.get_lines() if ln.get_marker() == "o"} for ax in panels]
    assert colours[0] == colours[1] and len(colours[0]) == 1
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    assert len(legends) == 1
    labels = [t.get_text() for t in legends[0].get_texts()]
    assert any("physical root" in lb for lb in labels) and not any("blue" in lb or "red" in lb for lb in labels)
    assert "blue" not in _made("6").caption and "red" not in _made("6").caption


def test_fig_7_sublattices_as_lines():
    pf = _made("7")
    panels = [ax for ax in pf.fig.axes if ax.get_title()]
    for ax in panels:
        N = int(ax.get_title().split("= ")[1])
        for mk, first in (("^", 2), ("v", 3)):  # S on even sites, D on odd sites: no zigzag within a line
            lines = [ln for ln in ax.get_lines() if ln.get_marker() == mk]
            assert len(lines) == 2  # forward and reverse
            for ln in lines:
                assert list(ln.get_xdata()) == list(range(first, N - 1 if first == 2 else N, 2))


def test_fig_2c_no_empty_band_below_zero():
    pf = _made("2c")
    ax = pf.fig.axes[0]
    lo, hi = ax.get_ylim()
    shown = pf.data["rel_nonreciprocity"]
    shown = shown[(shown >= lo) & (shown <= hi)]
    # ΔI/Ī >= 0 on every physical branch and -> 0 as Ig -> 0: the axis starts at zero, with a margin of
    # at most 2 % of its range so that the first markers are not cut
    assert shown.min() >= 0 and -0.02 * (hi - lo) <= lo <= 0


def test_map_classical_contour_labels_inside_and_apart():
    pf = _made("map-classical")
    r = _render(pf.fig)
    ax = pf.fig.axes[0]
    box = ax.get_window_extent(r)
    labels = [t for t in ax.texts if t.get_text()]
    assert sorted(t.get_text() for t in labels) == ["0.1", "0.3", "0.5", "0.7", "0.9"]  # one per contour
    bbs = [t.get_window_extent(r) for t in labels]
    pad = 0.05 * min(box.width, box.height)  # clear of the frame, not squeezed into a corner
    for bb in bbs:
        assert bb.x0 > box.x0 + pad and bb.x1 < box.x1 - pad and bb.y0 > box.y0 + pad and bb.y1 < box.y1 - pad
    for i, a in enumerate(bbs):
        for b in bbs[i + 1:]:
            assert not a.overlaps(b)


def test_convergence_plot_legend_hides_nothing(tmp_path):
    """The ``converge --plot`` figure, on a table whose error points spread over the whole axes."""
    from nonrecip.paper.figures.convergence import CURRENT_UNIT, convergence_figure, save_convergence_plot

    rows = []
    for i, steps in enumerate((1000, 4000, 16000, 64000, 256000)):
        for j, q in enumerate(("I_in_forward", "I_in_reverse", "delta_I")):
            se = 0.03 * (1 + 0.5 * j) * (steps / 1000) ** -0.5
            err = se * (0.003, 2.0, 0.05, 1.0, 0.4)[(i + j) % 5]  # down to the lower left, where legends go
            rows.append(dict(steps=steps, quantity=q, estimate=0.0, stderr=se, exact=0.0, abs_error=err, z=0.0))
    df = pd.DataFrame(rows)
    fig = convergence_figure(df, title="test")
    assert layout_problems(fig) == []
    ax = fig.axes[0]
    assert ax.get_ylabel() == f"current ({CURRENT_UNIT})" and CURRENT_UNIT == "particles per step"
    labels = fig.legends[0].get_texts()
    assert any("slope -0.50" in t.get_text() for t in labels)  # the fit of stderr_slopes on an exact power law
    p = save_convergence_plot(df, tmp_path / "c.png", title="test")
    assert p.read_bytes().startswith(b"\x89PNG")


def test_convergence_plot_draws_the_table_of_a_real_run():
    from nonrecip import ClassicalParams, Wire
    from nonrecip.paper.figures.convergence import convergence_figure
    from nonrecip.stochastic import convergence, stderr_slopes

    df = convergence(Wire.dimers(8), ClassicalParams(p=0.9, Ig=0.05, drho=0.1), steps_min=1000, steps_max=16000,
                     factor=4.0, seed=3)
    fig = convergence_figure(df, title="dimers N = 8", slopes=stderr_slopes(df))
    ax = fig.axes[0]
    for q, g in df.groupby("quantity"):
        line = next(ln for ln in ax.get_lines() if ln.get_label().startswith(f"stderr {q} "))
        np.testing.assert_array_equal(line.get_xdata(), g["steps"].to_numpy(float))
        np.testing.assert_array_equal(line.get_ydata(), g["stderr"].to_numpy())
    assert layout_problems(fig) == []
