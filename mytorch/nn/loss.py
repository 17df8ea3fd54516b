"""Losses: the mean over a batch of the slides' divergences (eqs. 1.2, 5.1-5.8, 6.2).

Notation: here Y is the target (the slides' d), A the network's output (the slides' Y) and N the
batch size (on the slides, the number of layers): NOTATION.md, "Two clashes". A docstring that
quotes the slides in their letters says so.

Each class has the definition, mean reduction and target formats of the torch.nn
class of the same name. `forward(A, Y)` returns the loss as a Python float and
stores what `backward()` needs; `backward()` returns dL/dA, the same shape as A.
The mean's 1/N (eq. 6.2) lives here and only here: layers never divide by N.
"""
import numpy as np

from .module import Module


def _log_softmax(Z):
    """log softmax over the last axis, stable for logits of any size."""
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


class Loss(Module):
    """Shared checks for `forward(A, Y)` and `backward()`."""

    def _check_pair(self, A, Y):
        self._check("forward", "A", A, ndim=1)
        self._check("forward", "Y", Y, shape=A.shape)

    def _check_probabilities(self, name, P):
        if not np.all((P >= 0) & (P <= 1)):       # also catches NaN
            bad = P[~((P >= 0) & (P <= 1))].ravel()[0]
            raise ValueError(f"{self!r}.forward: {name} must hold probabilities in [0, 1], "
                             f"found {bad}; pass probabilities (e.g. a Sigmoid's output), "
                             f"not logits or labels outside [0, 1]")


class MSELoss(Loss):
    r"""Mean squared error, as torch.nn.MSELoss: the mean over all N*C entries.

    Forward:   L = 1/(N C) sum_{n,i} (a_ni - y_ni)^2                  A, Y: (N, C) (any shape)
    Backward:  dL/dA = 2 (A - Y) / (N C)                                (N, C)

    Notation: in this paragraph, the slides' letters: Y is the network's output (our A) and d the
    target (our Y), NOTATION.md, "Two clashes". The slides' L2 divergence is
    Div = 1/2 ||Y - d||^2 per example (eq. 5.1), and
    L = (2 / C) * mean_n Div_n, so dL/dA = (2 / (N C)) (Y - d) against the slides'
    per-example gradient Y - d (eq. 5.2). Derived in lectures/03_divergences.ipynb.
    """

    cache = ("diff",)

    def forward(self, A, Y):
        """L = mean((A - Y)^2). A: (N, C) predictions, Y: (N, C) targets. Returns a float."""
        self._check_pair(A, Y)
        # YOUR CODE HERE
        raise NotImplementedError("MSELoss.forward is not implemented yet: see its docstring")

    def backward(self):
        """dL/dA = 2 (A - Y) / (N C), where N C = A.size. Returns dLdA: shape of A."""
        self._cached("backward", "diff")
        # YOUR CODE HERE
        raise NotImplementedError("MSELoss.backward is not implemented yet: see its docstring")

    diff = None


class BCELoss(Loss):
    r"""Binary cross-entropy on probabilities, as torch.nn.BCELoss.

    Forward:   L = -1/(N C) sum [ y log a + (1 - y) log(1 - a) ]   A, Y: (N, C) in [0, 1]
    Backward:  dL/dA = (a - y) / (a (1 - a)) / (N C)                (N, C)

    Per entry this is the slides' binary divergence (eq. 5.3), whose derivative is
    -1/a for d = 1 and 1/(1 - a) for d = 0 (eq. 5.4). Like torch, each log is
    clamped at -100 and a(1 - a) at 1e-12, so a sigmoid that saturated to exactly
    0 or 1 still gives a finite loss and gradient. Inputs and targets outside
    [0, 1] are an error. Derived in lectures/03_divergences.ipynb.
    """

    cache = ("A", "Y")

    def forward(self, A, Y):
        """L = -mean(Y log A + (1 - Y) log(1 - A)). A, Y: (N, C) probabilities. Returns a float."""
        self._check_pair(A, Y)
        self._check_probabilities("A", A)
        self._check_probabilities("Y", Y)
        # YOUR CODE HERE
        raise NotImplementedError("BCELoss.forward is not implemented yet: see its docstring")

    def backward(self):
        """dL/dA = (A - Y) / max(A (1 - A), 1e-12) / (N C). Returns dLdA: shape of A."""
        self._cached("backward", "A")
        # YOUR CODE HERE
        raise NotImplementedError("BCELoss.backward is not implemented yet: see its docstring")

    A = None


