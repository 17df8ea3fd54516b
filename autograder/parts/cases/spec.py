"""What every family of parts shares: a part's `Spec` and `Part`, the stability key, and how a
backward part's case is run (`_backward_case`).

A part's `run(target, x, state)` calls the student's code (`target` is their
`mytorch` or, for notebook parts, the notebook's globals) on inputs `x` and returns
(outputs, state): `state` is what the instance cached in forward. A backward part is
judged on what the student's own forward cached, as in a network; only where their forward
raised or returned a wrong value is it judged on the reference's forward state instead, and
the report says so (`_backward_case`), so one mistake does not cost two parts.
"""
import warnings
from dataclasses import dataclass

import numpy as np


# An input key marking a stability case: there a warning (overflow, log of 0) fails the case,
# as a non-finite output does everywhere (`run.outputs` records each such case's warnings).
STABLE = "stability"


@dataclass(frozen=True)
class Spec:
    make: object                 # (rng, hidden) -> list of input dicts
    run: object                  # (target, inputs, state) -> (outputs dict, state dict)
    rtol: float = 1e-6
    mistakes: object = None      # (inputs, state) -> [(hint, wrong value of an output)]; by output
    judge_case: object = None    # (outputs, expected) -> (Verdict, fraction of the points): a
                                 # whole case judged at once, instead of output by output
    truth: object = None         # inputs -> expected outputs, where they are not the reference's
    advice: str = ""             # shown when the part fails and no mistake was recognised
    stateful: bool = False       # a backward part: the reference's forward state is stored with
                                 # its inputs (never a forward part's: that would be its answer)


NB_OPT, NB_MYTORCH, NB_TRAIN = "1_optimisation", "2_mytorch", "3_training"


@dataclass(frozen=True)
class Part:
    """One graded part: one nbgrader grade cell, whose grade_id is `id` (see parts/__init__)."""
    id: str
    notebook: str        # notebook file stem in solutions/hw1/
    points: int
    title: str           # what the student implements, as the table shows it
    spec: Spec           # how its cases are made, run on the student's work and compared


def _arrays(d):
    """The array-valued (and shape-valued) attributes of an instance: its cached state."""
    return {k: np.asarray(v) for k, v in d.items()
            if isinstance(v, np.ndarray) or (k.endswith("_shape") and isinstance(v, tuple))}


def _cached(inst):
    """What a layer's forward cached for backward: the names its class declares in `cache`
    (the reference's do; see mytorch.nn.Module), else every array attribute."""
    names = getattr(type(inst), "cache", None)
    if isinstance(names, tuple) and names:
        return _arrays({k: getattr(inst, k, None) for k in names})
    return _arrays(inst.__dict__)


def _restore(state):
    return {k: (tuple(int(s) for s in v) if k.endswith("_shape") else v) for k, v in state.items()}


def _silently(forward, inst):
    """forward(inst) with its warnings dropped: they are the forward part's, reported there."""
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        return forward(inst)


def _backward_case(make, forward, backward, state, get_state=None, set_state=None):
    """Run a backward part's case twice: on the student's own forward, and on the reference's.

    Own run: a fresh instance from `make()`, the student's `forward(inst)` (its outputs kept
    as "forward/<name>", so the judge can tell whether it was right) and `backward(inst)` on
    what that forward cached: a forward that returns the right value but caches a wrong one
    loses the backward part, as it would in a network. If it raises, its error is kept as
    "error/own". Injected run (only where `state`, the reference's cached state on these
    inputs, is given: in checks, never when references are made): the student's forward, then
    the reference's state put in its place, then backward, as "injected/<name>". The judge
    uses the injected outputs only when the student's forward raised or returned a wrong
    value, and says so (`run.judge`). Returns (outputs, the state the own forward cached).
    `get_state`, `set_state`: how to read and replace an instance's cached state (default:
    its array attributes).
    """
    get_state = get_state or _cached
    set_state = set_state or (lambda inst, state: inst.__dict__.update(_restore(state)))
    inst, out, cached = make(), {}, {}
    try:
        out.update({f"forward/{k}": v for k, v in _silently(forward, inst).items()})
        cached = get_state(inst)
        out.update(backward(inst))
    except Exception as e:
        if state is None:
            raise
        from ..run import where
        out["error/own"] = np.array(f"{type(e).__name__}: {str(e)[:300]}{where(e)}")
    if state:
        inst = make()
        try:
            _silently(forward, inst)
        except Exception:
            pass
        set_state(inst, state)
        out.update({f"injected/{k}": v for k, v in backward(inst).items()})
    return out, cached


# ---- inputs and calls several families use -------------------------------------------------
def _huge(rng, shape):
    """Entries of magnitude 1e2 to 2e4 and both signs, one small per row: exp overflows on them."""
    Z = rng.choice([-1.0, 1.0], shape) * rng.uniform(1e2, 2e4, shape)
    Z[:, 0] = rng.uniform(-1, 1, shape[0])
    return Z


def _answer(ns, name):
    """The notebook's function `name`; if its cell never defined it (not run, or it still raises
    the stub's NotImplementedError before the def), a NameError that says so, not a KeyError."""
    if name not in ns:
        raise NameError(f"{name}() is not defined: answer the cell that defines it and run it "
                        f"(a cell that still raises NotImplementedError stops before its def)")
    return ns[name]
