"""nbgrader's Execute preprocessor, for kernels that fail and cells that print too much.

autograde runs each notebook with this (nbgrader_config.config_text puts it in place of
nbgrader's Execute). nbgrader by itself gives up on the whole student when a kernel dies or
does not stop when interrupted, and deletes the notebooks it had finished. Here:

- **The kernel's stderr is kept**: in an unnamed temporary file of this process (the kernel
  gets only its descriptor: no path for its code to replace with a link), bounded by the
  sandbox's file-size limit, of which only the last lines are read.
- **A kernel that fails is noticed, retried once, then recorded**: one that exits before it
  is ready is seen within a second (jupyter_client polls its process), one that never
  becomes ready after KERNEL_READY_S, one that dies in a cell at once (polled every second),
  one that ignores the interrupt sent at the per-cell timeout after nbclient's IOPub wait.
  The notebook is then run once more in a fresh kernel; if that fails too, the cell where it
  failed gets an error naming the cause and the kernel's stderr, later cells stay unrun, and
  nbgrader goes on with the next notebook. The cause is also appended to the student's
  failures file (grade.py reads it into the student's report).
- **The scratch folder is bounded**: checked after each cell and every second while one
  runs, a kernel whose scratch folder (the only disk it can write) holds more
  than SCRATCH_MB or SCRATCH_ENTRIES files is killed, the cause says so, and no later kernel
  of that student starts (the folder is still full). Its socket folder, writable too, is held
  to SOCKETS_MB and SOCKETS_ENTRIES the same way. It can overshoot by what one second of
  writing adds; each file is bounded by the sandbox's file-size limit.
- **A student's notebooks share one wall-clock budget** (STUDENT_SECONDS_ENV, from their first
  notebook's start): cells that would start after it are not run and carry an error saying
  so. Cells a student added, each within the per-cell timeout, would otherwise hold up every
  student after them in the batch.
- **Output is capped per cell**: what a cell prints beyond OUTPUT_CAP bytes (and displays
  beyond DISPLAY_CAP: figures are larger than text) is counted, not kept, so a print left in
  a layer cannot bloat this process, the autograded notebook or the feedback; the cell then
  says how much it printed.
- **Each student's kernels are their own**: one nbgrader process grades a batch of students
  (grade.py), one after another. Which student a notebook is, nbgrader says in its resources;
  from it come the student's scratch folder and failures file (the templates
  AUTOGRADER_STUDENT_SCRATCH and AUTOGRADER_KERNEL_FAILURES, `{student}` replaced), and the
  scratch folder is passed to the kernel (sandbox.main) in its environment alone. Every kernel
  gets a fresh socket folder, the one folder of this process the sandbox lets it write: what a
  kernel leaves there no later kernel, a batch-mate's included, can find.
"""
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from nbgrader.preprocessors.execute import UnresponsiveKernelError

from ..parts.cells import grade_id

KERNEL_READY_S = 30          # a sandboxed kernel is ready in about 3 s on a loaded 2-core machine
OUTPUT_CAP = 100_000         # bytes of printed output kept per cell
DISPLAY_CAP = 2_000_000      # bytes of displayed output (figures, HTML) kept per cell
ERROR_CAP = 10_000           # characters kept of an error's message, and of each traceback entry
TRACEBACK_ENTRIES = 30       # traceback entries kept (the last ones: where it was raised)
STDERR_TAIL = 4096           # bytes of the kernel's stderr read back, of which the last STDERR_LINES lines
STDERR_LINES = 12
FAILURES_ENV = "AUTOGRADER_KERNEL_FAILURES"      # the student's failures file, {student} in it
STUDENT_SECONDS_ENV = "AUTOGRADER_STUDENT_SECONDS"  # wall-clock seconds for all of a student's notebooks
SCRATCH_ENV = "AUTOGRADER_STUDENT_SCRATCH"      # the student's scratch folder, {student} in it
STUDENT = "{student}"
SCRATCH_MB = 512             # disk the kernel's scratch folder may use (allocated blocks, not sizes)
SCRATCH_ENTRIES = 10_000     # files and folders in it
SOCKETS_MB, SOCKETS_ENTRIES = 1, 20     # its socket folder (writable too), which needs 5 sockets
KILL_WAIT_S = 10             # seconds to wait for a killed kernel's process to be reaped
LIMITS = {signal.SIGXCPU: "its CPU-time limit", signal.SIGXFSZ: "its file-size limit"}


