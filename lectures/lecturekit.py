"""Small helpers shared by the lecture notebooks (copied beside them into lectures/).

The lectures depend on numpy, matplotlib and ipywidgets only, never on mytorch:
a reader can run them before (or without) finishing the homework.

A notebook's setup cell runs `%matplotlib inline` before importing from here, so
figures render the same under any MPLBACKEND (Agg included). The notebook format the
generator and the site rely on is described in the course package's
autograder/course/lectures.py (`python -m autograder lectures` writes lectures/ from it).

Importing this module sets the figures' colours (PALETTE) and gives successive lines
distinct line styles; every figure is shown with `show(fig, description)`, which keeps
the description with the image for screen readers and prints it under it for everyone,
and records what `style_problems` finds in it (series told apart by colour alone, lines
faint against what lies behind them, small or faint text), its `series` and its colour
`maps`, whose colours the lecture tests simulate for colour-vision deficiency.
"""
import io
import os
import zlib

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from IPython.display import Markdown, display
from matplotlib.collections import QuadMesh
from matplotlib.colors import ListedColormap, to_hex, to_rgb, to_rgba
from matplotlib.contour import ContourSet
from matplotlib.image import AxesImage
from matplotlib.patheffects import Stroke, withStroke
from matplotlib.text import Text

# Okabe & Ito's colour-vision-safe colours that reach 3:1 against white (WCAG 1.4.11), then
# black: blue, vermillion, bluish green, reddish purple. Their orange, sky blue and yellow
# stay under 2.3:1 on white and are left out. "C0".."C4" name these in the lectures.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000"]
# so that two series never differ by colour alone, the n-th line also gets the n-th style
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1))]
plt.rcParams["axes.prop_cycle"] = cycler(color=PALETTE) + cycler(linestyle=LINESTYLES)
plt.rcParams["image.cmap"] = "viridis"
MIN_CONTRAST = 3.0          # WCAG 2.1 1.4.11, graphical objects
MIN_TEXT_CONTRAST = 4.5     # WCAG 2.1 1.4.3, text; 3.0 for large text (18 pt, or 14 pt bold)
LARGE_TEXT_PX = 24.0        # 18 pt in CSS px (WCAG's "large scale" text); bold: 14 pt = 18.67 px
# WCAG sets no smallest size. 11 px is the smallest text JupyterLab itself shows (its
# --jp-ui-font-size0, 0.83333em of 13 px = 10.8 px); at the figures' 100 dpi that is 8 pt.
MIN_TEXT_PX = 10.8


def on_white(name, background="white"):
    """The colour map `name` from its dark end up to its last colour at MIN_CONTRAST on
    `background`: for contour lines drawn on the axes' face, which viridis' yellow end
    (1.3:1 on white) would leave unseen. The order of the levels stays in lightness."""
    colours = plt.colormaps[name](np.linspace(0, 1, 256))
    seen = np.flatnonzero(contrasts(colours[:, :3], np.array([to_rgb(background)])) >= MIN_CONTRAST)
    return ListedColormap(colours[:seen[-1] + 1], name=f"{name}, its part at {MIN_CONTRAST:g}:1 on {background}")




def show(fig, description):
    """Show `fig` with `description` (what its data show), then close it.

    The description goes twice into the notebook: as the PNG output's `alt` metadata,
    which nbconvert (the lecture site) writes into the <img>, and as a visible caption
    below it, since JupyterLab shows no alt text. The metadata also records
    style_problems(fig), which the lecture tests require to be empty, series(fig) and maps(fig).
    """
    if not description or not description.strip():
        raise ValueError("a figure needs a description of what its data show")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=fig.dpi)
    problems, drawn, coloured = style_problems(fig), series(fig), maps(fig)
    plt.close(fig)
    display({"image/png": buffer.getvalue(), "text/plain": f"<Figure: {description}>"}, raw=True,
            metadata={"image/png": {"alt": description},
                      "lecturekit": {"style_problems": problems, "series": drawn, "maps": coloured}})
    display(Markdown(f"*Figure: {description}*"))


def contrast(colour, background):
    """WCAG contrast ratio of two matplotlib colours (1 to 21)."""
    return float(contrasts(np.array([to_rgb(colour)]), np.array([to_rgb(background)]))[0])


def readable(colour, background="white", ratio=MIN_TEXT_CONTRAST):
    """`colour` darkened (mixed with black) just enough for text on `background` to reach `ratio`,
    so that a label can keep the hue of what it labels; on a dark background, black or white."""
    rgb = np.array(to_rgb(colour))
    for k in np.linspace(1, 0, 51):
        if contrast(k * rgb, background) >= ratio:
            return to_hex(k * rgb)
    return max(["black", "white"], key=lambda c: contrast(c, background))


