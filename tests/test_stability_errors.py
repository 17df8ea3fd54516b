"""Inputs of size 1e4 give finite values and gradients, no warnings; bad inputs, clear errors."""
import re

import numpy as np
import pytest
from hypothesis import given

from testing import SETTINGS, arrays, assert_close, batch_shapes, logits_and_targets, no_warnings

def raises(error, message):
    """pytest.raises for an exact message (no regex)."""
    return pytest.raises(error, match=re.escape(message))


HUGE = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [5e3, 1e4, -3e3]])


def all_finite(name, x):
    x = np.asarray(x)
    bad = np.argwhere(~np.isfinite(x))
    assert bad.size == 0, f"{name}: non-finite value {x[tuple(bad[0])]} at index {tuple(bad[0])}"


# -- stability -------------------------------------------------------------------------
def test_sigmoid_saturates_to_exact_zero_and_one(mt):
    f = mt.nn.Sigmoid()
    with no_warnings():
        A = f.forward(HUGE)
        dZ = f.backward(np.ones_like(HUGE))
    assert_close("sigmoid at +-1e4 and 0", A, np.where(HUGE > 0, 1.0, np.where(HUGE < 0, 0.0, 0.5)),
                 tol=0, floor=1.0)
    assert_close("sigmoid' at +-1e4 and 0", dZ, np.where(HUGE == 0, 0.25, 0.0), tol=0, floor=1.0)


def test_tanh_and_relu_at_1e4(mt):
    with no_warnings():
        for name in ["Tanh", "ReLU", "Identity"]:
            f = getattr(mt.nn, name)()
            all_finite(f"{name}.forward", f.forward(HUGE))
            all_finite(f"{name}.backward", f.backward(np.ones_like(HUGE)))


def test_softmax_at_1e4(mt):
    f = mt.nn.Softmax()
    with no_warnings():
        A = f.forward(HUGE)
        dZ = f.backward(np.ones_like(HUGE))
        J = f.jacobian()
    all_finite("Softmax.forward", A)
    all_finite("Softmax.backward", dZ)
    all_finite("Softmax.jacobian", J)
    assert_close("softmax rows at 1e4", A[1], [0.0, 0.0, 1.0])
    assert_close("softmax row sums at 1e4", A.sum(axis=1), np.ones(3))


@SETTINGS
@given(X=batch_shapes().flatmap(lambda s: arrays(s, -1e4, 1e4)))
def test_sigmoid_and_softmax_are_finite_for_any_input_up_to_1e4(mt, X):
    with no_warnings():
        for f, lo in [(mt.nn.Sigmoid(), 0.0), (mt.nn.Softmax(), 0.0), (mt.nn.Tanh(), -1.0)]:
            A = f.forward(X)
            all_finite(f"{f!r}.forward", A)
            all_finite(f"{f!r}.backward", f.backward(np.ones_like(X)))
            assert np.all((lo <= A) & (A <= 1)), f"{f!r}: output outside [{lo}, 1]: {A}"


@SETTINGS
@given(At=logits_and_targets(), scale=arrays((), 1.0, 1e4))
def test_cross_entropy_is_finite_for_logits_up_to_1e4(mt, At, scale):
    A, y = At
    for alpha in [0.0, 0.1]:
        loss = mt.nn.CrossEntropyLoss(alpha)
        with no_warnings():
            L = loss.forward(A * scale, y)
            dA = loss.backward()
        all_finite("CE value", L)
        all_finite("CE dL/dA", dA)
        assert L >= 0


def test_cross_entropy_at_1e4_worked_by_hand(mt):
    """Logits (1e4, -1e4) with class 1: log-softmax gives -2e4 at the class, so L = 2e4."""
    loss = mt.nn.CrossEntropyLoss()
    with no_warnings():
        L = loss.forward(np.array([[1e4, -1e4]]), np.array([1]))
        dA = loss.backward()
    assert_close("CE", L, 2e4)
    assert_close("dL/dA = softmax - onehot", dA, [[1.0, -1.0]])


