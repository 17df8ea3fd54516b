"""Ready-made models."""
from .mlp import MLP

__all__ = ["MLP"]
