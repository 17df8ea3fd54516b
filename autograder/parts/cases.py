"""The graded parts of hw1: their registry (PARTS, at the end), the inputs of each, and how a
part is run on a student's work.

Student-safe: it holds inputs and the way each part is called, never an answer.
Expected values come from running the reference on these inputs
(`python -m autograder references`) and live with the checks that use them.

A part's `run(target, x, state)` calls the student's code (`target` is their
`mytorch` or, for notebook parts, the notebook's globals) on inputs `x` and returns
(outputs, state): `state` is what the instance cached in forward. A backward part is
judged on what the student's own forward cached, as in a network; only where their forward
raised or returned a wrong value is it judged on the reference's forward state instead, and
the report says so (`_backward_case`), so one mistake does not cost two parts.
"""
import warnings
from dataclasses import dataclass

import numpy as np

from .data import digits, split_indices

# An input key marking a stability case: there a warning (overflow, log of 0) fails the case,
# as a non-finite output does everywhere (`run.outputs` records each such case's warnings).
STABLE = "stability"


@dataclass(frozen=True)
class Spec:
    make: object                 # (rng, hidden) -> list of input dicts
    run: object                  # (target, inputs, state) -> (outputs dict, state dict)
    rtol: float = 1e-6
    mistakes: object = None      # (inputs, state) -> [(hint, wrong value of an output)]; by output
    judge_case: object = None    # (outputs, expected) -> (Verdict, fraction of the points): a
                                 # whole case judged at once, instead of output by output
    truth: object = None         # inputs -> expected outputs, where they are not the reference's
    advice: str = ""             # shown when the part fails and no mistake was recognised
    stateful: bool = False       # a backward part: the reference's forward state is stored with
                                 # its inputs (never a forward part's: that would be its answer)


NB_OPT, NB_MYTORCH, NB_TRAIN = "1_optimisation", "2_mytorch", "3_training"


@dataclass(frozen=True)
class Part:
    """One graded part: one nbgrader grade cell, whose grade_id is `id` (see parts/__init__)."""
    id: str
    notebook: str        # notebook file stem in solutions/hw1/
    points: int
    title: str           # what the student implements, as the table shows it
    spec: Spec           # how its cases are made, run on the student's work and compared


def _arrays(d):
    """The array-valued (and shape-valued) attributes of an instance: its cached state."""
    return {k: np.asarray(v) for k, v in d.items()
            if isinstance(v, np.ndarray) or (k.endswith("_shape") and isinstance(v, tuple))}


def _cached(inst):
    """What a layer's forward cached for backward: the names its class declares in `cache`
    (the reference's do; see mytorch.nn.Module), else every array attribute."""
    names = getattr(type(inst), "cache", None)
    if isinstance(names, tuple) and names:
        return _arrays({k: getattr(inst, k, None) for k in names})
    return _arrays(inst.__dict__)


def _restore(state):
    return {k: (tuple(int(s) for s in v) if k.endswith("_shape") else v) for k, v in state.items()}


def _silently(forward, inst):
    """forward(inst) with its warnings dropped: they are the forward part's, reported there."""
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        return forward(inst)


def _backward_case(make, forward, backward, state, get_state=None, set_state=None):
    """Run a backward part's case twice: on the student's own forward, and on the reference's.

    Own run: a fresh instance from `make()`, the student's `forward(inst)` (its outputs kept
    as "forward/<name>", so the judge can tell whether it was right) and `backward(inst)` on
    what that forward cached: a forward that returns the right value but caches a wrong one
    loses the backward part, as it would in a network. If it raises, its error is kept as
    "error/own". Injected run (only where `state`, the reference's cached state on these
    inputs, is given: in checks, never when references are made): the student's forward, then
    the reference's state put in its place, then backward, as "injected/<name>". The judge
    uses the injected outputs only when the student's forward raised or returned a wrong
    value, and says so (`run.judge`). Returns (outputs, the state the own forward cached).
    `get_state`, `set_state`: how to read and replace an instance's cached state (default:
    its array attributes).
    """
    get_state = get_state or _cached
    set_state = set_state or (lambda inst, state: inst.__dict__.update(_restore(state)))
    inst, out, cached = make(), {}, {}
    try:
        out.update({f"forward/{k}": v for k, v in _silently(forward, inst).items()})
        cached = get_state(inst)
        out.update(backward(inst))
    except Exception as e:
        if state is None:
            raise
        from .run import where
        out["error/own"] = np.array(f"{type(e).__name__}: {str(e)[:300]}{where(e)}")
    if state:
        inst = make()
        try:
            _silently(forward, inst)
        except Exception:
            pass
        set_state(inst, state)
        out.update({f"injected/{k}": v for k, v in backward(inst).items()})
    return out, cached


