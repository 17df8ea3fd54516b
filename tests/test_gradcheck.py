"""mytorch.gradcheck: passes correct layers, fails broken ones and says where, skips kinks."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from testing import (FEW, SETTINGS, arrays, assert_close, away_from_kinks, batch_shapes,
                     logits_and_targets, matrices, numerical_vjp, probability_rows, rel_error,
                     seeds)


def gc(mt, *args, **kw):
    return mt.gradcheck.gradcheck(*args, **kw)


def upstream(shape, seed=0):
    """The G gradcheck multiplies a layer's output by (its documented f = sum(forward(X) * G))."""
    return np.random.default_rng(seed).standard_normal(shape)


# -- correct modules pass --------------------------------------------------------------
@FEW
@given(X=matrices(), out=st.integers(1, 4), seed=seeds)
def test_passes_linear(mt, X, out, seed):
    result = gc(mt, mt.nn.Linear(X.shape[1], out, rng=np.random.default_rng(seed)), X)
    assert result.passed, str(result)
    assert [c.name for c in result.checks] == [
        "gradient w.r.t. the input (returned by backward)", "dLdW", "dLdb"]


@pytest.mark.parametrize("name", ["Identity", "Sigmoid", "Tanh", "ReLU", "Softmax"])
@FEW
@given(X=batch_shapes().flatmap(arrays))
def test_passes_activations(mt, name, X):
    result = gc(mt, getattr(mt.nn, name)(), away_from_kinks(X))
    assert result.passed, str(result)


@FEW
@given(data=st.data())
def test_passes_losses(mt, data):
    A = data.draw(matrices(lo=0.05, hi=0.95))
    Y = data.draw(arrays(A.shape, 0, 1))
    logits, y = data.draw(logits_and_targets())
    P = data.draw(probability_rows(*logits.shape))
    for loss, args in [(mt.nn.MSELoss(), (A, Y)), (mt.nn.BCELoss(), (A, Y)),
                       (mt.nn.CrossEntropyLoss(0.1), (logits, y)),
                       (mt.nn.CrossEntropyLoss(), (logits, P))]:
        result = gc(mt, loss, *args)
        assert result.passed, str(result)


@FEW
@given(seed=seeds, act=st.sampled_from(["tanh", "sigmoid", "identity"]))
def test_passes_a_model_and_names_its_parameters(mt, seed, act):
    rng = np.random.default_rng(seed)
    model = mt.models.MLP([3, 4, 2], act, rng=rng)
    result = gc(mt, model, rng.standard_normal((5, 3)))
    assert result.passed, str(result)
    assert [c.name for c in result.checks][1:] == [
        "layers[0].dLdW", "layers[0].dLdb", "layers[2].dLdW", "layers[2].dLdb"]


@pytest.mark.parametrize("p", [0.05, 0.02, 0.95])
def test_passes_bce_at_its_minimum(mt, p):
    """At A = Y the gradient is 0 and BCE is steep (f''' ~ 2/a^3): a second-order central
    difference with h = 1e-5 is off by ~h^2 f'''/6 = 2e-9 there, which the floor turns into
    a relative error of 2e-6 and a false FAIL for a correct loss (now a fourth-order stencil)."""
    A = np.full((2, 3), p)
    result = gc(mt, mt.nn.BCELoss(), A, A.copy())
    assert result.passed, str(result)


# -- broken modules fail, and the report points at the worst entry ----------------------
@pytest.fixture(scope="module")
def broken(mt):
    nn = mt.nn

    class TransposedLinear(nn.Linear):
        """dLdW = A^T dLdZ: (in, out) instead of dLdZ^T A: (out, in)."""
        def backward(self, dLdZ):
            dLdA = super().backward(dLdZ)
            self.dLdW = self.A.T @ dLdZ
            return dLdA

    class MSEWithoutMean(nn.MSELoss):
        """Forgets the 1/N of the batch mean (divides by C only)."""
        def backward(self):
            return 2 * self.diff / self.diff.shape[1]

    class SigmoidWrongSign(nn.Sigmoid):
        def backward(self, dLdA):
            return -super().backward(dLdA)

    class ReLUGatesOnA(nn.ReLU):
        """Passes the gradient where Z < 0 instead of Z > 0."""
        def backward(self, dLdA):
            return dLdA * (self.Z < 0)

    class LinearReturnsNothing(nn.Linear):
        def backward(self, dLdZ):
            super().backward(dLdZ)

    return dict(TransposedLinear=TransposedLinear, MSEWithoutMean=MSEWithoutMean,
                SigmoidWrongSign=SigmoidWrongSign, ReLUGatesOnA=ReLUGatesOnA,
                LinearReturnsNothing=LinearReturnsNothing)


