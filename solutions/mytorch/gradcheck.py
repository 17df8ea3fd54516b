"""Check any layer's or loss's backward against central differences, in float64.

    >>> from mytorch import nn
    >>> from mytorch.gradcheck import gradcheck
    >>> gradcheck(nn.Linear(3, 2), np.random.randn(4, 3)).passed
    True

For a layer or model, the scalar checked is f(X) = sum(forward(X) * G) for a random
upstream gradient G, so backward(G) must equal the numerical gradient of f: a
numerical vector-Jacobian product (CS231n's eval_numerical_gradient_array). For a
loss, f(A) = forward(A, Y) itself and backward() must be its gradient. Parameters
(W, b, ...) are checked against the same f through their `.grad`.

Kinks: where f is not differentiable (ReLU at 0, max), a central difference means
nothing. An entry whose one-sided differences disagree is reported as a kink and
left out of the comparison instead of failing it.
"""
import inspect
from dataclasses import dataclass, field

import numpy as np


@dataclass
class TensorCheck:
    """The comparison for one tensor: its worst entry, and the kinks left out."""
    name: str
    shape: tuple
    max_error: float = 0.0
    index: tuple = ()
    analytic: float = np.nan
    numeric: float = np.nan
    kinks: list = field(default_factory=list)
    problem: str = ""                  # a shape or type mismatch, instead of numbers

    def line(self, tol):
        if self.problem:
            return f"FAIL  {self.name}: {self.problem}"
        verdict = "ok  " if self.max_error <= tol else "FAIL"
        kinks = f"  ({len(self.kinks)} kink(s) skipped, e.g. at {self.kinks[0]})" if self.kinks else ""
        return (f"{verdict}  {self.name} {self.shape}: max rel. error {self.max_error:.2e} at index "
                f"{self.index}: backward gives {self.analytic:.8g}, finite differences "
                f"{self.numeric:.8g}{kinks}")


@dataclass
class GradcheckResult:
    """What `gradcheck` found: one TensorCheck per gradient; `passed` if all are within tol."""
    module: str
    checks: list
    tol: float

    @property
    def passed(self):
        return all(not c.problem and c.max_error <= self.tol for c in self.checks)

    def __str__(self):
        head = f"gradcheck {self.module}: {'passed' if self.passed else 'FAILED'} (tol {self.tol:g})"
        return "\n".join([head] + ["  " + c.line(self.tol) for c in self.checks])

    __repr__ = __str__

    def _repr_html_(self):
        colour = "#1a7f37" if self.passed else "#cf222e"
        rows = "".join(f"<li><code>{c.line(self.tol)}</code></li>" for c in self.checks)
        return (f"<div style='border-left:4px solid {colour};padding-left:8px'>"
                f"<b style='color:{colour}'>gradcheck {self.module}: "
                f"{'passed' if self.passed else 'FAILED'}</b><ul>{rows}</ul></div>")

    def assert_ok(self):
        """Raise AssertionError with the full report unless every gradient matched."""
        if not self.passed:
            raise AssertionError(str(self))
        return self


def _numeric_gradient(f, x, eps, kink_tol):
    """Central differences of scalar f() w.r.t. array x (perturbed in place, then restored).

    Fourth order, (f(-2h) - 8 f(-h) + 8 f(h) - f(2h)) / 12h: the plain (f(h) - f(-h)) / 2h is
    off by h^2 f'''/6, enough to fail a correct BCELoss at its minimum A = Y = 0.05.
    Returns the gradient and the indices where the one-sided differences disagree (kinks).
    """
    grad, kinks = np.zeros_like(x), []
    f0 = f()
    for i in np.ndindex(*x.shape):
        old, fs = x[i], {}
        for step in (-2, -1, 1, 2):
            x[i] = old + step * eps
            fs[step] = f()
        x[i] = old
        for h in (1, 2):                       # a kink anywhere the stencil reaches
            right, left = (fs[h] - f0) / (h * eps), (f0 - fs[-h]) / (h * eps)
            if abs(right - left) > kink_tol * max(1.0, abs(right), abs(left)):
                kinks.append(i)
                break
        grad[i] = (fs[-2] - 8 * fs[-1] + 8 * fs[1] - fs[2]) / (12 * eps)
    return grad, kinks