def test_bce_on_sigmoid_outputs_of_1e4(mt):
    """sigmoid(+-1e4) is exactly 1 or 0; a wrong one costs 100 (the -100 clamp on each log)."""
    sigmoid, loss = mt.nn.Sigmoid(), mt.nn.BCELoss()
    Z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    Y = np.array([[1.0, 1.0], [0.0, 0.0]])
    with no_warnings():
        A = sigmoid.forward(Z)
        L = loss.forward(A, Y)
        dA = loss.backward()
        dZ = sigmoid.backward(dA)
    assert_close("BCE of (right, wrong, right, wrong)", L, (0 + 100 + 0 + 100) / 4)
    assert_close("dL/dA = (a - y) / max(a (1 - a), 1e-12) / 4", dA,
                 [[0.0, -0.25e12], [0.0, 0.25e12]])
    all_finite("dL/dZ through the saturated sigmoid", dZ)


def test_a_saturated_network_trains_without_warnings(mt):
    """Linear -> Sigmoid -> BCE with pre-activations of 1e4: every gradient stays finite."""
    model = mt.nn.Sequential(mt.nn.Linear(2, 1), mt.nn.Sigmoid())
    model[0].W, model[0].b = np.array([[1e4, -1e4]]), np.array([0.0])
    X, Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), np.array([[0.0], [1.0], [0.5]])
    loss = mt.nn.BCELoss()
    with no_warnings():
        L = loss.forward(model.forward(X), Y)
        model.backward(loss.backward())
        mt.optim.SGD(model.parameters(), lr=0.1).step()
    all_finite("loss", L)
    for k, p in enumerate(model.parameters()):
        all_finite(f"parameter {k}", p.data)
        all_finite(f"gradient {k}", p.grad)


@pytest.mark.parametrize("A, Y, name, found", [
    ([[0.5, 1.5]], [[0.0, 1.0]], "A", "1.5"),
    ([[-0.25, 0.5]], [[0.0, 1.0]], "A", "-0.25"),
    ([[np.nan, 0.5]], [[0.0, 1.0]], "A", "nan"),
    ([[0.5, 0.5]], [[2.0, 1.0]], "Y", "2.0"),
    ([[0.5, 0.5]], [[0.0, -1.0]], "Y", "-1.0"),
])
def test_bce_rejects_values_outside_zero_one(mt, A, Y, name, found):
    with no_warnings(), pytest.raises(ValueError) as err:
        mt.nn.BCELoss().forward(np.array(A), np.array(Y))
    message = str(err.value)
    expected = f"BCELoss().forward: {name} must hold probabilities in [0, 1], found {found}"
    assert message.startswith(expected), message
    assert "logits" in message, message


def test_cross_entropy_rejects_probability_targets_outside_zero_one(mt):
    with raises(ValueError, f"{CE0}.forward: Y must hold probabilities in [0, 1], found 1.5"):
        mt.nn.CrossEntropyLoss().forward(np.zeros((1, 2)), np.array([[1.5, -0.5]]))


# -- errors: every forward and backward names the layer, the expected and the received shape --
def linear(mt):
    return mt.nn.Linear(3, 2)


LAYER = "Linear(in_features=3, out_features=2)"
CE0, CE1 = "CrossEntropyLoss(label_smoothing=0.0)", "CrossEntropyLoss(label_smoothing=0.1)"
ACTS = ["Identity", "Sigmoid", "Tanh", "ReLU", "Softmax"]


@pytest.mark.parametrize("X, message", [
    (np.ones((4, 5)), f"{LAYER}.forward: expected A of shape (N, 3), got shape (4, 5)"),
    (np.ones(3), f"{LAYER}.forward: expected A of shape (N, 3), got shape (3,)"),
    (np.ones((2, 4, 3)), f"{LAYER}.forward: expected A of shape (N, 3), got shape (2, 4, 3)"),
    (np.ones((4, 3), dtype=int),
     f"{LAYER}.forward: A must hold floats (float32 or float64), got dtype int64"),
    ([[1.0, 2.0, 3.0]], f"{LAYER}.forward: A must be a numpy array, got list"),
])
def test_linear_forward_errors(mt, X, message):
    with raises(ValueError, message):
        linear(mt).forward(X)


