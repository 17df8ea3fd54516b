"""Activations A = f(Z) and their backward passes (eqs. 3.3, 8.6-8.8, 9.1-9.2; symbols in NOTATION.md).

Scalar activations act element by element, so their Jacobian is diagonal and
backward is a product (eq. 10.5): dL/dZ = dL/dA * f'(Z), with f'(Z) written from
what forward stored (eqs. 8.6-8.8). Softmax is a vector activation: every output
depends on every input, so backward multiplies by each row's full Jacobian (eq. 9.2).
Any shape works; Softmax normalises over the last axis.
"""
import numpy as np

from .module import Module


class Activation(Module):
    """Shared checks: forward stores Z's shape, backward insists on the same shape."""

    def _check_forward(self, Z):
        self._check("forward", "Z", Z, ndim=1)
        self.Z_shape = Z.shape

    def _check_backward(self, dLdA):
        for name in self.cache:
            self._cached("backward", name)
        shape = self.Z_shape
        return self._check("backward", "dLdA", dLdA, shape=shape)



class Identity(Activation):
    r"""A = Z; dL/dZ = dL/dA (f'(z) = 1, eq. 8.8). Shapes: Z, A, dLdA, dLdZ all alike.

    Used as the output activation of a regression network. Derived in
    lectures/02_network_and_activations.ipynb.
    """

    cache = ("Z_shape",)

    def forward(self, Z):
        """A = Z. Z: any shape; returns A of the same shape."""
        self._check_forward(Z)
        # YOUR CODE HERE
        raise NotImplementedError("Identity.forward is not implemented yet: see its docstring")

    def backward(self, dLdA):
        """dL/dZ = dL/dA * 1. dLdA: shape of Z; returns dLdZ of the same shape."""
        self._check_backward(dLdA)
        # YOUR CODE HERE
        raise NotImplementedError("Identity.backward is not implemented yet: see its docstring")


class Sigmoid(Activation):
    r"""A = sigma(Z) = 1 / (1 + exp(-Z)) (eq. 3.3); dL/dZ = dL/dA * A (1 - A) (eq. 8.6).

    Shapes: Z, A, dLdA, dLdZ all alike. Stable for |Z| of 1e4: exp is only ever
    taken of -|Z|, so it never overflows. Derived in lectures/02_network_and_activations.ipynb.
    """

    cache = ("Z_shape", "A")

    def forward(self, Z):
        """A = 1 / (1 + exp(-Z)), element-wise, computed without overflow.

        Z: any shape; returns A of the same shape, each entry in [0, 1]. Stores A.
        """
        self._check_forward(Z)
        # YOUR CODE HERE
        raise NotImplementedError("Sigmoid.forward is not implemented yet: see its docstring")

    def backward(self, dLdA):
        """dL/dZ = dL/dA * A * (1 - A). dLdA: shape of Z; returns dLdZ of that shape."""
        self._check_backward(dLdA)
        # YOUR CODE HERE
        raise NotImplementedError("Sigmoid.backward is not implemented yet: see its docstring")


class Tanh(Activation):
    r"""A = tanh(Z) (eq. 3.3); dL/dZ = dL/dA * (1 - A^2) (eq. 8.7).

    Shapes: Z, A, dLdA, dLdZ all alike. Derived in lectures/02_network_and_activations.ipynb.
    """

    cache = ("Z_shape", "A")

    def forward(self, Z):
        """A = tanh(Z), element-wise. Z: any shape; returns A of the same shape. Stores A."""
        self._check_forward(Z)
        # YOUR CODE HERE
        raise NotImplementedError("Tanh.forward is not implemented yet: see its docstring")

    def backward(self, dLdA):
        """dL/dZ = dL/dA * (1 - A^2). dLdA: shape of Z; returns dLdZ of that shape."""
        self._check_backward(dLdA)
        # YOUR CODE HERE
        raise NotImplementedError("Tanh.backward is not implemented yet: see its docstring")


class ReLU(Activation):
    r"""A = max(Z, 0) (eq. 3.3); dL/dZ = dL/dA * [Z > 0] (eq. 8.8).

    At Z = 0 ReLU has no derivative; we use the subgradient 0, as torch does
    (lectures/06_vector_form.ipynb, assumption 3). Shapes: Z, A, dLdA, dLdZ all alike.
    Derived in lectures/02_network_and_activations.ipynb.
    """

    cache = ("Z_shape", "Z")

    def forward(self, Z):
        """A = max(Z, 0), element-wise. Z: any shape; returns A of the same shape. Stores Z."""
        self._check_forward(Z)
        # YOUR CODE HERE
        raise NotImplementedError("ReLU.forward is not implemented yet: see its docstring")

    def backward(self, dLdA):
        """dL/dZ = dL/dA where Z > 0, else 0. dLdA: shape of Z; returns dLdZ of that shape."""
        self._check_backward(dLdA)
        # YOUR CODE HERE
        raise NotImplementedError("ReLU.backward is not implemented yet: see its docstring")


class Softmax(Activation):
    r"""Softmax over the last axis, a vector activation (eqs. 3.4, 9.1 and 9.2).

    Forward, per row:   a_i = exp(z_i) / sum_j exp(z_j)                     (eq. 3.4)
    Backward, per row:  dL/dz_i = sum_j dL/da_j * da_j/dz_i                  (eq. 9.1)
                        with the Jacobian da_j/dz_i = a_j (delta_ij - a_i)   (eq. 9.2)
    Shapes: Z, A, dLdA, dLdZ are (..., C); the Jacobian of each row is (C, C).
    Stable for |Z| of 1e4: the row maximum is subtracted before exp, which the
    ratio does not notice. Derived in lectures/06_vector_form.ipynb.
    """

    cache = ("Z_shape", "A")

    def forward(self, Z):
        """A = exp(Z - max) / sum(exp(Z - max)) along the last axis.

        Z: (..., C); returns A: (..., C), each row non-negative and summing to 1. Stores A.
        """
        self._check_forward(Z)
        # YOUR CODE HERE
        raise NotImplementedError("Softmax.forward is not implemented yet: see its docstring")

    def jacobian(self):
        """The (..., C, C) Jacobians J[..., j, i] = da_j/dz_i = a_j (delta_ij - a_i) (eq. 9.2)."""
        A = self._cached("jacobian", "A")
        # YOUR CODE HERE
        raise NotImplementedError("Softmax.jacobian is not implemented yet: see its docstring")

    def backward(self, dLdA):
        """dL/dZ row by row: dLdZ[n] = J[n]^T dLdA[n], J[n] the row's full Jacobian (eq. 9.1).

        dLdA: (..., C); returns dLdZ: (..., C).
        """
        self._check_backward(dLdA)
        # YOUR CODE HERE
        raise NotImplementedError("Softmax.backward is not implemented yet: see its docstring")

    A = None

    def __repr__(self):
        return "Softmax(dim=-1)"
