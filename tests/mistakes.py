"""Typical mistakes, each a small edit of the reference library, with the parts it must cost.

A handin built from one of these (reference notebooks + the edited mytorch) must lose exactly
the points of `lost` and keep all others; `check` must name the part and print `hint`.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    name: str
    file: str                # path inside mytorch/
    edits: tuple             # (old, new) pairs applied to the reference source, each exactly once
    lost: frozenset          # part ids that must score zero
    hint: str                # a regex that check's report must contain


MISTAKES = [
    Mistake("linear_transposed_dLdW", "nn/linear.py",
            (("self.dLdW = dLdZ.T @ A", "self.dLdW = A.T @ dLdZ"),),
            frozenset({"linear_backward", "training"}), "transpose"),
    Mistake("sigmoid_derivative_of_Z", "nn/activation.py",
            (("        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))",
              "        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))\n        self.Z = Z"),
             ("return dLdA * self.A * (1 - self.A)", "return dLdA * self.Z * (1 - self.Z)")),
            frozenset({"sigmoid_backward"}), "A = sigmoid"),
    Mistake("tanh_wrong_sign", "nn/activation.py",
            (("return dLdA * (1 - self.A ** 2)", "return dLdA * (self.A ** 2 - 1)"),),
            frozenset({"tanh_backward"}), "wrong sign"),
    Mistake("softmax_unstable", "nn/activation.py",
            (("e = np.exp(Z - Z.max(axis=-1, keepdims=True))", "e = np.exp(Z)"),),
            frozenset({"softmax_forward"}), "overflow"),
    Mistake("mse_missing_factor_2", "nn/loss.py",
            (("return 2 * self.diff / self.diff.size", "return self.diff / self.diff.size"),),
            frozenset({"mse_backward"}), "factor 2 missing"),
    Mistake("bce_wrong_sign", "nn/loss.py",
            (("return (A - Y) / np.maximum(A * (1 - A), 1e-12) / A.size",
              "return (Y - A) / np.maximum(A * (1 - A), 1e-12) / A.size"),),
            frozenset({"bce_backward"}), "wrong sign"),
    Mistake("ce_smoothing_epsilon", "nn/loss.py",
            (("return (1 - alpha) * D + alpha / C", "return (1 - C * alpha) * D + alpha"),),
            frozenset({"ce_forward"}), "label smoothing"),
    Mistake("sgd_momentum_ignored", "optim/sgd.py",
            (("            if self.momentum:", "            if False:"),),
            frozenset({"sgd_momentum"}), "ignores the momentum"),
    Mistake("sequential_backward_forward_order", "nn/sequential.py",
            (("for layer in reversed(self.layers):", "for layer in self.layers:"),),
            frozenset({"sequential_backward", "training"}), "reverse order"),
]


def apply(mistake, reference_dir, out_dir):
    """Copy the reference package to out_dir with the mistake's edits (each must match once)."""
    import shutil
    shutil.copytree(reference_dir, out_dir, ignore=shutil.ignore_patterns("__pycache__"))
    path = out_dir / mistake.file
    text = path.read_text()
    for old, new in mistake.edits:
        assert text.count(old) == 1, f"{mistake.name}: {old!r} found {text.count(old)} times in {mistake.file}"
        text = text.replace(old, new)
    path.write_text(text)
    return out_dir
