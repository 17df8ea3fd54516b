"""nbgrader's exchange with real accounts, then on a real JupyterHub: README "For instructors",
"Through nbgrader's exchange", step by step, each step run by the account that does it.

One instructor (`teacher`) and three students are created on this machine (`useradd`: root
only, as in CI), and an exchange folder with the permissions nbgrader's documentation gives it:

- the teacher releases hw1 (the notebooks with the bundle's `mytorch/` and `autograder/`)
  through nbgrader's filesystem exchange;
- each student fetches it and submits as themselves: alice twice (the untouched stubs, then
  her solution), bob once (the stubs), carol her solution after the due date;
- the teacher collects, grades with `python -m autograder grade` into the course's gradebook
  (where nbgrader records carol late) and releases the feedback, which each student fetches;
- no student can read another's submission or the teacher's files.

Then a JupyterHub on loopback (`jupyterhub` from PyPI, `configurable-http-proxy` from npm)
with these local accounts and nbgrader's JupyterHub course settings (hub groups
`nbgrader-<course>`/`formgrade-<course>`, `JupyterHubAuthPlugin`): the hub starts, each
student's server spawns as that student, and the course and assignment lists its nbgrader
API gives are that student's own (not another course's, which they are not in). Accounts,
files and processes are removed afterwards, on failure too.
"""
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from accounts import Accounts, unavailable
from autograder import samples
from autograder.course import nbgrader_cli, release
from autograder.course.paths import REFERENCE
from autograder.grading import sandbox
from autograder.parts import ASSIGNMENT, COURSE, NOTEBOOKS, TOTAL

WHY = unavailable()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(WHY is not None, reason=WHY or "")]

# `nbgrader ...` as a student types it (nbgrader's main; without the 1-2 s of CPU that
# jsonschema's optional rfc3987_syntax costs at every start, see nbgrader_cli).
NBGRADER = [sys.executable, "-c", nbgrader_cli._NBGRADER_MAIN]
STUDENTS = ["alice", "bob", "carol"]


def _nbgrader(term, login, *args, cwd=None):
    return term["accounts"].run(login, [*NBGRADER, *args], cwd=cwd, env=term["env"])


def _work(term, login):
    """The student solves the homework: every answer of the notebooks, the whole mytorch/."""
    home = Path(term["accounts"].environment(login)["HOME"])
    term["accounts"].python(login, f"""
import shutil
from pathlib import Path
for nb in Path({str(term['solved'])!r}).glob('*.ipynb'):
    shutil.copy(nb, {str(home / ASSIGNMENT)!r})
shutil.copytree({str(REFERENCE)!r}, {str(home / ASSIGNMENT / 'mytorch')!r}, dirs_exist_ok=True,
                ignore=shutil.ignore_patterns('__pycache__'))
""")


def _inbound(term):
    """{student login: [their submissions' timestamps, oldest first]}, read as root."""
    out = {}
    for entry in sorted(term["inbound"].iterdir()):
        login, assignment, stamp, _ = entry.name.split("+")
        assert assignment == ASSIGNMENT
        out.setdefault(login, []).append((stamp, entry.stat().st_uid))
    return {login: [s for s, _ in sorted(v)] for login, v in out.items()}, \
        {login: {uid for _, uid in v} for login, v in out.items()}


@pytest.fixture(scope="module")
def term():
    """The whole term through the exchange, as the accounts run it; what it left behind."""
    base = Path(tempfile.mkdtemp(prefix="ag-exchange-", dir="/tmp"))
    os.chmod(base, 0o755)                        # the accounts' homes and the exchange are in it
    accounts = Accounts(base)
    try:
        yield _run_term(base, accounts)
    finally:
        accounts.remove()


