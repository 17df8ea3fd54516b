"""The whole course cycle end to end, as nbgrader's own tests/apps do it, in a temporary folder:
release, hand in, check, grade (real nbgrader, real kernels, real gradebook), feedback, export."""
import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from autograder.course import release
from autograder.course.paths import REFERENCE, ROOT
from autograder.grading import grade, gradebook, hidden, sandbox
from autograder.parts import ASSIGNMENT, BY_ID, PARTS, TOTAL
from autograder.parts import run as checker
from conftest import make_database
from classroom import hand_in
from mistakes import END_TO_END, MISTAKES

pytestmark = pytest.mark.slow
ALL = {p.id for p in PARTS}
# Which catalogued mistakes go through nbgrader: those of END_TO_END (mistakes.py says why not all);
# the lowest-versions run of .ci/run tests the version ranges, not the judge, and grades the
# first 3 (AUTOGRADER_TEST_CATALOGUE=3).
CATALOGUE = END_TO_END[:int(os.environ.get("AUTOGRADER_TEST_CATALOGUE", len(END_TO_END)))]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cycle(tmp_path_factory, request):
    """Release, then grade the reference, the stubs and a handin per mistake of END_TO_END, with
    the gradebook in SQLite (nbgrader's default) and in PostgreSQL."""
    db_url, drop = make_database(request.param)
    request.addfinalizer(drop)
    tmp = tmp_path_factory.mktemp("course")
    # PostgreSQL tests the gradebook, not the mistakes: one of them is enough there
    handins, bundle = hand_in(tmp, CATALOGUE if request.param == "sqlite" else MISTAKES[:1])
    before = {p: p.read_bytes() for p in handins.iterdir()}
    markers, failures = grade.grade(handins, tmp / "course", timeout=60, db_url=db_url, log=lambda line: None,
                                    unsafe_no_sandbox=not sandbox.bwrap_available())
    # failures are one test's business: asserted here, one broken export would fail every test
    return {"db_url": db_url or gradebook.default_db(tmp / "course"), "tmp": tmp, "bundle": bundle, "handins": handins, "before": before, "markers": markers,
            "failures": failures, "table": {sid: m["scores"] for sid, m in markers.items()}, "course": tmp / "course"}


def test_the_run_is_complete(cycle):
    """Every student graded, feedback and exports written: `grade` reports no failure."""
    assert cycle["failures"] == []


def _scores(cycle, sid):
    return {p: cycle["table"][sid][p] for p in ALL}


def test_reference_scores_100_with_nothing_to_report(cycle):
    scores = _scores(cycle, "reference")
    assert sum(scores.values()) == 100, {p: s for p, s in scores.items() if s != BY_ID[p].points}
    assert cycle["markers"]["reference"]["problems"] == []


def test_the_gradebook_holds_the_judged_scores(cycle):
    from nbgrader.api import Gradebook
    with Gradebook(cycle["db_url"]) as gb:
        for sid, scores in cycle["table"].items():
            assert gb.find_submission(ASSIGNMENT, sid).score == sum(scores.values()), sid


def test_untouched_stubs_score_zero_on_every_part(cycle):
    assert {p: s for p, s in _scores(cycle, "stubs").items() if s != 0} == {}


@pytest.mark.parametrize("m", END_TO_END, ids=lambda m: m.name)
def test_a_mistake_costs_exactly_its_parts(cycle, m):
    if m.name not in cycle["table"]:
        pytest.skip("graded with the SQLite gradebook only" if m in CATALOGUE else "AUTOGRADER_TEST_CATALOGUE")
    scores = _scores(cycle, m.name)
    lost = {p for p, s in scores.items() if s == 0}
    partial = {p: s for p, s in scores.items() if 0 < s < BY_ID[p].points}
    assert (lost, partial) == (set(m.lost), {}), f"{m.name}: lost {sorted(lost)}, expected {sorted(m.lost)}"


def test_grading_leaves_handins_untouched(cycle):
    assert {p: p.read_bytes() for p in cycle["handins"].iterdir()} == cycle["before"]


def test_exports(cycle):
    course = cycle["course"] / "exports"
    rows = {r["student"]: r for r in csv.DictReader(open(course / "grades.csv"))}
    assert set(rows) == set(cycle["table"])
    assert float(rows["reference"]["total"]) == 100 and float(rows["stubs"]["total"]) == 0
    gs = json.loads((course / "gradescope" / "reference" / "results.json").read_text())
    assert gs["score"] == 100 and len(gs["tests"]) == len(PARTS)
    assert {t["max_score"] for t in gs["tests"]} == {p.points for p in PARTS}
    autolab = json.loads((course / "autolab" / "stubs.json").read_text())
    assert set(autolab["scores"]) == ALL and sum(autolab["scores"].values()) == 0
    native = list(csv.DictReader(open(course / "nbgrader_grades.csv")))
    assert {r["student_id"]: float(r["raw_score"]) for r in native}["reference"] == 100


