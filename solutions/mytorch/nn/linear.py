"""The affine layer Z = A W^T + 1 b^T (eq. 10.1, lectures/06_vector_form.ipynb)."""
import numpy as np

from .module import Module, Parameter


class Linear(Module):
    r"""Affine layer, the vector form of the slides' weighted sum (eq. 3.1).

    Forward, eq. (10.1), for a batch of N rows:

        Z = A W^T + 1_N b^T              A: (N, in)   W: (out, in)   b: (out,)   Z: (N, out)

    Backward, given dL/dZ (N, out), eqs. (10.2)-(10.4):

        dL/dA = dL/dZ W                  (N, in)
        dL/dW = (dL/dZ)^T A              (out, in)   entry [j, i] sums y_i dDiv/dz_j (eq. 8.3) over the batch
        dL/db = (dL/dZ)^T 1_N            (out,)      column sums of dL/dZ (eq. 8.4)

    W[j, i] is the slides' w_ij: unit i of the layer below to unit j of this one.
    No 1/N here: the loss's mean already put it into dL/dZ (the package's one scaling rule).
    Initialised as torch.nn.Linear: W and b uniform in [-1/sqrt(in), 1/sqrt(in)].
    Derived in lectures/06_vector_form.ipynb.
    """

    cache = ("A",)

    def __init__(self, in_features, out_features, rng=None):
        self.in_features, self.out_features = in_features, out_features
        rng = np.random if rng is None else rng
        bound = 1.0 / np.sqrt(in_features)
        self.W = rng.uniform(-bound, bound, size=(out_features, in_features))
        self.b = rng.uniform(-bound, bound, size=(out_features,))
        self.dLdW = np.zeros_like(self.W)
        self.dLdb = np.zeros_like(self.b)
        super().__init__()

    def parameters(self):
        return [Parameter(self, "W", "dLdW"), Parameter(self, "b", "dLdb")]

    def forward(self, A):
        r"""Z = A W^T + 1_N b^T (eq. 10.1).

        A: (N, in_features) input batch, one example per row.
        Returns Z: (N, out_features). Stores A, which backward needs for dL/dW.
        """
        self._check("forward", "A", A, shape=("N", self.in_features))
        ### BEGIN SOLUTION
        self.A = A
        return A @ self.W.T + self.b
        ### END SOLUTION

    def backward(self, dLdZ):
        r"""Gradients of the loss through this layer (eqs. 10.2-10.4).

        dLdZ: (N, out_features), the gradient of the loss w.r.t. this layer's output Z.
        Sets self.dLdW = dLdZ^T A: (out_features, in_features)
             self.dLdb = dLdZ^T 1_N: (out_features,)
        Returns dLdA = dLdZ W: (N, in_features).
        """
        A = self._cached("backward", "A")
        self._check("backward", "dLdZ", dLdZ, shape=(A.shape[0], self.out_features))
        ### BEGIN SOLUTION
        self.dLdW = dLdZ.T @ A
        self.dLdb = dLdZ.sum(axis=0)
        return dLdZ @ self.W
        ### END SOLUTION

    def __repr__(self):
        return f"{type(self).__name__}(in_features={self.in_features}, out_features={self.out_features})"