def contrasts(rgb, background):
    """WCAG contrast ratios (L1 + 0.05) / (L2 + 0.05), row by row, of two (N, 3) sRGB arrays in [0, 1]."""
    def luminance(c):
        linear = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return linear @ np.array([0.2126, 0.7152, 0.0722])
    a, b = luminance(np.asarray(rgb, float)), luminance(np.asarray(background, float))
    return (np.maximum(a, b) + 0.05) / (np.minimum(a, b) + 0.05)


def blend(colour, background, alpha=None):
    """The RGB a colour with `alpha` (else its own alpha) shows over an opaque background."""
    rgba = to_rgba(colour)
    alpha = rgba[3] if alpha is None else alpha
    return tuple(round(a * alpha + b * (1 - alpha), 3) for a, b in zip(rgba[:3], to_rgb(background)))


CONTOUR_LINES = on_white("viridis")      # the colour map for contour lines on a white axes
# a white edge around a black line or arrow drawn on a colour map: where the map is dark, the edge
# reaches 3:1 against it (any colour reaches 3:1 against black or white, the line or its halo)
HALO = [withStroke(linewidth=3.5, foreground="white")]


def series(fig):
    """Per axes, the data series of `fig` and the cue besides colour that each carries.

    [[{"kind", "colour", "cue"}, ...] per axes]: a Line2D in data coordinates (axhline and
    axvline guides are not data) is cued by its line style and marker; a scatter of one
    face colour by its marker; a bar by its hatch. A scatter coloured by a colour map
    encodes a value, not a series, and is left out. Colours are blended over the axes'
    background, as "#rrggbb"; one colour with one cue is one series.
    """
    result = []
    for ax in fig.axes:
        background = ax.get_facecolor()
        found = {}
        for line in ax.get_lines():
            if not line.get_visible() or line.get_transform() != ax.transData:
                continue
            drawn = None
            if line.get_linestyle() not in ("None", "", " ") and line.get_linewidth() > 0:
                # get_linestyle() calls every custom dash "--"; the pattern tells them apart
                drawn = (line.get_linestyle(), str(getattr(line, "_unscaled_dash_pattern", "")))
            marker = line.get_marker() if line.get_marker() not in ("None", "", " ", None) else None
            colour = blend(line.get_color(), background, line.get_alpha() if line.get_alpha() is not None else 1.0)
            found[("line", colour, f"line {drawn}, marker {marker}")] = None
        for collection in ax.collections:
            faces = collection.get_facecolors()
            if type(collection).__name__ != "PathCollection" or not collection.get_visible() or len(faces) == 0 \
                    or collection.get_array() is not None or len({tuple(f) for f in faces}) > 1:
                continue
            paths = collection.get_paths()
            marker = str(np.round(paths[0].vertices, 2).tolist()) if paths else ""
            found[("scatter", blend(faces[0], background), f"marker {zlib.crc32(marker.encode()):08x}")] = None
        for container in ax.containers:
            if type(container).__name__ != "BarContainer":
                continue
            for bar in container:
                if bar.get_visible():
                    found[("bar", blend(bar.get_facecolor(), background), f"hatch {bar.get_hatch() or None}")] = None
        result.append([{"kind": kind, "colour": to_hex(colour), "cue": cue} for kind, colour, cue in found])
    return result


def style_problems(fig):
    """What in `fig` tells data apart by colour alone, or draws data or text too faint to see.

    Lines of one colour are one series; two line series must differ in line style or
    marker. Each data line and contour line must reach MIN_CONTRAST against the axes' face
    or the colour map it is drawn on (line_problems). Every piece of text drawn must be at
    least MIN_TEXT_PX high at the figure's dpi and reach MIN_TEXT_CONTRAST (3:1 for large
    text) against what lies behind it, a map included (text_problems).
    """
    problems = []
    for n, drawn in enumerate(series(fig)):
        lines = {}
        for s in drawn:
            if s["kind"] == "line":
                lines.setdefault(s["colour"], set()).add(s["cue"])
        colours = list(lines)
        for i, a in enumerate(colours):
            for b in colours[i + 1:]:
                same = lines[a] & lines[b]
                if same:
                    problems.append(f"axes {n}: colours {a} and {b} share the style {sorted(same)[0]}")
    return problems + line_problems(fig) + text_problems(fig)


def is_map(artist):
    """Whether `artist` fills an area with a colour map: an image, a mesh, filled contours."""
    return isinstance(artist, (AxesImage, QuadMesh)) or (isinstance(artist, ContourSet) and artist.filled)


