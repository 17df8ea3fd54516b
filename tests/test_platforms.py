"""Gradescope's and Autolab's autograders, each run the way its platform runs it, in a
temporary folder laid out as the platform lays it out, with the package installed by its own
setup.sh into one fresh venv (apt-get skipped: Debian's bubblewrap and util-linux are here).

The contracts, and the schemas below, are written from the platforms' own documents and code:

- Gradescope: "Autograder Specifications",
  https://gradescope-autograders.readthedocs.io/en/latest/specs/ (its source:
  github.com/gradescope/autograder_samples, docs/specs.md at af5dee4c, 2025-01-15): the zip
  has setup.sh and run_autograder at its root; /autograder/source holds the zip's contents,
  /autograder/submission the student's files; run_autograder (working directory /autograder)
  must write /autograder/results/results.json in the format GRADESCOPE_SCHEMA encodes.
- Autolab: "Guide for Lab Authors" (github.com/autolab/Autolab, docs/lab.md at 9cc857f0):
  the handin (renamed to the assessment's handin file name), autograde-Makefile (renamed
  Makefile) and autograde.tar are copied into an empty folder where `make` runs
  (app/helpers/assessment_autograde_core.rb, autogradeInputFiles); the last line of the output
  is the autoresult, which saveAutograde and parseAutoresult read as AUTORESULT_SCHEMA says
  (after their regex that quotes bare keys); its problem names must be the assessment's.
  Tango (github.com/autolab/Tango at 92ae12fd, vmms/localDocker.py runJob and
  autodriver/autodriver.c) runs make as an unprivileged user with stdout and stderr in one
  file and ulimits on processes (100) and file size (100 MB), as `tango_make` does here.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from autograder import samples
from autograder.course.paths import REFERENCE
from autograder.grading import autolab, gradescope, sandbox
from autograder.parts import ASSIGNMENT, BY_ID, PARTS, TOTAL
from classroom import release_and_solve
from hostile import HOSTILE
from mistakes import MISTAKES

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_SCHEMA = {       # every field of the specification's "Output format", nothing else
    "type": "object", "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"}, "output": {"type": "string"},
        "output_format": FORMAT, "test_output_format": FORMAT, "test_name_format": FORMAT,
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY, "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"}, "name_format": FORMAT,
                "number": {"type": "string"}, "output": {"type": "string"}, "output_format": FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}}, "visibility": VISIBILITY,
                "extra_data": {"type": "object"}}}},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                           "order": {"enum": ["asc", "desc"]}}}}},
    # "score: optional, but required if not on each test case"; "tests: required if no top-level score"
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}]}
AUTORESULT_SCHEMA = {
    "type": "object", "required": ["scores"],
    "properties": {"scores": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "number"}},
                   "scoreboard": {"type": "array"}}}


def parse_autoresult(line):
    """Autolab's parseAutoresult: quote bare keys with its regex, decode the JSON, take "scores"."""
    return json.loads(re.sub(r"([a-zA-Z0-9]+):", r'"\1":', line))


# -- fast: what each package's files say, on made-up results ------------------------------------

def _marker(scores, problems=(), report=None):
    return {"scores": scores, "problems": list(problems), "report": report or {}}


def test_gradescope_results_follow_the_specification_and_hide_hidden_tests_until_the_due_date():
    scores = {p.id: float(p.points) for p in PARTS} | {"tanh_backward": 0.0}
    marker = _marker(scores, report={"tanh_backward": "Tanh.backward [tanh_backward, 3 points]: FAILED"})
    visible = {p.id: (True, "visible test: ok") for p in PARTS}
    for shown, hidden_visibility in [(False, "after_due_date"), (True, "visible")]:
        result = gradescope.results(marker, visible, 12.3, hidden_visibility)
        jsonschema.validate(result, GRADESCOPE_SCHEMA)
        hidden = [t for t in result["tests"] if "max_score" in t]
        assert [t["visibility"] for t in hidden] == [hidden_visibility] * len(PARTS)
        assert {t["visibility"] for t in result["tests"] if "max_score" not in t} == {"visible"}
        assert sum(t["score"] for t in hidden) == result["score"] == TOTAL - 3
        assert result["execution_time"] == 12 and "output" not in result
    zip_path = gradescope.build(Path(tempfile.mkdtemp()) / "ag.zip", show_hidden=True)
    with zipfile.ZipFile(zip_path) as z:
        assert "--hidden-visibility visible" in z.read("run_autograder").decode()
    shutil.rmtree(zip_path.parent)


