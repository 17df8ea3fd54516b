"""Every class named as in torch.nn (and SGD) agrees with torch in float64, values and gradients.

torch is an optional oracle: without it this module is skipped.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from testing import (FEW, SETTINGS, arrays, assert_close, batch_shapes, floats,
                     logits_and_targets, matrices, probability_rows, seeds)

torch = pytest.importorskip("torch")


def close(name, got, expected):
    """1e-6 relative, measured down to 1e-9 (both sides compute in float64)."""
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    assert_close(name, got, expected, tol=1e-6, floor=1e-9)


def t(x, grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


# -- layers ----------------------------------------------------------------------------
@SETTINGS
@given(X=matrices(), out=st.integers(1, 5), seed=seeds)
def test_linear(mt, X, out, seed):
    ours = mt.nn.Linear(X.shape[1], out, rng=np.random.default_rng(seed))
    theirs = torch.nn.Linear(X.shape[1], out, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(t(ours.W))
        theirs.bias.copy_(t(ours.b))
    G = np.random.default_rng(seed).standard_normal((X.shape[0], out))
    Xt = t(X, grad=True)
    Zt = theirs(Xt)
    Zt.backward(t(G))
    close("Linear Z", ours.forward(X), Zt)
    close("Linear dLdA", ours.backward(G), Xt.grad)
    close("Linear dLdW", ours.dLdW, theirs.weight.grad)
    close("Linear dLdb", ours.dLdb, theirs.bias.grad)


ACTIVATIONS = {
    "Identity": lambda: torch.nn.Identity(), "Sigmoid": lambda: torch.nn.Sigmoid(),
    "Tanh": lambda: torch.nn.Tanh(), "ReLU": lambda: torch.nn.ReLU(),
    "Softmax": lambda: torch.nn.Softmax(dim=-1),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@SETTINGS
@given(X=batch_shapes().flatmap(lambda s: arrays(s, -20, 20)), seed=seeds)
def test_activation(mt, name, X, seed):
    """Zeros included: torch also takes ReLU's subgradient 0 at 0."""
    ours, theirs = getattr(mt.nn, name)(), ACTIVATIONS[name]()
    G = np.random.default_rng(seed).standard_normal(X.shape)
    Xt = t(X, grad=True)
    At = theirs(Xt)
    At.backward(t(G))
    close(f"{name} forward", ours.forward(X), At)
    close(f"{name} backward", ours.backward(G), Xt.grad)


def test_relu_subgradient_at_zero_is_torchs(mt):
    Xt = t(np.zeros((1, 3)), grad=True)
    torch.nn.ReLU()(Xt).sum().backward()
    ours = mt.nn.ReLU()
    ours.forward(np.zeros((1, 3)))
    close("ReLU'(0)", ours.backward(np.ones((1, 3))), Xt.grad)


# -- losses ----------------------------------------------------------------------------
def torch_loss(loss, A, Y):
    """torch's loss value and dL/dA for input A and target Y (a LongTensor for class indices)."""
    At = t(A, grad=True)
    Yt = torch.tensor(Y) if np.issubdtype(Y.dtype, np.integer) else t(Y)
    L = loss(At, Yt)
    L.backward()
    return L.item(), At.grad


def compare_loss(mt_loss, torch_loss_fn, A, Y, name):
    L, dA = torch_loss(torch_loss_fn, A, Y)
    close(f"{name} value", mt_loss.forward(A, Y), L)
    close(f"{name} dL/dA", mt_loss.backward(), dA)


@SETTINGS
@given(data=st.data())
def test_mse_loss(mt, data):
    A = data.draw(matrices())
    Y = data.draw(arrays(A.shape))
    compare_loss(mt.nn.MSELoss(), torch.nn.MSELoss(), A, Y, "MSELoss")