# ---- Linear -----------------------------------------------------------------------------
def _linear(mt, x):
    layer = mt.nn.Linear(x["W"].shape[1], x["W"].shape[0])
    layer.W, layer.b = x["W"].copy(), x["b"].copy()
    return layer


def _make_linear(rng, hidden):
    # visible: batch, widths all different from each other and from 2, so that a hint naming a
    # factor (a missing 1/N, a factor 2) can tell which one it is
    shapes = [(5, 4, 3), (1, 3, 2), (8, 6, 7)] if hidden else [(3, 4, 5)]
    return [{"A": rng.standard_normal((n, i)), "W": rng.standard_normal((o, i)),
             "b": rng.standard_normal(o), "dLdZ": rng.standard_normal((n, o))} for n, i, o in shapes]


def _run_linear_forward(mt, x, state):
    layer = _linear(mt, x)
    Z = layer.forward(x["A"].copy())
    return {"Z": Z}, _arrays(layer.__dict__)


def _run_linear_backward(mt, x, state):
    def backward(layer):
        dLdA = layer.backward(x["dLdZ"].copy())
        return {"dLdA": dLdA, "dLdW": layer.dLdW, "dLdb": layer.dLdb}
    return _backward_case(lambda: _linear(mt, x), lambda layer: {"Z": layer.forward(x["A"].copy())},
                          backward, state)


# ---- activations ----------------------------------------------------------------------------
def _huge(rng, shape):
    """Entries of magnitude 1e2 to 2e4 and both signs, one small per row: exp overflows on them."""
    Z = rng.choice([-1.0, 1.0], shape) * rng.uniform(1e2, 2e4, shape)
    Z[:, 0] = rng.uniform(-1, 1, shape[0])
    return Z


def _make_activation(large):
    def make(rng, hidden):
        shapes = [(4, 5), (1, 3), (6, 2)] if hidden else [(3, 4)]
        cases = [{"Z": rng.standard_normal(s) * 3, "dLdA": rng.standard_normal(s)} for s in shapes]
        cases[0]["Z"][0, :2] = 0.0    # ReLU's kink: its derivative at 0 is taken as 0 (as torch does)
        if large:                     # magnitudes that overflow a naive exp: graded for stability
            cases.append({"Z": _huge(rng, (3, 4)), "dLdA": rng.standard_normal((3, 4)), STABLE: True})
        return cases
    return make


def _run_activation_forward(name):
    def run(mt, x, state):
        inst = getattr(mt.nn, name)()
        A = inst.forward(x["Z"].copy())
        return {"A": A}, _arrays(inst.__dict__)
    return run


def _run_activation_backward(name):
    def run(mt, x, state):
        def backward(inst):
            out = {"dLdZ": inst.backward(x["dLdA"].copy())}
            if name == "Softmax":
                out["jacobian"] = inst.jacobian()
            return out
        return _backward_case(getattr(mt.nn, name), lambda inst: {"A": inst.forward(x["Z"].copy())},
                              backward, state)
    return run


def _sigmoid_mistakes(x, state):
    Z, g = x["Z"], x["dLdA"]
    return {"dLdZ": [("you used Z where the derivative needs A = sigmoid(Z): dL/dZ = dL/dA * A (1 - A)",
                      g * Z * (1 - Z))]}


def _tanh_mistakes(x, state):
    Z, g = x["Z"], x["dLdA"]
    return {"dLdZ": [("you used Z where the derivative needs A = tanh(Z): dL/dZ = dL/dA * (1 - A^2)",
                      g * (1 - Z ** 2))]}


