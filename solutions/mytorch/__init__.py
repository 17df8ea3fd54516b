"""mytorch: a small numpy deep-learning library, written layer by layer from the slides.

Batches are rows (N examples). Layers never divide by N; only a loss's mean does.
"""
from . import gradcheck, models, nn, optim, unitwise

__version__ = "0.1.0"
__all__ = ["nn", "optim", "models", "gradcheck", "unitwise"]
