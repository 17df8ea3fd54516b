"""SGD.step, without and with momentum: three steps of a Linear's parameters."""
import numpy as np

from .linear import _linear


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


def _sgd_mistakes(x, state):
    """Stepping uphill (w + lr v: the reference's step, reversed) and, with momentum, ignoring it."""
    out = {name: [("you step uphill: gradient descent subtracts, w -= lr * g (eq. 6.1)",
                   2 * x[name] - state[name])] for name in ("W", "b") if name in state}
    if float(x["momentum"]):
        out.setdefault("W", []).append(("your update ignores the momentum: v = momentum * v + g, then "
                                        "w -= lr * v", x["W"] - float(x["lr"]) * x["dW"].sum(axis=0)))
    return out
