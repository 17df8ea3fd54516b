"""mytorch: a small numpy deep-learning library, written layer by layer from the slides.

Batches are rows (N examples). Layers never divide by N; only a loss's mean does.

Notation: N is the batch size, a loss's Y the target and A a layer's output (the last one is the
network's output), as in PyTorch. On the slides N is the number of layers, Y the output and d the
target (NOTATION.md, "Two clashes"); only `mytorch.unitwise` keeps the slides' N.
"""
from . import gradcheck, models, nn, optim, unitwise

__version__ = "0.1.0"
__all__ = ["nn", "optim", "models", "gradcheck", "unitwise"]