def _relu_mistakes(x, state):
    return {"dLdZ": [("at Z = 0 exactly ReLU has no derivative; the package takes it as 0, as torch "
                      "does: pass dL/dA where Z > 0, not Z >= 0", x["dLdA"] * (x["Z"] >= 0))]}


def _softmax_mistakes(x, state):
    A, g = state.get("A"), x["dLdA"]
    if A is None:
        return {}
    return {"dLdZ": [("you used only the diagonal of the Jacobian, A (1 - A); softmax is a vector "
                      "activation: every output depends on every input (eq. 9.1)", g * A * (1 - A))]}


# ---- losses ---------------------------------------------------------------------------------
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


# ---- SGD ------------------------------------------------------------------------------------
def _make_sgd(momentum):
    def make(rng, hidden):
        shapes = [(3, 4), (2, 1)] if hidden else [(3, 4)]
        return [{"W": rng.standard_normal((o, i)), "b": rng.standard_normal(o),
                 "dW": rng.standard_normal((3, o, i)), "db": rng.standard_normal((3, o)),
                 "lr": np.float64(0.1 if not hidden else rng.uniform(0.01, 0.5)),
                 "momentum": np.float64(momentum)} for o, i in shapes]
    return make


def _run_sgd(mt, x, state):
    """Three steps, each with fresh gradients. Its state (kept for the hints only) is the result."""
    layer = _linear(mt, x)
    opt = mt.optim.SGD(layer.parameters(), lr=float(x["lr"]), momentum=float(x["momentum"]))
    for dW, db in zip(x["dW"], x["db"]):
        layer.dLdW, layer.dLdb = dW.copy(), db.copy()
        opt.step()
    return {"W": layer.W, "b": layer.b}, {"W": np.array(layer.W), "b": np.array(layer.b)}


# ---- Sequential: graded with stand-in layers, so it does not depend on the student's layers
class _MatMul:
    """A stand-in layer: Z = A M, dL/dA = dL/dZ M^T."""

    def __init__(self, M):
        self.M = M

    def forward(self, A):
        return A @ self.M

    def backward(self, dLdZ):
        return dLdZ @ self.M.T

    def parameters(self):
        return []


def _make_sequential(rng, hidden):
    # square layers: running them in the wrong order gives wrong values, not a shape error
    dims = [[3, 3, 3], [4, 4, 4, 4]] if hidden else [[2, 2, 2]]
    cases = []
    for d in dims:
        case = {"X": rng.standard_normal((3, d[0])), "dLdY": rng.standard_normal((3, d[-1]))}
        case.update({f"M{k}": rng.standard_normal((a, b)) for k, (a, b) in enumerate(zip(d[:-1], d[1:]))})
        cases.append(case)
    return cases


def _sequential(mt, x):
    return mt.nn.Sequential(*[_MatMul(x[f"M{k}"]) for k in range(sum(key.startswith("M") for key in x))])


def _run_sequential_forward(mt, x, state):
    return {"Y": _sequential(mt, x).forward(x["X"].copy())}, {}


def _sequential_mistakes(x, state):
    Ms = [x[f"M{k}"] for k in range(sum(key.startswith("M") for key in x))]
    forward_order = x["dLdY"]
    for M in Ms:
        forward_order = forward_order @ M.T
    return {"dLdX": [("backward ran the layers in forward order; it must run them in reverse order",
                      forward_order)]}


def _sgd_mistakes(x, state):
    """Stepping uphill (w + lr v: the reference's step, reversed) and, with momentum, ignoring it."""
    out = {name: [("you step uphill: gradient descent subtracts, w -= lr * g (eq. 6.1)",
                   2 * x[name] - state[name])] for name in ("W", "b") if name in state}
    if float(x["momentum"]):
        out.setdefault("W", []).append(("your update ignores the momentum: v = momentum * v + g, then "
                                        "w -= lr * v", x["W"] - float(x["lr"]) * x["dW"].sum(axis=0)))
    return out


def _run_sequential_backward(mt, x, state):
    return {"dLdX": _sequential(mt, x).backward(x["dLdY"].copy())}, {}


