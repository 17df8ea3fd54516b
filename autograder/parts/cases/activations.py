"""The activations' forward and backward parts (Identity, Sigmoid, Tanh, ReLU, Softmax), with
the hints of their common mistakes.
"""
from .spec import STABLE, _arrays, _backward_case, _huge


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
