"""A multi-layer perceptron built from the sizes of its layers.

Each Linear and activation computes eqs. 3.1-3.2 (lectures/02_network_and_activations.ipynb)
for a batch of rows.
"""
from .. import nn


class MLP(nn.Sequential):
    r"""Linear(D_0, D_1), f, Linear(D_1, D_2), f, ..., Linear(D_{L-1}, D_L).

    sizes = [D_0, ..., D_L]: input width, hidden widths, output width. The last
    layer has no activation: its outputs are logits for CrossEntropyLoss (which
    applies the softmax) or real values for MSELoss. activation: a class from
    mytorch.nn (default ReLU) or its name ("relu", "tanh", "sigmoid", "identity").
    X: (N, D_0) -> (N, D_L).
    """

    ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}

    def __init__(self, sizes, activation=nn.ReLU, rng=None):
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs an input and an output width, got {sizes}")
        if isinstance(activation, str):
            if activation.lower() not in self.ACTIVATIONS:
                raise ValueError(f"MLP: unknown activation {activation!r}; "
                                 f"choose one of {sorted(self.ACTIVATIONS)}")
            activation = self.ACTIVATIONS[activation.lower()]
        self.sizes = list(sizes)
        layers = []
        for d_in, d_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(d_in, d_out, rng=rng), activation()]
        super().__init__(*layers[:-1])