# ---- an MLP of the student's own layers, end to end ------------------------------------------
ACTIVATION_CLASSES = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "identity": "Identity"}


def _make_network(rng, hidden):
    """MLPs of one Linear, 2 and 4 hidden layers (visible: 3), mixed activations,
    with the gradients of three backward passes and a learning rate for one step between them."""
    # every activation that caches (sigmoid, tanh, relu) twice in one network: a cache shared
    # between instances of a class then shows
    nets = ([([3, 2], []), ([4, 6, 5, 3], ["relu", "relu"]),
             ([5, 4, 4, 4, 4, 2], list(rng.permutation(["sigmoid", "tanh", "sigmoid", "tanh"])))]
            if hidden else [([4, 5, 5, 5, 3], ["sigmoid", "tanh", "sigmoid"])])
    cases = []
    for sizes, f in nets:
        n = int(rng.integers(2, 6)) if hidden else 3
        case = {"f": np.array(f, dtype=str), "lr": np.float64(0.1),
                "X1": rng.standard_normal((n, sizes[0])), "X2": rng.standard_normal((n + 1, sizes[0]))}
        for k, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            case[f"W{k}"], case[f"b{k}"] = rng.standard_normal((d_out, d_in)), rng.standard_normal(d_out)
        for g, rows in [("g1", n), ("g2", n), ("g3", n + 1)]:
            case[g] = rng.standard_normal((rows, sizes[-1]))
        cases.append(case)
    return cases


def _run_network(mt, x, state):
    """forward X1; backward g1; backward g2 (from the same forward); one SGD step done here,
    in place; forward X2; backward g3. Every output and every gradient of each pass is kept:
    a layer right alone but wrong in a network (a cache shared between layers, gradients added
    up instead of overwritten, a cache changed in place by backward, parameter arrays shared)
    gets some of them wrong."""
    depth = sum(key.startswith("W") for key in x)
    layers = []
    for k in range(depth):
        linear = mt.nn.Linear(*x[f"W{k}"].shape[::-1])
        linear.W, linear.b = x[f"W{k}"].copy(), x[f"b{k}"].copy()
        layers.append(linear)
        if k < depth - 1:
            layers.append(getattr(mt.nn, ACTIVATION_CLASSES[str(x["f"][k])])())
    net, linears, out = mt.nn.Sequential(*layers), layers[::2], {}

    def gradients(tag):
        for k, linear in enumerate(linears):
            out[f"{tag}/dLdW{k}"] = np.array(linear.dLdW, dtype=float)
            out[f"{tag}/dLdb{k}"] = np.array(linear.dLdb, dtype=float)
    out["Y1"] = np.array(net.forward(x["X1"].copy()), dtype=float)
    out["dLdX1"] = np.array(net.backward(x["g1"].copy()), dtype=float)
    gradients("pass1")
    out["dLdX2"] = np.array(net.backward(x["g2"].copy()), dtype=float)
    gradients("pass2")
    for linear in linears:
        linear.W -= float(x["lr"]) * linear.dLdW
        linear.b -= float(x["lr"]) * linear.dLdb
    out["Y2"] = np.array(net.forward(x["X2"].copy()), dtype=float)
    out["dLdX3"] = np.array(net.backward(x["g3"].copy()), dtype=float)
    gradients("pass3")
    return out, {k: v for k, v in out.items() if k.startswith("pass")}


def _network_mistakes(x, state):
    """Gradients added up: the second pass's dLdW is the sum of the first two."""
    hint = ("the second backward's gradients are the sum of both: backward must overwrite "
            "dLdW and dLdb (self.dLdW = ...), never add to them")
    return {k: [(hint, state[k] + state[k.replace("pass2", "pass1")])]
            for k in state if k.startswith("pass2/")}


# ---- unit by unit (eqs. 8.1-8.5, lectures/05_backprop.ipynb) ----------------------------------
ACTIVATION_NAMES = np.array(["identity", "sigmoid", "tanh", "relu"])


