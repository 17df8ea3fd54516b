"""A class of hostile and broken handins graded together: each gets exactly its points, none
costs another student anything, and the grader says what was wrong and where."""
import contextlib
import json
import os
import re
import resource
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder import samples
from autograder.course.paths import REFERENCE
from autograder.grading import grade, sandbox
from autograder.parts import ASSIGNMENT
import accounts
from classroom import release_and_solve
from hostile import HOSTILE

# The class is graded in the first test's setup: about 6.5 min on a quiet 2-core machine, over
# 20 min when both gradings (this file's and test_hostile_as_account.py's) share a loaded one.
GRADING_S = 2400
# Per cell, shorter than grading's default 30 s: the infinite loop spins in each cell that calls
# its Tanh.backward until this timeout, in both gradings at once (about 5 cells each), and that
# CPU is taken from everything else the suite runs. The honest student's slowest cell needs a
# few seconds, with 2 x 4 kernels on 2 cores.
CELL_TIMEOUT_S = 20
pytestmark = [pytest.mark.slow, pytest.mark.timeout(GRADING_S),
              pytest.mark.skipif(not sandbox.bwrap_available(),
                                 reason="reading the hidden values is only blocked in the bwrap sandbox")]


ROOT = Path(__file__).resolve().parents[1]


def _files(*folders):
    """{path: (mode, contents)} of every file under `folders` (caches left out)."""
    return {p: (p.lstat().st_mode, p.read_bytes()) for f in folders for p in sorted(f.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once by whoever runs the tests (root in CI, so the kernels run as
    nobody). test_hostile_as_account.py grades it again as an unprivileged account."""
    yield from graded_by("caller", tmp_path_factory)


def graded_by(who, tmp_path_factory):
    """The class graded by `who` ("caller", or "account": a fresh unprivileged account, whose
    kernels run in bubblewrap's user namespace, as on a course server); a canary planted in the
    secret folder for the run (a token no handin can know: if it shows anywhere, some code read
    the secret)."""
    if who == "account" and (why := accounts.unavailable()):
        pytest.skip(f"grading as an unprivileged account: {why}")
    canary_file = sandbox.SECRET / f"canary-{who}.txt"      # both runs may be under way at once
    canary = f"canary-{os.urandom(16).hex()}"
    canary_file.write_text(canary)
    canary_file.chmod(0o644)                     # the grading account reads the secret, as it must
    try:
        with _grader(who) as run:
            yield _grade_the_class(tmp_path_factory, canary, run)
    finally:
        canary_file.unlink()


@contextlib.contextmanager
def _grader(who):
    """run(handins, course, jobs) -> (markers, failures, log lines, the account's processes left
    (None for the caller), the grading process's peak RSS in kB): grading as the caller, in this
    process; or as a fresh unprivileged account, in a process of its own."""
    if who == "caller":
        def run(handins, course, jobs):
            lines = []
            markers, failures = grade.grade(handins, course, timeout=CELL_TIMEOUT_S, jobs=jobs, log=lines.append)
            return markers, failures, lines, None, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        yield run
        return
    base = Path(tempfile.mkdtemp(prefix="ag-hostile-", dir="/tmp"))
    os.chmod(base, 0o755)                        # the account's home is in it
    users = accounts.Accounts(base)
    try:
        login = users.add("grader")
        home = Path(users.environment(login)["HOME"])

        def run(handins, course, jobs):
            # the account grades its own copy of the handins into a course folder of its own
            mine = home / "handins"
            shutil.copytree(handins, mine)
            for p in [mine, *mine.iterdir()]:
                shutil.chown(p, login, login)
            result = home / "result.json"
            users.python(login, GRADE_AS_ACCOUNT.format(handins=str(mine), course=str(course), jobs=jobs, timeout=CELL_TIMEOUT_S,
                                                        result=str(result)),
                         env={"PROBE_SECRET_DB_URL": os.environ["PROBE_SECRET_DB_URL"]}, timeout=GRADING_S - 100)
            done = json.loads(result.read_text())
            return done["markers"], done["failures"], done["lines"], users.processes(), done["peak_kb"]
        run.home = home
        yield run
    finally:
        users.remove()


GRADE_AS_ACCOUNT = """
import json, resource
from pathlib import Path
from autograder.grading import grade
lines = []
markers, failures = grade.grade(Path({handins!r}), Path({course!r}), timeout={timeout}, jobs={jobs}, log=lines.append)
Path({result!r}).write_text(json.dumps({{"markers": markers, "failures": failures, "lines": lines,
                                        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def _grade_the_class(tmp_path_factory, canary, run):
    tmp = tmp_path_factory.mktemp("hostile")
    bundle, solved = release_and_solve(tmp)
    handins = tmp / "class" / "handins"
    handins.mkdir(parents=True)
    for h in HOSTILE + [None]:
        stage = tmp / "stage" / (h.name if h else "honest")
        shutil.copytree(solved, stage / "assignments" / ASSIGNMENT)
        shutil.copytree(REFERENCE, stage / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
        if h:
            h.make(stage, handins / f"{h.name}.zip")
        else:
            samples.make_handin(handins / "honest.zip", stage / "assignments" / ASSIGNMENT, stage / "mytorch")
    before = {p.name: p.read_bytes() for p in handins.iterdir()}
    ours = _files(*(ROOT / d for d in ("autograder", "solutions", "mytorch", "assignments")))
    os.environ["PROBE_SECRET_DB_URL"] = "postgresql://grader:secret@127.0.0.1/gradebook"   # must not reach a kernel
    # more students at once than cores, so that kernels starting, dying and being killed overlap
    # (races between them show here), and the handins that wait out a timeout overlap the others
    jobs = 2 * (os.cpu_count() or 1)
    home = getattr(run, "home", None)
    course = (home or tmp / "class") / "course"
    markers, failures, lines, left, peak_kb = run(handins, course, jobs)
    shutil.rmtree(course / "scratch" / "fills_disk")       # 768 MB, judged already
    return {"markers": markers, "failures": failures, "lines": lines, "tmp": tmp, "course": course,
            "handins": (home / "handins") if home else handins, "searched": [tmp, *([home] if home else [])],
            "before": before, "canary": canary, "ours": ours, "left": left, "peak_mb": peak_kb / 1024,
            "ours_after": _files(*(ROOT / d for d in ("autograder", "solutions", "mytorch", "assignments")))}


def test_an_honest_student_among_them_scores_100(graded):
    assert sum(graded["markers"]["honest"]["scores"].values()) == 100


@pytest.mark.parametrize("h", HOSTILE, ids=lambda h: h.name)
def test_hostile_handin_gets_exactly_its_points(graded, h):
    m = graded["markers"][h.name]
    lost = {p: s for p, s in m["scores"].items() if s == 0}
    assert sum(m["scores"].values()) == h.score, f"{h.name}: lost {sorted(lost)}"
    said = "\n".join(m["problems"] + list(m["report"].values()))
    assert re.search(h.says, said), said


def test_progress_names_every_student_and_their_problems(graded):
    text = "\n".join(graded["lines"])
    for h in HOSTILE:
        assert re.search(rf"\] {h.name}: \d+/100", text), h.name
    assert re.search(r"not_a_zip: 0/100.*\n\s+not_a_zip.zip is not a zip file", text)


def test_nothing_escapes_and_handins_are_untouched(graded):
    assert [p for d in graded["searched"] for p in d.rglob("escaped_by_zip_slip.py")] == []
    assert {p.name: p.read_bytes() for p in graded["handins"].iterdir()} == graded["before"]
    changed = {str(p) for p in graded["ours"].keys() ^ graded["ours_after"].keys()}
    changed |= {str(p) for p in graded["ours"].keys() & graded["ours_after"].keys()
                if graded["ours"][p] != graded["ours_after"][p]}
    changed = {c for c in changed if not Path(c).name.startswith("canary-")}     # the runs' own canaries
    assert changed == set(), "written or chmodded during grading"


def test_the_secret_canary_reaches_no_record_report_or_feedback(graded):
    canary = graded["canary"].encode()
    course = graded["course"]
    seen = [p for p in course.rglob("*") if p.is_file() and not p.is_symlink() and canary in p.read_bytes()]
    assert seen == []
    said = "\n".join(graded["lines"]) + json.dumps(graded["markers"])
    assert graded["canary"] not in said


def test_no_attack_changed_a_grade_in_the_gradebook(graded):
    """What each student was judged to earn (their marker, written before any other student's
    kernel could run after them) is what the gradebook holds at the end, part by part."""
    course = graded["course"]
    for sid, marker in graded["markers"].items():
        assert not marker.get("not_graded"), sid
        judged = json.loads((course / "graded" / f"{sid}.json").read_text())["scores"]
        assert marker["scores"] == judged, sid


# What the probe handin (hostile.PROBE) must find shut, whoever runs the grader.
MUST_FAIL = ["read_secret", "read_secret_folder", "umount_secret", "remount_rw", "write_package", "write_site_packages",
             "read_gradebook", "list_course", "list_other_students", "read_shadow", "setuid_root",
             "capabilities", "tcp_loopback", "tcp_postgres", "env_credentials", "other_processes",
             "tmp_fill", "big_file"]


def test_the_probe_finds_every_door_shut(graded):
    import autograder
    course = graded["course"]
    found = json.loads((course / "scratch" / "probe" / "probe.json").read_text())
    assert {k: v for k, v in found.items() if k in MUST_FAIL and not v.startswith("failed")} == {}
    assert set(MUST_FAIL) <= set(found)
    if os.geteuid() == 0:                            # the kernel ran as nobody, not as root
        assert found["uid_is_root"].startswith("failed")
    site = [p for p in __import__("sys").path if p.endswith("site-packages")]
    escaped = [course / "pwned.txt", Path(autograder.__file__).parent / "pwned.pth", Path("/tmp/autograder_escaped"),
               *[Path(p) / "pwned.pth" for p in site]]
    assert [p for p in escaped if p.exists()] == []


def test_no_process_is_left_and_the_grader_stayed_small(graded):
    import subprocess
    course = str(graded["course"])
    left = [line for line in subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
            .splitlines() if course in line]
    assert left == []
    assert graded["left"] in (None, []), "processes of the grading account outlived grading"
    assert graded["peak_mb"] < 1500, f"the grading process peaked at {graded['peak_mb']:.0f} MB"
