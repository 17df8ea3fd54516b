"""Run nbgrader's command line from this Python, bounded in time (release and grading use it)."""
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path


def run(args, cwd, budget, env=None, **kwargs):
    """Run `nbgrader <args>` with this Python. nbgrader itself calls the `alembic` and
    `jupyter` executables, so this environment's bin/ goes first on PATH even when the
    venv is not activated. `env`: extra environment variables.

    Each run gets its own Jupyter runtime folder (connection files, the kernels' sockets),
    removed afterwards. `budget`: seconds of wall-clock time (every call has one: no wait
    here is unbounded); past it the whole process
    group is killed (the kernel dies with it) and the return code is BUDGET_EXCEEDED.

    nbgrader runs in its own process group (so that the budget kills all of it) and dies with
    this process: a grading run that is killed must not leave an nbgrader behind that goes on
    writing the gradebook and the scratch folders while the run is started again."""
    env = {**os.environ, **(env or {}), _PARENT_ENV: str(os.getpid())}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if kwargs.pop("capture_output", False):
        kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with tempfile.TemporaryDirectory(prefix="ag-") as runtime:   # short: socket paths < 108 bytes
        env["JUPYTER_RUNTIME_DIR"] = runtime
        process = subprocess.Popen([sys.executable, "-c", _DIE_WITH_PARENT + _NBGRADER_MAIN, *args], cwd=cwd, env=env,
                                   start_new_session=True, **kwargs)
        try:
            stdout, stderr = process.communicate(timeout=budget)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            try:
                stdout, stderr = process.communicate(timeout=PIPES_S)
            except subprocess.TimeoutExpired:    # a descendant in a session of its own holds a pipe
                stdout = stderr = None
                try:
                    process.wait(timeout=PIPES_S)
                except subprocess.TimeoutExpired:
                    pass                         # killed, not yet reaped (stuck in the kernel)
            process.returncode = BUDGET_EXCEEDED
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def die_with_parent(parent):
    """Be killed (SIGKILL) when the process `parent` ends (Linux's PR_SET_PDEATHSIG, which an
    exec keeps); exit now if it has ended already (then this process was handed to init)."""
    PR_SET_PDEATHSIG = 1
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        sys.exit(f"{parent} ended before this process started: nothing to do")


PIPES_S = 10                 # seconds to read what a killed run left in its pipes
BUDGET_EXCEEDED = -999
NO_KERNEL_S = 600       # a command that runs no student code: generous, but bounded


def check_cells_once_per_schema():
    """Make nbgrader validate each cell's metadata with one validator per schema. nbgrader calls
    jsonschema.validate for every graded cell of every notebook it reads, and that function
    first checks the schema itself against jsonschema's metaschema (about 0.1 s of the 2.1 s
    of CPU an autograde process spends per handin, bench/README.md). Here the schema is checked
    once, then each cell is validated as jsonschema.validate would, with the same errors."""
    import jsonschema
    from jsonschema.exceptions import best_match
    from nbgrader.nbgraderformat import common
    validators = {}                      # id(schema) -> (schema, its validator): nbgrader's few schemas

    def validate(instance, schema):
        if id(schema) not in validators:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validators[id(schema)] = (schema, cls(schema))
        error = best_match(validators[id(schema)][1].iter_errors(instance))
        if error is not None:
            raise error

    common.jsonschema = type("jsonschema", (), {"validate": staticmethod(validate)})


_PARENT_ENV = "AUTOGRADER_GRADER_PID"
_DIE_WITH_PARENT = ("import os; from autograder.course.nbgrader_cli import die_with_parent; "
                    f"die_with_parent(int(os.environ['{_PARENT_ENV}'])); ")
# nbgrader's main, without jsonschema's optional rfc3987_syntax: it builds a grammar at import,
# 1.2 s of CPU per nbgrader process that nbgrader never uses (measured in bench/grading.py).
# Each cell's metadata is validated against a schema checked once (check_cells_once_per_schema).
_NBGRADER_MAIN = ("import sys; sys.modules['rfc3987_syntax'] = None; "
                  "from autograder.course.nbgrader_cli import check_cells_once_per_schema; "
                  "check_cells_once_per_schema(); "
                  "from nbgrader.apps.nbgraderapp import main; sys.exit(main())")