class CrossEntropyLoss(Loss):
    r"""Softmax followed by cross-entropy, on logits, as torch.nn.CrossEntropyLoss.

    A: (N, C) logits (not probabilities). Y: class indices (N,) of an integer
    dtype, or probability / one-hot targets (N, C). With label smoothing alpha the
    target becomes D = (1 - alpha) Y + alpha / C (Y one-hot for indices):
        Forward:   L = -1/N sum_n sum_i d_ni log softmax(a_n)_i     (eqs. 5.5, 5.7)
        Backward:  dL/dA = (softmax(A) - D) / N                        (N, C)  (eq. 5.8)

    The slides' smoothing puts 1 - (K-1) eps at the class and eps elsewhere
    (eq. 5.7): that is torch's label_smoothing alpha with eps = alpha / C (K = C).
    Computed with log-softmax, so logits of size 1e4 give finite values.
    Derived in lectures/03_divergences.ipynb.
    """

    cache = ("P", "D")

    def __init__(self, label_smoothing=0.0):
        super().__init__()
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], "
                             f"got {label_smoothing}")
        self.label_smoothing = label_smoothing

    def _targets(self, A, Y):
        """The (N, C) target distribution D: one-hot or given probabilities, then smoothed."""
        N, C = A.shape
        if np.issubdtype(Y.dtype, np.integer):
            self._check("forward", "Y", Y, shape=(N,), floating=False)
            if Y.size and (Y.min() < 0 or Y.max() >= C):
                raise ValueError(f"{self!r}.forward: class indices in Y must be in [0, {C - 1}], "
                                 f"found {Y.min() if Y.min() < 0 else Y.max()}")
            D = np.zeros_like(A)
            D[np.arange(N), Y] = 1.0
        else:
            if Y.ndim == 1:
                raise ValueError(f"{self!r}.forward: Y of shape {Y.shape} holds class indices but its "
                                 f"dtype is {Y.dtype}; convert them with Y.astype(int), or pass "
                                 f"probability targets of shape ({N}, {C})")
            self._check("forward", "Y", Y, shape=(N, C))
            self._check_probabilities("Y", Y)
            D = Y
        # YOUR CODE HERE
        raise NotImplementedError("CrossEntropyLoss._targets is not implemented yet: see its docstring")

    def forward(self, A, Y):
        """L = -mean_n sum_i D_ni log softmax(A_n)_i. A: (N, C) logits;
        Y: (N,) integer class indices or (N, C) probabilities. Returns a float."""
        self._check("forward", "A", A, shape=("N", "C"))
        if not isinstance(Y, np.ndarray):
            raise ValueError(f"{self!r}.forward: Y must be a numpy array, got {type(Y).__name__}")
        D = self._targets(A, Y)
        # YOUR CODE HERE
        raise NotImplementedError("CrossEntropyLoss.forward is not implemented yet: see its docstring")

    def backward(self):
        """dL/dA = (softmax(A) - D) / N (eq. 5.8). Returns dLdA: (N, C)."""
        self._cached("backward", "P")
        # YOUR CODE HERE
        raise NotImplementedError("CrossEntropyLoss.backward is not implemented yet: see its docstring")

    P = None

    def __repr__(self):
        return f"CrossEntropyLoss(label_smoothing={self.label_smoothing})"