def _make_unitwise(rng, hidden):
    nets = [[3, 4, 3, 2], [2, 5, 1], [4, 3, 3, 3, 2]] if hidden else [[2, 3, 2]]
    cases = []
    for sizes in nets:
        case = {"x": rng.standard_normal(sizes[0]), "dDiv_dY": rng.standard_normal(sizes[-1]),
                "f": rng.choice(ACTIVATION_NAMES, len(sizes) - 1) if hidden else
                np.array(["sigmoid", "identity"])}
        for k, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            case[f"W{k}"], case[f"b{k}"] = rng.standard_normal((d_out, d_in)), rng.standard_normal(d_out)
        cases.append(case)
    return cases


def _network(x):
    layers = sum(key.startswith("W") for key in x)
    w = [None] + [x[f"W{k}"].T.tolist() for k in range(1, layers + 1)]   # w[k][i][j] = W[j, i]
    b = [None] + [x[f"b{k}"].tolist() for k in range(1, layers + 1)]
    return w, b, [None] + [str(s) for s in x["f"]]


def _flat(nested):
    return np.array([v for layer in nested[1:] for row in layer
                     for v in (row if isinstance(row, list) else [row])], dtype=float)


def _by_layer(name, nested, layers):
    """{"name[k]": array of nested[k]} for k = 1..layers: an output per layer, in the student's own
    indexing (dw[k] is (D_{k-1}, D_k), as w[k][i][j]), so that a wrong entry is reported as
    dw[k] at (i, j), and a layer stored transposed shows as its own shape."""
    return {f"{name}[{k}]": np.array(nested[k], dtype=float) for k in range(1, layers + 1)}


def _run_unitwise_forward(mt, x, state):
    w, b, f = _network(x)
    z, y = mt.unitwise.forward(w, b, f, x["x"].tolist())
    layers = len(w) - 1
    return {**_by_layer("z", z, layers), **_by_layer("y", y, layers)}, {}


def _split(flat, sizes):
    out, start = [None], 0
    for s in sizes:
        out.append(list(map(float, flat[start:start + s])))
        start += s
    return out


class _Net:
    """unitwise's forward state, the lists z and y, as an instance _backward_case can run."""

    def __init__(self, mt, x):
        self.mt, self.x, (self.w, self.b, self.f) = mt, x, _network(x)
        self.sizes = [len(layer) for layer in self.b[1:]]

    def forward(self):
        self.z, self.y = self.mt.unitwise.forward(self.w, self.b, self.f, self.x["x"].tolist())
        return {**_by_layer("z", self.z, len(self.sizes)), **_by_layer("y", self.y, len(self.sizes))}

    def backward(self):
        dw, db, dy0 = self.mt.unitwise.backward(self.w, self.f, self.z, self.y, self.x["dDiv_dY"].tolist())
        return {**_by_layer("dw", dw, len(self.sizes)), **_by_layer("db", db, len(self.sizes)),
                "dy0": np.array(dy0, dtype=float)}

    def state(self):          # y with the input first, as stored with the references
        return {"z": _flat(self.z), "y": np.concatenate([self.x["x"], _flat(self.y)])}

    def set_state(self, state):
        x0 = self.x["x"]
        self.z = _split(state["z"], self.sizes)
        self.y = [list(map(float, x0))] + _split(state["y"][len(x0):], self.sizes)[1:]


def _run_unitwise_backward(mt, x, state):
    return _backward_case(lambda: _Net(mt, x), _Net.forward, _Net.backward, state,
                          _Net.state, _Net.set_state)


def _unitwise_mistakes(x, state):
    """dw[k] transposed: each layer's expected dw[k] with its two indices swapped (eq. 8.3)."""
    hint = ("dw[k] is the transpose of the expected one: dw[k][i][j] = dDiv/dw_ij = y_i^(k-1) dDiv/dz_j "
            "(eq. 8.3) is indexed like w[k][i][j], i over layer k-1's units (rows), j over layer k's")
    return {f"dw[{k}]": [(hint, np.transpose)] for k in range(1, sum(key.startswith("W") for key in x) + 1)}


