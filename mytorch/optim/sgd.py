"""Stochastic gradient descent with momentum (eqs. 6.1 and 6.3, lectures/04_gd_and_chain_rule.ipynb)."""
import numpy as np


class SGD:
    r"""v <- momentum * v + dL/dw,  then  w <- w - lr * v   (eq. 6.3; torch.optim.SGD's momentum).

    With momentum 0 this is the slides' update w <- w - eta dLoss/dw (eq. 6.1). With
    momentum mu, torch's rule: the first step sets v = g, later steps v = mu v + g.
    params: the model's `parameters()`; each has `.data` (updated in place) and `.grad`.
    Derived in lectures/04_gd_and_chain_rule.ipynb (section 6.4 for momentum).
    """

    def __init__(self, params, lr, momentum=0.0):
        self.params = list(params)
        if lr <= 0:
            raise ValueError(f"SGD: lr must be positive, got {lr}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        self.lr, self.momentum = lr, momentum
        self.v = [None] * len(self.params)      # one velocity per parameter, made at the first step

    def step(self):
        """Update every parameter in place from its current gradient."""
        # YOUR CODE HERE
        raise NotImplementedError("SGD.step is not implemented yet: see its docstring")

    def zero_grad(self):
        """Set every gradient to zero (backward overwrites them, so this is for torch's API
        and for a step taken without a backward)."""
        for p in self.params:
            p.grad = np.zeros_like(p.data)

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum}, params={len(self.params)})"
