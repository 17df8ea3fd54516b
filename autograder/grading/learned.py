"""The training part's learned weights, run through the reference forward pass.

The student's train() ran in the sandboxed kernel, which recorded the model's layer names and
each Linear's W{k}, b{k} (cases.training._run_training). Here, in the grading process, they
become a network of the REFERENCE layers, evaluated on test digits the kernel was never given:
whatever the student's classes do in forward, only weights that classify earn points. Everything
read comes from a record the student's code could have written, so everything is checked first.
"""
import threading

import numpy as np

from ..parts.data import digits
from ..parts.cases.training import LAYERS, pixel_order

INPUT_WIDTH, CLASSES = 64, 10
MAX_LAYERS, MAX_PARAMETERS = 32, 4_000_000


_reference, _lock = [], threading.Lock()


def _mytorch():
    """The reference library, imported once per process: `grade` judges students in threads, and
    importing it again (course.paths.reference) replaces its modules under another thread."""
    with _lock:
        if not _reference:
            from ..course.paths import reference
            _reference.append(reference())
        return _reference[0]


def network(out):
    """A reference Sequential with the recorded layers and weights; ValueError if they are not a
    plain MLP from 64 inputs to 10 outputs."""
    mt = _mytorch()
    names = out.get("layers")
    if names is None or names.dtype.kind != "U" or names.ndim != 1 or not 0 < names.size <= MAX_LAYERS:
        raise ValueError("no list of layers was recorded")
    layers, width, total = [], INPUT_WIDTH, 0
    for k, name in enumerate(map(str, names)):
        if name not in LAYERS:
            raise ValueError(f"layer {k} is a {name!r}, not one of {', '.join(LAYERS)}")
        if name != "Linear":
            layers.append(getattr(mt.nn, name)())
            continue
        W, b = out.get(f"W{k}"), out.get(f"b{k}")
        if W is None or b is None or W.ndim != 2 or b.shape != W.shape[:1] or W.dtype.kind != "f" \
                or b.dtype.kind != "f":
            raise ValueError(f"layer {k} (Linear) has no weights W of shape (out, in) and b of shape (out,)")
        if W.shape[1] != width:
            raise ValueError(f"layer {k} (Linear) takes {W.shape[1]} inputs where {width} arrive")
        total += W.size + b.size
        if total > MAX_PARAMETERS or not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"layer {k} (Linear): weights not finite, or more than {MAX_PARAMETERS} in all")
        layer = mt.nn.Linear(W.shape[1], W.shape[0])
        layer.W, layer.b, width = W.astype(float), b.astype(float), W.shape[0]
        layers.append(layer)
    if width != CLASSES:
        raise ValueError(f"the network ends with {width} outputs, not one per class ({CLASSES})")
    return mt.nn.Sequential(*layers)


def predict(out, X):
    """The predicted classes of the recorded network on X (N, 64): (N,) ints."""
    with np.errstate(all="ignore"):          # a diverged network's overflow is its own low score
        return np.argmax(network(out).forward(X), axis=1)


def evaluated(out, truth):
    """A hidden training case made judgeable as a public one is: (the record replaced by the
    predictions of its weights on the secret test rows, or by why there are none; their labels).
    Nothing the kernel wrote (its own "predictions", say) survives."""
    X, y = digits()
    rows = truth["test"]
    try:
        got = {"predictions": predict(out, pixel_order(X[rows], truth))}
    except ValueError as e:
        got = {"unevaluable": str(e)}
    return got, {"predictions": y[rows]}
