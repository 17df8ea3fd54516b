"""Small helpers shared by the lecture notebooks (copied beside them into lectures/).

The lectures depend on numpy, matplotlib and ipywidgets only, never on mytorch:
a reader can run them before (or without) finishing the homework.

A notebook's setup cell runs `%matplotlib inline` before importing from here, so
figures render the same under any MPLBACKEND (Agg included). The notebook format the
generator and the site rely on is described in autograder/lectures.py.
"""
import os

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display


def play(draw, **controls):
    """Draw `draw(**defaults)` with live widgets, or once as a static figure without a reader.

    `controls` are ipywidgets (e.g. FloatSlider); `draw` makes a figure and does not
    show it. In a kernel with a reader, the figure sits under its controls and moving
    one redraws it; nothing else is drawn, so the figure shows once. Executors with no
    reader (tests, the HTML site) set the environment variable LECTUREKIT_HEADLESS and
    get the static figure only: a saved page cannot run a widget, and nbclient sometimes
    deadlocks on the messages of a widget's output area (jupyter/nbclient#312).
    """
    import ipywidgets as widgets

    def show(**values):
        draw(**values)
        plt.show()          # inside the widget's output area; ipywidgets' own flush misses
                            # the inline backend under the name matplotlib >= 3.9 reports

    if os.environ.get("LECTUREKIT_HEADLESS"):
        show(**{name: w.value for name, w in controls.items()})
    else:
        display(widgets.interactive(show, **controls))      # draws the defaults at once


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