@pytest.mark.parametrize("G, message", [
    (np.ones((4, 3)), f"{LAYER}.backward: expected dLdZ of shape (4, 2), got shape (4, 3)"),
    (np.ones((5, 2)), f"{LAYER}.backward: expected dLdZ of shape (4, 2), got shape (5, 2)"),
    (np.ones(2), f"{LAYER}.backward: expected dLdZ of shape (4, 2), got shape (2,)"),
    (np.ones((4, 2), dtype=np.int32), f"{LAYER}.backward: dLdZ must hold floats"),
])
def test_linear_backward_errors(mt, G, message):
    layer = linear(mt)
    layer.forward(np.ones((4, 3)))
    with raises(ValueError, message):
        layer.backward(G)


@pytest.mark.parametrize("name", ACTS)
def test_activation_errors(mt, name):
    f = getattr(mt.nn, name)()
    where = repr(getattr(mt.nn, name)())
    with raises(ValueError, f"{where}.forward: expected Z with at least 1 axis, got shape ()"):
        f.forward(np.array(1.0))
    with raises(ValueError, f"{where}.forward: Z must hold floats"):
        f.forward(np.ones((2, 3), dtype=int))
    with raises(ValueError, f"{where}.forward: Z must be a numpy array, got list"):
        f.forward([1.0, 2.0])
    f.forward(np.ones((4, 3)))
    with raises(ValueError, f"{where}.backward: expected dLdA of shape (4, 3), got shape (3, 4)"):
        f.backward(np.ones((3, 4)))
    with raises(ValueError, f"{where}.backward: dLdA must hold floats"):
        f.backward(np.ones((4, 3), dtype=bool))


@pytest.mark.parametrize("make, A, Y, message", [
    (lambda nn: nn.MSELoss(), np.ones((4, 3)), np.ones((4, 2)),
     "MSELoss().forward: expected Y of shape (4, 3), got shape (4, 2)"),
    (lambda nn: nn.MSELoss(), np.ones((4, 3), dtype=int), np.ones((4, 3)),
     "MSELoss().forward: A must hold floats"),
    (lambda nn: nn.BCELoss(), np.full((4, 1), 0.5), np.ones(4),
     "BCELoss().forward: expected Y of shape (4, 1), got shape (4,)"),
    (lambda nn: nn.BCELoss(), np.full((2, 2), 0.5), np.ones((2, 2), dtype=int),
     "BCELoss().forward: Y must hold floats"),
    (lambda nn: nn.CrossEntropyLoss(), np.ones(3), np.array([0]),
     f"{CE0}.forward: expected A of shape (N, C), got shape (3,)"),
    (lambda nn: nn.CrossEntropyLoss(), np.ones((4, 3)), np.array([0, 1, 2]),
     f"{CE0}.forward: expected Y of shape (4,), got shape (3,)"),
    (lambda nn: nn.CrossEntropyLoss(), np.ones((4, 3)), np.ones((4, 2)) / 2,
     f"{CE0}.forward: expected Y of shape (4, 3), got shape (4, 2)"),
    (lambda nn: nn.CrossEntropyLoss(), np.ones((2, 3)), [0, 1],
     f"{CE0}.forward: Y must be a numpy array, got list"),
    (lambda nn: nn.CrossEntropyLoss(), np.ones((2, 3)), np.array([0, 3]),
     f"{CE0}.forward: class indices in Y must be in [0, 2], found 3"),
    (lambda nn: nn.CrossEntropyLoss(0.1), np.ones((2, 3)), np.array([-1, 1]),
     f"{CE1}.forward: class indices in Y must be in [0, 2], found -1"),
    (lambda nn: nn.CrossEntropyLoss(), np.ones((2, 3)), np.array([0.0, 2.0]),
     f"{CE0}.forward: Y of shape (2,) holds class indices but its dtype is float64; convert them "
     f"with Y.astype(int)"),
])
def test_loss_forward_errors(mt, make, A, Y, message):
    with raises(ValueError, message):
        make(mt.nn).forward(A, Y)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Linear(3, 2), lambda nn: nn.Identity(), lambda nn: nn.Sigmoid(),
    lambda nn: nn.Tanh(), lambda nn: nn.ReLU(), lambda nn: nn.Softmax(),
    lambda nn: nn.MSELoss(), lambda nn: nn.BCELoss(), lambda nn: nn.CrossEntropyLoss(),
])
def test_backward_before_forward_is_a_clear_error(mt, make):
    module = make(mt.nn)
    args = () if "Loss" in type(module).__name__ else (np.ones((2, 3)),)
    with raises(RuntimeError, f"{module!r}.backward: call forward before backward"):
        module.backward(*args)


