"""Notebook 3's three conceptual questions, answered in code.

Each is judged on hidden inputs, so it is answered by computing, not by remembering a number.
The reference's outputs double as the "state" the hints compare against (`_state_is_output`):
a hint names a mistake by how far the answer is from the expected one, without its formula.
"""
import numpy as np


def _state_is_output(run):
    def wrapped(ns, x, state):
        out, _ = run(ns, x, state)
        return out, dict(out)
    return wrapped


def _make_zero_one(rng, hidden):
    """Linear classifiers (predict 1 where x.w > 0) moved along a line w + t v, t in (a, b).
    Hidden: a row with x.v = 0 exactly (its answer never changes), one example alone (one step),
    and an interval inside the widest gap between two steps (no step at all)."""
    shapes = [(12, 3), (40, 5), (1, 2), (6, 3)] if hidden else [(8, 2)]
    cases = []
    for k, (n, dim) in enumerate(shapes):
        case = {"X": rng.standard_normal((n, dim)), "y": rng.integers(0, 2, n),
                "w": rng.standard_normal(dim), "v": rng.standard_normal(dim),
                "a": np.float64(-3.0), "b": np.float64(3.0)}
        if hidden:
            case["a"], case["b"] = rng.uniform(-4, -1), rng.uniform(1, 4)
        if hidden and k == 0:
            case["v"][-1], case["X"][0] = 0.0, np.eye(dim)[-1] * 1.5
        with np.errstate(divide="ignore"):       # the row with x.v = 0: its step is at infinity
            t = np.sort(-(case["X"] @ case["w"]) / (case["X"] @ case["v"]))
        if hidden and k == 2:
            case["a"], case["b"] = t[0] - rng.uniform(0.5, 2), t[0] + rng.uniform(0.5, 2)
        if hidden and k == 3:
            i = np.argmax(np.diff(t))
            case["a"], case["b"] = t[i] + 0.25 * (t[i + 1] - t[i]), t[i] + 0.75 * (t[i + 1] - t[i])
        cases.append(case)
    return cases


@_state_is_output
def _run_zero_one(ns, x, state):
    t, E = ns["zero_one_staircase"](x["X"].copy(), x["y"].copy(), x["w"].copy(), x["v"].copy(),
                                    float(x["a"]), float(x["b"]))
    return {"t": np.asarray(t, dtype=float), "E": np.asarray(E, dtype=float)}, {}


def _zero_one_mistakes(x, state):
    n, E = len(x["y"]), state.get("E")
    if E is None:
        return {}
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x["X"] @ x["w"]) / (x["X"] @ x["v"])
    return {"t": [("the sign: a prediction flips where x.(w + t v) = 0, at t = -x.w / x.v",
                   np.sort(t[(x["a"] < t) & (t < x["b"])]))],
            "E": [("E is the fraction of the N examples that are wrong: divide the count by N", n * E),
                  ("your errors are 1 - the expected ones: count the examples whose prediction "
                   "[x.(w + t v) > 0] differs from y", 1 - E)]}


def _make_smoothing(rng, hidden):
    """(C, alpha) pairs; alpha = 0 (no finite minimum: np.inf) and alpha = 1 (uniform target) among them."""
    if not hidden:
        return [{"C": np.array([10, 4, 3]), "alpha": np.array([0.1, 0.3, 0.0])}]
    return [{"C": rng.integers(2, 1000, 6), "alpha": np.append(rng.uniform(0.01, 0.99, 4), [0.0, 1.0])},
            {"C": np.array([2]), "alpha": rng.uniform(0.01, 0.5, 1)}]


@_state_is_output
def _run_smoothing(ns, x, state):
    return {"gap": np.array([ns["smoothed_ce_optimum_gap"](int(C), float(alpha))
                             for C, alpha in zip(x["C"], x["alpha"])], dtype=float)}, {}


def _smoothing_mistakes(x, state):
    C, alpha = x["C"].astype(float), x["alpha"]
    with np.errstate(divide="ignore", invalid="ignore"):
        as_epsilon = np.log((1 - (C - 1) * alpha) / alpha)
        no_uniform_on_c = np.log((1 - alpha) / (alpha / C))
    return {"gap": [("torch's label_smoothing alpha is not the slides' epsilon: the smoothed target puts "
                     "alpha/C on every class (epsilon = alpha/C)", np.where(alpha > 0, as_epsilon, np.inf)),
                    ("the true class keeps 1 - alpha of the one-hot target and gets its share alpha/C "
                     "of the uniform part too", np.where(alpha > 0, no_uniform_on_c, np.inf))]}


# The operations broken_assumption is asked about (their formulas: 3_training.ipynb). Each breaks
# at most one of the three assumptions; which one is the student's to say.
OPERATIONS = ("affine", "sigmoid", "tanh", "softplus", "softmax", "log_softmax", "centring",
              "product", "gate", "bilinear", "relu", "leaky_relu", "abs", "hard_tanh", "step")


def _make_assumptions(rng, hidden):
    shown = ["sigmoid", "softmax", "product", "relu"]      # the lecture's own examples
    return [{"operations": rng.permutation(np.array(OPERATIONS)) if hidden else np.array(shown)}]


def _run_assumptions(ns, x, state):
    return {"answers": np.array([int(ns["broken_assumption"](str(op))) for op in x["operations"]],
                                dtype=np.int64)}, {}