def check_named(result, name):
    [check] = [c for c in result.checks if c.name == name]
    return check


def assert_reports_worst_entry(check, analytic, true_grad):
    """The check names an entry with the largest relative error, and both values there."""
    error = rel_error(analytic, true_grad)
    i = check.index
    assert error[i] == pytest.approx(error.max(), rel=1e-6), (
        f"{check.name}: reported index {i} with error {error[i]:.3e}, but entry "
        f"{np.unravel_index(np.argmax(error), error.shape)} has error {error.max():.3e}")
    assert check.analytic == analytic[i], (
        f"{check.name}: reported analytic {check.analytic}, backward gave {analytic[i]}")
    assert_close(f"{check.name}: reported numeric value", check.numeric, true_grad[i], tol=1e-6)
    assert check.max_error == pytest.approx(error[i], rel=1e-3)


def test_fails_a_transposed_dLdW_and_names_the_entry(mt, broken):
    rng = np.random.default_rng(3)
    layer = broken["TransposedLinear"](3, 3, rng=rng)
    X = rng.standard_normal((4, 3))
    result = gc(mt, layer, X)
    assert not result.passed, str(result)
    G = upstream((4, 3))
    dW = check_named(result, "dLdW")
    assert_reports_worst_entry(dW, X.T @ G, G.T @ X)
    assert check_named(result, "dLdb").max_error <= result.tol      # only dLdW is blamed
    report = str(result)
    assert report.splitlines()[0] == (
        "gradcheck TransposedLinear(in_features=3, out_features=3): FAILED (tol 1e-06)")
    line = next(l for l in report.splitlines() if "dLdW" in l)
    assert line.strip().startswith("FAIL") and f"at index {dW.index}" in line
    assert f"backward gives {dW.analytic:.8g}" in line
    assert f"finite differences {dW.numeric:.8g}" in line
    with pytest.raises(AssertionError, match="FAIL  dLdW"):
        result.assert_ok()


def test_fails_a_transposed_dLdW_of_the_wrong_shape(mt, broken):
    result = gc(mt, broken["TransposedLinear"](3, 2), np.ones((4, 3)))
    assert not result.passed
    assert check_named(result, "dLdW").problem == "expected shape (2, 3), got (3, 2)"
    assert "FAIL  dLdW: expected shape (2, 3), got (3, 2)" in str(result)


def test_fails_a_backward_that_returns_nothing(mt, broken):
    result = gc(mt, broken["LinearReturnsNothing"](3, 2), np.ones((4, 3)))
    assert not result.passed
    assert "got NoneType" in result.checks[0].problem


def test_a_forward_in_float32_is_named_before_any_gradient(mt):
    """Single precision spoils the finite differences, not backward: say so first."""
    class Softmax32(mt.nn.Softmax):
        def forward(self, Z):
            return super().forward(Z).astype(np.float32)

    class MSE32(mt.nn.MSELoss):
        def forward(self, A, Y):
            return np.float32(super().forward(A, Y))

    rng = np.random.default_rng(0)
    for module, inputs in ((Softmax32(), (rng.standard_normal((4, 3)),)),
                           (MSE32(), (rng.standard_normal((4, 3)), rng.standard_normal((4, 3))))):
        result = gc(mt, module, *inputs)
        assert not result.passed and result.checks[0].name == "forward's output", str(result)
        assert "forward returns float32: keep float64" in result.checks[0].problem, str(result)
    assert all(c.name != "forward's output" for c in gc(mt, mt.nn.Softmax(), rng.standard_normal((4, 3))).checks)


@pytest.mark.parametrize("N", [2, 5])
def test_fails_a_loss_that_forgets_the_mean(mt, broken, N):
    rng = np.random.default_rng(N)
    A, Y = rng.standard_normal((N, 3)), rng.standard_normal((N, 3))
    result = gc(mt, broken["MSEWithoutMean"](), A, Y)
    assert not result.passed, str(result)
    assert_reports_worst_entry(result.checks[0], 2 * (A - Y) / 3, 2 * (A - Y) / (3 * N))
    # every entry is off by the factor N: relative error (N - 1) / (N + 1)
    assert result.checks[0].max_error == pytest.approx((N - 1) / (N + 1))


