"""What the Gradescope and Autolab packages share: the grader they carry, the script that
installs what it needs, and grading one submission inside the platform's container.

A platform runs one container per submission. The package it keeps (students never see it)
holds, in its folder `grader/`, what `grade` reads:

    grader/autograder/               the whole package, grading/secret/ (the hidden expected values) too
    grader/solutions/hw1/*.ipynb     the instructor's notebooks: nbgrader's source, hidden tests included
    grader/solutions/mytorch/        the reference library (the training part runs its forward pass)
    grader/mytorch/                  the stubs (a handin without mytorch/ is graded with them)
    grader/requirements.txt          pyproject's ranges for what grading imports, for setup.sh

and `setup.sh`, which installs Debian's (or Ubuntu's) bubblewrap and util-linux and a venv
with the requirements. The grader runs from `grader/` on PYTHONPATH (course/paths.py finds
the solutions beside the package); the sandboxed kernel gets the same path (sandbox.py) and
sees only the package, without grading/secret/.

Each submission is graded by `grade.grade`, the class grader, on a class of one: the same
intake, sandboxed nbgrader run, judge and gradebook as for a whole class.
"""
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from ..course.paths import REFERENCE, ROOT, SOLUTIONS, STUBS
from ..parts import ASSIGNMENT, NOTEBOOKS, PARTS
from . import grade, sandbox

GRADER = "grader"            # the package's folder that holds the grader
STUDENT = "student"          # the one student of a container's class
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


# What grading imports (the grader, nbgrader, the kernel and the homework's notebooks): not
# scikit-learn (the digits are parts/digits.npz), nor what the lectures and their site need.
GRADING_NEEDS = ("numpy", "matplotlib", "ipykernel", "nbformat", "nbclient", "nbconvert", "nbgrader")


def requirements():
    """pyproject's ranges for GRADING_NEEDS, one a line (setup.sh installs them from PyPI)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return "".join(f"{d}\n" for d in deps if re.split(r"[<>=!~ \[]", d)[0] in GRADING_NEEDS)


def copy_grader(dest):
    """Write the grader's folder (see the module's docstring) into dest/grader; return it."""
    out = Path(dest) / GRADER
    shutil.copytree(ROOT / "autograder", out / "autograder", ignore=SKIP)
    (out / "solutions" / ASSIGNMENT).mkdir(parents=True)
    for nb in NOTEBOOKS:
        shutil.copy2(SOLUTIONS / ASSIGNMENT / nb, out / "solutions" / ASSIGNMENT / nb)
    shutil.copytree(REFERENCE, out / "solutions" / "mytorch", ignore=SKIP)
    shutil.copytree(STUBS, out / "mytorch", ignore=SKIP)
    (out / "requirements.txt").write_text(requirements())
    return out


SETUP = r'''#!/usr/bin/env bash
# Installs what grading needs, as root: bubblewrap >= 0.8 (its --size) and util-linux's setpriv
# from the distribution's packages, and a venv at $AUTOGRADER_VENV with grader/requirements.txt
# from PyPI. Written by `python -m autograder {platform}`. AUTOGRADER_SKIP_APT=1 skips apt-get
# where those packages are installed already.
set -euo pipefail
HERE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
VENV="${{AUTOGRADER_VENV:-{venv}}}"
if [ "${{AUTOGRADER_SKIP_APT:-0}}" != 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends bubblewrap util-linux python3 python3-venv python3-pip ca-certificates
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup.sh: grading needs Python >= 3.11, and python3 is $(python3 --version 2>&1): use Ubuntu 24.04" >&2
    exit 1
fi
if ! bwrap --version | python3 -c 'import sys; v = sys.stdin.read().split()[-1].split("."); sys.exit((int(v[0]), int(v[1])) < (0, 8))'; then
    echo "setup.sh: the sandbox needs bubblewrap >= 0.8, and this is $(bwrap --version): use Ubuntu 24.04" >&2
    exit 1
fi
python3 -m venv "$VENV"
# uv (from PyPI, by pip) installs what pip would, the newest versions the ranges allow, several
# times faster; bytecode compiled now, as pip does, since the sandboxed kernels cannot write it.
"$VENV/bin/python" -m pip install --quiet uv
"$VENV/bin/python" -m uv pip install --quiet --compile-bytecode --python "$VENV/bin/python" -r "$HERE/{grader}/requirements.txt"
'''


def setup_script(platform, venv, then=""):
    """setup.sh's text: the venv at `venv` by default; `then`, shell lines run at its end."""
    return SETUP.format(platform=platform, venv=venv, grader=GRADER) + then