def test_a_forward_that_stores_nothing_is_named_with_its_file(mt):
    """A student's forward that forgets `self.A = A`: the error points at that forward, not only
    at the caller (check did call forward)."""
    layer = mt.nn.Linear(3, 2)
    layer.forward(np.ones((4, 3)))
    layer.A = None
    with raises(RuntimeError, "does Linear.forward in mytorch/nn/linear.py set self.A = ...?"):
        layer.backward(np.ones((4, 2)))


def test_jacobian_before_forward_is_a_clear_error(mt):
    with raises(RuntimeError, "Softmax(dim=-1).jacobian: call forward before backward"):
        mt.nn.Softmax().jacobian()


def test_a_model_names_the_layer_that_got_the_wrong_shape(mt):
    model = mt.models.MLP([3, 4, 2])
    first = "Linear(in_features=3, out_features=4)"
    with raises(ValueError, f"{first}.forward: expected A of shape (N, 3), got shape (5, 4)"):
        model.forward(np.ones((5, 4)))


@pytest.mark.parametrize("make, message", [
    (lambda mt: mt.models.MLP([3, 4, 2], "gelu"),
     "MLP: unknown activation 'gelu'; choose one of ['identity', 'relu', 'sigmoid', 'tanh']"),
    (lambda mt: mt.models.MLP([3]), "MLP: sizes needs an input and an output width, got [3]"),
    (lambda mt: mt.nn.CrossEntropyLoss(label_smoothing=1.5),
     "CrossEntropyLoss: label_smoothing must be in [0, 1], got 1.5"),
    (lambda mt: mt.nn.CrossEntropyLoss(label_smoothing=-0.1),
     "CrossEntropyLoss: label_smoothing must be in [0, 1], got -0.1"),
    (lambda mt: mt.optim.SGD(mt.nn.Linear(2, 2).parameters(), lr=0.0),
     "SGD: lr must be positive, got 0.0"),
    (lambda mt: mt.optim.SGD(mt.nn.Linear(2, 2).parameters(), lr=0.1, momentum=1.0),
     "SGD: momentum must be in [0, 1), got 1.0"),
])
def test_constructor_errors(mt, make, message):
    with raises(ValueError, message):
        make(mt)


def test_float32_inputs_are_accepted(mt):
    X = np.ones((2, 3), dtype=np.float32)
    assert mt.nn.Linear(3, 2).forward(X).shape == (2, 2)
    assert mt.nn.Sigmoid().forward(X).dtype == np.float32


def test_a_layer_defined_in_a_notebook_gets_the_same_error(mt):
    """A class from __main__ (a notebook's cell) has no file: the error says so instead of raising TypeError."""
    namespace = {"__name__": "__main__", "base": mt.nn.Linear}
    exec("class Mine(base):\n    pass\n", namespace)
    layer = namespace["Mine"](3, 2)
    with raises(RuntimeError, "does Mine.forward in your notebook set self.A = ...?"):
        layer.backward(np.ones((4, 2)))
