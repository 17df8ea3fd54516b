"""The hidden tests, run only when grading: more and harder cases, from the semester's seed.

Instructor only: never shipped to students (the release bundle leaves this module and
hidden_refs.npz out, and a test checks it). Failure messages say where and how much an
output differs, never the reference value itself, because they reach the feedback.
"""
from pathlib import Path

from .checker import load, run_part

REFS = Path(__file__).with_name("hidden_refs.npz")
_refs = None


def check(part, target):
    """Raise AssertionError (the grade cell scores zero) unless `part` passes every hidden case."""
    global _refs
    _refs = _refs or load(REFS)
    r = run_part(part, target, _refs)
    if not r.passed:
        raise AssertionError("hidden test failed: " + r.report(show_values=False)) from None
    print("hidden test: passed")
