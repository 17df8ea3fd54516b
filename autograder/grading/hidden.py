"""The hidden tests: computed in the student's kernel, judged in the grading process.

A grade cell's hidden region calls `record(part, target)`: it runs the student's code on
the hidden inputs (hidden_inputs.npz, from the semester's seed) and writes the outputs to
`.autograder_records/` beside the notebook. The expected values never enter the kernel:
they live in secret/hidden_expected.npz, which the grading kernel's sandbox hides, and the
grading process judges the records (`judge`). So a student's code that patches numpy, the
checks or the builtins, searches the test's frames, or prints a fake score gains nothing:
what counts is only what their code computed on inputs it could not know in advance.

Instructor only: never shipped to students (the release bundle copies an allow-list).
"""
import json
from pathlib import Path

import numpy as np

from ..parts import run as checker

HERE = Path(__file__).parent
INPUTS = HERE / "hidden_inputs.npz"
EXPECTED = HERE / "secret" / "hidden_expected.npz"
RECORDS = ".autograder_records"
_loaded = {}


def _refs(path):
    """checker.load(path), once per process."""
    if path not in _loaded:
        _loaded[path] = checker.load(path)
    return _loaded[path]


def _cases(part):
    return _refs(INPUTS)[part]


def record(part, target, folder="."):
    """Run `part` on the hidden inputs and save the outputs for the grader. Prints one line."""
    results, error, caught = checker.outputs(part, target, _cases(part))
    out = Path(folder) / RECORDS
    out.mkdir(exist_ok=True)
    arrays = {f"{k}/{name}": np.asarray(v) for k, r in enumerate(results) for name, v in r.items()
              if _storable(v)}
    np.savez(out / f"{part}.npz", **arrays)
    (out / f"{part}.json").write_text(json.dumps({"error": error, "warnings": caught, "cases": len(results)}))
    print("hidden tests: outputs recorded; they are judged when grading")


def _storable(v):
    try:
        return np.asarray(v).dtype != object
    except Exception:
        return False


def judge(part, folder, cell_error=""):
    """The PartResult of `part` from the records in `folder` (an autograded notebook's folder).

    cell_error: the error its test cell ended with, to explain records that are missing."""
    cases = [dict(c) for c in _cases(part)]
    for case, exp in zip(cases, _refs(EXPECTED)[part]):
        case["expected"] = exp["expected"]
    meta_path, data_path = Path(folder) / RECORDS / f"{part}.json", Path(folder) / RECORDS / f"{part}.npz"
    try:
        meta = json.loads(meta_path.read_text())
        results = [{} for _ in range(int(meta["cases"]))]
        with np.load(data_path, allow_pickle=False) as data:
            for key in data.files:
                k, name = key.split("/", 1)
                results[int(k)][name] = data[key]
    except Exception as e:   # missing, deleted or forged records: nothing was computed here
        why = (f"the test cell stopped: {cell_error[:600]}" if cell_error else
               f"no usable hidden-test outputs ({type(e).__name__}): the test cell did not finish")
        return checker.PartResult(part, False, error=why)
    return checker.judge(part, cases, results, meta.get("error", ""), meta.get("warnings", []))