def _run_term(base, accounts):
    teacher = accounts.add("teacher")
    students = {name: accounts.add(name) for name in STUDENTS}
    # The exchange as nbgrader's documentation sets it up: a folder everyone may write to
    # (nbgrader makes the course's folders in it, with their own permissions).
    exchange = base / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)
    # The machine's nbgrader configuration, for every account (/etc/jupyter on a course server).
    config = base / "etc-jupyter"
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE!r}\nc.Exchange.root = {str(exchange)!r}\n")
    term = {"accounts": accounts, "base": base, "teacher": teacher, "students": students,
            "env": {"JUPYTER_CONFIG_PATH": str(config)}, "inbound": exchange / COURSE / "inbound",
            "exchange": exchange, "home": {login: Path(accounts.environment(login)["HOME"])
                                           for login in [teacher, *students.values()]}}
    # What students receive, built from the repository (python -m autograder release writes it).
    bundle = release.build_bundle(base / "dist")
    term["solved"] = samples.solved_notebooks(bundle / "assignments" / ASSIGNMENT, base / "solved")
    course = term["home"][teacher] / "course"
    term["course"], term["grading"] = course, term["home"][teacher] / "grading"

    # The teacher: the course folder, the release (notebooks, mytorch/, autograder/) and its release.
    accounts.run(teacher, ["sh", "-ec", f"""
mkdir -p {course}/release
cp -R {bundle}/assignments/{ASSIGNMENT} {course}/release/{ASSIGNMENT}
cp -R {bundle}/mytorch {bundle}/autograder {course}/release/{ASSIGNMENT}/
"""])
    _nbgrader(term, teacher, "release_assignment", ASSIGNMENT, cwd=course)

    # The students fetch; alice hands in the stubs, then her solution; bob the stubs.
    for login in students.values():
        _nbgrader(term, login, "fetch_assignment", ASSIGNMENT)
    alice, bob, carol = (students[n] for n in STUDENTS)
    _nbgrader(term, alice, "submit", ASSIGNMENT)
    _work(term, alice)
    _nbgrader(term, alice, "submit", ASSIGNMENT)
    _nbgrader(term, bob, "submit", ASSIGNMENT)
    # The due date passes (the teacher sets it); carol hands in her solution after it.
    term["due"] = datetime.now(timezone.utc)
    _nbgrader(term, teacher, "db", "assignment", "add", ASSIGNMENT,
              f"--duedate={term['due']:%Y-%m-%d %H:%M:%S.%f} UTC", cwd=course)
    _work(term, carol)
    _nbgrader(term, carol, "submit", ASSIGNMENT)
    term["submissions"], term["owners"] = _inbound(term)

    # The teacher collects, grades into the course's gradebook and releases the feedback.
    term["collect"] = _nbgrader(term, teacher, "collect", ASSIGNMENT, cwd=course)
    unsafe = [] if sandbox.bwrap_available() else ["--unsafe-no-sandbox"]
    term["gradebook"] = f"sqlite:///{course}/gradebook.db"
    term["grade"] = accounts.run(teacher, [sys.executable, "-m", "autograder", "grade", f"{course}/submitted",
                                           "--course", str(term["grading"]), "--db-url", term["gradebook"],
                                           "--jobs", "2", *unsafe], env=term["env"], timeout=900)
    _nbgrader(term, teacher, "release_feedback", ASSIGNMENT, cwd=term["grading"])
    for login in students.values():
        _nbgrader(term, login, "fetch_feedback", ASSIGNMENT)
    return term


def _mode(path):
    return oct(path.stat().st_mode & 0o7777)


def test_the_exchange_has_nbgraders_permissions(term):
    course = term["exchange"] / COURSE
    assert {p.name: _mode(p) for p in [term["exchange"], course, course / "outbound", course / "inbound",
                                       course / "feedback"]} == {
        "exchange": "0o777", COURSE: "0o755", "outbound": "0o755", "inbound": "0o2733", "feedback": "0o711"}
    teacher_uid = term["home"][term["teacher"]].stat().st_uid
    assert {p.stat().st_uid for p in [course, course / "outbound", course / "inbound", course / "feedback"]} \
        == {teacher_uid}


def test_each_student_submitted_as_themselves_and_collect_took_the_latest(term):
    alice, bob, carol = (term["students"][n] for n in STUDENTS)
    assert {login: len(stamps) for login, stamps in term["submissions"].items()} == {alice: 2, bob: 1, carol: 1}
    for login, uids in term["owners"].items():
        assert uids == {term["home"][login].stat().st_uid}, login
    assert "cheating attempt" not in term["collect"].stderr          # nbgrader's owner check
    for login, stamps in term["submissions"].items():
        collected = term["course"] / "submitted" / login / ASSIGNMENT / "timestamp.txt"
        assert collected.read_text() == stamps[-1], login


def test_grade_scores_what_each_student_handed_in_last(term):
    assert term["grade"].returncode == 0, term["grade"].stderr[-3000:]
    rows = {r["student"]: float(r["total"])
            for r in csv.DictReader(open(term["grading"] / "exports" / "grades.csv"))}
    alice, bob, carol = (term["students"][n] for n in STUDENTS)
    assert rows == {alice: TOTAL, bob: 0, carol: TOTAL}


def test_nbgrader_records_the_late_submission(term):
    from nbgrader.api import Gradebook
    with Gradebook(term["gradebook"], COURSE) as gb:
        assert gb.find_assignment(ASSIGNMENT).duedate is not None
        late = {login: gb.find_submission(ASSIGNMENT, login).total_seconds_late
                for login in term["students"].values()}
    alice, bob, carol = (term["students"][n] for n in STUDENTS)
    assert late[alice] == late[bob] == 0 and late[carol] > 0, late