def exit_text(code):
    """How a kernel process ended, in words: its exit status or the signal that killed it
    (bubblewrap passes on a signal as 128 + its number)."""
    number = -code if code < 0 else code - 128 if code > 128 else 0
    try:
        name = signal.Signals(number)
    except ValueError:
        return f"exit status {code}"
    return f"killed by {name.name}" + (f", {LIMITS[name]}" if name in LIMITS else "")


def scratch_overflow(folder, mb=None, most=None, name="its folder"):
    """Why `folder` is over its bounds, `mb` and `most` entries (SCRATCH_MB, SCRATCH_ENTRIES),
    or '': blocks its files use, links not followed; the walk stops at the first bound
    crossed, so it stays cheap."""
    mb, most = SCRATCH_MB if mb is None else mb, SCRATCH_ENTRIES if most is None else most
    used, entries, stack = 0, 0, [folder]
    while stack:
        try:
            with os.scandir(stack.pop()) as listing:
                for entry in listing:
                    entries += 1
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        used += entry.stat(follow_symlinks=False).st_blocks * 512
                    if entries > most:
                        return f"{name} holds more than {most:,} files"
                    if used > mb * 2 ** 20:
                        return f"{name} holds more than {mb} MB"
        except OSError:
            continue               # gone or replaced while we looked: counted next time
    return ""


def _clip(text):
    text = str(text)
    return text if len(text) <= ERROR_CAP else (
        f"{text[:ERROR_CAP]}... ({len(text):,} characters; only the first {ERROR_CAP:,} kept)")


def _printable(text):
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in text)


def _size(output):
    """Bytes an output adds to the notebook (an error counts nothing: it is always kept)."""
    if output.get("output_type") == "stream":
        return len(output.get("text", "").encode())
    return sum(len(v.encode()) if isinstance(v, str) else len(json.dumps(v))
               for v in output.get("data", {}).values())


def _left_out(size):
    """What a display over the cap shows instead."""
    return {"text/plain": f"(a display of {size:,} bytes, left out: over the {DISPLAY_CAP:,} bytes kept per cell)"}


