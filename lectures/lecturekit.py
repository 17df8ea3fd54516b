"""Small helpers shared by the lecture notebooks (copied beside them into lectures/).

The lectures depend on numpy, matplotlib and ipywidgets only, never on mytorch:
a reader can run them before (or without) finishing the homework.

A notebook's setup cell runs `%matplotlib inline` before importing from here, so
figures render the same under any MPLBACKEND (Agg included). The notebook format the
generator and the site rely on is described in autograder/lectures.py.

Importing this module sets the figures' colours (PALETTE) and gives successive lines
distinct line styles; every figure is shown with `show(fig, description)`, which keeps
the description with the image for screen readers and prints it under it for everyone.
"""
import io
import os

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from IPython.display import Markdown, display
from matplotlib.colors import to_rgb

# Okabe & Ito's colour-vision-safe colours that reach 3:1 against white (WCAG 1.4.11), then
# black: blue, vermillion, bluish green, reddish purple. Their orange, sky blue and yellow
# stay under 2.3:1 on white and are left out. "C0".."C4" name these in the lectures.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000"]
# so that two series never differ by colour alone, the n-th line also gets the n-th style
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1))]
plt.rcParams["axes.prop_cycle"] = cycler(color=PALETTE) + cycler(linestyle=LINESTYLES)
plt.rcParams["image.cmap"] = "viridis"
MIN_CONTRAST = 3.0          # WCAG 2.1 1.4.11, graphical objects


def show(fig, description):
    """Show `fig` with `description` (what its data show), then close it.

    The description goes twice into the notebook: as the PNG output's `alt` metadata,
    which nbconvert (the lecture site) writes into the <img>, and as a visible caption
    below it, since JupyterLab shows no alt text. The metadata also records
    style_problems(fig), which the lecture tests require to be empty.
    """
    if not description or not description.strip():
        raise ValueError("a figure needs a description of what its data show")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=fig.dpi)
    problems = style_problems(fig)
    plt.close(fig)
    display({"image/png": buffer.getvalue(), "text/plain": f"<Figure: {description}>"}, raw=True,
            metadata={"image/png": {"alt": description}, "lecturekit": {"style_problems": problems}})
    display(Markdown(f"*Figure: {description}*"))


