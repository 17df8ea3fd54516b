"""Run one graded part on a student's work against stored reference values.

`visible.check` (what the notebooks' test cells call) and the student's
`python -m autograder check` run and judge in one go (`run_part`); the hidden tests run
the student's code in the kernel (`outputs`) and are judged in the grading process (`judge`).
"""
import contextlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cases.spec import STABLE, _restore
from .compare import compare
from . import BY_ID, in_points


def load(path):
    """{part: [ {"inputs": {...}, "expected": {...}, "state": {...}} ]} from an .npz."""
    refs = {}
    with np.load(Path(path), allow_pickle=False) as data:
        for key in data.files:
            if key == "seed":
                continue
            part, case, kind, name = key.split("/", 3)
            cases = refs.setdefault(part, [])
            while len(cases) <= int(case):
                cases.append({"inputs": {}, "expected": {}, "state": {}})
            cases[int(case)][kind][name] = data[key]
    return refs


@dataclass
class PartResult:
    part: str
    passed: bool
    verdicts: list = field(default_factory=list)   # (case number, Verdict) pairs
    error: str = ""                                 # what the student's code raised, if it did
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)       # how a case was judged, where it was unusual
    fraction: float = None                          # of the points, where a part gives partial credit

    @property
    def score(self):
        """The points this result earns."""
        return BY_ID[self.part].points * (self.fraction if self.fraction is not None else float(self.passed))

    def report(self, show_values=True):
        p = BY_ID[self.part]
        head = f"{p.title} [{self.part}, {in_points(p.points)}]: {'passed' if self.passed else 'FAILED'}"
        if self.fraction is not None and not self.passed:
            head += f" ({self.score:.1f} of {in_points(p.points)})"
        lines = [head]
        if self.error:
            lines.append(f"  {self.error}")
        for case, v in self.verdicts:
            if not v.passed:
                lines.append(f"  case {case}: " + v.text(show_values))
        lines += [f"  {note}" for note in self.notes]
        lines += [f"  warning raised by your code: {w}" for w in self.warnings]
        return "\n".join(lines)

    @property
    def hints(self):
        return sorted({v.hint for _, v in self.verdicts if v.hint})


def _run_quietly(run, *args):
    """Call the student's code with warnings and stderr captured: in nbgrader any stderr
    output in a test cell scores it zero, and a warning costs points only in a stability case.
    numpy's overflow, division by 0 and invalid values are made warnings here, whatever np.seterr
    said before (underflow to 0 is harmless and stays silent)."""
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(io.StringIO()), \
            np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        result = run(*args)
    return result, sorted({f"{w.category.__name__}: {w.message}" for w in caught})


WARNED = "warnings"     # in a stability case's outputs: the warnings its run raised


def stability(out):
    """The Verdict on a stability case's warnings (recorded by `outputs`; none may be raised)."""
    from .compare import Verdict
    warned = out.get(WARNED)
    if warned is None or warned.dtype.kind not in "US" or warned.ndim != 1:
        return Verdict("stability", False, "no record of the warnings this stability case raised")
    if warned.size:
        return Verdict("stability", False, f"your code raised {'; '.join(map(str, warned[:3]))} on inputs "
                       f"it must handle without overflow", "rewrite it so that no exp overflows and no "
                       "log sees 0: subtract the row maximum (softmax, cross-entropy), take exp only of "
                       "-|z| (sigmoid), use np.tanh, clamp log at -100 (BCE)")
    return Verdict("stability", True)


def outputs(part, target, cases):
    """Run the student's code of `part` on every case: (outputs per case, error, warnings).

    Stops at the first case that raises; `error` then says which case and what was raised."""
    spec, results, seen = BY_ID[part].spec, [], []
    for number, case in enumerate(cases):
        try:
            (out, _), caught = _run_quietly(spec.run, target, case["inputs"], case["state"])
        except Exception as e:   # the student's code raised: this part scores zero
            return results, f"case {number}: {type(e).__name__}: {str(e)[:300]}{where(e)}", seen
        seen += [w for w in caught if w not in seen]
        out = dict(out) if isinstance(out, dict) else {}
        if case["inputs"].get(STABLE):
            out[WARNED] = np.array(caught, dtype=str)
        results.append(out)
    return results, "", seen