@SETTINGS
@given(X=matrices(lo=-3, hi=3))
def test_fails_a_wrong_sign(mt, broken, X):
    result = gc(mt, broken["SigmoidWrongSign"](), X)
    assert not result.passed, str(result)
    assert result.checks[0].max_error == pytest.approx(1.0, abs=1e-6), str(result)


def test_fails_a_misplaced_relu_gate_despite_kinks(mt, broken):
    X = np.array([[1.0, -2.0, 0.0], [0.5, 0.0, -1.0]])
    result = gc(mt, broken["ReLUGatesOnA"](), X)
    assert not result.passed, str(result)
    assert sorted(result.checks[0].kinks) == [(0, 2), (1, 1)]


# -- kinks are reported, not failed -------------------------------------------------------
def test_relu_kink_at_zero_is_reported_and_skipped(mt):
    X = np.array([[0.0, 1.5, -2.0], [3.0, 0.0, -0.5]])
    result = gc(mt, mt.nn.ReLU(), X)
    assert result.passed, str(result)
    check = result.checks[0]
    assert sorted(check.kinks) == [(0, 0), (1, 1)]
    assert "2 kink(s) skipped, e.g. at (0, 0)" in str(result)


def test_a_kink_within_two_steps_is_skipped_not_failed(mt):
    """The stencil reaches x +- 2h: a kink between h and 2h away must not spoil a correct ReLU."""
    result = gc(mt, mt.nn.ReLU(), np.array([[1.5e-5, -1.5e-5, 1.0]]))
    assert result.passed, str(result)
    assert sorted(result.checks[0].kinks) == [(0, 0), (0, 1)], str(result)


def test_a_model_with_a_relu_kink_passes(mt):
    model = mt.nn.Sequential(mt.nn.Linear(2, 2), mt.nn.ReLU())
    model[0].W, model[0].b = np.array([[1.0, -1.0], [2.0, 1.0]]), np.zeros(2)
    X = np.array([[1.0, 1.0], [0.3, -0.4]])                 # Z[0, 0] = 0 exactly
    result = gc(mt, model, X)
    assert result.passed, str(result)
    assert any(c.kinks for c in result.checks), str(result)


# -- no side effects ------------------------------------------------------------------------
def test_leaves_inputs_and_parameters_as_they_were(mt):
    rng = np.random.default_rng(0)
    layer = mt.nn.Linear(3, 2, rng=rng)
    layer.W, layer.b = layer.W.astype(np.float32), layer.b.astype(np.float32)
    W, b = layer.W.copy(), layer.b.copy()
    X = rng.standard_normal((4, 3)).astype(np.float32)
    X0 = X.copy()
    result = gc(mt, layer, X)
    assert result.passed, str(result)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    assert np.array_equal(layer.W, W) and np.array_equal(layer.b, b)
    assert np.array_equal(X, X0) and X.dtype == np.float32
    assert layer.backward(np.ones((4, 2))).shape == (4, 3)    # caches hold a forward


def test_html_report_is_coloured_by_the_verdict(mt, broken):
    ok = gc(mt, mt.nn.Tanh(), np.ones((2, 2)))._repr_html_()
    bad = gc(mt, broken["SigmoidWrongSign"](), np.ones((2, 2)))._repr_html_()
    assert "passed" in ok and "#1a7f37" in ok
    assert "FAILED" in bad and "#cf222e" in bad and "<code>FAIL" in bad


def test_assert_ok_returns_the_result_when_passed(mt):
    result = gc(mt, mt.nn.Identity(), np.ones((2, 2)))
    assert result.assert_ok() is result


def test_agrees_with_the_test_suites_finite_differences(mt):
    """gradcheck's numeric values are the suite's own (numerical_vjp, written separately)."""
    rng = np.random.default_rng(7)
    layer = mt.nn.Linear(4, 3, rng=rng)
    X = rng.standard_normal((5, 4))
    result = gc(mt, layer, X)
    G = upstream((5, 3))
    assert_close("numeric dLdX at the worst entry", result.checks[0].numeric,
                 numerical_vjp(lambda: layer.forward(X), X, G)[result.checks[0].index])
