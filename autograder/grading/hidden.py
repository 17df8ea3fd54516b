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

from ..course.paths import HIDDEN_EXPECTED as EXPECTED, HIDDEN_INPUTS as INPUTS
from ..parts import run as checker
from .files import read_regular

RECORDS = ".autograder_records"
_loaded = {}


def _refs(path):
    """checker.load(path), once per process."""
    if path not in _loaded:
        _loaded[path] = checker.load(path)
    return _loaded[path]


def _cases(part):
    return _refs(INPUTS)[part]


RECORD_ENV = "AUTOGRADER_RECORD"     # set only in a grading kernel (sandbox._environment)


def record(part, target, folder="."):
    """Run `part` on the hidden inputs and save the outputs for the grader. Prints one line.

    Outside a grading kernel nothing is written: the reference's outputs on the hidden inputs
    are the hidden expected values, and `nbgrader validate` on the instructor's notebooks would
    otherwise leave them beside the source, for generate_assignment to copy into the release."""
    import os
    results, error, caught = checker.outputs(part, target, _cases(part))
    if os.environ.get(RECORD_ENV) != "1":
        print("hidden tests ran; their outputs are recorded only when grading")
        return
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


MAX_RECORD_BYTES = 16 * 2 ** 20       # a part's outputs are kilobytes; a record is read from a
MAX_ARRAY_BYTES = 64 * 2 ** 20        # folder the student's code could write: everything is bounded


class RecordError(ValueError):
    """A record that is not what `record` writes: a link, too large, malformed, the wrong kind."""


def read_records(part, folder, n_cases):
    """(outputs per case, error, warnings) that `record` wrote for `part` in `folder`.

    Refuses, with RecordError, anything `record` does not write: a link anywhere, a file over
    its bound, more cases than the part has, an array that is not plain numbers or text, an
    array that would unpack to more than MAX_ARRAY_BYTES."""
    import io
    import zipfile
    records = Path(folder) / RECORDS
    if records.is_symlink() or (records.exists() and not records.is_dir()):
        raise RecordError(f"{RECORDS} is a link or not a folder")
    if not records.exists():
        raise FileNotFoundError(records)
    meta = json.loads(read_regular(records / f"{part}.json", MAX_RECORD_BYTES, RecordError))
    if not isinstance(meta, dict) or type(meta.get("cases")) is not int or not 0 <= meta["cases"] <= n_cases:
        raise RecordError(f"{part}.json does not say how many of the {n_cases} cases ran")
    error, caught = meta.get("error", ""), meta.get("warnings", [])
    if not isinstance(error, str) or not isinstance(caught, list) or not all(isinstance(w, str) for w in caught):
        raise RecordError(f"{part}.json: error and warnings are not text")
    data = read_regular(records / f"{part}.npz", MAX_RECORD_BYTES, RecordError)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if sum(i.file_size for i in z.infolist()) > MAX_ARRAY_BYTES:
            raise RecordError(f"{part}.npz unpacks to more than {MAX_ARRAY_BYTES // 2 ** 20} MB")
    results = [{} for _ in range(meta["cases"])]
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        for key in arrays.files:
            k, _, name = key.partition("/")
            if not k.isdigit() or int(k) >= len(results) or not name:
                raise RecordError(f"{part}.npz: {key!r} names no case")
            value = arrays[key]
            if value.dtype.kind not in "biufUS" or value.dtype.fields is not None:
                raise RecordError(f"{part}.npz: {key} holds {value.dtype}, not numbers or text")
            results[int(k)][name] = value
    return results, error[:1000], [w[:300] for w in caught[:20]]


def judge(part, folder, cell_error=""):
    """The PartResult of `part` from the records in `folder` (the kernel's scratch folder).

    cell_error: the error its test cell ended with, to explain records that are missing."""
    cases = [dict(c) for c in _cases(part)]
    for case, exp in zip(cases, _refs(EXPECTED)[part]):
        case["expected"] = exp["expected"]
    try:
        results, error, caught = read_records(part, folder, len(cases))
    except FileNotFoundError:
        why = (f"the test cell stopped: {cell_error[:600]}" if cell_error else
               "no hidden-test outputs: the test cell did not finish")
        return checker.PartResult(part, False, error=why)
    except Exception as e:   # forged or damaged records: nothing usable was computed here
        return checker.PartResult(part, False, error=f"its hidden-test outputs were refused ({type(e).__name__}: "
                                                     f"{str(e)[:300]}): scored zero")
    return judge_outputs(part, cases, results, error, caught)


def judge_outputs(part, cases, results, error="", caught=()):
    """checker.judge on hidden cases, after the one step only the grading process can take: a
    training record's weights are evaluated on the secret test rows (learned.evaluated)."""
    if part == "training":
        from .learned import evaluated
        pairs = [evaluated(r, c["expected"]) for r, c in zip(results, cases)]
        results = [r for r, _ in pairs]
        cases = [dict(c, expected=e) for c, (_, e) in zip(cases, pairs)]
    return checker.judge(part, cases, results, error, caught)