def test_each_student_fetched_their_own_feedback(term):
    for login, stamps in term["submissions"].items():
        fetched = term["home"][login] / ASSIGNMENT / "feedback" / stamps[-1]
        graded = term["grading"] / "feedback" / login / ASSIGNMENT
        assert sorted(p.name for p in fetched.iterdir()) == sorted(nb.replace(".ipynb", ".html") for nb in NOTEBOOKS)
        for page in fetched.iterdir():
            assert page.read_bytes() == (graded / page.name).read_bytes(), page
        # why points were lost reaches the student: at the top of each notebook's page
        # (report.html is released too, but fetch_feedback fetches only notebooks' pages)
        assert re.search(r'<section id="autograder-report"><h1>2_mytorch.ipynb, graded: [\d.]+ / \d+</h1>',
                         (fetched / "2_mytorch.html").read_text())
        assert not (term["home"][login] / ASSIGNMENT / "feedback" / stamps[0]).exists() or len(stamps) == 1


# What bob tries, and what must happen: ("read" | "list" | "write", path, allowed?)
def _probes(term):
    alice, bob = term["students"]["alice"], term["students"]["bob"]
    course, exchange = term["course"], term["exchange"] / COURSE
    alice_stamp = term["submissions"][alice][-1]
    cache = term["home"][alice] / ".local/share/jupyter/nbgrader_cache" / COURSE / f"{alice}+{ASSIGNMENT}+{alice_stamp}"
    return [
        ("list", exchange / "inbound", False),                       # whose submissions are there
        ("list", exchange / "feedback", False),                      # whose feedback is there
        ("read", term["home"][alice] / ASSIGNMENT / "1_optimisation.ipynb", False),
        ("read", cache / "submission_secret.txt", False),            # what names alice's feedback
        ("read", course / "gradebook.db", False),
        ("read", course / "submitted" / alice / ASSIGNMENT / "1_optimisation.ipynb", False),
        ("read", term["grading"] / "feedback" / alice / ASSIGNMENT / "report.html", False),
        ("read", term["grading"] / "source" / ASSIGNMENT / "2_mytorch.ipynb", False),   # hidden tests
        ("write", exchange / "outbound" / ASSIGNMENT / "1_optimisation.ipynb", False),
        ("write", exchange / "outbound" / ASSIGNMENT / "extra.py", False),
        # what bob may do, so that a probe that cannot reach anything fails here
        ("read", exchange / "outbound" / ASSIGNMENT / "1_optimisation.ipynb", True),
        ("read", term["home"][bob] / ASSIGNMENT / "1_optimisation.ipynb", True),
    ]


PROBE = """
import json, os, sys
out = []
for kind, path in json.loads(sys.argv[1]):
    try:
        if kind == "list":
            os.listdir(path)
        elif kind == "read":
            open(path, "rb").read(1)
        else:
            open(path, "ab").close()
        out.append("allowed")
    except PermissionError:
        out.append("denied")
    except OSError as e:
        out.append(type(e).__name__)
print(json.dumps(out))
"""


def test_a_student_cannot_read_another_students_work_or_the_teachers_files(term):
    probes = _probes(term)
    for kind, path, _ in probes:                          # each target is there (root sees it)
        assert path.exists() or kind == "write" and path.parent.is_dir(), path
    bob = term["students"]["bob"]
    done = term["accounts"].run(bob, [sys.executable, "-c", PROBE,
                                      json.dumps([(kind, str(path)) for kind, path, _ in probes])])
    got = dict(zip([f"{kind} {path}" for kind, path, _ in probes], json.loads(done.stdout)))
    expected = {f"{kind} {path}": "allowed" if ok else "denied" for kind, path, ok in probes}
    assert got == expected


# ---------------------------------------------------------------- JupyterHub on loopback


def _hub_unavailable():
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed (pip install -e '.[hub]')"
    if not shutil.which("configurable-http-proxy"):
        return "configurable-http-proxy is not installed (npm install -g configurable-http-proxy; .ci/services.sh)"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url, token, method="GET", timeout=30):
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


