"""Sequential's forward and backward, graded with stand-in layers (`_MatMul`), so that they do
not depend on the student's layers.
"""


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


def _run_sequential_backward(mt, x, state):
    return {"dLdX": _sequential(mt, x).backward(x["dLdY"].copy())}, {}
