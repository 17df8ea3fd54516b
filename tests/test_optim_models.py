"""Sequential, models.MLP and optim.SGD: chaining, parameters, updates, training, initialisation."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from testing import FEW, SETTINGS, assert_close, check_layer, seeds


# -- Sequential and MLP ----------------------------------------------------------------
@pytest.mark.parametrize("activation, cls", [
    ("relu", "ReLU"), ("Tanh", "Tanh"), ("SIGMOID", "Sigmoid"), ("identity", "Identity")])
def test_mlp_layers_alternate_linear_and_activation(mt, activation, cls):
    model = mt.models.MLP([3, 5, 4, 2], activation)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Linear", cls, "Linear", cls, "Linear"], kinds
    sizes = [(L.in_features, L.out_features) for L in model.layers[::2]]
    assert sizes == [(3, 5), (5, 4), (4, 2)]
    assert len(model) == 5 and model[0] is model.layers[0]


def test_mlp_takes_an_activation_class_and_defaults_to_relu(mt):
    assert type(mt.models.MLP([2, 3, 1], mt.nn.Tanh)[1]).__name__ == "Tanh"
    assert type(mt.models.MLP([2, 3, 1])[1]).__name__ == "ReLU"
    assert [type(l).__name__ for l in mt.models.MLP([2, 1]).layers] == ["Linear"]


def test_mlp_repr(mt):
    assert repr(mt.models.MLP([3, 4, 2], "tanh")) == (
        "MLP(\n  (0): Linear(in_features=3, out_features=4)\n  (1): Tanh()\n"
        "  (2): Linear(in_features=4, out_features=2)\n)")


def test_parameters_come_in_layer_order_as_w_then_b(mt):
    model = mt.models.MLP([3, 5, 4, 2], "tanh")
    params = model.parameters()
    assert [p.data.shape for p in params] == [(5, 3), (5,), (4, 5), (4,), (2, 4), (2,)]
    linears = model.layers[::2]
    expected = [(L, name) for L in linears for name in ("W", "b")]
    for k, (p, (L, name)) in enumerate(zip(params, expected)):
        assert p.data is getattr(L, name), f"parameter {k} is not layer {L!r}'s {name}"
        assert p.grad is getattr(L, "dLd" + name), f"parameter {k}'s grad is not dLd{name}"


def test_parameter_reads_the_latest_gradient(mt):
    """backward assigns new arrays to dLdW; a Parameter made earlier must still see them."""
    L = mt.nn.Linear(2, 2)
    [pW, pb] = L.parameters()
    L.forward(np.ones((3, 2)))
    L.backward(np.ones((3, 2)))
    assert pW.grad is L.dLdW and pb.grad is L.dLdb
    assert_close("dLdb through the Parameter", pb.grad, [3.0, 3.0])


@SETTINGS
@given(seed=seeds, act=st.sampled_from(["relu", "tanh", "sigmoid", "identity"]),
       N=st.integers(1, 4))
def test_sequential_chains_forward_and_backward(mt, seed, act, N):
    rng = np.random.default_rng(seed)
    model = mt.models.MLP([3, 4, 2], act, rng=rng)
    X, G = rng.standard_normal((N, 3)), rng.standard_normal((N, 2))
    L1, f, L2 = model.layers
    assert_close("MLP forward vs the layers by hand", model.forward(X),
                 L2.forward(f.forward(L1.forward(X))))
    expected = L1.backward(f.backward(L2.backward(G)))
    dW1, dW2 = L1.dLdW.copy(), L2.dLdW.copy()
    model.forward(X)
    assert_close("MLP backward vs the layers in reverse", model.backward(G), expected)
    assert_close("layers[0].dLdW", L1.dLdW, dW1)
    assert_close("layers[2].dLdW", L2.dLdW, dW2)


@FEW
@given(seed=seeds, act=st.sampled_from(["tanh", "sigmoid", "identity"]))
def test_a_whole_model_matches_finite_differences(mt, seed, act):
    rng = np.random.default_rng(seed)
    model = mt.models.MLP([3, 4, 3, 2], act, rng=rng)
    check_layer(model, rng.standard_normal((4, 3)), seed)


def test_the_same_rng_gives_the_same_model(mt):
    a = mt.models.MLP([4, 3, 2], rng=np.random.default_rng(5))
    b = mt.models.MLP([4, 3, 2], rng=np.random.default_rng(5))
    for k, (p, q) in enumerate(zip(a.parameters(), b.parameters())):
        assert np.array_equal(p.data, q.data), f"parameter {k} differs for the same seed"


@pytest.mark.parametrize("in_features", [1, 3, 64])
def test_linear_init_is_uniform_within_one_over_sqrt_in(mt, in_features):
    """torch.nn.Linear's default: W, b ~ U(-1/sqrt(in), 1/sqrt(in)); 2000 draws fill the range."""
    L = mt.nn.Linear(in_features, 2000, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(in_features)
    for name, x in [("W", L.W), ("b", L.b)]:
        assert np.abs(x).max() <= bound, f"{name}: max |{name}| = {np.abs(x).max()} > bound {bound}"
        assert np.abs(x).max() > 0.99 * bound, f"{name} does not reach the bound {bound}"
        assert abs(x.mean()) < 0.1 * bound, f"{name}: mean {x.mean()} is not ~0"
        assert x.var() == pytest.approx(bound ** 2 / 3, rel=0.1), f"{name}: variance {x.var()}"
    assert np.array_equal(L.dLdW, np.zeros((2000, in_features))) and L.dLdb.shape == (2000,)


# -- SGD -------------------------------------------------------------------------------
def layer_with_grads(mt, gW, gb):
    L = mt.nn.Linear(2, 2, rng=np.random.default_rng(0))
    L.dLdW, L.dLdb = np.array(gW, dtype=float), np.array(gb, dtype=float)
    return L


def test_sgd_step_is_w_minus_lr_grad(mt):
    L = layer_with_grads(mt, [[1.0, -2.0], [0.5, 0.0]], [3.0, -1.0])
    W0, b0 = L.W.copy(), L.b.copy()
    mt.optim.SGD(L.parameters(), lr=0.1).step()
    assert_close("W after one step (eq. 6.1)", L.W, W0 - 0.1 * np.array([[1.0, -2.0], [0.5, 0.0]]))
    assert_close("b after one step", L.b, b0 - 0.1 * np.array([3.0, -1.0]))


def test_sgd_updates_in_place(mt):
    L = layer_with_grads(mt, [[1.0, 1.0], [1.0, 1.0]], [1.0, 1.0])
    W = L.W
    mt.optim.SGD(L.parameters(), lr=0.5).step()
    assert L.W is W, "SGD replaced W instead of updating it in place"


def test_sgd_momentum_over_three_steps(mt):
    """torch's rule: v_1 = g_1, v_t = mu v_{t-1} + g_t, w -= lr v_t."""
    L = layer_with_grads(mt, np.zeros((2, 2)), np.zeros(2))
    opt = mt.optim.SGD(L.parameters(), lr=0.1, momentum=0.9)
    grads = [np.array([1.0, -1.0]), np.array([2.0, 0.0]), np.array([0.0, 4.0])]
    b, v = L.b.copy(), None
    for t, g in enumerate(grads):
        L.dLdb = g
        opt.step()
        v = g if v is None else 0.9 * v + g
        b = b - 0.1 * v
        assert_close(f"b after step {t + 1}", L.b, b)
    assert_close("v after three steps", v, 0.81 * grads[0] + 0.9 * grads[1] + grads[2])


def test_sgd_momentum_does_not_alias_the_gradient(mt):
    """The first velocity is a copy: changing the gradient array in place must not change it."""
    L = layer_with_grads(mt, np.ones((2, 2)), np.ones(2))
    opt = mt.optim.SGD(L.parameters(), lr=1.0, momentum=0.5)
    opt.step()
    b1 = L.b.copy()
    L.dLdb[:] = 0.0                       # in place: v must still hold the old gradient
    opt.step()
    assert_close("b after a zero-gradient momentum step", L.b, b1 - 0.5 * 1.0)


def test_zero_grad_zeroes_every_gradient(mt):
    model = mt.models.MLP([3, 4, 2])
    model.forward(np.ones((2, 3)))
    model.backward(np.ones((2, 2)))
    opt = mt.optim.SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    for k, p in enumerate(model.parameters()):
        assert p.grad.shape == p.data.shape and not p.grad.any(), f"parameter {k} gradient not zero"
    before = [p.data.copy() for p in model.parameters()]
    opt.step()
    for k, (p, w) in enumerate(zip(model.parameters(), before)):
        assert np.array_equal(p.data, w), f"parameter {k} moved on a zero gradient"


def test_sgd_repr(mt):
    opt = mt.optim.SGD(mt.models.MLP([3, 4, 2]).parameters(), lr=0.05, momentum=0.9)
    assert repr(opt) == "SGD(lr=0.05, momentum=0.9, params=4)"


# -- training --------------------------------------------------------------------------
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_steps_reduce_a_regression_loss(mt, momentum):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (32, 2))
    Y = np.sin(2 * X[:, :1]) + X[:, 1:] ** 2
    model = mt.models.MLP([2, 16, 1], "tanh", rng=rng)
    loss, opt = mt.nn.MSELoss(), mt.optim.SGD(model.parameters(), lr=0.05, momentum=momentum)
    history = []
    for _ in range(200):
        history.append(loss.forward(model.forward(X), Y))
        model.backward(loss.backward())
        opt.step()
    assert history[-1] < 0.25 * history[0], f"MSE went from {history[0]:.4f} to {history[-1]:.4f}"


def test_sgd_steps_separate_two_blobs(mt):
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], 20)
    X = rng.standard_normal((40, 2)) * 0.5 + np.where(y[:, None] == 1, 2.0, -2.0)
    model = mt.models.MLP([2, 8, 2], "relu", rng=rng)
    loss, opt = mt.nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    first = loss.forward(model.forward(X), y)
    for _ in range(50):
        L = loss.forward(model.forward(X), y)
        model.backward(loss.backward())
        opt.step()
    assert L < 0.2 * first, f"CE went from {first:.4f} to {L:.4f}"
    accuracy = np.mean(model.forward(X).argmax(axis=1) == y)
    assert accuracy == 1.0, f"training accuracy {accuracy} on separable blobs"