# ---- notebook 1: optimisation (eqs. 2.1-2.6, lectures/01_risk_and_minimisation.ipynb) -------
def _answer(ns, name):
    """The notebook's function `name`; if its cell never defined it (not run, or it still raises
    the stub's NotImplementedError before the def), a NameError that says so, not a KeyError."""
    if name not in ns:
        raise NameError(f"{name}() is not defined: answer the cell that defines it and run it "
                        f"(a cell that still raises NotImplementedError stops before its def)")
    return ns[name]


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


# ---- notebook 3: three conceptual questions, answered in code ------------------------------
# Each is judged on hidden inputs, so it is answered by computing, not by remembering a number.
# The reference's outputs double as the "state" the hints compare against (`_state_is_output`):
# a hint names a mistake by how far the answer is from the expected one, without its formula.
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


# ---- notebook 3: training, graded on learning ------------------------------------------------
# The grader calls the student's train() on a split it draws, with an rng it seeds, and keeps
# the learned weights; those are run through the REFERENCE forward pass on digits the student's
# code never saw (grading/learned.py). So a "model" that looks the labels up, or a classifier
# wrapped in a mytorch class, earns nothing: only weights that classify do. Points are linear
# in the test accuracy, from TRAINING_ZERO (none) to TRAINING_FULL (all).
TRAINING_FULL, TRAINING_ZERO = 0.93, 0.83
LAYERS = ("Linear", "ReLU", "Sigmoid", "Tanh", "Identity", "Softmax")


def _make_training(rng, hidden):
    seed = int(rng.integers(2 ** 31)) if hidden else 0
    train, val, test = split_indices(seed)
    case = {"train": train, "val": val, "seed": np.int64(seed)}
    if not hidden:            # the public split: the student's own forward predicts, here only
        case["test"] = test
    return [case]


def _layers(ns, model):
    """The mytorch layers of a trained model: (class names, the model's layers), or TypeError."""
    mt = ns.get("mytorch")
    if isinstance(model, tuple) and model:
        model = model[0]                      # train() returns (model, history)
    if mt is None or not isinstance(model, mt.nn.Sequential):
        raise TypeError(f"train() must return (model, history) with model a mytorch.nn.Sequential "
                        f"(mytorch.models.MLP is one) of your mytorch layers; got {type(model).__name__}")
    names = []
    for layer in model.layers:
        kinds = [k for k in LAYERS if isinstance(layer, getattr(mt.nn, k))]
        if not kinds:
            raise TypeError(f"the model holds a {type(layer).__name__}; only mytorch layers "
                            f"{', '.join(LAYERS)} can be graded")
        names.append(kinds[0])
    return names, model


def _run_training(ns, x, state):
    """train() on the case's split; returns the layer names and learned W{k}, b{k} of each Linear
    (and, on the public split only, the student's own predictions on its test digits)."""
    X, y = digits()
    rows = [(X[x[k]].copy(), y[x[k]].copy()) for k in ("train", "val")]
    trained = _answer(ns, "train")(*rows[0], *rows[1], np.random.default_rng(int(x["seed"])))
    names, model = _layers(ns, trained)
    out = {"layers": np.array(names, dtype=str)}
    for k, (name, layer) in enumerate(zip(names, model.layers)):
        if name == "Linear":
            out[f"W{k}"], out[f"b{k}"] = np.asarray(layer.W, dtype=float), np.asarray(layer.b, dtype=float)
    if "test" in x:
        out["predictions"] = np.argmax(model.forward(X[x["test"]].copy()), axis=1)
    return out, {}


def _training_truth(x):
    """Visible: the public test labels. Hidden: the test rows (secret), which the grader predicts."""
    if "test" in x:
        return {"predictions": digits()[1][x["test"]]}
    return {"test": split_indices(int(x["seed"]))[2]}


