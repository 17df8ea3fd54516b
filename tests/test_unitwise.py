"""unitwise (eqs. 8.1-8.5, scalar loops) agrees with the vector library, unit by unit."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from testing import SETTINGS, assert_close, seeds

NAMES = ["identity", "sigmoid", "tanh", "relu"]
CLASSES = {"identity": "Identity", "sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}


@st.composite
def networks(draw):
    """Widths D_0..D_L (depth 1-4, widths 1-5), one activation name per layer, and a seed."""
    depth = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 5), min_size=depth + 1, max_size=depth + 1))
    acts = draw(st.lists(st.sampled_from(NAMES), min_size=depth, max_size=depth))
    return widths, acts, draw(seeds)


def build(mt, widths, acts, seed):
    rng = np.random.default_rng(seed)
    linears = [mt.nn.Linear(a, b, rng=rng) for a, b in zip(widths[:-1], widths[1:])]
    for L in linears:                  # wider than the default init: units saturate, ReLUs die
        L.W, L.b = 2 * L.W, 2 * L.b
    funcs = [getattr(mt.nn, CLASSES[f])() for f in acts]
    return linears, funcs, rng


def close(name, got, expected):
    # floor 1e-6: sums of O(1) terms can cancel to ~1e-10, known only to ~1e-16 absolutely
    assert_close(name, np.array(got, dtype=np.float64), expected, tol=1e-9, floor=1e-6)


@SETTINGS
@given(net=networks())
def test_forward_and_backward_agree_with_the_vector_library(mt, net):
    widths, acts, seed = net
    linears, funcs, rng = build(mt, widths, acts, seed)
    x = rng.standard_normal(widths[0])
    dDiv_dY = rng.standard_normal(widths[-1])

    # vector form, a batch of one example
    Zs, As, A = [], [], x[None, :]
    for L, f in zip(linears, funcs):
        Zs.append(L.forward(A))
        A = f.forward(Zs[-1])
        As.append(A)
    dA = dDiv_dY[None, :]
    for L, f in zip(reversed(linears), reversed(funcs)):
        dA = L.backward(f.backward(dA))

    w, b, fs = mt.unitwise.from_linear(linears, acts)
    z, y = mt.unitwise.forward(w, b, fs, list(x))
    assert z[0] is None and y[0] == list(x)
    for k in range(1, len(widths)):
        close(f"z[{k}] (eq. 8.1) vs Z of layer {k}", z[k], Zs[k - 1][0])
        close(f"y[{k}] vs A of layer {k} ({acts[k - 1]})", y[k], As[k - 1][0])

    dw, db, dy0 = mt.unitwise.backward(w, fs, z, y, list(dDiv_dY))
    for k, L in enumerate(linears, start=1):
        # dw[k][i][j] is dDiv/dw_ij, and Linear.W[j, i] is w_ij: compare with dLdW transposed
        close(f"dw[{k}][i][j] vs Linear.dLdW[j, i]", dw[k], L.dLdW.T)
        close(f"db[{k}] vs Linear.dLdb", db[k], L.dLdb)
    close("dDiv/dx vs dL/dX", dy0, dA[0])


@SETTINGS
@given(net=networks(), T=st.integers(2, 4))
def test_per_example_gradients_sum_to_the_batch_gradient(mt, net, T):
    """Layers sum over the batch (no 1/N): batch dLdW = sum of the T per-example dw (eq. 6.2)."""
    widths, acts, seed = net
    linears, funcs, rng = build(mt, widths, acts, seed)
    X, G = rng.standard_normal((T, widths[0])), rng.standard_normal((T, widths[-1]))
    A = X
    for L, f in zip(linears, funcs):
        A = f.forward(L.forward(A))
    dA = G
    for L, f in zip(reversed(linears), reversed(funcs)):
        dA = L.backward(f.backward(dA))
    w, b, fs = mt.unitwise.from_linear(linears, acts)
    total_dw = [np.zeros_like(L.W.T) for L in linears]
    total_db = [np.zeros_like(L.b) for L in linears]
    for t in range(T):
        z, y = mt.unitwise.forward(w, b, fs, list(X[t]))
        dw, db, dy0 = mt.unitwise.backward(w, fs, z, y, list(G[t]))
        close(f"dDiv_{t}/dx", dy0, dA[t])
        for k in range(len(linears)):
            total_dw[k] += np.array(dw[k + 1])
            total_db[k] += np.array(db[k + 1])
    for k, L in enumerate(linears):
        close(f"sum_t dw[{k + 1}] vs batch dLdW^T", total_dw[k], L.dLdW.T)
        close(f"sum_t db[{k + 1}] vs batch dLdb", total_db[k], L.dLdb)


def test_from_linear_indexes_weights_as_the_slides(mt):
    L = mt.nn.Linear(2, 3)
    L.W = np.arange(6.0).reshape(3, 2)           # W[j, i]
    L.b = np.array([7.0, 8.0, 9.0])
    w, b, f = mt.unitwise.from_linear([L], ["tanh"])
    assert w[0] is None and b[0] is None and f == [None, "tanh"]
    assert w[1] == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]], f"w[1][i][j] should be W[j, i], got {w[1]}"
    assert b[1] == [7.0, 8.0, 9.0]


def test_a_two_unit_network_worked_by_hand(mt):
    """x = (1, 2); z = 0.5*1 - 1*2 + 1 = -0.5; relu -> 0; then identity output 3*0 + 0.25."""
    w = [None, [[0.5], [-1.0]], [[3.0]]]
    b = [None, [1.0], [0.25]]
    f = [None, "relu", "identity"]
    z, y = mt.unitwise.forward(w, b, f, [1.0, 2.0])
    assert z == [None, [-0.5], [0.25]] and y == [[1.0, 2.0], [0.0], [0.25]]
    dw, db, dy0 = mt.unitwise.backward(w, f, z, y, [1.0])
    assert dw[2] == [[0.0]] and db[2] == [1.0]              # y^(1) = 0, dz^(2) = 1
    assert dw[1] == [[0.0], [0.0]] and db[1] == [0.0]        # the dead ReLU stops the gradient
    assert dy0 == [0.0, 0.0]


@pytest.mark.parametrize("name, z, expected", [
    ("identity", 3.0, 1.0), ("sigmoid", 0.0, 0.25), ("tanh", 0.0, 1.0),
    ("tanh", math.log(2.0), 0.64), ("relu", 2.0, 1.0), ("relu", -2.0, 0.0), ("relu", 0.0, 0.0),
])
def test_derivative_from_the_stored_forward_values(mt, name, z, expected):
    y = mt.unitwise.ACTIVATIONS[name](z)
    assert mt.unitwise.derivative(name, z, y) == pytest.approx(expected, abs=1e-15)


def test_sigmoid_is_stable_for_large_inputs(mt):
    s = mt.unitwise.ACTIVATIONS["sigmoid"]
    assert s(1e4) == 1.0 and s(-1e4) == 0.0 and s(0.0) == 0.5


def test_unknown_activation_is_named(mt):
    with pytest.raises(ValueError, match=r"unitwise: unknown activation 'softplus'; choose one of"):
        mt.unitwise.derivative("softplus", 0.0, 0.0)
