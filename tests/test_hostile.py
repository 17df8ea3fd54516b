"""A class of hostile and broken handins graded together: each gets exactly its points, none
costs another student anything, and the grader says what was wrong and where."""
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from autograder import samples
from autograder.course.paths import REFERENCE
from autograder.grading import grade, sandbox
from autograder.parts import ASSIGNMENT
from classroom import release_and_solve
from hostile import HOSTILE

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox.bwrap_available(),
                                 reason="reading the hidden values is only blocked in the bwrap sandbox")]


ROOT = Path(__file__).resolve().parents[1]


def _files(*folders):
    """{path: (mode, contents)} of every file under `folders` (caches left out)."""
    return {p: (p.lstat().st_mode, p.read_bytes()) for f in folders for p in sorted(f.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once; a canary planted in the secret folder for the run (a token no
    handin can know: if it shows anywhere, some code read the secret)."""
    canary_file = sandbox.SECRET / "canary.txt"
    canary = f"canary-{os.urandom(16).hex()}"
    canary_file.write_text(canary)
    try:
        yield _grade_the_class(tmp_path_factory, canary)
    finally:
        canary_file.unlink()


def _grade_the_class(tmp_path_factory, canary):
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
    lines = []
    os.environ["PROBE_SECRET_DB_URL"] = "postgresql://grader:secret@127.0.0.1/gradebook"   # must not reach a kernel
    # more students at once than cores, so that kernels starting, dying and being killed overlap
    # (races between them show here), and the handins that wait out a timeout overlap the others
    jobs = 2 * (os.cpu_count() or 1)
    markers, failures = grade.grade(handins, tmp / "class" / "course", timeout=30, jobs=jobs, log=lines.append)
    shutil.rmtree(tmp / "class" / "course" / "scratch" / "fills_disk")       # 768 MB, judged already
    return {"markers": markers, "failures": failures, "lines": lines, "tmp": tmp, "handins": handins,
            "before": before, "canary": canary, "ours": ours,
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
    assert not list(graded["tmp"].rglob("escaped_by_zip_slip.py"))
    assert {p.name: p.read_bytes() for p in graded["handins"].iterdir()} == graded["before"]
    changed = {str(p) for p in graded["ours"].keys() ^ graded["ours_after"].keys()}
    changed |= {str(p) for p in graded["ours"].keys() & graded["ours_after"].keys()
                if graded["ours"][p] != graded["ours_after"][p]}
    assert {c for c in changed if not c.endswith("canary.txt")} == set(), "written or chmodded during grading"


def test_the_secret_canary_reaches_no_record_report_or_feedback(graded):
    canary = graded["canary"].encode()
    course = graded["tmp"] / "class" / "course"
    seen = [p for p in course.rglob("*") if p.is_file() and not p.is_symlink() and canary in p.read_bytes()]
    assert seen == []
    said = "\n".join(graded["lines"]) + json.dumps(graded["markers"])
    assert graded["canary"] not in said


def test_no_attack_changed_a_grade_in_the_gradebook(graded):
    """What each student was judged to earn (their marker, written before any other student's
    kernel could run after them) is what the gradebook holds at the end, part by part."""
    course = graded["tmp"] / "class" / "course"
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
    course = graded["tmp"] / "class" / "course"
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
    import resource
    import subprocess
    course = str(graded["tmp"] / "class" / "course")
    left = [line for line in subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
            .splitlines() if course in line]
    assert left == []
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 1500, f"the grading process peaked at {peak_mb:.0f} MB"
