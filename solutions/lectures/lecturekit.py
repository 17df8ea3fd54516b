"""Small helpers shared by the lecture notebooks (copied beside them into lectures/).

The lectures depend on numpy, matplotlib and ipywidgets only, never on mytorch:
a reader can run them before (or without) finishing the homework.
"""
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display


def play(draw, **controls):
    """Draw `draw(**defaults)` once as a static figure, then attach live widgets.

    `controls` are ipywidgets (e.g. FloatSlider). The static figure stays in the
    notebook when it is executed without a live kernel (tests, HTML export);
    with a kernel, moving a control redraws the interactive copy below it.
    """
    import ipywidgets as widgets
    draw(**{name: w.value for name, w in controls.items()})
    plt.show()
    display(widgets.interactive(draw, **controls))


def numeric_derivative(f, x, h=1e-6):
    """Central difference (f(x + h) - f(x - h)) / 2h, element by element for arrays x."""
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


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