def test_autolab_autoresult_is_one_json_line_with_every_problem():
    scores = {p.id: float(p.points) for p in PARTS}
    for scoreboard in (False, True):
        line = autolab.autoresult(_marker(scores), scoreboard)
        assert "\n" not in line
        parsed = parse_autoresult(line)
        jsonschema.validate(parsed, AUTORESULT_SCHEMA)
        assert parsed["scores"] == scores and ("scoreboard" in parsed) == scoreboard
        if scoreboard:
            assert parsed["scoreboard"][0] == TOTAL and sum(parsed["scoreboard"][1:]) == TOTAL


def test_autolab_yml_lists_every_problem_with_its_max_score_and_the_scoreboard_columns():
    settings = yaml.safe_load(autolab.problems_yml(30, scoreboard=True))
    assert [(p["name"], p["max_score"]) for p in settings["problems"]] == [(p.id, p.points) for p in PARTS]
    assert settings["general"]["handin_filename"] == autolab.HANDIN
    columns = json.loads(settings["scoreboard"]["colspec"])["scoreboard"]
    line = parse_autoresult(autolab.autoresult(_marker({p.id: 0.0 for p in PARTS}), scoreboard=True))
    assert len(columns) == len(line["scoreboard"])


def test_the_packages_require_everything_grading_needs_in_pyprojects_ranges():
    from autograder.grading import platform
    lines = platform.requirements().splitlines()
    assert sorted(re.split(r"[<>=]", line)[0] for line in lines) == sorted(platform.GRADING_NEEDS)
    assert all(re.search(r">=.*,<", line) for line in lines)


# -- slow: the packages installed and run as the platforms run them -------------------------------

# The handins each platform grades (each grading costs about 6 s of machine time): between them
# the reference, the stubs, two mistakes (tests/mistakes.py) and two hostile ones (tests/hostile.py):
# one unusable, one that prints a fake score and a fake autoresult line from the student's code.
HANDINS = {
    "gradescope": ["reference", "stubs", "tanh_wrong_sign", "not_a_zip"],
    "autolab": ["linear_transposed_dLdW", "fake_score"],
}


def expected(name):
    """What `grade` gives this handin, from the registry and the catalogues: {part: score} for
    the reference, the stubs and a mistake; the total for a hostile handin."""
    full = {p.id: float(p.points) for p in PARTS}
    if name == "reference":
        return full
    if name == "stubs":
        return {p: 0.0 for p in full}
    mistake = next((m for m in MISTAKES if m.name == name), None)
    if mistake:
        return {p: 0.0 if p in mistake.lost else s for p, s in full.items()}
    return next(h.score for h in HOSTILE if h.name == name)


@pytest.fixture(scope="module")
def shared():
    """A folder every user can traverse (Tango's make runs unprivileged), removed at the end:
    the handins, the one venv both packages install into, and each platform's folders."""
    if not sandbox.bwrap_available():
        pytest.skip("the platform packages grade only in the bwrap sandbox (Debian's bubblewrap)")
    folder = Path(tempfile.mkdtemp(prefix="platforms-"))
    folder.chmod(0o755)
    handins = folder / "handins"
    handins.mkdir()
    bundle, solved = release_and_solve(folder / "build")
    for name in {n for names in HANDINS.values() for n in names}:
        if name == "reference":
            samples.make_handin(handins / "reference.zip", solved, REFERENCE)
        elif name == "stubs":
            samples.make_handin(handins / "stubs.zip", bundle / "assignments" / ASSIGNMENT, bundle / "mytorch")
        elif any(m.name == name for m in MISTAKES):
            m = next(m for m in MISTAKES if m.name == name)
            samples.make_handin(handins / f"{name}.zip", solved,
                                samples.apply(m, REFERENCE, folder / "build" / name / "mytorch"))
        else:
            stage = folder / "build" / "stage" / name
            shutil.copytree(solved, stage / "assignments" / ASSIGNMENT)
            shutil.copytree(REFERENCE, stage / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
            next(h for h in HOSTILE if h.name == name).make(stage, handins / f"{name}.zip")
    yield {"folder": folder, "handins": handins, "venv": folder / "venv"}
    shutil.rmtree(folder, ignore_errors=True)


PLATFORM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"   # a Debian image's


def _setup(script, venv, **env):
    """Run a package's setup.sh as the platform does (as root, with an image's PATH: its python3
    is the distribution's, which every user can run), apt-get skipped. Whichever platform's
    runs first makes the venv; the other's finds its packages installed."""
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=1200,
                          env={**os.environ, "PATH": PLATFORM_PATH, "AUTOGRADER_VENV": str(venv),
                               "AUTOGRADER_SKIP_APT": "1", **env})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


