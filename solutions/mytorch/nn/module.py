"""What every layer and loss shares: a parameter list, input checks, a repr.

The scaling rule of the whole package, stated once (eq. 6.2 and NOTATION.md, "Where the 1/T goes"):
layers never divide by the batch size N. Only a loss's mean reduction does, so
every gradient that reaches a layer already carries the 1/N of the mean.
"""
import inspect
from pathlib import Path

import numpy as np


class Parameter:
    """One trainable array of a module, paired with its gradient: what SGD updates.

    `data` and `grad` are the module's own arrays (e.g. `Linear.W` and
    `Linear.dLdW`), read afresh each time, so an optimiser always sees the
    gradient the last `backward` wrote.
    """

    def __init__(self, module, name, grad_name):
        self.module, self.name, self.grad_name = module, name, grad_name

    @property
    def data(self):
        return getattr(self.module, self.name)

    @data.setter
    def data(self, value):
        setattr(self.module, self.name, value)

    @property
    def grad(self):
        return getattr(self.module, self.grad_name)

    @grad.setter
    def grad(self, value):
        setattr(self.module, self.grad_name, value)

    def __repr__(self):
        return f"Parameter({type(self.module).__name__}.{self.name}, shape={self.data.shape})"


class Module:
    """Base class: `forward`, `backward`, `parameters()` and friendly errors.

    `cache` names what forward stores for backward; each starts as None here, so a backward
    called first fails with a clear message (`_cached`). Those names, the parameters and their
    gradients (`W`, `b`, `dLdW`, `dLdb`) are part of the homework's contract: the grader and
    SGD read them by name, so keep them.

    Unlike torch, which adds each backward's gradients into `.grad` until `zero_grad`, a
    mytorch backward overwrites `dLdW` and `dLdb`; `SGD.zero_grad` still sets them to zero, so
    a torch-style loop (zero_grad, forward, backward, step) works unchanged.
    """

    cache = ()

    def __init__(self):
        for name in self.cache:
            setattr(self, name, None)

    def parameters(self):
        """The trainable arrays of this module (none by default)."""
        return []

    def __call__(self, *args):
        return self.forward(*args)

    def __repr__(self):
        return f"{type(self).__name__}()"

    # -- input checks: a ValueError that names the layer, what it expected, what it got
    def _check(self, method, name, x, shape=None, ndim=None, floating=True):
        """Validate array `x` passed as argument `name` of `method`.

        `shape` is a tuple with an int for a fixed size and a str for a free one
        ("N", "C"), e.g. ("N", 3); `ndim` is a minimum number of axes instead.
        """
        where = f"{self!r}.{method}"
        if not isinstance(x, np.ndarray):
            raise ValueError(f"{where}: {name} must be a numpy array, got {type(x).__name__}; "
                             f"wrap it with np.asarray(...)")
        if floating and not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"{where}: {name} must hold floats (float32 or float64), got dtype "
                             f"{x.dtype}; convert it with {name}.astype(np.float64)")
        if shape is not None:
            ok = x.ndim == len(shape) and all(
                isinstance(s, str) or s == d for s, d in zip(shape, x.shape))
            if not ok:
                expected = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
                raise ValueError(f"{where}: expected {name} of shape {expected}, "
                                 f"got shape {x.shape}")
        if ndim is not None and x.ndim < ndim:
            raise ValueError(f"{where}: expected {name} with at least {ndim} "
                             f"axis{'es' if ndim > 1 else ''}, got shape {x.shape}")
        return x

    def _cached(self, method, name):
        """The array `forward` stored under `name`; a clear error if forward has not run, or ran
        without storing it (the error names the file of the forward that should have)."""
        value = getattr(self, name, None)
        if value is None:
            if type(self).__module__ == "__main__":             # a class defined in a notebook's cell
                file = "your notebook"
            else:
                source = Path(inspect.getfile(type(self)))
                file = "/".join(source.parts[source.parts.index("mytorch"):]) if "mytorch" in source.parts else source.name
            raise RuntimeError(f"{self!r}.{method}: call forward before backward (nothing is stored in "
                               f"self.{name} yet; if forward ran, does {type(self).__name__}.forward in "
                               f"{file} set self.{name} = ...?)")
        return value
