"""Typical mistakes, each a small edit of the reference library, with the parts it must cost.

A handin built from one of these (reference notebooks + the edited mytorch) must lose exactly
the points of `lost` and keep all others; `check` must name the part and print `hint`.
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
]