def _compare(name, analytic, numeric, kinks, floor):
    check = TensorCheck(name, numeric.shape, kinks=kinks)
    if not isinstance(analytic, np.ndarray):
        check.problem = f"expected an array of shape {numeric.shape}, got {type(analytic).__name__}"
        return check
    if analytic.shape != numeric.shape:
        check.problem = f"expected shape {numeric.shape}, got {analytic.shape}"
        return check
    error = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    for i in kinks:
        error[i] = 0.0
    if error.size:
        i = np.unravel_index(np.argmax(error), error.shape)
        check.max_error, check.index = float(error[i]), tuple(int(k) for k in i)
        check.analytic, check.numeric = float(analytic[i]), float(numeric[i])
    return check


def _parameter_names(module):
    """'layers[2].dLdW' for a model's parameters, 'dLdW' for a single layer's."""
    if not hasattr(module, "layers"):
        return [p.grad_name for p in module.parameters()]
    return [f"layers[{k}].{p.grad_name}" for k, layer in enumerate(module.layers)
            for p in layer.parameters()]


def gradcheck(module, *inputs, eps=1e-5, tol=1e-6, floor=1e-3, kink_tol=1e-2, seed=0):
    """Compare `module.backward` with central differences; return a GradcheckResult.

    module: a layer, activation or model (forward(X), backward(dLdOut)) or a loss
    (forward(A, Y), backward()). inputs: X for a layer, (A, Y) for a loss. All float
    arrays are checked in float64 (a forward that returns float32 is reported first). The
    error of an entry is |a - n| / max(|a| + |n|, floor):
    relative, except for entries that are zero up to rounding. Raises nothing on a
    mismatch: read `.passed`, print the result, or call `.assert_ok()`.
    """
    as64 = [x.astype(np.float64) if np.issubdtype(np.asarray(x).dtype, np.floating) else x
            for x in inputs]
    params = module.parameters() if hasattr(module, "parameters") else []
    saved = [p.data for p in params]
    for p in params:
        p.data = p.data.astype(np.float64)
    try:
        is_loss = not inspect.signature(module.backward).parameters
        if is_loss:
            f = lambda: module.forward(*as64)
            out = module.forward(*as64)
            analytic = [module.backward()]
            names = ["dLdA (returned by backward)"]
        else:
            X = as64[0]
            G = np.random.default_rng(seed).standard_normal(np.shape(module.forward(X)))
            f = lambda: float(np.sum(module.forward(X) * G))
            out = module.forward(X)
            analytic = [module.backward(G)]
            names = ["gradient w.r.t. the input (returned by backward)"]
        analytic = [a.copy() if isinstance(a, np.ndarray) else a for a in analytic]
        analytic += [p.grad.copy() if isinstance(p.grad, np.ndarray) else p.grad for p in params]
        names += _parameter_names(module)
        targets = [as64[0]] + [p.data for p in params]
        checks, dtype = [], np.asarray(out).dtype
        if dtype.kind == "f" and dtype.itemsize < 8:      # it spoils the differences, not backward
            checks.append(TensorCheck("forward's output", np.shape(out), problem=(
                f"forward returns {dtype}: keep float64 (no astype(np.float32), no dtype=np.float32); "
                f"single precision keeps about 7 digits, too few for finite differences, so the "
                f"comparisons below say nothing about backward")))
        for name, a, x in zip(names, analytic, targets):
            numeric, kinks = _numeric_gradient(f, x, eps, kink_tol)
            checks.append(_compare(name, a, numeric, kinks, floor))
        module.forward(*as64)                      # leave caches as after a normal call
    finally:
        for p, data in zip(params, saved):
            p.data = data
    return GradcheckResult(repr(module), checks, tol)
