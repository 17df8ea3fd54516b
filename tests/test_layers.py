"""Linear and the activations: hand-worked values, finite differences, properties, repr."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from testing import (SETTINGS, arrays, assert_close, away_from_kinks, batch_shapes,
                     check_layer, floats, matrices, numerical_gradient, seeds)

SCALAR = ["Identity", "Sigmoid", "Tanh", "ReLU"]


# -- closed forms worked by hand ------------------------------------------------------
def test_linear_on_a_2x2_example_worked_by_hand(mt):
    layer = mt.nn.Linear(2, 2)
    layer.W = np.array([[1.0, 2.0], [3.0, 4.0]])       # W[j, i] = w_ij
    layer.b = np.array([0.5, -1.0])
    A = np.array([[1.0, 2.0], [3.0, -1.0]])
    # z_j = sum_i w_ij a_i + b_j: row 0 gives 1+4+0.5 and 3+8-1; row 1 gives 3-2+0.5 and 9-4-1
    assert_close("Z", layer.forward(A), [[5.5, 10.0], [1.5, 4.0]])
    dLdZ = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert_close("dLdA = dLdZ W", layer.backward(dLdZ), [[1.0, 2.0], [6.0, 8.0]])
    assert_close("dLdW = dLdZ^T A", layer.dLdW, [[1.0, 2.0], [6.0, -2.0]])
    assert_close("dLdb = column sums of dLdZ", layer.dLdb, [1.0, 2.0])


def test_linear_does_not_divide_by_the_batch_size(mt):
    """The scaling rule: stacking a batch twice doubles dLdW and dLdb (sums, not means)."""
    rng = np.random.default_rng(1)
    layer = mt.nn.Linear(3, 2, rng=rng)
    A, G = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    layer.forward(A)
    layer.backward(G)
    dW, db = layer.dLdW.copy(), layer.dLdb.copy()
    layer.forward(np.vstack([A, A]))
    layer.backward(np.vstack([G, G]))
    assert_close("dLdW of the doubled batch", layer.dLdW, 2 * dW)
    assert_close("dLdb of the doubled batch", layer.dLdb, 2 * db)


@pytest.mark.parametrize("name, z, a, slope", [
    ("Identity", -3.0, -3.0, 1.0),
    ("Sigmoid", 0.0, 0.5, 0.25),
    ("Sigmoid", np.log(3.0), 0.75, 0.75 * 0.25),
    ("Tanh", 0.0, 0.0, 1.0),
    ("Tanh", np.log(2.0), 0.6, 1 - 0.36),         # tanh(ln 2) = (2 - 1/2) / (2 + 1/2)
    ("ReLU", 2.0, 2.0, 1.0),
    ("ReLU", -2.0, 0.0, 0.0),
    ("ReLU", 0.0, 0.0, 0.0),                       # subgradient 0 at the kink, as torch
])
def test_scalar_activation_values_and_slopes(mt, name, z, a, slope):
    f = getattr(mt.nn, name)()
    assert_close(f"{name}({z})", f.forward(np.array([z])), [a])
    assert_close(f"{name}'({z}) * 1", f.backward(np.array([1.0])), [slope])


def test_softmax_worked_by_hand(mt):
    f = mt.nn.Softmax()
    A = f.forward(np.log(np.array([[1.0, 2.0, 3.0]])))
    assert_close("softmax(log [1, 2, 3])", A, [[1 / 6, 2 / 6, 3 / 6]])
    a = A[0]
    J = np.array([[a[j] * ((i == j) - a[i]) for i in range(3)] for j in range(3)])
    assert_close("Jacobian (eq. 9.2)", f.jacobian()[0], J)
    assert_close("softmax backward of e_0", f.backward(np.array([[1.0, 0.0, 0.0]]))[0], J[0])


# -- finite differences over random shapes and values ----------------------------------
@SETTINGS
@given(X=matrices(), out=st.integers(1, 5), seed=seeds)
def test_linear_matches_finite_differences(mt, X, out, seed):
    layer = mt.nn.Linear(X.shape[1], out, rng=np.random.default_rng(seed))
    assert_close("Z", layer.forward(X), X @ layer.W.T + layer.b)
    check_layer(layer, X, seed)


@pytest.mark.parametrize("name", SCALAR + ["Softmax"])
@SETTINGS
@given(data=st.data())
def test_activation_matches_finite_differences(mt, name, data):
    X = data.draw(batch_shapes().flatmap(arrays))
    if name == "ReLU":
        X = away_from_kinks(X)
    check_layer(getattr(mt.nn, name)(), X, data.draw(seeds))


@SETTINGS
@given(X=batch_shapes().flatmap(arrays))
def test_scalar_activations_match_numpy_forms(mt, X):
    forms = {"Identity": X, "Sigmoid": 1 / (1 + np.exp(-X)), "Tanh": np.tanh(X),
             "ReLU": np.maximum(X, 0)}
    for name, expected in forms.items():
        assert_close(f"{name}.forward", getattr(mt.nn, name)().forward(X), expected)


@SETTINGS
@given(X=matrices())
def test_softmax_jacobian_matches_finite_differences(mt, X):
    f = mt.nn.Softmax()
    f.forward(X)
    J = f.jacobian()
    assert J.shape == X.shape + X.shape[-1:]
    for n in range(X.shape[0]):
        for j in range(X.shape[1]):
            row = X[n].copy()
            numeric = numerical_gradient(lambda: mt.nn.Softmax().forward(row)[j], row)
            assert_close(f"J[{n}][{j}, :] = d a_{j} / d z", J[n, j], numeric)


# -- properties (minitorch style) -----------------------------------------------------
@SETTINGS
@given(X=matrices(lo=-50, hi=50), shift=floats(-100, 100))
def test_softmax_rows_sum_to_one_and_ignore_a_shift(mt, X, shift):
    A = mt.nn.Softmax().forward(X)
    assert np.all(A >= 0), f"softmax gave a negative entry: {A.min()}"
    assert_close("row sums of softmax", A.sum(axis=-1), np.ones(X.shape[0]))
    assert_close("softmax(Z + c)", mt.nn.Softmax().forward(X + shift), A, tol=1e-9, floor=1e-12)


@SETTINGS
@given(X=batch_shapes().flatmap(lambda s: arrays(s, -30, 30)))
def test_sigmoid_is_symmetric(mt, X):
    # sigma(-x) + sigma(x) = 1; sigma(-x) vs 1 - sigma(x) would test the rounding of 1 - s
    total = mt.nn.Sigmoid().forward(-X) + mt.nn.Sigmoid().forward(X)
    assert_close("sigmoid(-x) + sigmoid(x)", total, np.ones_like(X), tol=1e-15, floor=1.0)


@SETTINGS
@given(X=matrices(), seed=seeds)
def test_softmax_backward_is_the_jacobian_transpose_times_g(mt, X, seed):
    f = mt.nn.Softmax()
    f.forward(X)
    G = np.random.default_rng(seed).standard_normal(X.shape)
    dZ, J = f.backward(G), f.jacobian()
    for n in range(X.shape[0]):
        assert_close(f"row {n} of dLdZ vs J^T g", dZ[n], J[n].T @ G[n], tol=1e-9, floor=1e-6)


@SETTINGS
@given(shape=batch_shapes(max_dims=3), seed=seeds)
def test_softmax_normalises_the_last_axis_of_any_shape(mt, shape, seed):
    X = np.random.default_rng(seed).standard_normal(shape)
    A = mt.nn.Softmax().forward(X)
    rows = X.reshape(-1, shape[-1])
    expected = np.exp(rows) / np.exp(rows).sum(axis=1, keepdims=True)
    assert_close("softmax, row by row", A.reshape(-1, shape[-1]), expected)


def test_activation_backward_uses_the_last_forward(mt):
    """A second forward replaces the stored values (no stale cache)."""
    f = mt.nn.Sigmoid()
    f.forward(np.array([0.0]))
    f.forward(np.array([np.log(3.0)]))
    assert_close("sigmoid' after two forwards", f.backward(np.array([1.0])), [0.1875])


# -- repr ------------------------------------------------------------------------------
@pytest.mark.parametrize("make, expected", [
    (lambda nn: nn.Linear(3, 2), "Linear(in_features=3, out_features=2)"),
    (lambda nn: nn.Identity(), "Identity()"),
    (lambda nn: nn.Sigmoid(), "Sigmoid()"),
    (lambda nn: nn.Tanh(), "Tanh()"),
    (lambda nn: nn.ReLU(), "ReLU()"),
    (lambda nn: nn.Softmax(), "Softmax(dim=-1)"),
    (lambda nn: nn.MSELoss(), "MSELoss()"),
    (lambda nn: nn.BCELoss(), "BCELoss()"),
    (lambda nn: nn.CrossEntropyLoss(), "CrossEntropyLoss(label_smoothing=0.0)"),
    (lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), "CrossEntropyLoss(label_smoothing=0.1)"),
    (lambda nn: nn.Sequential(nn.Linear(3, 4), nn.Tanh()),
     "Sequential(\n  (0): Linear(in_features=3, out_features=4)\n  (1): Tanh()\n)"),
    (lambda nn: nn.Linear(2, 1).parameters()[0], "Parameter(Linear.W, shape=(1, 2))"),
])
def test_repr(mt, make, expected):
    assert repr(make(mt.nn)) == expected


def test_a_subclass_repr_shows_its_own_name(mt):
    class Affine(mt.nn.Linear):
        pass
    assert repr(Affine(3, 2)) == "Affine(in_features=3, out_features=2)"