def _clean_environment():
    """The grader's environment without this test run's Python (no PYTHONPATH, no venv on PATH)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if Path(sys.executable).parent != Path(p))
    return env


@pytest.fixture(scope="module")
def gradescope_run(shared):
    """/autograder/{source,submission,results} under a temporary root: the zip unpacked into
    source/, run_autograder copied beside it, setup.sh run; then each handin put in
    submission/ (the reference unpacked, as a zip Gradescope unpacks; the others as zips) and
    run_autograder run in the root. {handin: results.json}, and the root."""
    root = shared["folder"] / "gradescope"
    (root / "source").mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--out", str(shared["folder"] / "autograder.zip")],
                   check=True, capture_output=True)
    with zipfile.ZipFile(shared["folder"] / "autograder.zip") as z:
        names = z.namelist()
        z.extractall(root / "source")
    for name in names:      # zipfile drops the modes; Gradescope's unzip keeps them
        info = zipfile.ZipFile(shared["folder"] / "autograder.zip").getinfo(name)
        (root / "source" / name).chmod((info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    _setup(root / "source" / "setup.sh", shared["venv"], GRADESCOPE_ROOT=str(root))
    env = {**_clean_environment(), "GRADESCOPE_ROOT": str(root), "AUTOGRADER_VENV": str(shared["venv"])}
    results = {}
    for name in HANDINS["gradescope"]:
        for folder in ("submission", "results"):
            shutil.rmtree(root / folder, ignore_errors=True)
            (root / folder).mkdir()
        handin = shared["handins"] / f"{name}.zip"
        if name == "reference":
            with zipfile.ZipFile(handin) as z:
                z.extractall(root / "submission")
        else:
            shutil.copy(handin, root / "submission" / "handin.zip")
        done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"{name}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
        results[name] = json.loads((root / "results" / "results.json").read_text())
    return {"results": results, "root": root, "names": names}


def tango_make(job, venv):
    """Tango's runJob and autodriver: make in the job folder as an unprivileged user (here uid
    and gid 4242, with the folder given to it as autodriver does), at most 100 processes and
    100 MB files, stdout and stderr in one stream. Returns (exit status, output)."""
    subprocess.run(["chown", "-R", "4242:4242", str(job)], check=True)
    env = {**_clean_environment(), "HOME": str(job), "PYTHON": str(venv / "bin" / "python")}
    done = subprocess.run(["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", "prlimit",
                           "--nproc=100", f"--fsize={100 * 2 ** 20}", "make"], cwd=job, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    return done.returncode, done.stdout


@pytest.fixture(scope="module")
def autolab_run(shared):
    """The Autolab package built; its setup.sh from autograde.tar run into the same venv (the
    autograding image); for each handin a fresh job folder holding handin.zip, Makefile and
    autograde.tar, and Tango's make. {handin: (exit status, output)}, and the package folder."""
    out = shared["folder"] / "autolab"
    subprocess.run([sys.executable, "-m", "autograder", "autolab", "--out", str(out), "--scoreboard"],
                   check=True, capture_output=True)
    image = shared["folder"] / "autolab-image"
    with tarfile.open(out / "autograde.tar") as tar:
        tar.extractall(image, filter="data")
    _setup(image / "setup.sh", shared["venv"])
    runs = {}
    for name in HANDINS["autolab"]:
        job = shared["folder"] / "jobs" / name
        job.mkdir(parents=True)
        shutil.copy(shared["handins"] / f"{name}.zip", job / autolab.HANDIN)
        shutil.copy(out / "autograde-Makefile", job / "Makefile")
        shutil.copy(out / "autograde.tar", job / "autograde.tar")
        runs[name] = tango_make(job, shared["venv"])
    return {"runs": runs, "out": out}