def _score(name):
    """What the catalogued mistake `name` scores: every point but those of the parts it breaks."""
    return TOTAL - sum(BY_ID[p].points for p in next(m for m in MISTAKES if m.name == name).lost)


def test_a_score_set_by_hand_in_the_gradebook_reaches_every_export(cycle, tmp_path):
    """The formgrader writes manual_score into the gradebook; the exports read the gradebook."""
    import shutil
    from nbgrader.api import Gradebook
    from autograder.grading import exports
    if not cycle["db_url"].startswith("sqlite:///"):
        pytest.skip("done once, on a copy of the SQLite gradebook")
    db = tmp_path / "gradebook.db"
    shutil.copy(cycle["db_url"][len("sqlite:///"):], db)
    with Gradebook(f"sqlite:///{db}") as gb:
        gb.find_grade("tanh_backward", BY_ID["tanh_backward"].notebook, ASSIGNMENT, "tanh_wrong_sign").manual_score = 2
        gb.db.commit()
    scores = gradebook.scores(f"sqlite:///{db}", cycle["markers"])
    exports.export(tmp_path / "exports", cycle["markers"], scores)
    rows = {r["student"]: r for r in csv.DictReader(open(tmp_path / "exports" / "grades.csv"))}
    by_hand = _score("tanh_wrong_sign") + 2
    assert float(rows["tanh_wrong_sign"]["total"]) == by_hand and float(rows["tanh_wrong_sign"]["tanh_backward"]) == 2
    gs = json.loads((tmp_path / "exports" / "gradescope" / "tanh_wrong_sign" / "results.json").read_text())
    assert gs["score"] == by_hand
    autolab = json.loads((tmp_path / "exports" / "autolab" / "tanh_wrong_sign.json").read_text())
    assert autolab["scores"]["tanh_backward"] == 2


def test_grade_on_the_command_line_says_what_it_did_and_exits_0(cycle, tmp_path):
    """`python -m autograder grade`, as an instructor types it, on two of the class's handins."""
    import shutil
    if not cycle["db_url"].startswith("sqlite:///"):
        pytest.skip("done once: the command line grades into its own SQLite course")
    handins = tmp_path / "handins"
    handins.mkdir()
    for sid in ["reference", "tanh_wrong_sign"]:
        shutil.copy(cycle["handins"] / f"{sid}.zip", handins)
    unsafe = [] if sandbox.bwrap_available() else ["--unsafe-no-sandbox"]
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(handins), "--course",
                           str(tmp_path / "course"), "--jobs", "2", *unsafe], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line.split()[0]: line.split()[-1] for line in done.stdout.splitlines() if line.strip()}
    assert rows["reference"] == "100" and rows["tanh_wrong_sign"] == f"{_score('tanh_wrong_sign'):g}", done.stdout
    assert "exports:" in done.stdout and (tmp_path / "course" / "exports" / "grades.csv").exists()


def _hidden_values():
    """Distinctive text forms of the hidden expected values: the first 12 characters of each one's
    repr (Python prints a float as its repr), so at least 9 significant digits: fewer made two
    unrelated numbers (a visible value and a hidden one) match by chance."""
    from autograder.parts import visible
    out, public = set(), set()
    for cases in checker.load(visible.REFS).values():     # a value printed by a visible test is
        for case in cases:                                 # public even where a hidden case has
            for v in case["expected"].values():            # it too (1/3, say)
                if v.dtype.kind == "f":
                    public |= {repr(float(x))[:12] for x in np.ravel(v)}
    for cases in checker.load(hidden.EXPECTED).values():
        for case in cases:
            for v in case["expected"].values():
                if v.dtype.kind == "f":
                    out |= {repr(float(x))[:12] for x in np.ravel(v)[:20] if len(repr(float(x))) >= 12}
    return out - public


def test_feedback_has_no_hidden_code_or_values(cycle):
    pages = list((cycle["course"] / "feedback").rglob("*.html"))
    assert len(pages) == 4 * len(cycle["table"])            # three notebooks and report.html
    secrets = _hidden_values()
    for page in pages:
        text = page.read_text()
        for marker in ["BEGIN HIDDEN", "hidden.record", "import hidden", "hidden_inputs", "hidden_expected"]:
            assert marker not in text, f"{page}: {marker!r}"
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{page} shows hidden reference values {leaked[:3]}"
    mistaken = (cycle["course"] / "feedback" / "tanh_wrong_sign" / ASSIGNMENT / "2_mytorch.html").read_text()
    assert "visible test failed: Tanh.backward" in mistaken                # the student learns why
    assert "hint: wrong sign" in mistaken
    report = (cycle["course"] / "feedback" / "tanh_wrong_sign" / ASSIGNMENT / "report.html").read_text()
    assert f"{_score('tanh_wrong_sign'):g} / 100" in report and "tanh_backward" in report and "wrong sign" in report


