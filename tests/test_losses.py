"""MSELoss, BCELoss, CrossEntropyLoss: hand-worked values, finite differences, properties."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from testing import (SETTINGS, arrays, assert_close, check_loss, floats, logits_and_targets,
                     matrices, one_hot, probability_rows)


def log_softmax(A):
    shifted = A - A.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


# -- closed forms ---------------------------------------------------------------------
def test_mse_of_a_known_pair(mt):
    loss = mt.nn.MSELoss()
    L = loss.forward(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]]))
    assert isinstance(L, float), f"MSELoss.forward returned {type(L).__name__}, expected float"
    assert_close("MSE of (1, 2) vs (0, 4) = (1 + 4) / 2", L, 2.5)
    assert_close("dL/dA = 2 (A - Y) / 2", loss.backward(), [[1.0, -2.0]])


@pytest.mark.parametrize("a, y, expected", [
    (0.5, 1.0, np.log(2.0)),
    (0.8, 0.0, -np.log(0.2)),
    (0.8, 1.0, -np.log(0.8)),
    (0.3, 0.5, -(0.5 * np.log(0.3) + 0.5 * np.log(0.7))),
])
def test_bce_of_single_entries(mt, a, y, expected):
    loss = mt.nn.BCELoss()
    assert_close(f"BCE(a={a}, y={y})", loss.forward(np.array([[a]]), np.array([[y]])), expected)
    slope = -1 / a if y == 1 else 1 / (1 - a) if y == 0 else (a - y) / (a * (1 - a))   # eq. 5.4
    assert_close(f"dBCE/da at a={a}, y={y}", loss.backward(), [[slope]])


@pytest.mark.parametrize("N, C", [(1, 2), (3, 4), (5, 10)])
def test_cross_entropy_of_uniform_logits_is_log_c(mt, N, C):
    loss = mt.nn.CrossEntropyLoss()
    y = np.arange(N) % C
    assert_close("CE of uniform logits", loss.forward(np.zeros((N, C)), y), np.log(C))
    assert_close("dL/dA of uniform logits", loss.backward(), (1 / C - one_hot(y, C)) / N)


def test_label_smoothing_target_worked_by_hand(mt):
    """alpha = 0.1, C = 4: eps = alpha / C = 0.025 off the class, 1 - 3 eps = 0.925 on it (5.7)."""
    loss = mt.nn.CrossEntropyLoss(label_smoothing=0.1)
    loss.forward(np.zeros((1, 4)), np.array([2]))
    D = np.array([[0.025, 0.025, 0.925, 0.025]])
    assert_close("(softmax - smoothed target) / N", loss.backward(), 0.25 - D)
    A = np.array([[1.0, -2.0, 0.5, 3.0]])
    assert_close("smoothed CE", loss.forward(A, np.array([2])), -np.sum(D * log_softmax(A)))


# -- finite differences ----------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_mse_matches_finite_differences(mt, data):
    A = data.draw(matrices())
    Y = data.draw(arrays(A.shape))
    check_loss(mt.nn.MSELoss(), A, Y)
    assert_close("MSE", mt.nn.MSELoss().forward(A, Y), np.mean((A - Y) ** 2))


@SETTINGS
@given(data=st.data())
def test_bce_matches_finite_differences(mt, data):
    A = data.draw(matrices(lo=0.05, hi=0.95))
    Y = data.draw(arrays(A.shape, 0.0, 1.0))           # soft targets too, as torch allows
    check_loss(mt.nn.BCELoss(), A, Y)
    expected = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    assert_close("BCE", mt.nn.BCELoss().forward(A, Y), expected)


@SETTINGS
@given(At=logits_and_targets(), alpha=st.sampled_from([0.0, 0.1, 0.5, 1.0]))
def test_cross_entropy_with_indices_matches_finite_differences(mt, At, alpha):
    A, y = At
    check_loss(mt.nn.CrossEntropyLoss(label_smoothing=alpha), A, y)


@SETTINGS
@given(data=st.data(), alpha=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_with_probabilities_matches_finite_differences(mt, data, alpha):
    A = data.draw(matrices())
    P = data.draw(probability_rows(*A.shape))
    check_loss(mt.nn.CrossEntropyLoss(label_smoothing=alpha), A, P)
    D = (1 - alpha) * P + alpha / A.shape[1]
    assert_close("CE with probability targets", mt.nn.CrossEntropyLoss(alpha).forward(A, P),
                 -np.sum(D * log_softmax(A)) / A.shape[0])


# -- properties ------------------------------------------------------------------------
@SETTINGS
@given(At=logits_and_targets(), alpha=floats(0.0, 1.0))
def test_cross_entropy_is_non_negative(mt, At, alpha):
    A, y = At
    L = mt.nn.CrossEntropyLoss(label_smoothing=alpha).forward(A, y)
    assert L >= 0, f"CE = {L} < 0 for logits {A}, targets {y}, label_smoothing {alpha}"


@SETTINGS
@given(At=logits_and_targets())
def test_label_smoothing_zero_is_plain_cross_entropy(mt, At):
    A, y = At
    N, C = A.shape
    plain = -np.mean(log_softmax(A)[np.arange(N), y])
    smooth0 = mt.nn.CrossEntropyLoss(label_smoothing=0.0)
    assert_close("CE(label_smoothing=0)", smooth0.forward(A, y), plain)
    default = mt.nn.CrossEntropyLoss()
    assert_close("CE()", default.forward(A, y), plain)
    assert_close("dL/dA, label_smoothing 0 vs default", smooth0.backward(), default.backward())


@SETTINGS
@given(At=logits_and_targets(), alpha=floats(0.0, 1.0))
def test_label_smoothing_mixes_ce_with_the_uniform_target(mt, At, alpha):
    """D = (1 - alpha) onehot + alpha / C, so L_alpha = (1 - alpha) L_0 + alpha mean(-log P)."""
    A, y = At
    L0 = mt.nn.CrossEntropyLoss().forward(A, y)
    uniform = -np.mean(log_softmax(A))
    assert_close("CE(label_smoothing=alpha)", mt.nn.CrossEntropyLoss(alpha).forward(A, y),
                 (1 - alpha) * L0 + alpha * uniform, tol=1e-9)


@SETTINGS
@given(At=logits_and_targets(), alpha=st.sampled_from([0.0, 0.1, 0.3]))
def test_index_targets_equal_one_hot_targets(mt, At, alpha):
    A, y = At
    by_index, by_prob = mt.nn.CrossEntropyLoss(alpha), mt.nn.CrossEntropyLoss(alpha)
    assert_close("CE, index vs one-hot targets", by_index.forward(A, y),
                 by_prob.forward(A, one_hot(y, A.shape[1])), tol=1e-12)
    assert_close("dL/dA, index vs one-hot targets", by_index.backward(), by_prob.backward(),
                 tol=1e-12)


@SETTINGS
@given(At=logits_and_targets())
def test_softmax_plus_ce_gradient_is_softmax_minus_onehot_over_n(mt, At):
    """eq. 5.8, and the long way round: Softmax.backward of dCE/dP = -D / (N P) gives the same."""
    A, y = At
    N, C = A.shape
    loss = mt.nn.CrossEntropyLoss()
    loss.forward(A, y)
    softmax = mt.nn.Softmax()
    P = softmax.forward(A)
    D = one_hot(y, C)
    assert_close("CE backward vs (softmax - onehot) / N", loss.backward(), (P - D) / N, tol=1e-12)
    assert_close("Softmax.backward(-D / (N P))", softmax.backward(-D / (N * P)), (P - D) / N,
                 tol=1e-6)


@SETTINGS
@given(data=st.data())
def test_mse_is_two_over_c_times_the_mean_l2_divergence(mt, data):
    """L = (2/C) mean_n 1/2 ||Y_n - d_n||^2 (eq. 5.1), and dL/dA = (2 / (N C)) (Y - d) (eq. 5.2)."""
    Y = data.draw(matrices())
    d = data.draw(arrays(Y.shape))
    N, C = Y.shape
    div = 0.5 * np.sum((Y - d) ** 2, axis=1)
    loss = mt.nn.MSELoss()
    assert_close("MSE vs (2/C) mean Div", loss.forward(Y, d), 2 / C * np.mean(div), tol=1e-12)
    assert_close("MSE gradient vs (2/(N C)) (Y - d)", loss.backward(), 2 / (N * C) * (Y - d),
                 tol=1e-12)


@SETTINGS
@given(data=st.data())
def test_bce_is_the_mean_of_the_binary_divergence(mt, data):
    """eq. 5.3 per entry with a 0/1 target; its derivative is -1/a (d = 1) or 1/(1 - a) (d = 0),
    over N C (eq. 5.4)."""
    A = data.draw(matrices(lo=0.01, hi=0.99))
    d = data.draw(arrays(A.shape, 0, 1)).round()
    loss = mt.nn.BCELoss()
    div = -d * np.log(A) - (1 - d) * np.log(1 - A)
    assert_close("BCE vs mean Div", loss.forward(A, d), np.mean(div), tol=1e-12)
    assert_close("BCE gradient vs eq. 5.4 / (N C)", loss.backward(),
                 np.where(d == 1, -1 / A, 1 / (1 - A)) / A.size, tol=1e-9)
