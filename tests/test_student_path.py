"""A student's path, as the bundle's own README tells it, in a venv of nothing but what it installs.

The bundle zip is unpacked as a student receives it; the README's set-up command makes its venv
(`python3` being this Python); then its commands run in that venv, on the untouched stubs, a
half-done and a finished homework, and a syntax error: `check`, the three notebooks (executed
as Run All does), `handin`. One venv for the module: installing it is what costs (about a minute
of CPU); every test after that takes seconds.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder import samples
from autograder.course import release
from autograder.course.paths import REFERENCE, STUBS
from autograder.parts import ASSIGNMENT, BY_ID, NB_MYTORCH, NOTEBOOKS, PARTS
from autograder.parts.cells import grade_id, is_grade, is_solution

pytestmark = pytest.mark.slow
MYTORCH_PARTS = [p.id for p in PARTS if p.notebook == NB_MYTORCH]
LOSSES = [p for p in MYTORCH_PARTS if p.split("_")[0] in ("mse", "bce", "ce")]


def _readme_block(readme, heading):
    """The commands of the first ```bash block under `heading` in the student README."""
    section = readme.split(heading, 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """(bundle folder, environment of its commands, its notebooks answered): the zip unpacked, its
    venv made as its README says."""
    tmp = tmp_path_factory.mktemp("student")
    release.build_bundle(tmp / "dist")
    with zipfile.ZipFile(tmp / "dist" / f"{release.BUNDLE}.zip") as z:
        z.extractall(tmp / "home")
    bundle = tmp / "home" / release.BUNDLE
    setup = _readme_block((bundle / "README.md").read_text(), "## Set up (once)").splitlines()[0]
    assert setup == "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt", setup
    bin_ = tmp / "bin"                   # the student's python3 is this Python
    bin_.mkdir()
    (bin_ / "python3").symlink_to(sys.executable)
    # PIP_NO_COMPILE: the same packages, without byte-compiling them (a third of pip's time)
    env = {**os.environ, "PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}", "PIP_NO_COMPILE": "1"}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(["bash", "-c", setup], cwd=bundle, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    home = tmp / "user"                  # a fresh user: no kernels, caches or settings of ours
    home.mkdir()
    solved = samples.solved_notebooks(bundle / "assignments" / ASSIGNMENT, tmp / "solved")
    return bundle, {"PATH": f"{bundle / '.venv' / 'bin'}{os.pathsep}/usr/bin:/bin", "HOME": str(home),
                    "LANG": "C.UTF-8"}, solved


def _run(student, folder, *args):
    bundle, env, _ = student
    return subprocess.run([str(bundle / ".venv" / "bin" / args[0]), *args[1:]], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)


def _homework(student, tmp_path, kind):
    """A copy of the student's folder (without its venv): its stubs, or a `kind` of homework."""
    bundle, _, solved = student
    folder = tmp_path / kind
    shutil.copytree(bundle, folder, ignore=shutil.ignore_patterns(".venv"))
    if kind in ("half_done", "finished", "syntax_error"):
        shutil.rmtree(folder / "mytorch")
        shutil.copytree(REFERENCE, folder / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    if kind == "half_done":              # everything but the losses
        shutil.copy(STUBS / "nn" / "loss.py", folder / "mytorch" / "nn" / "loss.py")
    if kind == "syntax_error":
        with open(folder / "mytorch" / "nn" / "loss.py", "a") as f:
            f.write("\ndef broken(:\n")
    if kind == "finished":
        for nb in NOTEBOOKS:
            shutil.copy(solved / nb, folder / "assignments" / ASSIGNMENT / nb)
    return folder


def test_the_venv_has_everything_the_notebooks_import(student):
    """Every module a lecture or homework notebook imports, from that notebook's folder, and jupyter lab."""
    bundle, _, _ = student
    found = {}
    for path in sorted(bundle.glob("*/**/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for line in "".join(cell["source"]).splitlines() if cell["cell_type"] == "code" else []:
                m = re.match(r"\s*(?:from|import)\s+(\w+)", line)
                if m:
                    found.setdefault(path.parent, set()).add(m.group(1))
    assert {"numpy", "matplotlib", "ipywidgets", "sklearn", "lecturekit", "autograder"} <= set().union(*found.values())
    for folder, modules in found.items():
        code = f"import sys; sys.path.insert(0, {str(bundle)!r}); " + "; ".join(f"import {m}" for m in sorted(modules))
        done = _run(student, folder, "python", "-c", code)
        assert done.returncode == 0, f"{folder.relative_to(bundle)}: {done.stderr[-2000:]}"
    done = _run(student, bundle, "jupyter", "lab", "--version")
    assert done.returncode == 0, done.stderr[-2000:]


def _rows(out):
    return {line.split()[0]: line.split()[-1] for line in out.splitlines() if line.endswith(("pass", "FAIL"))}


@pytest.mark.parametrize("kind", ["stubs", "half_done", "finished", "syntax_error"])
def test_check(student, tmp_path, kind):
    """`check` in the homework folder: a row per mytorch part, exit 0 only when every one passes."""
    done = _run(student, _homework(student, tmp_path, kind), "python", "-m", "autograder", "check")
    out = done.stdout
    assert "Traceback" not in out + done.stderr, out + done.stderr
    rows = _rows(out)
    assert list(rows) == MYTORCH_PARTS, out
    failing = {"stubs": MYTORCH_PARTS, "finished": [], "half_done": LOSSES, "syntax_error": LOSSES}[kind]
    assert [p for p, r in rows.items() if r == "FAIL"] == failing, out
    assert done.returncode == (1 if failing else 0), out
    others = sum(p.points for p in PARTS if p.notebook != NB_MYTORCH)
    assert f"the other {others} points" in out and "checked by running" in out, out
    if kind in ("stubs", "half_done"):
        assert out.count("NotImplementedError") >= len(failing), out
    if kind == "syntax_error":
        assert "cannot import: mytorch/nn/loss.py failed to import: SyntaxError at mytorch/nn/loss.py:" in out, out


@pytest.mark.parametrize("kind", ["stubs", "finished"])
def test_the_notebooks_run_all(student, tmp_path, kind):
    """Run All (nbconvert --execute) in the student's venv: each test cell fails on the stubs,
    naming NotImplementedError, and passes on the finished homework, with no other error."""
    folder = _homework(student, tmp_path, kind) / "assignments" / ASSIGNMENT
    done = _run(student, folder, "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
                "--output-dir", str(tmp_path / "ran"), *NOTEBOOKS)
    assert done.returncode == 0, done.stderr[-3000:]
    for nb in NOTEBOOKS:
        cells = json.loads((tmp_path / "ran" / nb).read_text())["cells"]
        tests = [c for c in cells if is_grade(c) and grade_id(c) in BY_ID]
        assert tests, nb
        for c in tests:
            errors = [o for o in c["outputs"] if o["output_type"] == "error"]
            said = "".join("".join(o.get("text", "")) for o in c["outputs"]) + "".join(
                f"{o['ename']}: {o['evalue']}" for o in errors)
            if kind == "finished":
                assert not errors and f"[{grade_id(c)}, " in said and "passed" in said, f"{nb} {grade_id(c)}: {said[:2000]}"
            else:
                assert "visible test failed" in said and "NotImplementedError" in said, f"{nb} {grade_id(c)}: {said[:2000]}"
        if kind == "finished":
            errors = [(i, o["ename"]) for i, c in enumerate(cells, 1) if c["cell_type"] == "code"
                      for o in c["outputs"] if o["output_type"] == "error"]
            assert not errors, f"{nb}: {errors}"


@pytest.mark.parametrize("kind", ["stubs", "finished"])
def test_handin(student, tmp_path, kind):
    """`handin`: writes handin.zip and exits 0; on the stubs it names every answer cell left as
    released; with a notebook gone it refuses, naming it (exit 2)."""
    folder = _homework(student, tmp_path, kind)
    done = _run(student, folder, "python", "-m", "autograder", "handin")
    assert done.returncode == 0 and "wrote handin.zip: upload this file" in done.stdout, done.stdout + done.stderr
    with zipfile.ZipFile(folder / "handin.zip") as z:
        assert {f"assignments/{ASSIGNMENT}/{nb}" for nb in NOTEBOOKS} <= set(z.namelist())
    answers = sum(is_solution(c) for nb in NOTEBOOKS
                  for c in json.loads((folder / "assignments" / ASSIGNMENT / nb).read_text())["cells"])
    assert done.stdout.count("still holds 'raise NotImplementedError()'") == (answers if kind == "stubs" else 0), done.stdout
    (folder / "assignments" / ASSIGNMENT / NOTEBOOKS[0]).unlink()
    done = _run(student, folder, "python", "-m", "autograder", "handin")
    assert done.returncode == 2 and f"assignments/{ASSIGNMENT}/{NOTEBOOKS[0]}" in done.stderr, done.stderr
