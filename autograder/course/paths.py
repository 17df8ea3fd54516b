"""Where the course's pieces live, relative to the repository root (instructor only)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
REFERENCE = SOLUTIONS / "mytorch"        # the reference library (instructor only)
STUBS = ROOT / "mytorch"                 # the student package, generated from REFERENCE
# The hidden cases (course/references.py writes them, grading/hidden.py reads them): the inputs,
# which the grading kernel reads, and the expected values, which its sandbox hides.
HIDDEN_INPUTS = ROOT / "autograder" / "grading" / "hidden_inputs.npz"
HIDDEN_EXPECTED = ROOT / "autograder" / "grading" / "secret" / "hidden_expected.npz"


def reference():
    """The reference library from solutions/mytorch, as module `mytorch_reference`."""
    from ..student.importer import load_package
    return load_package(REFERENCE, "mytorch_reference")
