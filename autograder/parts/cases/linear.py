"""Linear's forward and backward parts."""
from .spec import _arrays, _backward_case


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
