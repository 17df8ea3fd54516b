"""The visible tests: what a student runs in the notebooks and with `python -m autograder check`.

Their inputs are public (seed VISIBLE_SEED) and their expected values ship with the
homework in visible_refs.npz, so a failure shows the values that differ.
"""
from pathlib import Path

from .run import load, run_part

REFS = Path(__file__).with_name("visible_refs.npz")
VISIBLE_SEED = 11785
_refs = None


def result(part, target):
    """The PartResult of `part` on `target` (the student's mytorch, or a notebook's globals())."""
    global _refs
    _refs = _refs or load(REFS)
    return run_part(part, target, _refs)


def check(part, target):
    """Print a verdict for `part`; raise AssertionError (the test cell fails) if it earns nothing.
    Partial credit (the training part's accuracy between its thresholds) prints and returns, so
    that the hidden tests after it in the cell still run when grading: they decide the score."""
    r = result(part, target)
    if not r.passed and not r.fraction:
        raise AssertionError("visible test failed: " + r.report(show_values=True)) from None
    print("visible test: " + ("" if r.passed else "partly passed: ") + r.report(show_values=not r.passed))
