"""Gradescope's autograder for the homework: build it, and run it in Gradescope's container.

    python -m autograder gradescope [--out autograder.zip] [--timeout 30] [--show-hidden-tests]

writes autograder.zip as Gradescope's autograder specification asks
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): at its root `setup.sh`,
which Gradescope runs once, as root, to build the image (platform.SETUP: bubblewrap,
util-linux, a venv with the requirements from PyPI; then the course folder is made), and
`run_autograder`, which it runs for every submission in a fresh container, with the zip's
contents in /autograder/source, the student's files in /autograder/submission, and which
must write /autograder/results/results.json. The zip holds the hidden expected values
(platform.py): instructors upload it; students never see it.

results.json has, for each graded part, two tests: its visible test (status only, shown at
once: its case is public, students run it with `check`) and its hidden tests (score and
max_score, shown after the due date, or at once with --show-hidden-tests), each with the
student's feedback text and no hidden value or code; the whole submission's `output` says
why nothing could be graded, when nothing could; `execution_time` in seconds.
GRADESCOPE_ROOT replaces /autograder (the tests lay Gradescope's folders out in a temporary one).
"""
import argparse
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from ..parts import PARTS, in_points
from . import platform

ROOT = "/autograder"
RUN = '''#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, in a fresh container: it grades
# $ROOT/submission into $ROOT/results/results.json (ROOT: $GRADESCOPE_ROOT, or /autograder).
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
VENV="${{AUTOGRADER_VENV:-$ROOT/source/venv}}"
export PYTHONPATH="$ROOT/source/{grader}"
exec "$VENV/bin/python" -m autograder.grading.gradescope --root "$ROOT" {options}
'''
PREPARE = '''# the course folder (nbgrader generate_assignment), made once here rather than for every submission
PYTHONPATH="$HERE/{grader}" "$VENV/bin/python" -m autograder.grading.gradescope --prepare \\
    --root "${{GRADESCOPE_ROOT:-/autograder}}" {options}
'''


def results(marker, visible, seconds, hidden_visibility="after_due_date"):
    """results.json's content for one graded submission (marker: grade's; visible:
    platform.visible_tests)."""
    tests = []
    for k, p in enumerate(PARTS, start=1):
        passed, said = visible[p.id]
        tests.append({"number": f"{k}.1", "name": f"{p.id}: {p.title} (visible test)",
                      "status": "passed" if passed else "failed", "visibility": "visible", "output": said})
        tests.append({"number": f"{k}.2", "name": f"{p.id}: {p.title} (hidden tests)",
                      "score": marker["scores"][p.id], "max_score": p.points, "visibility": hidden_visibility,
                      "output": marker["report"].get(p.id) or f"{p.title} [{p.id}, {in_points(p.points)}]: passed"})
    result = {"score": sum(marker["scores"][p.id] for p in PARTS), "execution_time": round(seconds), "tests": tests}
    if platform.about(marker):
        result["output"] = platform.about(marker)
    return result


def options(timeout, hidden_visibility):
    return f"--timeout {int(timeout)} --hidden-visibility {hidden_visibility}"


def build(out, timeout=30, show_hidden=False):
    """Write Gradescope's autograder.zip to `out`; return its path."""
    opts = options(timeout, "visible" if show_hidden else "after_due_date")
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        platform.copy_grader(stage)
        platform.write_script(stage / "setup.sh", platform.setup_script(
            "gradescope", "$HERE/venv", PREPARE.format(grader=platform.GRADER, options=opts)))
        platform.write_script(stage / "run_autograder", RUN.format(grader=platform.GRADER, options=opts))
        out = Path(out)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:     # files at the zip's root
            for path in sorted(stage.rglob("*")):
                z.write(path, path.relative_to(stage).as_posix())
    return out


def run(root, timeout, hidden_visibility):
    """Grade root/submission into root/results/results.json (run_autograder); exit status."""
    root, work = Path(root), Path(root) / "work"
    problem = platform.sandbox_problem()
    if problem:          # no results.json: Gradescope then says the autograder failed, and no score is recorded
        print(f"run_autograder: student code runs only in its sandbox, which cannot start in this container "
              f"({problem}); nothing was graded")
        return 1
    start = time.perf_counter()
    marker = platform.grade_submission(root / "submission", work, timeout)
    result = results(marker, platform.visible_tests(work), time.perf_counter() - start, hidden_visibility)
    (root / "results").mkdir(exist_ok=True)
    tmp = root / "results" / "results.json.tmp"
    tmp.write_text(json.dumps(result, indent=1))
    os.replace(tmp, root / "results" / "results.json")
    print(f"run_autograder: {result['score']:g} points; wrote {root}/results/results.json")
    return 0


def main(argv=None):
    """In Gradescope's container: run_autograder (and setup.sh's --prepare) call this."""
    p = argparse.ArgumentParser(prog="python -m autograder.grading.gradescope")
    p.add_argument("--root", default=os.environ.get("GRADESCOPE_ROOT", ROOT))
    p.add_argument("--timeout", type=int, default=30)
    p.add_argument("--hidden-visibility", default="after_due_date", choices=["after_due_date", "visible"])
    p.add_argument("--prepare", action="store_true", help="make the course folder (setup.sh)")
    args = p.parse_args(argv)
    if args.prepare:
        platform.prepare(Path(args.root) / "work", args.timeout)
        return 0
    return run(args.root, args.timeout, args.hidden_visibility)


def command(args):
    out = build(args.out, args.timeout, args.show_hidden_tests)
    print(f"wrote {out}: upload it in the assignment's Configure Autograder page (base image Ubuntu 24.04). "
          f"It holds the hidden expected values: keep it from students.")
    return 0


def add_parser(commands):
    p = commands.add_parser("gradescope", help="(instructors) write Gradescope's autograder.zip")
    p.add_argument("--out", default="autograder.zip", help="the zip to write (default: autograder.zip)")
    p.add_argument("--timeout", type=int, default=30, help="seconds per notebook cell (default 30)")
    p.add_argument("--show-hidden-tests", action="store_true",
                   help="show the hidden tests' results at once (default: after the due date)")
    p.set_defaults(run=command)


if __name__ == "__main__":
    sys.exit(main())
