"""Notebook 1, optimisation (eqs. 2.1-2.6, lectures/01_risk_and_minimisation.ipynb): critical
points, the Hessian, gradient descent.
"""
import numpy as np

from .spec import _answer


def _make_critical(rng, hidden):
    """Polynomials whose f' has chosen distinct real roots (and, in one, a complex pair that must
    not count); then a probe: classify_critical_point at given points, one of them a critical
    point with f'' = 0 ("inflection"): f = x^5/5 - x^3 + 1/2, critical at 0 and +-sqrt(3)."""
    if not hidden:
        return [{"coeffs": np.array([1.0, -6.0, 9.0, 1.0])}]
    cases = []
    for k, count in enumerate([1, 2, 3]):
        roots = np.sort(rng.choice(np.arange(-3, 4), count, replace=False)).astype(float)
        derivative = rng.choice([-1.0, 1.0]) * np.poly(roots)
        if k == 0:                                       # times x^2 + 1: no real root
            derivative = np.polymul(derivative, [1.0, 0.0, 1.0])
        cases.append({"coeffs": np.polyint(derivative, k=float(rng.integers(-2, 3)))})
    cases.append({"coeffs": np.array([0.2, 0.0, -1.0, 0.0, 0.0, 0.5]),
                  "x": np.array([-np.sqrt(3), 0.0, np.sqrt(3)])})
    return cases


def _run_critical(ns, x, state):
    if "x" in x:             # the probe: classification at given points only
        return {"kinds": np.array([_answer(ns, "classify_critical_point")(x["coeffs"].copy(), float(p))
                                   for p in x["x"]], dtype=str)}, {}
    points = np.asarray(_answer(ns, "critical_points")(x["coeffs"].copy()), dtype=float)
    kinds = np.array([_answer(ns, "classify_critical_point")(x["coeffs"].copy(), p) for p in points], dtype=str)
    return {"points": points, "kinds": kinds}, {}


def _quadratic_cubic(Q, g):
    return lambda p: 0.5 * p @ Q @ p + g @ p ** 3


HESSIAN_SIGNS = [(1, 1), (-1, -1), (1, -1), (0, 1), (-1, 0)]   # minimum, maximum, saddle, undetermined x2


def _make_hessian(rng, hidden):
    """H = Q diag(lambda) Q^T, rotated by a random Q: every kind, a zero eigenvalue (undetermined)
    included; the kind is judged from the eigenvalues with the threshold 1e-9 the docstring states."""
    cases = []
    for signs in (HESSIAN_SIGNS if hidden else [(1, -1)]):
        R = rng.standard_normal((2, 2))
        Q = np.linalg.qr(rng.standard_normal((2, 2)))[0] if hidden else np.eye(2)
        M = Q @ np.diag(np.array(signs) * rng.uniform(0.5, 2, 2)) @ Q.T
        cases.append({"Q": R + R.T, "g": rng.standard_normal(2), "p": rng.standard_normal(2),
                      "M": (M + M.T) / 2})
    if not hidden:
        cases[0]["M"] = np.array([[2.0, 0.0], [0.0, -1.0]])
    return cases


def _run_hessian(ns, x, state):
    H = np.asarray(_answer(ns, "hessian")(_quadratic_cubic(x["Q"], x["g"]), x["p"].copy()), dtype=float)
    kind = np.array(_answer(ns, "classify_hessian")(x["M"].copy()), dtype=str)
    return {"H": H, "kind": kind}, {}


def _make_gd(rng, hidden):
    cases = []
    for eta_scale, max_iter in ([(0.5, 10000), (1.8, 10000), (2.3, 25)] if hidden else [(0.5, 10000)]):
        R = rng.standard_normal((2, 2))
        Q = R @ R.T + np.eye(2)
        cases.append({"Q": Q, "c": rng.standard_normal(2), "x0": rng.standard_normal(2) * 3,
                      "eta": np.float64(eta_scale / np.linalg.eigvalsh(Q).max()),
                      "max_iter": np.int64(max_iter)})
    return cases


def _run_gd(ns, x, state):
    Q, c = x["Q"], x["c"]
    f = lambda p: 0.5 * p @ Q @ p - c @ p
    grad = lambda p: Q @ p - c
    out = _answer(ns, "gradient_descent")(f, grad, x["x0"].copy(), float(x["eta"]), 1e-10, 1e-6, int(x["max_iter"]))
    xk, k, reason = out
    return {"x": np.asarray(xk, dtype=float), "iterations": np.int64(k), "reason": np.array(reason, dtype=str)}, {}
