"""Kernels that go wrong, graded in one class with honest students (--jobs 2): a kernel that
exits at start, one that never gets ready, one that ignores the interrupt at the per-cell
timeout, one that prints far too much, and one that shows the kernels use no TCP port.
Each such student finishes within its budget with a message naming the cause; the honest
students, each graded in one nbgrader process with a student who hangs, get exactly the
grade they get alone (test_grading_runs.EXPECTED)."""
import json
import re
import shutil

import nbformat
import pytest

from autograder import samples
from autograder.course.paths import REFERENCE
from autograder.grading import execute, grade, sandbox
from autograder.parts import ASSIGNMENT, NOTEBOOKS
from autograder.student import handin
from hostile import TANH, from_on, of_notebook, without
from classroom import release_and_solve
from mistakes import MISTAKES

pytestmark = pytest.mark.slow
UNSAFE = not sandbox.bwrap_available()
TIMEOUT = 20                      # per cell: shorter than the default, so the interrupt case is quick
JOBS = 2


def _append_cell(stage, notebook, source):
    """Add a code cell at the end of one of the handin's notebooks (students may add cells)."""
    path = stage / "assignments" / ASSIGNMENT / notebook
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


def _edit(stage, file, old, new):
    path = stage / "mytorch" / file
    text = path.read_text()
    assert text.count(old) == 1, (file, old)
    path.write_text(text.replace(old, new))


# Student code runs only once its kernel is ready, but a kernel starts in the student's scratch
# folder, and `python -m ipykernel_launcher` imports that module from its working folder first:
# a cell that writes ipykernel_launcher.py there decides how the student's later kernels start
# (here: 3_training's, and its retry's). What a student can do to their own grading anyway.
def _plant_launcher(body):
    def make(stage):
        _append_cell(stage, "2_mytorch.ipynb", f"open('ipykernel_launcher.py', 'w').write({body!r})\n")
    return make


def _ignores_interrupts(stage):
    _edit(stage, "nn/activation.py", "return dLdA * (1 - self.A ** 2)",
          "import signal\n        signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
          "        while True:\n            pass")


def _prints(stage):
    _edit(stage, "nn/linear.py", "        self.A = A\n",
          "        self.A = A\n        print('Linear.forward', A.shape)\n        print(A)\n")
    # and one long line, which a cap on lines alone (nbgrader's LimitOutput) would keep whole
    _append_cell(stage, "1_optimisation.ipynb", "print('x' * 10 ** 6)\n")


def _records_transport(stage):
    _append_cell(stage, "1_optimisation.ipynb", (
        "import json\nfrom ipykernel.connect import get_connection_file\n"
        "info = json.load(open(get_connection_file()))\n"
        "open('transport.json', 'w').write(json.dumps({k: v for k, v in info.items() if k != 'key'}))\n"))


BROKEN = {
    "dies_at_start": _plant_launcher("import sys\nsys.stderr.write('planted launcher: no kernel today\\n')\n"
                                     "sys.exit(3)\n"),
    "never_ready": _plant_launcher("import time\ntime.sleep(10 ** 6)\n"),
    "ignores_interrupts": _ignores_interrupts,
    "prints_a_lot": _prints,
    "records_transport": _records_transport,
}
# Exact totals: 3_training's parts are lost when its kernel cannot start; a Tanh.backward that
# never returns costs what os_exit costs in tests/hostile.py.
SCORES = {"dies_at_start": without(*of_notebook("3_training")), "never_ready": without(*of_notebook("3_training")),
          "ignores_interrupts": without(*from_on("tanh_backward")), "prints_a_lot": 100,
          "records_transport": 100}