def where(error):
    """ " (at mytorch/nn/loss.py:54)": the last line of the student's own code that `error` passed
    through, or "" if it never did (their file is what they can fix, not ours)."""
    import traceback
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "mytorch" in Path(f.filename).parts]
    if not frames:
        return ""
    parts = Path(frames[-1].filename).parts
    return f" (at {'/'.join(parts[len(parts) - parts[::-1].index('mytorch') - 1:])}:{frames[-1].lineno})"


def own_or_injected(expected, out, rtol):
    """Which of a backward case's two runs (cases.spec._backward_case) to judge, and why.

    Returns (outputs, note, error): the own run's outputs when the student's forward returned
    the expected "forward/..." values (then a raise in their backward is `error`), else the
    run on the reference's forward state, with a note saying so. Forward parts pass through."""
    forward = {k: v for k, v in expected.items() if k.startswith("forward/")}
    if not forward:
        return out, "", ""
    wrong = [k[len("forward/"):] for k, v in forward.items() if not compare(k, out.get(k), v, rtol).passed]
    if not wrong:
        error = out.get("error/own")
        return out, "", (str(error) if error is not None else "")
    own_error = out.get("error/own")
    why = (f"raised ({own_error})" if own_error is not None and not any(k in out for k in forward)
           else f"returned a wrong {', '.join(wrong)}")
    injected = {k[len("injected/"):]: v for k, v in out.items() if k.startswith("injected/")}
    return injected, (f"your forward {why}, so backward was judged on the reference's forward "
                      f"state instead of yours"), ""


def judge(part, cases, results, error="", caught=()):
    """Compare each case's outputs with its expected values: a PartResult."""
    spec, result = BY_ID[part].spec, PartResult(part, not error, error=error, warnings=list(caught))
    if error:
        return result
    for number, (case, out) in enumerate(zip(cases, results)):
        own, (out, note, own_error) = out, own_or_injected(case["expected"], out, spec.rtol)
        if case["inputs"].get(STABLE) and not note:    # a wrong forward's warnings are its own part's
            verdict = stability(own)
            result.verdicts.append((number, verdict))
            result.passed &= verdict.passed
        if note:
            result.notes.append(f"case {number}: {note}")
        if own_error:
            result.passed, result.error = False, f"case {number}: {own_error}"
            return result
        A = case["inputs"].get("A", case["inputs"].get("Z"))
        n = A.shape[0] if A is not None and A.ndim >= 1 else None
        c = A.shape[1] if A is not None and A.ndim == 2 else None
        state = {**case["state"], **{k[len("state/"):]: v for k, v in case["expected"].items()
                                     if k.startswith("state/")}}
        mistakes = spec.mistakes(case["inputs"], _restore(state)) if spec.mistakes else {}
        if spec.judge_case:
            verdict, fraction = spec.judge_case(out, case["expected"])
            result.verdicts.append((number, verdict))
            result.passed &= verdict.passed
            result.fraction = min(fraction, 1.0 if result.fraction is None else result.fraction)
            continue
        for name, expected in case["expected"].items():
            if name.startswith(("forward/", "state/")):    # not graded: see own_or_injected, references
                continue
            verdict = compare(name, out.get(name), expected, spec.rtol, n=n, c=c,
                              mistakes=mistakes.get(name, []))
            result.verdicts.append((number, verdict))
            result.passed &= verdict.passed
    failed = [v for _, v in result.verdicts if not v.passed]
    single = sorted({f"{k} ({v.dtype})" for out in results for k, v in out.items()
                     if isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.dtype.itemsize < 8})
    if single and failed:       # what a float32 spoils shows up later, often in backward
        said = (f"your code computes in single precision: {', '.join(single)}. Keep float64, numpy's "
                f"default (no astype(np.float32), no dtype=np.float32): single precision keeps about 7 "
                f"digits, and these checks compare to a relative {spec.rtol:g}")
        hintless = [v for v in failed if not v.hint]
        if hintless:
            hintless[0].hint = said
        else:
            result.notes.append(said)
    if failed and spec.advice and not result.hints:
        failed[0].hint = spec.advice
    if len(results) < len(cases):
        result.passed, result.fraction = False, (0.0 if result.fraction is not None else None)
        result.error = f"only {len(results)} of {len(cases)} cases have outputs"
    return result


def run_part(part, target, refs):
    """Run `part` on `target` (a mytorch package, or a notebook's globals) and judge it."""
    results, error, caught = outputs(part, target, refs[part])
    return judge(part, refs[part], results, error, caught)
