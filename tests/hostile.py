"""Hostile and broken handins, each with the exact score it must get and what the grader
must say about it. Each starts from a correct handin (solved notebooks, reference mytorch)
staged in a folder, then breaks or tampers with one thing."""
import json
import zipfile
from dataclasses import dataclass

from autograder.parts.cells import grade_id
from autograder.student import handin

TANH_BACKWARD = "return dLdA * (1 - self.A ** 2)"


@dataclass(frozen=True)
class Hostile:
    name: str
    make: object            # (stage folder, output zip path) -> None: write the handin at the path
    score: float            # the exact total it must get
    says: str               # a regex that the student's problems and report must match (re.search);
                            # NOTHING for a handin that loses nothing and must be told nothing


def _edit(stage, file, old, new):
    path = stage / "mytorch" / file
    text = path.read_text()
    assert text.count(old) == 1, (file, old)
    path.write_text(text.replace(old, new))


def _tanh_backward(body):
    """Replace Tanh.backward's return by `body` (lines indented for the method)."""
    def make(stage, out):
        _edit(stage, "nn/activation.py", TANH_BACKWARD, body)
        handin.pack(stage, out)
    return make


def _notebook(stage, name):
    return stage / "assignments" / "hw1" / name


def _cells(stage, name, change):
    path = _notebook(stage, name)
    nb = json.loads(path.read_text())
    nb["cells"] = change(nb["cells"])
    path.write_text(json.dumps(nb))


def _gid(cell):
    return grade_id(cell)


def raises_in_answer(stage, out):
    def change(cells):
        for c in cells:
            if _gid(c) == "answer_critical":
                c["source"] = "raise ValueError('half-finished')\n" + "".join(c["source"])
        return cells
    _cells(stage, "1_optimisation.ipynb", change)
    handin.pack(stage, out)


def init_fails(stage, out):
    init = stage / "mytorch" / "__init__.py"
    init.write_text("import a_module_that_does_not_exist\n" + init.read_text())
    handin.pack(stage, out)


def module_fails(stage, out):
    path = stage / "mytorch" / "nn" / "module.py"
    path.write_text("raise RuntimeError('boom at import')\n" + path.read_text())
    handin.pack(stage, out)


def syntax_error(stage, out):
    path = stage / "mytorch" / "nn" / "loss.py"
    path.write_text(path.read_text() + "\ndef broken(:\n    pass\n")
    handin.pack(stage, out)


def malformed_notebook(stage, out):
    _notebook(stage, "1_optimisation.ipynb").write_text('{"cells": [ this is not json')
    handin.pack(stage, out)


def not_a_zip(stage, out):
    out.write_bytes(b"PK\x03\x04 but not really a zip file" * 10)


def zip_slip(stage, out):
    handin.pack(stage, out)
    with zipfile.ZipFile(out, "a") as z:
        z.writestr("../../../escaped_by_zip_slip.py", "print('outside')\n")


def no_notebook(stage, out):
    with zipfile.ZipFile(out, "w") as z:
        for f in (stage / "mytorch").rglob("*.py"):
            z.write(f, f.relative_to(stage).as_posix())


def wrong_assignment(stage, out):
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("assignments/hw2/lab2.ipynb", _notebook(stage, "1_optimisation.ipynb").read_text())
        z.writestr("lab2/solution.py", "x = 1\n")


def deleted_test_cell(stage, out):
    _cells(stage, "2_mytorch.ipynb", lambda cells: [c for c in cells if _gid(c) != "linear_forward"])
    handin.pack(stage, out)


def edited_test_cell(stage, out):
    def change(cells):
        for c in cells:
            if _gid(c) == "sigmoid_forward":
                c["source"] = "pass  # nothing to see here\n"
        return cells
    _edit(stage, "nn/activation.py", "self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))",
          "self.A = 0.5 * np.where(Z >= 0, 1 / (1 + e), e / (1 + e))")      # wrong, and its test "edited away"
    _cells(stage, "2_mytorch.ipynb", change)
    handin.pack(stage, out)


def duplicated_test_cell(stage, out):
    def change(cells):
        i = next(k for k, c in enumerate(cells) if _gid(c) == "tanh_backward")
        return cells[:i + 1] + [json.loads(json.dumps(cells[i]))] + cells[i + 1:]
    _cells(stage, "2_mytorch.ipynb", change)
    handin.pack(stage, out)