class GradingExecute(Execute):
    """nbgrader's Execute with the kernel's stderr kept, one retry in a fresh kernel, a failed
    kernel recorded in its notebook, and output capped per cell (see the module's docstring)."""

    _started = {}      # student's scratch folder -> when their first notebook started (this process)
    _deadline = None

    def preprocess(self, nb, resources):
        """The executed notebook and resources, as nbgrader's Execute returns them; a notebook
        whose kernel failed twice comes back with the failure recorded instead of raising."""
        name = (resources or {}).get("nbgrader", {}).get("notebook") or (resources or {}).get("unique_key", "?")
        self._scratch, self._failures = (self._of_student(resources, env) for env in (SCRATCH_ENV, FAILURES_ENV))
        causes, stderr = [], ""
        seconds = os.environ.get(STUDENT_SECONDS_ENV)
        self._deadline = (self._started.setdefault(self._scratch, time.monotonic()) + float(seconds)
                          if seconds and self._scratch else None)
        for attempt in (1, 2):
            self._stderr = self._process = self._exit = self._cell = self._overflow = None
            try:
                return super().preprocess(nb, resources)
            except (RuntimeError, CellTimeoutError, UnresponsiveKernelError) as e:
                # RuntimeError: nbclient's for a kernel that died (DeadKernelError) or never got ready
                causes.append(self._cause(nb, e))
                stderr = self._stderr_tail()
                self.log.error("%s: %s (attempt %d of 2)%s", name, causes[-1], attempt,
                               f"; the kernel's stderr ends with:\n{stderr}" if stderr else "")
            finally:
                if self._stderr:
                    self._stderr.close()
        self._record(nb, causes, stderr, name)
        return nb, resources

    @staticmethod
    def _of_student(resources, env):
        """The template in the environment variable `env` for the student of this notebook
        (nbgrader's resources), or None without one. Fails closed on a student id that is
        not one folder name (nbgrader takes it from submitted/<student>/)."""
        template = os.environ.get(env)
        if not template:
            return None
        student = str(((resources or {}).get("nbgrader") or {}).get("student") or "")
        if not student or student.startswith(".") or "/" in student or os.sep in student:
            raise RuntimeError(f"no student's folder is named {student!r}: not graded")
        return template.replace(STUDENT, student)

    # -- the kernel's process and stderr

    def create_kernel_manager(self):
        """nbclient's, with a socket folder of this kernel's own (c.KernelManager.ip names
        the process's runtime folder): the sandbox binds it writable."""
        km = super().create_kernel_manager()
        if km.transport == "ipc":
            km.ip = str(Path(tempfile.mkdtemp(prefix="kernel-", dir=Path(km.ip).parent)) / "kernel")
        return km

    def start_new_kernel(self, **kwargs):
        if self._over_bounds():        # a kernel before this one filled it: no kernel can run there
            raise RuntimeError(self._overflow)
        self._stderr = tempfile.TemporaryFile(prefix="kernel-stderr-")
        env = {k: v for k, v in os.environ.items() if k not in (SCRATCH_ENV, FAILURES_ENV, "AUTOGRADER_SCRATCH")}
        if self._scratch:
            env["AUTOGRADER_SCRATCH"] = self._scratch    # sandbox.main: this student's folder
        super().start_new_kernel(stderr=self._stderr, env=env, **kwargs)
        self._process = getattr(getattr(self.km, "provisioner", None), "process", None)

    def _note_exit(self):
        """Remember the kernel's exit status if it has ended (before cleanup kills it)."""
        if self._exit is None and self._process is not None:
            self._exit = self._process.poll()

    def _over_bounds(self):
        """Why the kernel's scratch folder, or its socket folder (writable as well, and left
        until the nbgrader run ends), is over its bounds, once found; ''."""
        sockets = Path(self.km.ip).parent if getattr(self, "km", None) and self.km.transport == "ipc" else None
        self._overflow = self._overflow or (self._scratch and scratch_overflow(self._scratch)) or (
            sockets and scratch_overflow(sockets, SOCKETS_MB, SOCKETS_ENTRIES, "its socket folder")) or ""
        return self._overflow

    def _stop_if_overflowing(self):
        """Kill the kernel and fail this attempt if its scratch folder is over its bounds."""
        if self._over_bounds() and self._process is not None:
            self._process.kill()       # bwrap: its --die-with-parent takes the kernel along
            try:                       # never block grading on a process stuck in the kernel (state D)
                self._process.wait(timeout=KILL_WAIT_S)
            except subprocess.TimeoutExpired:
                pass
            self._note_exit()
            raise DeadKernelError(self._overflow)

    async def _async_check_alive(self):
        self._stop_if_overflowing()
        try:
            await super()._async_check_alive()
        except DeadKernelError:
            self._note_exit()
            raise

    async def _async_cleanup_kernel(self):
        self._note_exit()              # reached when the kernel failed to become ready
        await super()._async_cleanup_kernel()

    def _stderr_tail(self):
        """The last lines the kernel wrote on stderr ('' if none), read from our own descriptor."""
        f = self._stderr
        if f is None or f.closed:
            return ""
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - STDERR_TAIL))
        lines = f.read(STDERR_TAIL).decode("utf-8", "replace").splitlines()[-STDERR_LINES:]
        return _printable("\n".join(line[:300] for line in lines).strip())

    def _cause(self, nb, error):
        """What went wrong with this attempt's kernel, in a sentence."""
        if self._cell is None:
            if self._overflow:
                return f"no kernel was started: {self._overflow}"
            if self._exit is not None:
                return f"the kernel exited before it was ready ({exit_text(self._exit)})"
            return f"the kernel did not become ready within {self.startup_timeout} s"
        cell = nb.cells[self._cell]
        first = (cell.source.strip().splitlines() or [""])[0][:60]
        where = f"test cell {grade_id(cell)}" if grade_id(cell) else f"cell {self._cell + 1} ({first!r})"
        if isinstance(error, CellTimeoutError):
            return f"{where} ran past the {self.timeout} s per-cell timeout and did not stop when interrupted"
        if self._overflow:
            return f"the kernel was stopped while running {where}: {self._overflow}"
        ended = exit_text(self._exit) if self._exit is not None else "no exit status"
        return f"the kernel died while running {where} ({ended})"

    def _record(self, nb, causes, stderr, name):
        """Fail closed: the failing cell says why, the cells after it are left unrun, and the
        failure is appended to the student's failures file for their report."""
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        at = self._cell if self._cell is not None else (code[0] if code else None)
        for i in code:              # what an earlier attempt left there is not this notebook's result
            if i > at or (i == at and self._cell is None):
                nb.cells[i].outputs, nb.cells[i].execution_count = [], None
        if at is not None:
            nb.cells[at].outputs.append(new_output(
                "error", ename="KernelFailure", evalue=f"{causes[-1]} (tried twice, each time in a fresh kernel)",
                traceback=[f"KernelFailure: {causes[-1]}"]))
            if stderr:
                nb.cells[at].outputs.append(new_output("stream", name="stdout",
                                                       text=f"The kernel's last lines on stderr:\n{stderr}\n"))
        if self._failures:
            with open(self._failures, "a") as f:
                f.write(json.dumps({"notebook": name, "causes": causes, "stderr": stderr}) + "\n")

    # -- the cell being run, and its output cap

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and self._deadline is not None and time.monotonic() > self._deadline:
            # past the student's budget (added cells, each within the per-cell timeout, would
            # otherwise hold up every student after them in the batch): not run, scored zero
            cell.outputs = [new_output("error", ename="GradingStopped", evalue=(
                f"not run: this student's notebooks ran past their {os.environ[STUDENT_SECONDS_ENV]} s "
                f"of grading"), traceback=[])]
            return cell, resources
        self._cell, self._lines = index, 0
        self._kept, self._dropped = {"stream": 0, "display": 0}, {"stream": 0, "display": 0}
        cell, resources = super().preprocess_cell(cell, resources, index)
        self._stop_if_overflowing()    # a quick cell is never polled: checked after each one too
        if self._dropped["stream"]:
            cell.outputs.append(new_output("stream", name="stdout", text=(
                f"\n... output truncated: {self._lines} lines printed, "
                f"{self._kept['stream'] + self._dropped['stream']:,} bytes; only the first "
                f"{OUTPUT_CAP:,} bytes are kept\n")))
        if self._dropped["display"]:
            cell.outputs.append(new_output("stream", name="stdout", text=(
                f"\n... displayed output truncated: {self._dropped['display']:,} bytes over the first "
                f"{DISPLAY_CAP:,} left out\n")))
        return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        if self.clear_before_next_output:
            self._kept = {"stream": 0, "display": 0}
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out                 # handled by a widget's hook, or not kept
        if out.output_type == "error":  # kept whatever its size, so clipped
            out.ename, out.evalue = _clip(out.get("ename", ""))[:200], _clip(out.get("evalue", ""))
            entries = list(out.get("traceback", []))
            out.traceback = ([f"... {len(entries) - TRACEBACK_ENTRIES} earlier traceback entries left out"]
                             if len(entries) > TRACEBACK_ENTRIES else []) + \
                [_clip(e) for e in entries[-TRACEBACK_ENTRIES:]]
            return out
        kind = "stream" if out.output_type == "stream" else "display"
        if kind == "stream":
            self._lines += out.text.count("\n")
        size = _size(out)
        room = (OUTPUT_CAP if kind == "stream" else DISPLAY_CAP) - self._kept[kind]
        if size > room:
            if kind == "stream" and room > 0:
                out.text = out.text.encode()[:room].decode("utf-8", "ignore")
            elif not display_id:
                outs.pop()
            else:                      # a display id indexes into outs: it stays, emptied
                out.data, out.metadata = _left_out(size), {}
        kept = _size(out) if outs and outs[-1] is out else 0
        self._kept[kind] += kept
        self._dropped[kind] += size - kept
        return out

    def _update_display_id(self, display_id, msg):
        """An update of a display (display_id): replaces what the display shows, wherever it is,
        without passing through `output`, so capped here."""
        size = _size(msg["content"])
        if size > DISPLAY_CAP:
            msg = {**msg, "content": {**msg["content"], "data": _left_out(size), "metadata": {}}}
        super()._update_display_id(display_id, msg)

    def clear_output(self, outs, msg, cell_index):
        super().clear_output(outs, msg, cell_index)
        if not outs:
            self._kept = {"stream": 0, "display": 0}
