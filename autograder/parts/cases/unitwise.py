"""The unit-by-unit forward and backward (eqs. 8.1-8.5, lectures/05_backprop.ipynb): the
network as nested lists w[k][i][j], b[k][j], one activation name per layer.
"""
import numpy as np

from .spec import _backward_case


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
