"""The sandbox's walls, checked directly (fast): where a process that `sandbox.bwrap_argv`
starts can write, with the grader as root (the kernel becomes nobody) and as an ordinary user
(the kernel keeps the grader's uid, in bubblewrap's user namespace). The hostile class
(test_hostile.py) attacks the same walls through whole handins, slowly."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import accounts
from autograder.grading import sandbox

pytestmark = pytest.mark.skipif(not sandbox.bwrap_available(), reason="bubblewrap is not installed")

WRITES = r"""
import json, os
import autograder
package = os.path.dirname(autograder.__file__)
def can_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return True
    except OSError:
        return False
print(json.dumps({"package": can_write(os.path.join(package, "pwned.pth")),
                  "above_package": can_write(os.path.join(os.path.dirname(package), "pwned.pth")),
                  "root": can_write("/pwned"), "home": can_write(os.path.join(os.environ["HOME"], "..", "pwned")),
                  "above_folder": can_write(os.path.join("..", "pwned")),
                  "scratch": can_write("written.txt"), "tmp": can_write("/tmp/written.txt")}))
"""
# Only its own folder (nbgrader's folder, bound from its scratch copy) and /tmp; not the folders
# above it, made under /tmp here, as the package's are when the repository is in /tmp.
EXPECTED = {"package": False, "above_package": False, "root": False, "home": False, "above_folder": False,
            "scratch": True, "tmp": True}


@pytest.fixture
def folders():
    """(connection file, nbgrader's folder, scratch) in a folder every uid may enter."""
    base = Path(tempfile.mkdtemp(prefix="ag-sandbox-", dir="/tmp"))
    os.chmod(base, 0o755)
    connection = base / "kernel.json"
    connection.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1"}))
    connection.chmod(0o644)
    cwd = base / "autograded" / "s" / "hw1"
    cwd.mkdir(parents=True)
    (cwd / "2_mytorch.ipynb").write_text("{}")
    yield connection, cwd, base / "scratch"
    shutil.rmtree(base)


def _run(argv):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_as_the_caller_the_kernel_writes_only_its_folder_and_tmp(folders):
    connection, cwd, scratch = folders
    sandbox.prepare_scratch(cwd, scratch)
    argv = sandbox.bwrap_argv(connection, cwd, scratch) + ["--", *sandbox._drop_privileges(sandbox.kernel_uid(scratch)),
                                                          sys.executable, "-c", WRITES]
    assert _run(argv) == EXPECTED
    assert (scratch / "written.txt").exists()


def test_as_an_unprivileged_grader_the_kernel_writes_only_its_folder_and_tmp(folders, tmp_path):
    """The grader as uid 65534, bubblewrap started by it (so the folders bwrap makes for its
    binds belong to the kernel's own uid: the sandbox's root must be read-only)."""
    if why := accounts.unavailable():
        pytest.skip(why)
    connection, cwd, scratch = folders
    sandbox.prepare_scratch(cwd, scratch)
    uid = 65534                     # nobody
    for p in [scratch, *scratch.rglob("*")]:
        os.chown(p, uid, uid)
    argv = accounts.Accounts(tmp_path).view(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--",
         *sandbox.bwrap_argv(connection, cwd, scratch), "--", sys.executable, "-c", WRITES])
    assert _run(argv) == EXPECTED


def test_a_kernel_asked_for_tcp_is_refused_at_once_saying_why(folders, monkeypatch):
    """A sandboxed kernel has no network, so over TCP it never answers: a client waited its whole
    start-up timeout ("Kernel didn't respond in 60 seconds", as the bench's breakdown did), not
    told why. sandbox.main refuses it before starting anything."""
    _refused_by_main(folders, monkeypatch, "TCP sockets, but a sandboxed kernel has no network.*transport = 'ipc'")