def contrast(colour, background):
    """WCAG contrast ratio of two matplotlib colours (1 to 21)."""
    def luminance(c):
        linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in to_rgb(c)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted([luminance(colour), luminance(background)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def style_problems(fig):
    """What in `fig` tells data apart by colour alone, or draws data too faint to see.

    A data line is a Line2D in data coordinates (axhline/axvline guides are not). Lines
    of one colour are one series; two series must differ in line style or marker, and
    each line must reach MIN_CONTRAST against its axes' background (alpha blended in).
    """
    problems = []
    for n, ax in enumerate(fig.axes):
        background = to_rgb(ax.get_facecolor())
        series = {}
        for line in ax.get_lines():
            if not line.get_visible() or line.get_transform() != ax.transData:
                continue
            alpha = 1.0 if line.get_alpha() is None else line.get_alpha()
            colour = tuple(round(a * alpha + b * (1 - alpha), 3) for a, b in zip(to_rgb(line.get_color()), background))
            ratio = contrast(colour, background)
            if ratio < MIN_CONTRAST:
                problems.append(f"axes {n}: line {line.get_label()!r} has contrast {ratio:.2f}:1 on its background")
            drawn = None
            if line.get_linestyle() not in ("None", "", " ") and line.get_linewidth() > 0:
                # get_linestyle() calls every custom dash "--"; the pattern tells them apart
                drawn = (line.get_linestyle(), str(getattr(line, "_unscaled_dash_pattern", "")))
            marker = line.get_marker() if line.get_marker() not in ("None", "", " ", None) else None
            series.setdefault(colour, set()).add((str(drawn), str(marker)))
        colours = list(series)
        for i, a in enumerate(colours):
            for b in colours[i + 1:]:
                same = series[a] & series[b]
                if same:
                    problems.append(f"axes {n}: colours {a} and {b} share the style {sorted(same)[0]}")
    return problems


def play(draw, **controls):
    """Draw `draw(**defaults)` with live widgets, or once as a static figure without a reader.

    `controls` are ipywidgets (e.g. FloatSlider), each with a `description` (its name for
    screen readers); `draw` makes a figure, does not show it, and returns its description,
    so that every redraw describes what it drew. In a kernel with a reader, the figure
    sits under its controls and moving one redraws it; nothing else is drawn, so the
    figure shows once. Executors with no reader (tests, the HTML site) set the environment
    variable LECTUREKIT_HEADLESS and get the static figure only: a saved page cannot run a
    widget, and nbclient sometimes deadlocks on the messages of a widget's output area
    (jupyter/nbclient#312).
    """
    import ipywidgets as widgets
    unnamed = [name for name, w in controls.items() if not getattr(w, "description", "")]
    if unnamed:
        raise ValueError(f"controls without a description (their accessible name): {unnamed}")

    def redraw(**values):
        description = draw(**values)
        show(plt.gcf(), description)        # inside the widget's output area, if any

    if os.environ.get("LECTUREKIT_HEADLESS"):
        redraw(**{name: w.value for name, w in controls.items()})
    else:
        display(widgets.interactive(redraw, **controls))      # draws the defaults at once


class self_check:
    """`with self_check("Try 1.1"):` around an exercise's self-check cell.

    An exercise not answered yet is reported in one line instead of raised, so that
    Run All goes on to the figures and widgets below: in the student copy a stubbed
    function raises NotImplementedError, and an answer written at the top level of the
    exercise cell is simply not defined (a NameError raised by the check cell itself,
    not inside the reader's code). Any other failure, a wrong answer, is raised as is.
    """

    def __init__(self, exercise):
        self.exercise = exercise

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if isinstance(error, NotImplementedError):
            missing = f"`{tb_function(tb)}` still raises NotImplementedError"
        elif isinstance(error, NameError) and tb is not None and tb.tb_next is None:
            missing = f"`{error.name}` is not defined"
        else:
            return False
        print(f"{self.exercise}: not answered yet — {missing}; write your answer in the "
              f"exercise cell above, run it, then run this cell again")
        return True


def tb_function(tb):
    """The name of the function a traceback ends in (where the exception was raised)."""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_name


def numeric_derivative(f, x, h=1e-6):
    """Central difference (f(x + h) - f(x - h)) / 2h, element by element for arrays x.

    `f` returns a scalar; the result has the shape of x (the gradient, for an array x).
    For an element-wise f on a grid of points, differentiate `lambda z: f(z).sum()`:
    each z_i only moves f(z_i), so that gradient is f' at every point.
    """
    return numeric_jacobian(f, x, h)


def numeric_jacobian(f, x, h=1e-6):
    """Central-difference Jacobian J[i..., j...] = d f(x)[i...] / d x[j...].

    Shape f(x).shape + x.shape. Applied to a gradient function it gives the Hessian.
    """
    x = np.asarray(x, dtype=float)
    columns = []
    for j in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[j] = h
        columns.append((np.asarray(f(x + e), dtype=float) - np.asarray(f(x - e), dtype=float)) / (2 * h))
    J = np.stack(columns, axis=-1)
    return J.reshape(J.shape[:-1] + x.shape)


def assert_close(name, got, expected, rtol=1e-6, atol=1e-9):
    """Assert two arrays agree; the message names the quantity, the index and both values."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        raise AssertionError(f"{name}: expected shape {expected.shape}, got {got.shape}")
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if bad.any():
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        raise AssertionError(f"{name}: at index {i} expected {expected[i]!r}, got {got[i]!r}")
    print(f"✓ {name} checks out (max abs. difference {np.max(np.abs(got - expected), initial=0):.1e})")