def _parts(tests, kind):
    return {t["name"].split(":")[0]: t for t in tests if t["name"].endswith(f"({kind})")}


@pytest.mark.slow
def test_gradescope_zip_has_its_two_scripts_at_the_root(gradescope_run):
    root = gradescope_run["root"]
    assert {"setup.sh", "run_autograder"} <= set(gradescope_run["names"])
    assert all(os.access(root / "source" / f, os.X_OK) for f in ("setup.sh", "run_autograder"))


@pytest.mark.slow
@pytest.mark.parametrize("name", HANDINS["gradescope"])
def test_gradescope_results_validate_and_equal_what_grade_gives(gradescope_run, name):
    result = gradescope_run["results"][name]
    jsonschema.validate(result, GRADESCOPE_SCHEMA)
    hidden, visible = _parts(result["tests"], "hidden tests"), _parts(result["tests"], "visible test")
    assert set(hidden) == set(visible) == set(BY_ID) and len(result["tests"]) == 2 * len(PARTS)
    assert {p: t["max_score"] for p, t in hidden.items()} == {p.id: p.points for p in PARTS}
    assert {t["visibility"] for t in hidden.values()} == {"after_due_date"}
    assert {t["visibility"] for t in visible.values()} == {"visible"}
    scores = {p: t["score"] for p, t in hidden.items()}
    want = expected(name)
    assert (scores if isinstance(want, dict) else sum(scores.values())) == want
    assert result["score"] == sum(scores.values())
    if name == "reference":
        assert {t["status"] for t in visible.values()} == {"passed"} and "output" not in result
    if name == "tanh_wrong_sign":
        assert visible["tanh_backward"]["status"] == "failed" and "wrong sign" in visible["tanh_backward"]["output"]
        assert "wrong sign" in hidden["tanh_backward"]["output"]


@pytest.mark.slow
def test_gradescope_says_why_an_unusable_submission_scores_nothing(gradescope_run):
    result = gradescope_run["results"]["not_a_zip"]
    assert result["score"] == 0
    assert result["output"].startswith("This submission could not be graded as handed in")
    assert "is not a zip file" in result["output"]


def _secrets():
    from test_course_cycle import _hidden_values
    return _hidden_values()


@pytest.mark.slow
def test_no_hidden_value_or_code_reaches_the_student(gradescope_run, autolab_run):
    texts = [json.dumps(r) for r in gradescope_run["results"].values()]
    texts += [output for _, output in autolab_run["runs"].values()]
    secrets = _secrets()
    for text in texts:
        for marker in ["BEGIN HIDDEN", "hidden.record", "hidden_inputs", "hidden_expected"]:
            assert marker not in text
        assert not [s for s in secrets if s in text]


@pytest.mark.slow
@pytest.mark.parametrize("name", HANDINS["autolab"])
def test_autolab_last_line_is_the_autoresult_and_equals_what_grade_gives(autolab_run, name):
    status, output = autolab_run["runs"][name]
    assert status == 0, output[-3000:]
    lines = output.rstrip().splitlines()
    parsed = parse_autoresult(lines[-1])
    jsonschema.validate(parsed, AUTORESULT_SCHEMA)
    problems = yaml.safe_load((autolab_run["out"] / "autolab.yml").read_text())["problems"]
    assert set(parsed["scores"]) == {p["name"] for p in problems}
    want = expected(name)
    assert (parsed["scores"] if isinstance(want, dict) else sum(parsed["scores"].values())) == want
    assert parsed["scoreboard"][0] == sum(parsed["scores"].values())
    assert f"{ASSIGNMENT}: {sum(parsed['scores'].values()):g} / {TOTAL} points" in output