def _refused_by_main(folders, monkeypatch, match):
    """sandbox.main, started as nbgrader starts it, exits with a message matching `match`
    and starts nothing."""
    connection, cwd, scratch = folders
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("AUTOGRADER_SCRATCH", str(scratch))
    monkeypatch.delenv("AUTOGRADER_SANDBOX", raising=False)
    monkeypatch.setattr(sandbox, "_set_limits", lambda: None)     # never on this test's process
    monkeypatch.setattr(os, "execvp", lambda *a: pytest.fail(f"started {a[1][:3]}"))
    with pytest.raises(SystemExit, match=match):
        sandbox.main(["-f", str(connection)])


def test_a_kernel_that_could_read_the_hidden_values_is_refused(folders, monkeypatch, tmp_path):
    """Installed into site-packages (not editable), the package brought its secret into a folder
    every kernel reads whole: a kernel read hidden_expected.npz and scored a stub. The sandbox
    refuses to start it, saying why."""
    connection = folders[0]
    sockets = connection.parent / "sockets"
    sockets.mkdir()
    connection.write_text(json.dumps({"transport": "ipc", "ip": str(sockets / "kernel")}))
    assert sandbox.secret_in_reach(connection) is None, "the repository's own install exposes the secret"
    site = tmp_path / "lib" / "site-packages"
    (site / "autograder" / "grading" / "secret").mkdir(parents=True)
    monkeypatch.setattr(sandbox, "SECRET", site / "autograder" / "grading" / "secret")
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    assert sandbox.secret_in_reach(connection) == str(site)
    _refused_by_main(folders, monkeypatch, "hidden values .* lie under .*site-packages.*refusing to run student code")


