"""Shared test helpers: comparisons that say where they fail, finite differences, strategies.

The finite differences here are written independently of `mytorch.gradcheck`, so a bug in
gradcheck cannot hide a bug in a layer (test_gradcheck.py tests gradcheck against them).
"""
import contextlib
import os
import warnings

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Modest example counts keep the suite fast on two cores; MYTORCH_EXAMPLES=1000 soaks it.
_N = int(os.environ.get("MYTORCH_EXAMPLES", 30))
SETTINGS = settings(deadline=None, max_examples=_N, database=None)
FEW = settings(deadline=None, max_examples=max(1, _N // 3), database=None)

TOL = 1e-6          # relative error allowed between backward and finite differences (float64)
FLOOR = 1e-3        # below this magnitude an error is measured absolutely (entries that are ~0)
EPS = 1e-4          # finite-difference step (fourth-order stencil: steps of h and 2h)


def rel_error(got, expected, floor=FLOOR):
    """Entry-wise |got - expected| / max(|got| + |expected|, floor)."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    return np.abs(got - expected) / np.maximum(np.abs(got) + np.abs(expected), floor)


def assert_close(name, got, expected, tol=TOL, floor=FLOOR):
    """Assert arrays agree to relative error `tol`; a failure names tensor, worst index, values."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, (
        f"{name}: expected shape {expected.shape}, received shape {got.shape}")
    if got.size == 0:
        return
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        raise AssertionError(f"{name}[{i}]: expected {expected[i]!r}, received {got[i]!r}")
    error = rel_error(got, expected, floor)
    error = np.where(got == expected, 0.0, error)          # equal infinities are fine
    i = np.unravel_index(np.argmax(error), error.shape)
    i = tuple(int(k) for k in i)
    assert error[i] <= tol, (
        f"{name}{list(i) if i else ''}: expected {float(expected[i])!r}, received "
        f"{float(got[i])!r} (relative error {error[i]:.2e} > {tol:g}; shape {got.shape})")


def _stencil(f, x, i, eps):
    """f at x[i] -2h, -h, +h, +2h (x restored afterwards), each as a float64 copy."""
    old, values = x[i], []
    for step in (-2, -1, 1, 2):
        x[i] = old + step * eps
        values.append(np.array(f(), dtype=np.float64))      # a copy: Identity returns x itself
    x[i] = old
    return values


def numerical_gradient(f, x, eps=EPS):
    """Gradient of scalar f() w.r.t. x (perturbed in place), by the fourth-order central
    difference (f(-2h) - 8 f(-h) + 8 f(h) - f(2h)) / 12h: its truncation error is O(h^4), so
    steep but smooth losses (BCE near 0 or 1) do not look wrong."""
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(*x.shape):
        m2, m1, p1, p2 = _stencil(f, x, i, eps)
        grad[i] = (m2 - 8 * m1 + 8 * p1 - p2) / (12 * eps)
    return grad


def numerical_vjp(f, x, G, eps=EPS):
    """Numerical G^T J of array-valued f() w.r.t. x: differences are taken entry by entry before
    summing with G, so outputs a perturbation does not touch cancel exactly (CS231n's trick)."""
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(*x.shape):
        m2, m1, p1, p2 = _stencil(f, x, i, eps)
        grad[i] = np.sum(((m2 - p2) + 8 * (p1 - m1)) * G) / (12 * eps)
    return grad


def check_layer(layer, X, seed=0, tol=TOL):
    """backward(G) and every parameter gradient of `layer` against numerical_vjp, in float64."""
    X = np.array(X, dtype=np.float64)
    G = np.random.default_rng(seed).standard_normal(layer.forward(X).shape)
    layer.forward(X)
    dX = layer.backward(G)
    grads = [(p.grad.copy(), p) for p in layer.parameters()]
    assert_close(f"{layer!r} backward (dL/dInput)", dX,
                 numerical_vjp(lambda: layer.forward(X), X, G), tol)
    for k, (g, p) in enumerate(grads):
        assert_close(f"{layer!r} parameter {k} gradient {p.grad_name}", g,
                     numerical_vjp(lambda: layer.forward(X), p.data, G), tol)


def check_loss(loss, A, Y, tol=TOL):
    """loss.backward() against the central difference of loss.forward(A, Y) w.r.t. A."""
    A = np.array(A, dtype=np.float64)
    loss.forward(A, Y)
    dA = loss.backward()
    assert_close(f"{loss!r} backward (dL/dA)", dA,
                 numerical_gradient(lambda: loss.forward(A, Y), A), tol)


def away_from_kinks(X, margin=1e-2):   # margin > 2 EPS, the stencil's reach
    """Move entries with |x| < margin to sign(x) (margin + |x|) (0 goes up), as minitorch's
    testing.py offsets inputs: a central difference across ReLU's kink at 0 means nothing."""
    X = np.array(X, dtype=np.float64)
    near = np.abs(X) < margin
    X[near] = np.where(X[near] < 0, -1.0, 1.0) * (margin + np.abs(X[near]))
    return X


def one_hot(y, C):
    D = np.zeros((len(y), C))
    D[np.arange(len(y)), y] = 1.0
    return D


@contextlib.contextmanager
def no_warnings():
    """Any numpy floating-point warning (overflow, divide by zero, invalid) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


# -- strategies ------------------------------------------------------------------------
def floats(lo=-5.0, hi=5.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def matrices(draw, rows=(1, 5), cols=(1, 6), lo=-5.0, hi=5.0):
    """(N, C) float64 arrays, N and C drawn from the given ranges."""
    shape = (draw(st.integers(*rows)), draw(st.integers(*cols)))
    return draw(hnp.arrays(np.float64, shape, elements=floats(lo, hi)))


@st.composite
def batch_shapes(draw, max_dims=3):
    """Shapes with 1..max_dims axes of 1..5 entries (activations accept any shape)."""
    return tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_dims)))


def arrays(shape, lo=-5.0, hi=5.0):
    return hnp.arrays(np.float64, shape, elements=floats(lo, hi))


@st.composite
def logits_and_targets(draw, min_classes=1):
    """(A, y): logits (N, C) and integer class indices (N,)."""
    N, C = draw(st.integers(1, 5)), draw(st.integers(min_classes, 6))
    A = draw(arrays((N, C)))
    y = np.array(draw(st.lists(st.integers(0, C - 1), min_size=N, max_size=N)), dtype=np.int64)
    return A, y


@st.composite
def probability_rows(draw, N, C):
    """(N, C) rows of non-negative probabilities summing to 1."""
    W = draw(arrays((N, C), 0.0, 1.0)) + 1e-3
    return W / W.sum(axis=1, keepdims=True)


seeds = st.integers(0, 2**32 - 1)