def maps(fig):
    """Per axes, the colour maps of `fig`, each as the colours it draws in the order of its values.

    [[{"kind", "map", "colours": ["#rrggbb", ...]}, ...] per axes]: an image, mesh or
    scatter coloured by value gives its map at 16 even steps, contours (lines or filled)
    their levels' colours; each blended with the artist's alpha over the axes' face. The
    lecture tests require each to keep its values' order in lightness for every reader.
    """
    result = []
    for ax in fig.axes:
        found = []
        for artist in ax.get_children():
            if not hasattr(artist, "get_cmap") or not artist.get_visible() or artist.get_array() is None:
                continue
            if isinstance(artist, ContourSet):
                rgba = artist.get_facecolor() if artist.filled else artist.get_edgecolor()
            else:
                rgba = artist.get_cmap()(np.linspace(0, 1, 16))
            alpha = artist.get_alpha()
            colours = [to_hex(blend(c, ax.get_facecolor(), c[3] if alpha is None else alpha)) for c in rgba]
            found.append({"kind": type(artist).__name__, "map": artist.get_cmap().name, "colours": colours})
        result.append(found)
    return result


def line_problems(fig):
    """Data lines and contour lines under MIN_CONTRAST against what lies behind them.

    Behind a line is its axes' face or a colour map (is_map) drawn there: the figure is
    drawn with those alone, and each line's colour is compared with the pixels under its
    path, one pixel apart, inside its axes (a guide, axhline or axvline, is not data). A line
    with a halo (a path effect such as withStroke) passes where its colour or its halo's
    reaches MIN_CONTRAST; the figure passes where every point of every line does.
    """
    drawn = []                     # (axes number, artist, paths in display coordinates, RGBA per path)
    for n, ax in enumerate(fig.axes):
        for line in ax.get_lines():
            if line.get_visible() and line.get_transform() == ax.transData:
                drawn.append((n, line, [line.get_transform().transform_path(line.get_path())], [to_rgba(line.get_color(), line.get_alpha())]))
        for contours in ax.collections:
            if isinstance(contours, ContourSet) and not contours.filled and contours.get_visible():
                paths = [contours.get_transform().transform_path(p) for p in contours.get_paths()]
                colours = contours.get_edgecolor()
                drawn.append((n, contours, paths, [colours[k % len(colours)] for k in range(len(paths))]))
    if not drawn:
        return []
    hidden = [a for ax in fig.axes for a in ax.get_children() if a is not ax.patch and not is_map(a) and a.get_visible()]
    hidden += [a for a in fig.get_children() if a is not fig.patch and a not in fig.axes and a.get_visible()]
    for artist in hidden:
        artist.set_visible(False)
    try:
        fig.canvas.draw()
        behind = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255
    finally:
        for artist in hidden:
            artist.set_visible(True)
    height, width = behind.shape[:2]
    problems = []
    for n, artist, paths, colours in drawn:
        box = fig.axes[n].bbox
        halos = [to_rgb(e._gc["foreground"]) for e in artist.get_path_effects() or []    # Stroke keeps its settings in _gc
                 if isinstance(e, Stroke) and "foreground" in e._gc]
        for path, rgba in zip(paths, colours):
            points = np.concatenate([along(p) for p in path.to_polygons(closed_only=False)] or [np.empty((0, 2))])
            inside = (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)
            cols, rows = points[inside, 0].astype(int), height - 1 - points[inside, 1].astype(int)
            keep = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
            under = behind[rows[keep], cols[keep]]
            if not len(under):
                continue
            own = rgba[3] * np.array(rgba[:3]) + (1 - rgba[3]) * under
            ratio = np.max([contrasts(own, under)] + [contrasts(np.tile(h, (len(under), 1)), under) for h in halos], axis=0)
            if ratio.min() < MIN_CONTRAST:
                problems.append(f"axes {n}: line {to_hex(rgba[:3])} has contrast {ratio.min():.2f}:1 on what lies "
                                f"behind it at {np.mean(ratio < MIN_CONTRAST):.0%} of its points (at least {MIN_CONTRAST:g})")
    return list(dict.fromkeys(problems))


def along(polyline, spacing=1.0):
    """Points along a polyline (k, 2) in pixels, `spacing` apart on each segment, its vertices included."""
    if len(polyline) < 2:
        return polyline
    pieces = [np.linspace(a, b, max(int(np.hypot(*(b - a)) / spacing), 1), endpoint=False)
              for a, b in zip(polyline[:-1], polyline[1:])]
    return np.concatenate(pieces + [polyline[-1:]])