def _pairs(lines):
    """Consecutive pairs of substantial stripped lines: a single generic line (a loop header)
    may well appear in a lecture's own code; two solution lines in a row may not."""
    code = [line.split("#")[0].strip() for line in lines]          # comments do not disguise code
    kept = [line for line in code if len(line) >= 12]
    return set(zip(kept, kept[1:]))


def _solution_pairs():
    """Every pair of consecutive lines inside a solution region of the reference library."""
    pairs = set()
    for path in REFERENCE.rglob("*.py"):
        region = None
        for line in path.read_text().splitlines():
            if "### BEGIN SOLUTION" in line:
                region = []
            elif "### END SOLUTION" in line:
                pairs |= _pairs(region)
                region = None
            elif region is not None:
                region.append(line)
    return pairs


def _text_lines(path):
    if path.suffix == ".ipynb":
        return [line for cell in json.loads(path.read_text())["cells"]
                for line in "".join(cell["source"]).splitlines()]
    return path.read_bytes().decode("utf-8", errors="ignore").splitlines()


def _sqlite_only(cycle):
    """The release bundle is the same whatever the gradebook: its tests run once."""
    if not cycle["db_url"].startswith("sqlite:///"):
        pytest.skip("the bundle does not depend on the gradebook: checked once, with SQLite")


def test_release_bundle_leaks_nothing(cycle):
    _sqlite_only(cycle)
    bundle = cycle["bundle"]
    files = [p for p in bundle.rglob("*") if p.is_file()]
    names = {str(p.relative_to(bundle)) for p in files}
    shipped = sorted(p.name for p in (bundle / "autograder").iterdir())
    assert shipped == ["__init__.py", "__main__.py", "parts", "student"], shipped     # no course/, grading/
    shipped_data = ("autograder/parts/visible_refs.npz", "autograder/parts/digits.npz")
    assert [n for n in names if n.startswith("autograder/") and n.endswith(".npz") and n not in shipped_data] == []
    assert not any(n.startswith(("solutions/", "tests/")) for n in names)
    solution = _solution_pairs()
    hidden_files = {hidden.INPUTS.read_bytes(), hidden.EXPECTED.read_bytes()}
    for p in files:
        data = p.read_bytes()
        assert data not in hidden_files, p
        text = data.decode("utf-8", errors="ignore")
        for marker in ["BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "hidden.record"]:
            assert marker not in text, f"{p}: {marker}"
        leaked = solution & _pairs(_text_lines(p)) if p.suffix in (".py", ".ipynb", ".md") else set()
        assert not leaked, f"{p} contains solution code: {sorted(leaked)[:2]}"
    visible = checker.load(bundle / "autograder" / "parts" / "visible_refs.npz")
    public_inputs = {v.tobytes() for cases in visible.values() for c in cases for v in c["inputs"].values()}
    hidden_inputs, expected = checker.load(hidden.INPUTS), checker.load(hidden.EXPECTED)
    secret = set()          # expected values of hidden cases whose inputs are not public too
    for part, cases in expected.items():
        for case, inputs in zip(cases, hidden_inputs[part]):
            if not all(v.tobytes() in public_inputs for v in inputs["inputs"].values()):
                secret |= {v.tobytes() for v in case["expected"].values()
                           if v.size >= 4 and len(np.unique(v)) > 2}   # saturated 0/1 patterns say nothing
    assert not any(v.tobytes() in secret for cases in visible.values() for c in cases
                   for v in c["expected"].values())


def test_validate_invert_shows_every_graded_part_failing(cycle):
    _sqlite_only(cycle)
    nbs = sorted((cycle["bundle"] / "assignments" / ASSIGNMENT).glob("*.ipynb"))
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "--invert", *map(str, nbs)],
                          capture_output=True, text=True, cwd=cycle["tmp"])
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert out.count("Success! The notebook does not pass any tests.") == len(nbs), out[-3000:]


def test_release_matches_committed_assignment(tmp_path):
    fresh = release.generate_assignment(tmp_path)
    committed = ROOT / "assignments" / ASSIGNMENT
    assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in committed.iterdir())
    for nb in fresh.iterdir():
        assert nb.read_text() == (committed / nb.name).read_text(), \
            f"assignments/{ASSIGNMENT}/{nb.name} is stale: run python -m autograder release"
