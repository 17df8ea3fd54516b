"""The losses' forward and backward parts (MSELoss, BCELoss, CrossEntropyLoss with label
smoothing), with the hints of cross-entropy's common mistakes.
"""
import numpy as np

from .spec import STABLE, _arrays, _backward_case, _huge


def _make_loss(kind):
    def make(rng, hidden):
        shapes = [(4, 3), (1, 5), (7, 2)] if hidden else [(3, 4)]
        cases = []
        for n, c in shapes:
            if kind == "mse":
                cases.append({"A": rng.standard_normal((n, c)), "Y": rng.standard_normal((n, c))})
            elif kind == "bce":
                cases.append({"A": rng.uniform(0.02, 0.98, (n, c)),
                              "Y": rng.integers(0, 2, (n, c)).astype(float)})
            else:
                cases.append({"A": rng.standard_normal((n, c)) * 2, "Y": rng.integers(0, c, n),
                              "alpha": np.float64(0.0)})
                if hidden:
                    probs = rng.dirichlet(np.ones(c), size=n)
                    cases.append({"A": rng.standard_normal((n, c)), "Y": probs, "alpha": np.float64(0.2)})
                    cases.append({"A": rng.standard_normal((n, c)), "Y": rng.integers(0, c, n),
                                  "alpha": np.float64(0.1)})
        if kind == "ce":
            cases.append({"A": _huge(rng, (3, 4)), "Y": rng.integers(0, 4, 3), "alpha": np.float64(0.0),
                          STABLE: True})
        if kind == "bce":             # a sigmoid saturated to exactly 0 or 1: log 0 (clamped at -100)
            A = rng.choice([0.0, 1.0, 1e-300, 1 - 1e-16], (2, 4))
            A[:, 0] = rng.uniform(0.1, 0.9, 2)
            cases.append({"A": A, "Y": rng.integers(0, 2, (2, 4)).astype(float), STABLE: True})
        if not hidden and kind == "ce":
            cases.append({"A": rng.standard_normal((3, 4)), "Y": np.array([1, 0, 3]), "alpha": np.float64(0.3)})
        return cases
    return make


def _loss(mt, name, x):
    return getattr(mt.nn, name)(float(x["alpha"])) if "alpha" in x else getattr(mt.nn, name)()


def _run_loss_forward(name):
    def run(mt, x, state):
        inst = _loss(mt, name, x)
        L = inst.forward(x["A"].copy(), x["Y"].copy())
        return {"loss": np.float64(L) if np.isscalar(L) else L}, _arrays(inst.__dict__)
    return run


def _run_loss_backward(name):
    def run(mt, x, state):
        return _backward_case(lambda: _loss(mt, name, x),
                              lambda inst: {"loss": np.float64(inst.forward(x["A"].copy(), x["Y"].copy()))},
                              lambda inst: {"dLdA": inst.backward()}, state)
    return run


def _ce_mistakes(x, state):
    """Each hypothesis recomputed exactly from the reference's P (its softmax): smoothing with the
    slides' epsilon = alpha or with + alpha, alpha ignored, and log(softmax + eps)."""
    n, c = x["A"].shape
    alpha, P = float(x["alpha"]) if "alpha" in x else 0.0, state.get("P")
    if P is None:
        return {}
    Y = np.eye(c)[x["Y"]] if x["Y"].ndim == 1 else x["Y"]
    wrong = []
    if alpha:
        target = (1 - alpha) * Y + alpha / c
        for D, hint in [
                ((1 - c * alpha) * Y + alpha,
                 f"label smoothing: torch's alpha={alpha:g} is the slides' epsilon = alpha/C = {alpha / c:g} "
                 f"on every class; the target is (1 - alpha) Y + alpha / C"),
                ((1 - alpha) * Y + alpha,
                 f"label smoothing adds alpha / C = {alpha / c:g} to every class, not alpha = {alpha:g}: "
                 f"the target is (1 - alpha) Y + alpha / C, which still sums to 1"),
                (Y, f"your loss ignores label smoothing (alpha = {alpha:g}): it equals plain "
                    f"cross-entropy; the target is (1 - alpha) Y + alpha / C")]:
            wrong.append(("loss", hint, -np.sum(D * np.log(P)) / n))
            wrong.append(("dLdA", hint, (P - D) / n))
    else:
        target = Y
    with np.errstate(divide="ignore"):
        for eps in (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15):
            wrong.append(("loss", f"log(softmax + {eps:g}) saturates where a probability underflows: "
                                  f"compute log-softmax directly, log p_i = a_i - m - log sum_j exp(a_j - m) "
                                  f"with m the row's maximum", -np.sum(target * np.log(P + eps)) / n))
    out = {}
    for name, hint, value in wrong:
        out.setdefault(name, []).append((hint, value))
    return out