def _wait(what, check, seconds, hub):
    """Poll check() until it is true; fail, with the hub's log, after `seconds` or if the hub exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if hub["process"].poll() is not None:
            break
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {seconds} s (hub exit code {hub['process'].poll()}); hub log:\n"
                + hub["log"].read_text()[-4000:])


@pytest.fixture(scope="module")
def hub(term):
    """A JupyterHub on loopback, run by root, spawning each student's server as that student."""
    why = _hub_unavailable()
    if why:
        pytest.skip(why)
    accounts, base = term["accounts"], term["base"]
    folder = base / "hub"
    folder.mkdir(mode=0o700)                       # root's: its database, cookie secret, token
    # nbgrader's JupyterHub settings, for the servers: no course id, the hub's groups say
    # which courses a student is in.
    config = base / "etc-jupyter-hub"
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        f"from nbgrader.auth import JupyterHubAuthPlugin\nc = get_config()\nc.Exchange.root = {str(term['exchange'])!r}\n"
        "c.Authenticator.plugin_class = JupyterHubAuthPlugin\n")
    # A course the students are not in: nbgrader's JupyterHub settings keep it from their lists.
    other = term["exchange"] / "other" / "outbound" / "hw0"
    other.mkdir(parents=True)
    shutil.copy(term["course"] / "release" / ASSIGNMENT / NOTEBOOKS[0], other)
    token, port = os.urandom(24).hex(), _free_port()
    students = list(term["students"].values())
    (folder / "jupyterhub_config.py").write_text(f"""
c = get_config()
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.pid_file = {str(folder / 'proxy.pid')!r}
c.JupyterHub.db_url = "sqlite:///{folder}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {str(folder / 'cookie_secret')!r}
c.JupyterHub.pid_file = {str(folder / 'hub.pid')!r}
# Local accounts (PAM's authenticator checks that they exist); nbgrader's course groups.
c.Authenticator.allowed_users = {set(students + [term['teacher']])!r}
c.JupyterHub.load_groups = {{"nbgrader-{COURSE}": {{"users": {students!r}}},
                            "formgrade-{COURSE}": {{"users": [{term['teacher']!r}]}}}}
# The test's token (nbgrader's JupyterHubAuthPlugin reads a user's groups with the server's
# own token: JupyterHub's default server role allows it).
c.JupyterHub.load_roles = [{{"name": "admin", "services": ["course-test"]}}]
c.JupyterHub.services = [{{"name": "course-test", "api_token": {token!r}}}]
c.Spawner.cmd = [{str(Path(sys.executable).parent / 'jupyterhub-singleuser')!r}]
c.Spawner.environment = {{"JUPYTER_CONFIG_PATH": {str(config)!r}}}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
""")
    log = folder / "hub.log"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    with open(log, "w") as out:
        process = subprocess.Popen(accounts.view([sys.executable, "-m", "jupyterhub", "-f",
                                                  str(folder / "jupyterhub_config.py")]),
                                   cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    hub = {"process": process, "log": log, "url": f"http://127.0.0.1:{port}", "token": token}
    start = time.perf_counter()
    try:
        _wait("the hub answers", lambda: _call(f"{hub['url']}/hub/api/", token)[0] == 200, 120, hub)
        hub["started"] = time.perf_counter() - start
        for login in students:
            _call(f"{hub['url']}/hub/api/users/{login}/server", token, method="POST")
        for login in students:
            _wait(f"{login}'s server is ready", lambda: _call(f"{hub['url']}/hub/api/users/{login}", token)[1]
                  ["servers"].get("", {}).get("ready"), 180, hub)
        hub["spawned"] = time.perf_counter() - start
        yield hub
    finally:
        _stop(process, folder / "proxy.pid")


def _stop(process, proxy_pid):
    """Stop the hub (it stops the servers and the proxy it started), then whatever is left of it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    try:
        pid = int(proxy_pid.read_text())
        if "configurable-http-proxy" in Path(f"/proc/{pid}/cmdline").read_text():
            os.kill(pid, signal.SIGKILL)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        pass                                     # the hub stopped it (the students' servers: Accounts.remove)


def test_on_jupyterhub_each_students_server_lists_their_own_assignment(term, hub):
    print(f"hub answered after {hub['started']:.0f} s, three servers ready after {hub['spawned']:.0f} s")
    for login, stamps in term["submissions"].items():
        state = _call(f"{hub['url']}/hub/api/users/{login}", hub["token"])[1]["servers"][""]["state"]
        assert Path(f"/proc/{state['pid']}").stat().st_uid == term["home"][login].stat().st_uid, login
        server = f"{hub['url']}/user/{login}"
        status, courses = _call(f"{server}/courses", hub["token"])
        assert courses == {"success": True, "value": [COURSE]}, (login, courses)
        status, listed = _call(f"{server}/assignments?course_id={COURSE}", hub["token"])
        assert listed["success"], listed
        released, submitted = listed["value"]
        assert (released["assignment_id"], released["status"], released["path"]) == (ASSIGNMENT, "fetched", ASSIGNMENT)
        assert [nb["notebook_id"] for nb in released["notebooks"]] == [nb.removesuffix(".ipynb") for nb in NOTEBOOKS]
        assert (submitted["assignment_id"], submitted["student_id"], submitted["status"]) \
            == (ASSIGNMENT, login, "submitted")
        # each submission, and the feedback of the collected one released and fetched
        assert [(s["timestamp"], s["has_exchange_feedback"], s["has_local_feedback"])
                for s in submitted["submissions"]] == [(stamp, stamp == stamps[-1], stamp == stamps[-1])
                                                       for stamp in stamps], login