def _judge_training(out, expected):
    """(Verdict, fraction of the points) of one training case."""
    from .compare import Verdict
    if "test" in expected:                    # hidden: never the kernel's own predictions
        from ..grading.learned import predict
        X, y = digits()
        try:
            got, labels = predict(out, X[expected["test"]]), y[expected["test"]]
        except ValueError as e:
            return Verdict("accuracy", False, f"the trained model could not be evaluated: {e}"), 0.0
    else:
        got, labels = out.get("predictions"), expected["predictions"]
        got = np.asarray(got) if got is not None else np.zeros(0)
    if got.shape != labels.shape:
        return Verdict("accuracy", False, f"expected {labels.shape[0]} predicted classes, got shape {got.shape}"), 0.0
    accuracy = float(np.mean(got == labels))
    fraction = float(np.clip((accuracy - TRAINING_ZERO) / (TRAINING_FULL - TRAINING_ZERO), 0, 1))
    return Verdict("accuracy", fraction == 1,
                   f"test accuracy {accuracy:.3f} on {len(labels)} digits the training never saw: "
                   f"{fraction:.0%} of the points (none at {TRAINING_ZERO}, all from {TRAINING_FULL})"), fraction


# The registry of graded parts, one entry each: its grade cell's id, its notebook, points,
# the title the tables show, and how its cases are made, run and compared. Everything else
# (parts.BY_ID, NOTEBOOKS, TOTAL, the notebooks' points, the README's table) derives from it.
PARTS = [
    Part("opt_critical", NB_OPT, 4, "critical points and the second-derivative test",
         Spec(_make_critical, _run_critical)),
    Part("opt_hessian", NB_OPT, 4, "Hessian and classifying critical points of f(x, y)",
         Spec(_make_hessian, _run_hessian, rtol=1e-4)),
    Part("opt_gd", NB_OPT, 4, "gradient descent with its two stopping rules",
         Spec(_make_gd, _run_gd)),
    Part("linear_forward", NB_MYTORCH, 3, "Linear.forward",
         Spec(_make_linear, _run_linear_forward)),
    Part("linear_backward", NB_MYTORCH, 5, "Linear.backward (dLdA, dLdW, dLdb)",
         Spec(_make_linear, _run_linear_backward, stateful=True)),
    Part("identity_forward", NB_MYTORCH, 1, "Identity.forward",
         Spec(_make_activation(False), _run_activation_forward("Identity"))),
    Part("identity_backward", NB_MYTORCH, 1, "Identity.backward",
         Spec(_make_activation(False), _run_activation_backward("Identity"), stateful=True)),
    Part("sigmoid_forward", NB_MYTORCH, 1, "Sigmoid.forward",
         Spec(_make_activation(True), _run_activation_forward("Sigmoid"))),
    Part("sigmoid_backward", NB_MYTORCH, 3, "Sigmoid.backward",
         Spec(_make_activation(True), _run_activation_backward("Sigmoid"),
              mistakes=_sigmoid_mistakes, stateful=True)),
    Part("tanh_forward", NB_MYTORCH, 1, "Tanh.forward",
         Spec(_make_activation(True), _run_activation_forward("Tanh"))),
    Part("tanh_backward", NB_MYTORCH, 3, "Tanh.backward",
         Spec(_make_activation(True), _run_activation_backward("Tanh"),
              mistakes=_tanh_mistakes, stateful=True)),
    Part("relu_forward", NB_MYTORCH, 1, "ReLU.forward",
         Spec(_make_activation(False), _run_activation_forward("ReLU"))),
    Part("relu_backward", NB_MYTORCH, 3, "ReLU.backward",
         Spec(_make_activation(False), _run_activation_backward("ReLU"),
              mistakes=_relu_mistakes, stateful=True)),
    Part("softmax_forward", NB_MYTORCH, 2, "Softmax.forward",
         Spec(_make_activation(True), _run_activation_forward("Softmax"))),
    Part("softmax_backward", NB_MYTORCH, 5, "Softmax.jacobian and Softmax.backward",
         Spec(_make_activation(True), _run_activation_backward("Softmax"),
              mistakes=_softmax_mistakes, stateful=True)),
    Part("mse_forward", NB_MYTORCH, 1, "MSELoss.forward",
         Spec(_make_loss("mse"), _run_loss_forward("MSELoss"))),
    Part("mse_backward", NB_MYTORCH, 3, "MSELoss.backward",
         Spec(_make_loss("mse"), _run_loss_backward("MSELoss"), stateful=True)),
    Part("bce_forward", NB_MYTORCH, 2, "BCELoss.forward",
         Spec(_make_loss("bce"), _run_loss_forward("BCELoss"))),
    Part("bce_backward", NB_MYTORCH, 3, "BCELoss.backward",
         Spec(_make_loss("bce"), _run_loss_backward("BCELoss"), stateful=True)),
    Part("ce_forward", NB_MYTORCH, 3, "CrossEntropyLoss.forward (with label smoothing)",
         Spec(_make_loss("ce"), _run_loss_forward("CrossEntropyLoss"), mistakes=_ce_mistakes)),
    Part("ce_backward", NB_MYTORCH, 4, "CrossEntropyLoss.backward (with label smoothing)",
         Spec(_make_loss("ce"), _run_loss_backward("CrossEntropyLoss"), mistakes=_ce_mistakes,
              stateful=True)),
    Part("sgd_step", NB_MYTORCH, 3, "SGD.step without momentum",
         Spec(_make_sgd(0.0), _run_sgd, mistakes=_sgd_mistakes)),
    Part("sgd_momentum", NB_MYTORCH, 3, "SGD.step with momentum",
         Spec(_make_sgd(0.9), _run_sgd, mistakes=_sgd_mistakes)),
    Part("sequential_forward", NB_MYTORCH, 1, "Sequential.forward",
         Spec(_make_sequential, _run_sequential_forward)),
    Part("sequential_backward", NB_MYTORCH, 3, "Sequential.backward",
         Spec(_make_sequential, _run_sequential_backward, mistakes=_sequential_mistakes)),
    Part("unitwise_forward", NB_MYTORCH, 3, "unitwise.forward (slides' forward pass)",
         Spec(_make_unitwise, _run_unitwise_forward)),
    Part("unitwise_backward", NB_MYTORCH, 5, "unitwise.derivative and unitwise.backward",
         Spec(_make_unitwise, _run_unitwise_backward, mistakes=_unitwise_mistakes, stateful=True)),
    Part("network", NB_MYTORCH, 10, "an MLP of your layers, end to end: every output and gradient",
         Spec(_make_network, _run_network, mistakes=_network_mistakes, advice=(
             "layers that pass alone can fail together: look for a cache shared between instances (a "
             "class attribute or a global), a backward that changes in place what forward cached "
             "(self.A **= 2; the next Linear cached the same array), or gradients added up instead of "
             "overwritten. The outputs tell the pass: Y1, dLdX1, pass1/ (one forward and backward), "
             "dLdX2, pass2/ (a second backward from the same forward), Y2, dLdX3, pass3/ (after a step)"))),
    Part("training", NB_TRAIN, 10, "train(): an MLP trained on digits, 93% on unseen ones for all points",
         Spec(_make_training, _run_training, judge_case=_judge_training, truth=_training_truth)),
    # Last in the list though they follow training in its notebook: a part's cases are drawn from
    # its index (references.build), so appending leaves every other part's cases as they were.
    Part("concept_zero_one", NB_TRAIN, 2, "zero_one_staircase: where the 0/1 error steps, and its steps",
         Spec(_make_zero_one, _run_zero_one, mistakes=_zero_one_mistakes, advice=(
             "between two consecutive steps no prediction changes; evaluate the error once inside each "
             "piece (at its middle, say), from a to the first step, between steps, and from the last to b"))),
    Part("concept_smoothing", NB_TRAIN, 2,
         "smoothed_ce_optimum_gap: the logit gap at cross-entropy's minimum",
         Spec(_make_smoothing, _run_smoothing, mistakes=_smoothing_mistakes, advice=(
             "at the minimum the gradient p - target (5.8) is zero, so softmax(z) equals the smoothed "
             "target, and z_c - z_j = log(p_c / p_j); with alpha = 0 that never happens: return np.inf"))),
    Part("concept_assumptions", NB_TRAIN, 1,
         "broken_assumption: which of the three assumptions (slides 153-154) an operation breaks",
         Spec(_make_assumptions, _run_assumptions, advice=(
             "1: a unit's output reaches the other units of its own layer (a vector activation); 2: unit "
             "outputs combine by something other than weighted addition (a product); 3: an activation "
             "has a point without a derivative (a kink or a jump); 0: none of them"))),
]
