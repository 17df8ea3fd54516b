"""Typical mistakes, each a small edit of the reference library, with the parts it must cost.

A handin built from one of these (reference notebooks + the edited mytorch, or the reference
mytorch + a notebook whose answer is edited) must lose exactly the points of `lost` and keep all
others; `check` (or, for a notebook's part, its visible test) must name the part and print `hint`.
"""
from autograder.samples import DEMO_MISTAKES, Mistake, apply  # noqa: F401  (apply: for the tests)

MISTAKES = DEMO_MISTAKES + [
    Mistake("linear_transposed_dLdW", "nn/linear.py",
            (("self.dLdW = dLdZ.T @ A", "self.dLdW = A.T @ dLdZ"),),
            frozenset({"network", "linear_backward", "training"}), "transpose"),
    Mistake("sigmoid_derivative_of_Z", "nn/activation.py",
            (("        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))",
              "        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))\n        self.Z = Z"),
             ("return dLdA * self.A * (1 - self.A)", "return dLdA * self.Z * (1 - self.Z)")),
            frozenset({"network", "sigmoid_backward"}), "A = sigmoid"),
    Mistake("mse_missing_factor_2", "nn/loss.py",
            (("return 2 * self.diff / self.diff.size", "return self.diff / self.diff.size"),),
            frozenset({"mse_backward"}), "factor 2 missing"),
    Mistake("mse_backward_without_the_mean", "nn/loss.py",
            (("return 2 * self.diff / self.diff.size", "return 2 * self.diff"),),
            frozenset({"mse_backward"}), "no mean at all"),
    Mistake("bce_wrong_sign", "nn/loss.py",
            (("return (A - Y) / np.maximum(A * (1 - A), 1e-12) / A.size",
              "return (Y - A) / np.maximum(A * (1 - A), 1e-12) / A.size"),),
            frozenset({"bce_backward"}), "wrong sign"),
    Mistake("sgd_momentum_ignored", "optim/sgd.py",
            (("            if self.momentum:", "            if False:"),),
            frozenset({"sgd_momentum"}), "ignores the momentum"),
    Mistake("sigmoid_naive_exp", "nn/activation.py",
            (("        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))",
              "        self.A = 1 / (1 + np.exp(-Z))"),),
            frozenset({"sigmoid_forward"}), "overflow"),
    Mistake("sigmoid_caches_Z", "nn/activation.py",
            (("        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))\n        return self.A",
              "        self.A = Z\n        return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))"),),
            frozenset({"network", "sigmoid_backward"}), "A = sigmoid"),
    Mistake("tanh_by_exponentials", "nn/activation.py",
            (("        self.A = np.tanh(Z)", "        self.A = (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))"),),
            frozenset({"tanh_forward"}), "overflow|inf or nan"),
    Mistake("relu_derivative_1_at_0", "nn/activation.py",
            (("return dLdA * (self.Z > 0)", "return dLdA * (self.Z >= 0)"),),
            frozenset({"relu_backward"}), "Z > 0, not Z >= 0"),
    Mistake("bce_log_unclamped", "nn/loss.py",
            (("""        with np.errstate(divide="ignore"):          # log(0) = -inf, clamped just below
            log_a = np.maximum(np.log(A), -100)
            log_1ma = np.maximum(np.log1p(-A), -100)""", """        log_a, log_1ma = np.log(A), np.log(1 - A)"""),),
            frozenset({"bce_forward"}), "log sees 0|inf or nan"),
    Mistake("linear_dLdb_averaged", "nn/linear.py",
            (("self.dLdb = dLdZ.sum(axis=0)", "self.dLdb = dLdZ.mean(axis=0)"),),
            frozenset({"linear_backward", "network"}), "extra 1/N"),
    Mistake("linear_dLdb_kept_as_a_column", "nn/linear.py",
            (("self.dLdb = dLdZ.sum(axis=0)", "self.dLdb = dLdZ.sum(axis=0, keepdims=True).T"),),
            frozenset({"linear_backward", "network", "training"}), "values are right but the shape"),
    Mistake("ce_backward_missing_1_over_N", "nn/loss.py",
            (("return (self.P - self.D) / self.P.shape[0]", "return self.P - self.D"),),
            frozenset({"ce_backward", "training"}), "missing 1/N"),
    Mistake("ce_smoothing_plus_alpha", "nn/loss.py",
            (("return (1 - alpha) * D + alpha / C", "return (1 - alpha) * D + alpha"),),
            frozenset({"ce_forward"}), "not alpha"),
    Mistake("ce_smoothing_ignored", "nn/loss.py",
            (("        alpha = self.label_smoothing\n", "        alpha = 0.0\n"),),
            frozenset({"ce_forward"}), "ignores label smoothing"),
    Mistake("ce_log_of_softmax_plus_eps", "nn/loss.py",
            (("        log_p = _log_softmax(A)\n        self.P, self.D = np.exp(log_p), D",
              "        e = np.exp(A - A.max(axis=1, keepdims=True))\n        self.P, self.D = e / e.sum(axis=1, keepdims=True), D\n        log_p = np.log(self.P + 1e-9)"),),
            frozenset({"ce_forward"}), "saturates"),
    Mistake("bce_backward_divides_by_N_only", "nn/loss.py",
            (("return (A - Y) / np.maximum(A * (1 - A), 1e-12) / A.size",
              "return (A - Y) / np.maximum(A * (1 - A), 1e-12) / A.shape[0]"),),
            frozenset({"bce_backward"}), "number of columns C"),
    Mistake("softmax_backward_diagonal_only", "nn/activation.py",
            (('return np.einsum("...ji,...j->...i", self.jacobian(), dLdA)', "return dLdA * self.A * (1 - self.A)"),),
            frozenset({"softmax_backward"}), "diagonal"),
    Mistake("sgd_steps_uphill", "optim/sgd.py",
            (("p.data -= self.lr * g", "p.data += self.lr * g"),),
            frozenset({"sgd_step", "sgd_momentum", "training"}), "uphill"),
    Mistake("unitwise_dw_transposed", "unitwise.py",
            (("dw[k] = [[y[k - 1][i] * dz[j] for j in range(len(dz))] for i in range(len(y[k - 1]))]",
              "dw[k] = [[y[k - 1][i] * dz[j] for i in range(len(y[k - 1]))] for j in range(len(dz))]"),),
            frozenset({"unitwise_backward"}), r"dw\[k\] is the transpose"),
    # right alone, wrong in a network: only the network part (and training, where it breaks) sees them
    Mistake("linear_gradient_accumulated", "nn/linear.py",
            (("self.dLdW = dLdZ.T @ A", "self.dLdW = self.dLdW + dLdZ.T @ A"),),
            frozenset({"network", "training"}), "overwrite"),
    Mistake("sigmoid_cache_shared_by_the_class", "nn/activation.py",
            (("        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))\n        return self.A",
              "        self.A = Sigmoid.last_A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))\n        return self.A"),
             ("return dLdA * self.A * (1 - self.A)", "return dLdA * Sigmoid.last_A * (1 - Sigmoid.last_A)")),
            frozenset({"network"}), "shared between"),
    Mistake("tanh_backward_squares_its_cache_in_place", "nn/activation.py",
            (("return dLdA * (1 - self.A ** 2)", "self.A **= 2\n        return dLdA * (1 - self.A)"),),
            frozenset({"network"}), "in place"),
    Mistake("sequential_backward_forward_order", "nn/sequential.py",
            (("for layer in reversed(self.layers):", "for layer in self.layers:"),),
            frozenset({"network", "sequential_backward", "training"}), "reverse order"),
    # in an answer of a notebook: the conceptual questions of 3_training.ipynb
    Mistake("zero_one_errors_counted", "3_training.ipynb",
            (("E = np.mean((np.outer(middles, Xv) + Xw > 0) != y, axis=1)",
              "E = np.sum((np.outer(middles, Xv) + Xw > 0) != y, axis=1)"),),
            frozenset({"concept_zero_one"}), "divide the count by N"),
    Mistake("smoothing_gap_without_the_uniform_share", "3_training.ipynb",
            (("np.log((1 - alpha + alpha / C) / (alpha / C))", "np.log((1 - alpha) / (alpha / C))"),),
            frozenset({"concept_smoothing"}), "its share alpha/C"),
]


# The mistakes the course cycle grades end to end through nbgrader (test_course_cycle.py): one
# per file of mytorch and per notebook, one that breaks training where the file has one, and
# one that keeps it. Every catalogued mistake's verdicts, training's included, are checked on
# the hidden cases in-process (test_integrity.py), a few seconds each, where a grading through
# nbgrader costs 12-13 s of CPU (bench/README.md). A name that is not catalogued is a KeyError.
END_TO_END = [{m.name: m for m in MISTAKES}[name] for name in (
    "tanh_wrong_sign", "softmax_unstable", "linear_transposed_dLdW", "ce_backward_missing_1_over_N",
    "sgd_steps_uphill", "sequential_backward_forward_order", "unitwise_dw_transposed", "zero_one_errors_counted")]