def write_script(path, text):
    path.write_text(text)
    path.chmod(0o755)


def sandbox_problem():
    """Why the sandbox cannot start here ('' if it can): bubblewrap run with the namespaces
    and the sized tmpfs of sandbox.bwrap_argv, as the grader will run it."""
    if not sandbox.bwrap_available():
        return "bubblewrap (bwrap) is not installed"
    argv = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--size", str(sandbox.TMPFS_BYTES), "--tmpfs", "/tmp", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "bwrap did not start within 30 s"
    return "" if done.returncode == 0 else f"bwrap failed (exit status {done.returncode}): {done.stderr.strip()[:500]}"


def grade_submission(submission, work, timeout, log=print):
    """Grade one submission with `grade` in the course folder work/course; its marker.

    `submission`: a handin zip, or a folder holding one (as a platform copies it in), or a
    folder of the handin's files. A class of one is graded, every time afresh (--force)."""
    submission, work = Path(submission), Path(work)
    handins = work / "handins"
    shutil.rmtree(handins, ignore_errors=True)
    handins.mkdir(parents=True)
    entries = [p for p in submission.iterdir() if not p.name.startswith(".")] if submission.is_dir() else []
    if submission.is_file() or (len(entries) == 1 and entries[0].suffix == ".zip" and entries[0].is_file()):
        shutil.copyfile(submission if submission.is_file() else entries[0], handins / f"{STUDENT}.zip")
    else:                       # links are kept as links: intake refuses them, naming them
        shutil.copytree(submission, handins / STUDENT, symlinks=True)
    markers, failures = grade.grade(handins, work / "course", timeout=timeout, jobs=1, force=True, log=log)
    return markers[STUDENT]


def prepare(work, timeout):
    """Make the course folder before any submission comes (nbgrader generate_assignment), so
    that a platform which builds an image once saves that step for every submission."""
    grade.setup_course(Path(work) / "course", timeout)


def visible_tests(work):
    """{part: (passed, text)}: each part's visible test as the student's feedback shows it,
    read from the autograded notebooks: the line it printed, or the error it raised. Only
    what the visible test says is kept: it states public values only."""
    folder = Path(work) / "course" / "autograded" / STUDENT / ASSIGNMENT
    found = {}
    for part, cell in grade.graded_cells(folder):
        said = [line for o in cell.get("outputs", []) if o.get("output_type") == "stream"
                for line in o.get("text", "").splitlines() if line.startswith("visible test: ")]
        errors = [grade.error_text(o) for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if said:
            found[part] = (True, "\n".join(said))
        elif errors and re.match(r"AssertionError: visible test failed", errors[0]):
            found[part] = (False, errors[0][len("AssertionError: "):])
        else:
            found[part] = (False, "the visible test did not finish: " + (errors[0] if errors else "no output"))
    return {p.id: found.get(p.id, (False, "the visible test did not run")) for p in PARTS}


def about(marker):
    """The whole submission's result in words: why it could not be graded, what was wrong
    with it, or '' when there is nothing to say."""
    total = sum(marker["scores"].values())
    problems = marker.get("problems", [])
    if marker.get("not_graded"):
        return ("The grader failed on this submission, not your code: every part scores 0 until it "
                f"is graded again. Please tell your instructor.\n{marker['not_graded']}")
    if problems and total == 0:
        return ("This submission could not be graded as handed in, so every part scores 0. Hand in "
                "the handin.zip that `python -m autograder handin` makes. What was wrong:\n"
                + "\n".join(f"- {p}" for p in problems))
    if problems:
        return "About your submission:\n" + "\n".join(f"- {p}" for p in problems)
    return ""