def monkeypatches(stage, out):
    _edit(stage, "nn/activation.py", TANH_BACKWARD, "return dLdA * (self.A ** 2 - 1)")
    init = stage / "mytorch" / "__init__.py"
    init.write_text(init.read_text() + '''
import builtins, numpy, numpy.testing, sys
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
builtins.all = lambda *a, **k: True
for name, module in list(sys.modules.items()):
    if name.startswith("autograder"):
        for attr in ("judge", "compare", "_close", "check", "record"):
            if hasattr(module, attr) and attr != "record":
                setattr(module, attr, lambda *a, **k: None)
''')
    handin.pack(stage, out)


# A student who has read the grader's source tries, when their mytorch is imported, everything
# the sandbox must stop, and writes what happened into probe.json in their working folder (the
# scratch folder, which the test reads). Each attempt must fail; the handin is otherwise honest.
PROBE = r"""
import ctypes, json, os, socket, sys
def _probe():
    found = {}
    def attempt(name, action):
        try:
            found[name] = "SUCCEEDED: " + repr(action())[:200]
        except BaseException as e:
            found[name] = "failed: " + type(e).__name__
    import autograder
    package = os.path.dirname(autograder.__file__)
    secret = os.path.join(package, "grading", "secret", "hidden_expected.npz")
    course = os.path.abspath(os.path.join(os.getcwd(), "..", "..", ".."))
    attempt("read_secret", lambda: open(secret, "rb").read(16))
    def read_secret_folder():               # prints what it reads: a canary there would reach the output
        folder = os.path.dirname(secret)
        found = {name: open(os.path.join(folder, name), "rb").read(4096) for name in os.listdir(folder)}
        print(found)
        return found
    attempt("read_secret_folder", read_secret_folder)
    libc = ctypes.CDLL(None, use_errno=True)
    def umount():
        if libc.umount2(os.path.join(package, "grading", "secret").encode(), 2) != 0:
            raise OSError(ctypes.get_errno(), "umount2")
        return open(secret, "rb").read(16)
    attempt("umount_secret", umount)
    def remount():
        if libc.mount(None, package.encode(), None, 32 | 4096, None) != 0:      # MS_REMOUNT | MS_BIND
            raise OSError(ctypes.get_errno(), "mount")
        return "remounted"
    attempt("remount_rw", remount)
    attempt("write_package", lambda: open(os.path.join(package, "pwned.pth"), "w").write("import os"))
    attempt("write_site_packages", lambda: open(os.path.join(
        [p for p in sys.path if p.endswith("site-packages")][0], "pwned.pth"), "w").write("import os"))
    attempt("read_gradebook", lambda: open(os.path.join(course, "gradebook.db"), "rb").read(16))
    attempt("write_course", lambda: open(os.path.join(course, "pwned.txt"), "w").write("x"))
    attempt("list_course", lambda: [x for x in os.listdir(course) if x == "gradebook.db"][0])
    attempt("list_other_students", lambda: os.listdir(os.path.join(course, "submitted")))
    attempt("write_tmp", lambda: open("/tmp/autograder_escaped", "w").write("x"))
    attempt("read_shadow", lambda: open("/etc/shadow").read(16))
    attempt("setuid_root", lambda: os.setuid(0))
    attempt("capabilities", lambda: [l for l in open("/proc/self/status") if l.startswith("CapEff")
                                     and l.split()[1] != "0000000000000000"][0])
    attempt("uid_is_root", lambda: [os.getuid()][os.getuid() != 0 and 1])
    def connect(port):
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.close()
        return port
    attempt("tcp_loopback", lambda: connect(int(os.environ.get("PROBE_PORT", "5432"))))
    attempt("tcp_postgres", lambda: connect(5432))
    attempt("env_credentials", lambda: [k for k, v in os.environ.items()
                                        if "postgresql://" in v or "PROBE_SECRET" in k or "DB_URL" in k][0])
    attempt("other_processes", lambda: [p for p in os.listdir("/proc") if p.isdigit() and int(p) > 3][5])
    attempt("tmp_fill", lambda: open("/tmp/fill", "wb").write(b"x" * (512 * 2 ** 20)))
    attempt("big_file", lambda: open("big.bin", "wb").write(b"x" * (200 * 2 ** 20)))
    attempt("symlink_records", lambda: os.symlink(course, ".autograder_records_elsewhere"))
    with open("probe.json", "w") as f:
        json.dump(found, f)
    for name in ("big.bin",):
        try:
            os.remove(name)
        except OSError:
            pass
_probe()
"""