@SETTINGS
@given(data=st.data())
def test_bce_loss(mt, data):
    A = data.draw(matrices(lo=1e-6, hi=1 - 1e-6))
    Y = data.draw(arrays(A.shape, 0.0, 1.0))
    compare_loss(mt.nn.BCELoss(), torch.nn.BCELoss(), A, Y, "BCELoss")


@SETTINGS
@given(At=logits_and_targets(), alpha=st.one_of(st.just(0.0), floats(0.0, 1.0)))
def test_cross_entropy_with_indices(mt, At, alpha):
    A, y = At
    compare_loss(mt.nn.CrossEntropyLoss(label_smoothing=alpha),
                 torch.nn.CrossEntropyLoss(label_smoothing=alpha), A, y, f"CE(alpha={alpha})")


@SETTINGS
@given(data=st.data(), alpha=st.one_of(st.just(0.0), floats(0.0, 1.0)))
def test_cross_entropy_with_probabilities(mt, data, alpha):
    A = data.draw(matrices())
    P = data.draw(probability_rows(*A.shape))
    compare_loss(mt.nn.CrossEntropyLoss(label_smoothing=alpha),
                 torch.nn.CrossEntropyLoss(label_smoothing=alpha), A, P, f"CE(alpha={alpha}, P)")


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cross_entropy_with_huge_logits(mt, alpha):
    A = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]])
    y = np.array([1, 1])
    compare_loss(mt.nn.CrossEntropyLoss(alpha), torch.nn.CrossEntropyLoss(label_smoothing=alpha),
                 A, y, "CE at |logits| 1e4")


def test_bce_on_saturated_sigmoids_is_clamped_as_torch(mt):
    """sigmoid(+-1e4) is exactly 1 or 0: torch clamps each log at -100 and a(1 - a) at 1e-12."""
    A = mt.nn.Sigmoid().forward(np.array([[1e4, -1e4], [-1e4, 1e4]]))
    assert set(A.ravel()) == {0.0, 1.0}
    Y = np.array([[1.0, 1.0], [0.0, 0.0]])
    compare_loss(mt.nn.BCELoss(), torch.nn.BCELoss(), A, Y, "BCE on exact 0/1")


# -- SGD -------------------------------------------------------------------------------
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@FEW
@given(seed=seeds)
def test_sgd_matches_torch_over_several_steps(mt, momentum, seed):
    rng = np.random.default_rng(seed)
    ours = mt.models.MLP([3, 5, 2], "tanh", rng=rng)
    nn = torch.nn
    theirs = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            q.copy_(t(p.data))
    opt = mt.optim.SGD(ours.parameters(), lr=0.1, momentum=momentum)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=momentum)
    loss, tloss = mt.nn.MSELoss(), torch.nn.MSELoss()
    for step in range(5):
        X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
        L = loss.forward(ours.forward(X), Y)
        ours.backward(loss.backward())
        opt.step()
        topt.zero_grad()
        tL = tloss(theirs(t(X)), t(Y))
        tL.backward()
        topt.step()
        close(f"loss at step {step}", L, tL.item())
        for k, (p, q) in enumerate(zip(ours.parameters(), theirs.parameters())):
            close(f"parameter {k} after step {step + 1}", p.data, q)


@pytest.mark.parametrize("in_features", [1, 3, 64])
def test_linear_init_bound_is_torchs(mt, in_features):
    """torch.nn.Linear draws from U(-1/sqrt(in), 1/sqrt(in)); so do we (all entries within it)."""
    torch.manual_seed(0)
    theirs = torch.nn.Linear(in_features, 2000, dtype=torch.float64)
    ours = mt.nn.Linear(in_features, 2000, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(in_features)
    for name, a, b in [("W", ours.W, theirs.weight), ("b", ours.b, theirs.bias)]:
        b = b.detach().numpy()
        assert a.shape == b.shape, f"{name}: shape {a.shape}, torch {b.shape}"
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        assert np.abs(a).max() == pytest.approx(np.abs(b).max(), rel=0.02), (
            f"{name}: largest |entry| {np.abs(a).max()} vs torch's {np.abs(b).max()}")
