"""A chain of layers: forward in order, backward in reverse (lectures/05_backprop.ipynb)."""
from .module import Module


class Sequential(Module):
    r"""Layers applied in order: A_k = layer_k(A_{k-1}), A_0 = X.

    backward(dLdA) runs the layers in reverse, each turning the gradient w.r.t.
    its output into the gradient w.r.t. its input (the chain rule, eq. 7.1,
    lectures/04_gd_and_chain_rule.ipynb), and returns dL/dX. Shapes are those of the
    first layer's input and the last layer's output. Derived in lectures/05_backprop.ipynb.
    """

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, A):
        """Return layer_L(... layer_1(A)). A: (N, in) of the first layer; returns (N, out) of the last."""
        # YOUR CODE HERE
        raise NotImplementedError("Sequential.forward is not implemented yet: see its docstring")

    def backward(self, dLdA):
        """Return dL/dX, passing dLdA through every layer's backward in reverse order.

        dLdA: (N, out) gradient w.r.t. the last layer's output; returns (N, in).
        """
        # YOUR CODE HERE
        raise NotImplementedError("Sequential.backward is not implemented yet: see its docstring")

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"{type(self).__name__}({inner}\n)"