def test_the_wheel_leaves_the_hidden_values_out(tmp_path):
    """A wheel anyone builds from the repository holds the public npz files, not the secret."""
    import zipfile
    source = tmp_path / "source"                 # a copy: the build writes beside what it builds
    shutil.copytree(sandbox.PACKAGE, source / "autograder", ignore=shutil.ignore_patterns("__pycache__", "canary-*"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(sandbox.PACKAGE.parent / name, source / name)
    done = subprocess.run([sys.executable, "-m", "uv", "build", "-q", "--wheel", "-o", str(tmp_path), "."],
                          cwd=source, capture_output=True, text=True, timeout=300)
    if done.returncode and "No module named uv" in done.stderr:
        pytest.skip("uv is not installed (CI installs it)")
    assert done.returncode == 0, done.stderr
    [wheel] = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "autograder/parts/visible_refs.npz" in names and "autograder/grading/hidden_inputs.npz" in names
    assert not [n for n in names if "secret" in n], names


def test_a_kernel_started_without_a_students_folder_gets_a_copy_of_its_own(folders, monkeypatch):
    """Outside `grade` (a kernel started by hand, the bench) no AUTOGRADER_SCRATCH is set: the
    kernel's folder was an empty folder that its uid could not even enter, so a notebook found
    none of its files (PermissionError on mytorch/)."""
    connection, cwd, _ = folders
    sockets = connection.parent / "sockets"
    sockets.mkdir()
    connection.write_text(json.dumps({"transport": "ipc", "ip": str(sockets / "kernel")}))
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("AUTOGRADER_SCRATCH", raising=False)
    monkeypatch.delenv("AUTOGRADER_SANDBOX", raising=False)
    monkeypatch.setattr(sandbox, "_set_limits", lambda: None)
    started = []
    monkeypatch.setattr(os, "execvp", lambda file, argv: started.append(argv))
    sandbox.main(["-f", str(connection)])
    argv = started[0]
    bound = next(Path(argv[k + 1]) for k in range(len(argv) - 2) if argv[k] == "--bind" and argv[k + 2] == str(cwd))
    assert (bound / "2_mytorch.ipynb").read_text() == "{}"
    if os.geteuid() == 0:
        assert bound.stat().st_uid == sandbox.kernel_uid(bound) >= sandbox.UID_BASE
    shutil.rmtree(bound.parent)


def test_each_students_kernels_run_as_a_uid_of_their_own(tmp_path, monkeypatch):
    """Linux counts the process limit per uid: with one uid for every kernel, one student's
    256 threads kept every other student's kernel from starting ("can't start new thread").
    A student's kernels share their uid (their scratch folder is theirs across notebooks);
    two students' differ, and none is a system account's."""
    monkeypatch.setattr(sandbox, "SANDBOX_UID", None)
    folders = [tmp_path / name for name in ("alice", "bob", "carol")]
    for folder in folders:
        folder.mkdir()
    uids = [sandbox.kernel_uid(folder) for folder in folders]
    assert len(set(uids)) == 3 and all(sandbox.UID_BASE <= u < 2 ** 31 for u in uids), uids
    assert sandbox.kernel_uid(folders[0]) == uids[0]
    monkeypatch.setattr(sandbox, "SANDBOX_UID", 65534)            # AUTOGRADER_SANDBOX_UID: one for all
    assert {sandbox.kernel_uid(folder) for folder in folders} == {65534}


HOG = r"""
import threading, time
hold, started = threading.Event(), 0
try:
    while True:
        threading.Thread(target=hold.wait, daemon=True).start()
        started += 1
except RuntimeError:
    pass
print(started, flush=True)
time.sleep(60)
"""
THREADS = r"""
import threading
hold = threading.Event()
for _ in range(20):
    threading.Thread(target=hold.wait, daemon=True).start()
hold.set()
print("started 20 threads")
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="a uid per student is a root grader's")
def test_one_students_threads_leave_anothers_kernel_room_to_start(folders, monkeypatch):
    """Two students' sandboxed processes at once: the first takes every thread its process limit
    allows and holds them; the second still starts its threads. With one uid for both (as
    AUTOGRADER_SANDBOX_UID gives), it cannot: the check can fail."""
    connection = folders[0]
    base = connection.parent

    def sandboxed(student, code):
        cwd, scratch = base / "autograded" / student, base / "scratch" / student
        cwd.mkdir(parents=True, exist_ok=True)
        sandbox.prepare_scratch(cwd, scratch)
        argv = sandbox.bwrap_argv(connection, cwd, scratch) + [
            "--", *sandbox._drop_privileges(sandbox.kernel_uid(scratch)), sys.executable, "-c", code]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=sandbox._set_limits)

    for shared, works in ((None, True), (65534, False)):
        monkeypatch.setattr(sandbox, "SANDBOX_UID", shared)
        hog = sandboxed(f"hog-{works}", HOG)
        try:
            held = int(hog.stdout.readline() or 0)
            assert held > 200, hog.stderr.read() if hog.poll() is not None else held
            other = sandboxed(f"other-{works}", THREADS)
            out, err = other.communicate(timeout=60)
            assert ("started 20 threads" in out) == works, (shared, out, err)
        finally:
            hog.kill()
            hog.wait()


FONTS = r"""
import logging, os, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout)
import matplotlib.pyplot as plt
plt.subplots()
print("writable", os.access(os.environ["MPLCONFIGDIR"], os.W_OK))
"""


def test_kernels_share_one_font_list_read_only(folders, tmp_path):
    """Each kernel's /tmp is new, so each one that imported pyplot listed the machine's fonts
    again (fc-list): the kernelspec's folder keeps the list, which every kernel reads."""
    connection, cwd, scratch = folders
    sandbox.prepare_scratch(cwd, scratch)
    spec = sandbox.kernelspec(tmp_path)
    fonts = json.loads((spec / "kernel.json").read_text())["env"][sandbox.FONT_LIST_ENV]
    run = [*sandbox._drop_privileges(sandbox.kernel_uid(scratch)), sys.executable, "-c", FONTS]
    given = subprocess.run(sandbox.bwrap_argv(connection, cwd, scratch, fonts) + ["--", *run],
                           capture_output=True, text=True, timeout=120)
    alone = subprocess.run(sandbox.bwrap_argv(connection, cwd, scratch) + ["--", *run],
                           capture_output=True, text=True, timeout=120)
    assert given.returncode == alone.returncode == 0, given.stderr + alone.stderr
    assert "generated new fontManager" in alone.stdout      # the check can fail: without the list
    assert "generated new fontManager" not in given.stdout and "writable True" in given.stdout, given.stdout
    assert "WARNING" not in given.stdout + given.stderr, given.stdout + given.stderr