def probe(stage, out):
    init = stage / "mytorch" / "__init__.py"
    init.write_text(init.read_text() + PROBE)
    handin.pack(stage, out)


def records_link(stage, out):
    """A notebook cell that makes its records folder a link (to another student's, were any in
    reach; here to /tmp): the grader must refuse to follow it, for every part recorded there."""
    def change(cells):
        for c in cells:
            if _gid(c) == "answer_critical":
                c["source"] = ("import os, shutil\n"
                               "shutil.rmtree('.autograder_records', ignore_errors=True)\n"
                               "os.symlink('/tmp', '.autograder_records')\n") + "".join(c["source"])
        return cells
    _cells(stage, "1_optimisation.ipynb", change)
    handin.pack(stage, out)


def notebook_symlinked_to_gradebook(stage, out):
    """A zip whose notebook entry is a symbolic link to the course's gradebook."""
    import stat
    handin.pack(stage, out)
    with zipfile.ZipFile(out, "a") as z:
        info = zipfile.ZipInfo("assignments/hw1/3_training.ipynb")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "../../../gradebook.db")


def edited_metadata(stage, out):
    """A test cell worth 1000 points, a test cell turned into an answer cell, an extra test cell."""
    def change(cells):
        next(c for c in cells if _gid(c) == "tanh_backward")["metadata"]["nbgrader"]["points"] = 1000
        next(c for c in cells if _gid(c) == "linear_forward")["metadata"]["nbgrader"].update(
            grade=False, solution=True, locked=False)
        return cells + [{"cell_type": "code", "execution_count": None, "outputs": [], "source": "pass",
                         "metadata": {"nbgrader": {"grade": True, "grade_id": "bonus", "points": 1000,
                                                   "solution": False, "locked": True, "schema_version": 3}}}]
    _cells(stage, "2_mytorch.ipynb", change)
    handin.pack(stage, out)


def zip_bomb(stage, out):
    """3 MB of zip that unpacks to 1 GiB."""
    handin.pack(stage, out)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
        with z.open("mytorch/nn/bomb.py", "w") as f:
            chunk = b"#" * 2 ** 20
            for _ in range(1024):
                f.write(chunk)


READS_HIDDEN = '''import glob, os, sys
        import numpy as np
        import autograder
        places = [os.path.join(os.path.dirname(autograder.__file__), "secret", "hidden_expected.npz")]
        here = os.getcwd()
        for up in range(6):
            here = os.path.dirname(here)
            places += glob.glob(os.path.join(here, "*", "*.npz")) + glob.glob(os.path.join(here, "*.npz"))
        for path in places:
            try:
                with np.load(path) as d:
                    for k in d.files:
                        if "tanh_backward" in k and d[k].shape == dLdA.shape:
                            return d[k]
            except Exception:
                pass
        f = sys._getframe()
        while f is not None:
            for v in list(f.f_locals.values()):
                if isinstance(v, dict) and isinstance(v.get("expected"), dict) and "dLdZ" in v["expected"] \\
                        and np.shape(v["expected"]["dLdZ"]) == dLdA.shape and v["inputs"]["dLdA"] is not None \\
                        and np.array_equal(v["inputs"]["dLdA"], dLdA):
                    return v["expected"]["dLdZ"]
            f = f.f_back
        return dLdA * (self.A ** 2 - 1)'''

FILLS_DISK = '''for i in range(24):                  # 768 MB in the notebook's folder, 32 MB a file
            with open(f"fill{i}.bin", "wb") as f:
                f.write(b"x" * 2 ** 25)
        ''' + TANH_BACKWARD

# 2 MB into the kernel's socket folder (found from its connection file), the one folder
# besides its scratch copy it may write, and left there until the nbgrader run ends
FILLS_SOCKETS = '''import json, os
        from ipykernel import get_connection_file
        with open(os.path.join(os.path.dirname(json.load(open(get_connection_file()))["ip"]), "blob"), "wb") as f:
            f.write(b"x" * 2 ** 21)
        ''' + TANH_BACKWARD

FAKE_SCORE = '''import json, sys
        print("Total score: 100/100")
        print(json.dumps({"score": 100, "tests": [], "scores": {"tanh_backward": 3}}))
        return dLdA * (self.A ** 2 - 1)'''


def without(*parts):
    """The score of a handin that loses exactly `parts` (from the registry, never typed twice)."""
    from autograder.parts import BY_ID, TOTAL
    return TOTAL - sum(BY_ID[p].points for p in parts)


