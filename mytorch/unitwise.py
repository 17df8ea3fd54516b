r"""Backpropagation one unit at a time, exactly as lectures/05_backprop.ipynb writes it (eqs. 8.1-8.5).

Scalars and loops only: the bridge from the slides to the matrix form of
`mytorch.nn`. Layers are numbered as on the slides, k = 1..N, with layer 0 the
input, so every list below has an unused entry 0:

    w[k][i][j]  weight from unit i of layer k-1 to unit j of layer k  (Linear.W[j, i])
    b[k][j]     bias of unit j of layer k
    f[k]        name of layer k's scalar activation: "identity", "sigmoid", "tanh", "relu"

One example at a time (x is a list of D_0 floats), as the slides' loop over t.
Derived in lectures/05_backprop.ipynb; `from_linear` converts a vector model.

Notation: here N is the number of layers, as on the slides, not the batch size as in the rest of
mytorch, and Y is the network's output, y^(N): dDiv_dY is the derivative with respect to it
(NOTATION.md, "Two clashes").
"""
import math


def _sigmoid(z):
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


ACTIVATIONS = {"identity": lambda z: z, "sigmoid": _sigmoid, "tanh": math.tanh,
               "relu": lambda z: max(z, 0.0)}


def derivative(name, z, y):
    """f'(z) of activation `name` from what the forward pass stored: z and y = f(z) (eqs. 8.6-8.8)."""
    # YOUR CODE HERE
    raise NotImplementedError("unitwise.derivative is not implemented yet: see its docstring")
    raise ValueError(f"unitwise: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")


def forward(w, b, f, x):
    r"""Forward pass, eq. (8.1): y^(0) = x; z_j^(k) = sum_i w_ij^(k) y_i^(k-1) + b_j^(k); y_j^(k) = f_k(z_j^(k)).

    w, b, f: as in the module docstring, for layers k = 1..N; x: list of D_0 floats.
    Returns (z, y): lists over layers 0..N of lists over units (z[0] is None, y[0] = x),
    everything backward needs.
    """
    N = len(w) - 1
    z, y = [None], [list(x)]
    # YOUR CODE HERE
    raise NotImplementedError("unitwise.forward is not implemented yet: see its docstring")
    return z, y


def backward(w, f, z, y, dDiv_dY):
    r"""Backward pass, eqs. (8.2)-(8.5), for layers k = N down to 1.

    dDiv_dY: list of D_N floats, dDiv/dy_i^(N) from the divergence.
    For each k:  dz_j = f_k'(z_j^(k)) dy_j^(k)              (8.2)
                 dw_ij^(k) = y_i^(k-1) dz_j                 (8.3)
                 db_j^(k) = dz_j                            (8.4)
                 dy_i^(k-1) = sum_j w_ij^(k) dz_j           (8.5)
    Returns (dw, db, dy0): nested like w and b (entry 0 unused), and dDiv/dx (D_0 floats).
    """
    N = len(w) - 1
    dw, db = [None] * (N + 1), [None] * (N + 1)
    dy = list(dDiv_dY)
    # YOUR CODE HERE
    raise NotImplementedError("unitwise.backward is not implemented yet: see its docstring")
    return dw, db, dy


def from_linear(layers, activations):
    """(w, b, f) for `unitwise` from mytorch Linear layers and activation names, layer by layer."""
    w = [None] + [[[float(L.W[j, i]) for j in range(L.out_features)] for i in range(L.in_features)]
                  for L in layers]
    b = [None] + [[float(v) for v in L.b] for L in layers]
    return w, b, [None] + list(activations)