def text_problems(fig):
    """Text in `fig` smaller than MIN_TEXT_PX at its dpi, or under its contrast minimum.

    Size: font size in pt × dpi / 72 pixels, as the PNG shows it at its own size. Contrast:
    the text's colour against the pixels behind it, read from the figure drawn without its
    text (the median over the text's box, so that a line crossing a label does not decide),
    or against the face colour of the box the text sits in.
    """
    drawn = []
    original = Text.draw

    def record(self, renderer):           # only text that is actually drawn (in view, axes on)
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return original(self, renderer)
    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    renderer = fig.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in drawn]
    hidden = [text for text in drawn if text.get_visible()]
    for text in hidden:
        text.set_visible(False)
    fig.canvas.draw()
    behind = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255
    for text in hidden:
        text.set_visible(True)
    problems = []
    for text, box in zip(drawn, boxes):
        name = repr(text.get_text()[:30])
        px = text.get_fontsize() * fig.dpi / 72
        if px < MIN_TEXT_PX:
            problems.append(f"text {name} is {px:.1f} px high (at least {MIN_TEXT_PX})")
        patch = text.get_bbox_patch()
        if patch is not None and patch.get_visible() and patch.get_facecolor()[3] > 0:
            backgrounds = np.array([blend(patch.get_facecolor(), "white")])
        else:
            height = behind.shape[0]
            rows = slice(max(int(height - box.y1), 0), max(int(np.ceil(height - box.y0)), 0))
            cols = slice(max(int(box.x0), 0), max(int(np.ceil(box.x1)), 0))
            backgrounds = behind[rows, cols].reshape(-1, 3)
        if not len(backgrounds):
            continue
        rgba = to_rgba(text.get_color())
        alpha = rgba[3] if text.get_alpha() is None else text.get_alpha()
        ratio = float(np.median(contrasts(alpha * np.array(rgba[:3]) + (1 - alpha) * backgrounds, backgrounds)))
        bold = text.get_fontweight() in ("bold", "heavy", "black", "extra bold") or (
            isinstance(text.get_fontweight(), int) and text.get_fontweight() >= 700)
        large = px >= (LARGE_TEXT_PX * 14 / 18 if bold else LARGE_TEXT_PX)
        needed = MIN_CONTRAST if large else MIN_TEXT_CONTRAST
        if ratio < needed:
            problems.append(f"text {name} has contrast {ratio:.2f}:1 on what lies behind it (at least {needed})")
    return problems


def play(draw, **controls):
    """Draw `draw(**defaults)` with live widgets, or once as a static figure without a reader.

    `controls` are ipywidgets (e.g. FloatSlider), each with a `description` (its name for
    screen readers) and, if it is a float slider, positions exact in binary that its
    readout shows exactly (inexact_positions); `draw` makes a figure, does not show it, and returns its description,
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
    inexact = {name: why for name, w in controls.items() if (why := inexact_positions(w))}
    if inexact:
        raise ValueError(f"float sliders whose positions are not what they show: {inexact}")

    def redraw(**values):
        description = draw(**values)
        show(plt.gcf(), description)        # inside the widget's output area, if any

    if os.environ.get("LECTUREKIT_HEADLESS"):
        redraw(**{name: w.value for name, w in controls.items()})
    else:
        display(widgets.interactive(redraw, **controls))      # draws the defaults at once


def inexact_positions(control, bits=10):
    """Why a float slider's positions are not exactly what it shows and announces, or "".

    The browser moves a slider by adding `step` in binary floating point, and announces the
    sum: with step 0.1 from -4, the 52nd position is 1.2000000000000002. Positions min + k step
    are exact when min, max, step (and the value) are multiples of 2**-bits, as 0.25 or
    0.125 are. Its readout must then print each position exactly (".3f" for 0.125).
    A FloatLogSlider's positions are exponents; its value, base**exponent, is rounded.
    """
    from fractions import Fraction
    if not all(isinstance(getattr(control, k, None), float) for k in ("min", "max", "step")):
        return ""                                   # not a float slider
    log = hasattr(control, "base")
    grid = {"min": control.min, "max": control.max, "step": control.step}
    if not log:
        grid["value"] = control.value
    coarse = {k: v for k, v in grid.items() if (Fraction(v) * 2**bits).denominator != 1}
    if coarse:
        return f"not multiples of 2**-{bits}: {coarse}"
    if log:
        return ""
    fmt = getattr(control, "readout_format", ".2f")
    positions = np.arange(control.min, control.max + control.step / 2, control.step)
    shown = [p for p in positions if float(format(p, fmt)) != p]
    return f"readout {fmt!r} rounds {shown[0]} to {format(shown[0], fmt)}" if shown else ""


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