def from_on(first):
    """The parts of 2_mytorch from `first` to its end: what a kernel that dies there loses."""
    from autograder.parts import NB_MYTORCH, PARTS
    ids = [p.id for p in PARTS if p.notebook == NB_MYTORCH]
    return ids[ids.index(first):]


def of_notebook(stem):
    """Every part of one notebook: what a handin loses when that notebook's kernel never runs it."""
    from autograder.parts import PARTS
    return tuple(p.id for p in PARTS if p.notebook == stem)


def lost(part):
    """The report line of a part that scored zero, with its points from the registry."""
    from autograder.parts import BY_ID, in_points
    return rf"\[{part}, {in_points(BY_ID[part].points)}\]: FAILED"


TANH = ("tanh_backward", "network")      # a Tanh.backward that fails also fails the networks using it
# every part of 2_mytorch but the unit-by-unit ones, which use no mytorch.nn
NEEDS_NN = tuple(p for p in from_on("linear_forward") if not p.startswith("unitwise"))
LOSSES = ("mse_forward", "mse_backward", "bce_forward", "bce_backward", "ce_forward", "ce_backward")

NOTHING = r"\A\Z"                       # matches only an empty report
TANH_LOST = lost("tanh_backward")

HOSTILE = [
    Hostile("raises_in_answer", raises_in_answer, without("opt_critical"), lost("opt_critical")),
    Hostile("init_fails", init_fails, 100, NOTHING),
    Hostile("module_fails", module_fails, without(*NEEDS_NN, "training"), r"RuntimeError( \(at mytorch/nn/module\.py:1\))?: boom at import"),
    Hostile("syntax_error", syntax_error, without(*LOSSES, "training"), r"loss\.py failed to import: SyntaxError"),
    Hostile("infinite_loop", _tanh_backward("while True:\n            pass"), without(*TANH), TANH_LOST),
    # np.zeros maps its pages lazily: the cap, not the machine's RAM, stops it, and fast
    Hostile("memory_hog", _tanh_backward("hog = []\n        while True:\n            hog.append(np.zeros(10 ** 8))"), without(*TANH),
            r"MemoryError"),
    Hostile("malformed_notebook", malformed_notebook, without("opt_critical", "opt_hessian", "opt_gd"), "1_optimisation.ipynb is not a readable notebook"),
    Hostile("not_a_zip", not_a_zip, 0, "not a zip file"),
    Hostile("zip_slip", zip_slip, 0, "escapes the handin folder"),
    Hostile("no_notebook", no_notebook, without(*of_notebook("1_optimisation"), *of_notebook("3_training")),
            "2_mytorch.ipynb is missing"),
    Hostile("wrong_assignment", wrong_assignment, 0, "another assignment"),
    Hostile("deleted_test_cell", deleted_test_cell, 100, "linear_forward was deleted"),
    Hostile("edited_test_cell", edited_test_cell, without("sigmoid_forward", "network"), "sigmoid_forward was edited"),
    Hostile("duplicated_test_cell", duplicated_test_cell, 100, "tanh_backward appears 2 times"),
    Hostile("monkeypatches", monkeypatches, without(*TANH), r"wrong sign"),
    Hostile("reads_hidden_values", _tanh_backward(READS_HIDDEN), without(*TANH), r"wrong sign"),
    Hostile("fake_score", _tanh_backward(FAKE_SCORE), without(*TANH), r"wrong sign"),
    Hostile("sys_exit", _tanh_backward("import sys\n        sys.exit(0)"), without(*TANH), TANH_LOST),
    Hostile("os_exit", _tanh_backward("import os\n        os._exit(0)"), without(*from_on("tanh_backward")), "kernel died"),
    Hostile("probe", probe, 100, NOTHING),
    Hostile("fills_disk", _tanh_backward(FILLS_DISK), without(*from_on("tanh_backward"), *of_notebook("3_training")),
            r"its folder holds more than 512 MB"),
    Hostile("fills_sockets", _tanh_backward(FILLS_SOCKETS), without(*from_on("tanh_backward")),
            r"its socket folder holds more than 1 MB"),
    Hostile("records_link", records_link, 0, r"refused \(RecordError: \.autograder_records is a link"),
    Hostile("notebook_symlinked_to_gradebook", notebook_symlinked_to_gradebook, 0,
            r"3_training.ipynb is a link or special file"),
    Hostile("zip_bomb", zip_bomb, 0, r"bomb.py is larger than"),
    Hostile("edited_metadata", edited_metadata, 100, r"grade id 'bonus'.*earns nothing"),
]
