"""Layers, activations, losses and the container, named as in torch.nn."""
from .activation import Identity, ReLU, Sigmoid, Softmax, Tanh
from .linear import Linear
from .loss import BCELoss, CrossEntropyLoss, MSELoss
from .module import Module, Parameter
from .sequential import Sequential

__all__ = ["Module", "Parameter", "Linear", "Identity", "Sigmoid", "Tanh", "ReLU", "Softmax",
           "MSELoss", "BCELoss", "CrossEntropyLoss", "Sequential"]