HONEST = {"reference": 100, "tanh_wrong_sign": without(*TANH)}    # as graded alone (test_grading_runs.EXPECTED)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kernels")
    bundle, solved = release_and_solve(tmp)
    handins = tmp / "handins"
    handins.mkdir()
    samples.make_handin(handins / "reference.zip", solved, REFERENCE)
    mistake = next(m for m in MISTAKES if m.name == "tanh_wrong_sign")
    samples.make_handin(handins / f"{mistake.name}.zip", solved,
                        samples.apply(mistake, REFERENCE, tmp / "mistake" / "mytorch"))
    for name, make in BROKEN.items():
        stage = tmp / "stage" / name
        shutil.copytree(solved, stage / "assignments" / ASSIGNMENT)
        shutil.copytree(REFERENCE, stage / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
        make(stage)
        handin.pack(stage, handins / f"{name}.zip")
    course = tmp / "course"
    markers, failures = grade.grade(handins, course, timeout=TIMEOUT, jobs=JOBS, log=lambda line: None,
                                    unsafe_no_sandbox=UNSAFE)
    return {"markers": markers, "failures": failures, "course": course}


def _said(marker):
    return "\n".join(marker["problems"] + list(marker["report"].values()))


def test_honest_students_get_exactly_their_grade_alone(graded):
    for sid, total in HONEST.items():
        assert sum(graded["markers"][sid]["scores"].values()) == total, _said(graded["markers"][sid])
        assert graded["markers"][sid]["problems"] == []


def test_students_share_an_nbgrader_process(graded):
    """One nbgrader autograde per batch of students, not one per student (its start-up is
    most of its cost): counted in the logs, where each autograde is written as it starts."""
    course, sids = graded["course"], sorted(graded["markers"])
    autogrades = sum(line.startswith("$ nbgrader autograde ") for log in (course / "logs").rglob("*.log")
                     for line in log.read_text().splitlines())
    assert autogrades < len(sids)
    assert autogrades == len(grade.batches(sids, JOBS))


HANGS = {"never_ready", "ignores_interrupts"}     # a kernel that never starts; a cell that never stops


def test_a_student_who_hangs_changes_no_batch_mates_score(graded):
    for sid, total in HONEST.items():
        log = (graded["course"] / "logs" / f"{sid}.log").read_text()
        batch = re.search(r"autograded in one nbgrader process with: (.*) \(its output", log)
        assert batch, log
        assert set(batch.group(1).split(", ")) - {sid} & HANGS, batch.group(1)   # the premise
        assert sum(graded["markers"][sid]["scores"].values()) == total, _said(graded["markers"][sid])
        assert graded["markers"][sid]["problems"] == []


@pytest.mark.parametrize("sid", sorted(BROKEN))
def test_each_broken_kernel_costs_its_student_exactly_its_points_within_budget(graded, sid):
    m = graded["markers"][sid]
    assert sum(m["scores"].values()) == SCORES[sid], _said(m)
    assert m["seconds"] < grade.budget(graded["course"], TIMEOUT, NOTEBOOKS)


def test_a_kernel_that_exits_at_start_is_named_with_its_stderr(graded):
    m = graded["markers"]["dies_at_start"]
    assert len(m["problems"]) == 1, m["problems"]
    assert re.search(r"3_training\.ipynb: the kernel exited before it was ready \(exit status 3\) "
                     r"\(the same when retried in a fresh kernel\)", m["problems"][0])
    assert "planted launcher: no kernel today" in m["problems"][0]
    report = (graded["course"] / "feedback" / "dies_at_start" / ASSIGNMENT / "report.html").read_text()
    assert "planted launcher: no kernel today" in report and "exited before it was ready" in report
    # noticed at once: the student takes hardly longer than the honest one, not a start timeout
    assert m["seconds"] < graded["markers"]["reference"]["seconds"] + execute.KERNEL_READY_S


def test_a_kernel_that_never_gets_ready_is_given_up_after_its_wait(graded):
    m = graded["markers"]["never_ready"]
    assert len(m["problems"]) == 1, m["problems"]
    assert re.search(rf"3_training\.ipynb: the kernel did not become ready within {execute.KERNEL_READY_S} s "
                     r"\(the same when retried", m["problems"][0])


def test_a_kernel_that_ignores_the_interrupt_is_stopped_and_named(graded):
    m = graded["markers"]["ignores_interrupts"]
    # the first cell that calls Tanh.backward: a visible check before the graded one
    found = re.search(rf"2_mytorch\.ipynb: cell (\d+) \('tanh.forward\(Z\)'\) ran past the {TIMEOUT} s per-cell "
                      r"timeout and did not stop when interrupted", "\n".join(m["problems"]))
    assert found, m["problems"]
    nb = nbformat.read(graded["course"] / "autograded" / "ignores_interrupts" / ASSIGNMENT / "2_mytorch.ipynb",
                       as_version=4)
    at = int(found.group(1)) - 1
    assert [o.ename for o in nb.cells[at].outputs if o.output_type == "error"][-1] == "KernelFailure"
    after = [c for c in nb.cells[at + 1:] if c.cell_type == "code"]
    assert after and all(c.outputs == [] for c in after)          # left unrun, not stale


def test_grading_kernels_talk_over_unix_sockets_not_tcp(graded):
    """No TCP port is chosen, so none can be taken by another kernel between choice and bind."""
    info = json.loads((graded["course"] / "scratch" / "records_transport" / "transport.json").read_text())
    assert info["transport"] == "ipc", info


def test_output_is_capped_per_cell_and_says_so(graded):
    folder = graded["course"] / "autograded" / "prints_a_lot" / ASSIGNMENT
    truncated = 0
    for name in NOTEBOOKS:
        for cell in nbformat.read(folder / name, as_version=4).cells:
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
            assert len(text.encode()) <= execute.OUTPUT_CAP + 300
            truncated += bool(re.search(r"output truncated: \d+ lines printed", text))
    assert truncated >= 2                  # the training cell, and the long line
    assert (folder / "3_training.ipynb").stat().st_size < 5 * execute.OUTPUT_CAP
    feedback = graded["course"] / "feedback" / "prints_a_lot" / ASSIGNMENT / "3_training.html"
    assert "output truncated" in feedback.read_text() and feedback.stat().st_size < 5 * execute.OUTPUT_CAP + 10 ** 6


def test_exit_text_names_the_signal_bubblewrap_passes_on():
    assert execute.exit_text(3) == "exit status 3"
    assert execute.exit_text(128 + 24) == "killed by SIGXCPU, its CPU-time limit"      # through bwrap
    assert execute.exit_text(-9) == "killed by SIGKILL"                                # no bwrap


def test_the_failures_file_is_read_bounded_and_a_damaged_line_is_skipped(tmp_path):
    path = tmp_path / "s.kernels.jsonl"
    path.write_text("not json\n" + json.dumps({"notebook": "2_mytorch", "causes": ["a", "b"], "stderr": "boom"}) + "\n")
    assert grade.kernel_failures(path) == [
        "2_mytorch.ipynb: b (when retried in a fresh kernel; the first time, a); the parts it had not finished "
        "score zero. The kernel's last lines on stderr:\nboom"]
    (tmp_path / "link.jsonl").symlink_to(path)
    with pytest.raises(ValueError, match="symbolic link"):
        grade.kernel_failures(tmp_path / "link.jsonl")
    assert grade.kernel_failures(tmp_path / "missing.jsonl") == []
