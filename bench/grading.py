"""Time the autograder: wall and machine time per handin, sequential vs parallel, and where
one handin's machine time goes.

    python bench/grading.py [--sizes 1 50 200] [--jobs 1 2] [--quick] [--mix] [--budget MIN]
    python bench/grading.py --runs 1x1 1x2 50x1 50x2 200x2     # explicit (N x jobs) runs

Runs: for each (size N, jobs), N handins (copies of the reference solution's zip, or with
--mix a cycle of reference, stubs and two tests/mistakes.py variants) are graded by
`autograder.grading.grade.grade` into a fresh course directory. Wall time is the whole call; machine
time is user+sys CPU of this process and all its children (getrusage SELF + CHILDREN), plus
the sandboxed kernels, which getrusage misses (see Meter).

Stages: the same runs, instrumented from outside (autograder/ is not modified): each nbgrader
process is waited for with wait4, which gives its own CPU with its kernels'; intake, judge,
store, reports and export are timed by thread CPU.

Breakdown: one handin, piece by piece and sequentially: nbgrader alone (--version; autograde
--no-execute), kernel starts (sandboxed and plain ipykernel, an empty cell), and every cell
of the three autograded notebooks in a fresh sandboxed kernel (CPU of the kernel's process
tree, read from /proc between cells), then judge and store in this process.

Timings are noisy on a shared machine: the load average is printed before and after each run;
ratios within one run are what count.
"""
import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))              # mistakes.py, for --mix

from autograder import samples  # noqa: E402
from autograder.course import nbgrader_cli, release  # noqa: E402
from autograder.course.paths import REFERENCE  # noqa: E402
from autograder.grading import exports, grade, gradebook, intake, sandbox  # noqa: E402
from autograder.parts import ASSIGNMENT, BY_ID, NOTEBOOKS, TOTAL  # noqa: E402
from autograder.parts.cells import grade_id  # noqa: E402

TARGET = 2.0                                          # seconds of machine time per handin


def cpu():
    """User+sys seconds of this process and its waited-for children."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def thread_cpu():
    r = resource.getrusage(resource.RUSAGE_THREAD)
    return r.ru_utime + r.ru_stime


def load():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(start time, own user+sys seconds, command name) of a process from /proc, or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, fields = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
    return int(fields[19]), (int(fields[11]) + int(fields[12])) / TICK, name


def _children(pid):
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def sandboxed(root=None):
    """{(pid, start): own CPU seconds} of the live processes below a bwrap under `root`
    (default: this process). bwrap --unshare-pid exits without reaping its PID namespace, so
    their CPU never reaches anyone's getrusage: it has to be read while they live."""
    found, todo = {}, [(root or os.getpid(), root is not None)]
    while todo:
        pid, inside = todo.pop()
        for c in _children(pid):
            st = _stat(c)
            if st is None:
                continue
            if inside:
                found[(c, st[0])] = st[1]
            todo.append((c, inside or st[2] == "bwrap"))
    return found


class Meter:
    """Wall and machine time of a block: getrusage (this process and reaped children) plus the
    sandboxed kernels, sampled every `interval` s; the sampler's own CPU is subtracted. A
    kernel's last `interval` before it exits is missed (it is idle then: shutting down)."""

    def __init__(self, interval=0.05):
        self.interval, self.seen, self.stop = interval, {}, threading.Event()
        self.overhead = 0.0

    def _sample(self):
        start = thread_cpu()
        while True:
            self.seen.update(sandboxed())
            if self.stop.wait(self.interval):
                break
        self.seen.update(sandboxed())
        self.overhead = thread_cpu() - start

    def __enter__(self):
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.c0, self.w0 = cpu(), time.perf_counter()
        self.before = sandboxed()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.wall = time.perf_counter() - self.w0
        self.kernels = sum(v - self.before.get(k, 0.0) for k, v in self.seen.items())
        self.cpu = cpu() - self.c0 - self.overhead + self.kernels


# ---- the class ---------------------------------------------------------------------------------
def sources(tmp, mix):
    """The handin zips to copy: the reference solution, and with `mix` the stubs and two mistakes.
    Returns [(zip, expected total)]."""
    bundle = release.build_bundle(tmp / "dist")
    solved = samples.solved_notebooks(bundle / "assignments" / ASSIGNMENT, tmp / "solved")
    out = [(samples.make_handin(tmp / "reference.zip", solved, REFERENCE), 100)]
    if mix:
        from mistakes import MISTAKES
        from autograder.samples import apply
        out.append((samples.make_handin(tmp / "stubs.zip", bundle / "assignments" / ASSIGNMENT,
                                     bundle / "mytorch"), 0))
        for m in MISTAKES[:2]:             # each loses the points of the parts it breaks, as the tests say
            out.append((samples.make_handin(tmp / f"{m.name}.zip", solved, apply(m, REFERENCE, tmp / m.name / "mytorch")),
                        TOTAL - sum(BY_ID[p].points for p in m.lost)))
    return out


def class_folder(zips, n, folder):
    """n handins s0001.zip ... cycling over `zips`; returns {student: expected total}."""
    folder.mkdir(parents=True)
    expected = {}
    for k in range(n):
        src, total = zips[k % len(zips)]
        sid = f"s{k + 1:04d}"
        shutil.copy(src, folder / f"{sid}.zip")
        expected[sid] = total
    return expected


# ---- stages, measured from outside -------------------------------------------------------------
class Stages:
    """CPU seconds per stage, summed over threads: patches grade's helpers while active."""

    def __init__(self):
        self.cpu, self.lock = {}, threading.Lock()

    def add(self, stage, seconds):
        with self.lock:
            self.cpu[stage] = self.cpu.get(stage, 0.0) + seconds

    def timed(self, name, f):
        def wrapper(*args, **kwargs):
            start = thread_cpu()
            try:
                return f(*args, **kwargs)
            finally:
                self.add(name, thread_cpu() - start)
        return wrapper

    def run(self, args, cwd, env=None, stdout=None, stderr=None, budget=None, **kwargs):
        """nbgrader_cli.run as production runs it (same argv, own runtime folder), but waited
        for with wait4: this child's CPU, with its kernels'. The budget is not enforced here."""
        env = {**os.environ, **(env or {})}
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        argv = [sys.executable, "-c", nbgrader_cli._NBGRADER_MAIN, *args]
        with tempfile.TemporaryDirectory(prefix="ag-") as runtime:
            env["JUPYTER_RUNTIME_DIR"] = runtime
            p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=stdout, stderr=stderr, **kwargs)
            _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        name = "nbgrader " + args[0] + (" (redo)" if "--notebook" in args else "")
        self.add(name, ru.ru_utime + ru.ru_stime)
        return subprocess.CompletedProcess(argv, p.returncode)

    @contextlib.contextmanager
    def patched(self):
        stages = [(grade, "intake"), (grade, "judge"), (grade, "store"), (exports, "write_reports"),
                  (exports, "export"), (nbgrader_cli, "run")]
        saved = [(module, name, getattr(module, name)) for module, name in stages]
        for module, name, f in saved:
            setattr(module, name, self.run if name == "run" else self.timed(name, f))
        try:
            yield self
        finally:
            for module, name, f in saved:
                setattr(module, name, f)


def grading_run(zips, n, jobs, tmp):
    """Grade n handins with `jobs` workers in a fresh course; returns a result row (dict)."""
    work = Path(tempfile.mkdtemp(prefix=f"n{n}_j{jobs}_", dir=tmp))
    expected = class_folder(zips, n, work / "handins")
    before = load()
    with Stages().patched() as stages, Meter() as m:
        markers, _ = grade.grade(work / "handins", work / "course", jobs=jobs, log=lambda line: None)
    stages.cpu["kernels (sampled)"] = m.kernels
    wall, machine = m.wall, m.cpu
    got = {sid: sum(m["scores"].values()) for sid, m in markers.items()}
    wrong = {sid: (got.get(sid), total) for sid, total in expected.items() if got.get(sid) != total}
    shutil.rmtree(work, ignore_errors=True)
    return {"n": n, "jobs": jobs, "wall": wall, "cpu": machine, "stages": stages.cpu, "sampler": m.overhead,
            "wrong": wrong, "load": (before, load())}


@contextlib.contextmanager
def environ(values):
    """Set environment variables for a block (inherited by nbgrader and its kernels)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---- one handin, piece by piece ----------------------------------------------------------------
def tree_cpu(pid):
    """Own user+sys seconds of a process and its live descendants."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        st = _stat(p)
        total += st[1] if st else 0.0
        todo += _children(p)
    return total


def median_of(k, f):
    """Median (wall, cpu) of k calls of f, as Meter measures them."""
    walls, cpus = [], []
    for _ in range(k):
        with Meter() as m:
            f()
        walls.append(m.wall)
        cpus.append(m.cpu)
    return statistics.median(walls), statistics.median(cpus)


def _client(nb, kernel, cwd, **kwargs):
    """An nbclient for `nb` in `cwd`, its kernel on Unix sockets in a folder of its own, as
    grading starts them (nbgrader_config.py, execute.py): a sandboxed kernel has no network."""
    import tempfile
    from jupyter_client import KernelManager
    from nbclient import NotebookClient
    km = KernelManager(kernel_name=kernel, transport="ipc",
                       ip=str(Path(tempfile.mkdtemp(prefix="bench-kernel-")) / "kernel"))
    return NotebookClient(nb, km=km, kernel_name=kernel, resources={"metadata": {"path": str(cwd)}}, **kwargs)


def kernel_roundtrip(kernel, cwd):
    """Start a kernel, run an empty cell, shut it down."""
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    client = _client(nb, kernel, cwd)
    client.execute(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)   # no kernel banners


def run_cells(path, kernel):
    """Execute a notebook in a fresh kernel in its own folder; returns (total cpu, total wall,
    [(cell label, cpu, wall)]). A cell's cpu is its kernel's process tree's, sampled around it."""
    import nbformat
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    client = _client(nb, kernel, path.parent, timeout=600)
    cells = []
    with Meter() as m, client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        pid = client.km.provisioner.process.pid
        for k, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            t0, s0 = time.perf_counter(), tree_cpu(pid)
            client.execute_cell(cell, k)
            label = grade_id(cell) or f"[{cell.source.splitlines()[0][:28]}]"
            cells.append((label, tree_cpu(pid) - s0, time.perf_counter() - t0))
    return m.cpu, m.wall, cells


def child(argv, cwd, env):
    """Run one process; its wall time and its CPU (with its children's), from wait4."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, ru.ru_utime + ru.ru_stime


def breakdown(zips, tmp, repeats, blas_threads):
    """Rows (label, wall, cpu) of one handin's parts, plus notes; measured one after another."""
    work = tmp / "breakdown"
    class_folder(zips[:1], 1, work / "handins")
    grade.grade(work / "handins", work / "course", jobs=1, log=lambda line: None)
    course, sid = work / "course", "s0001"
    os.environ["JUPYTER_PATH"] = str(course)           # the sandbox kernelspec, as nbgrader sees it
    env = {"JUPYTER_PATH": str(course),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    rows, notes = [], []

    def add(label, walls_cpus, times=1):
        (w, c) = walls_cpus
        rows.append((label, w * times, c * times))

    nbg = [sys.executable, "-m", "nbgrader"]
    add("a  python + import nbgrader (nbgrader --version)",
        median_of_child(repeats, nbg + ["--version"], course, env))
    add("a  the same, rfc3987_syntax blocked (fix norfc)",
        median_of_child(repeats, [sys.executable, "-c", "import sys; sys.modules['rfc3987_syntax'] = None\n"
                                  "from nbgrader.apps.nbgraderapp import main; main()", "--version"], course, env))
    add("a  nbgrader autograde --no-execute (1 process)",
        median_of_child(repeats, nbg + ["autograde", ASSIGNMENT, "--student", sid, "--force",
                                        "--no-execute"], course, env))
    add("b  plain ipykernel start+empty cell+stop, x3",
        median_of(repeats, lambda: kernel_roundtrip("python3", course)), 3)
    add("b  sandboxed kernel start+empty cell+stop, x3",
        median_of(repeats, lambda: kernel_roundtrip(sandbox.KERNEL_NAME, course)), 3)

    folder = work / "cells"
    shutil.copytree(course / "autograded" / sid / ASSIGNMENT, folder)
    setup_cpu = setup_wall = 0.0
    per_notebook = []
    for nb in NOTEBOOKS:
        total_cpu, total_wall, cells = run_cells(folder / nb, sandbox.KERNEL_NAME)
        setup = next(c for c in cells if c[0].startswith("setup_"))
        setup_cpu, setup_wall = setup_cpu + setup[1], setup_wall + setup[2]
        cell_cpu = sum(c[1] for c in cells)
        per_notebook.append((nb, total_cpu, total_wall, cells, setup))
        notes.append(f"{nb}: {len(cells)} code cells, {total_cpu:.2f} s CPU ({total_wall:.2f} s wall) with "
                     f"kernel start/stop {total_cpu - cell_cpu:.2f} s CPU; top cells "
                     + ", ".join(f"{c[0]} {c[1]:.2f}" for c in sorted(cells, key=lambda c: -c[1])[:4]))
    rows.append(("c  setup cells (imports), 3 notebooks", setup_wall, setup_cpu))
    for nb, total_cpu, total_wall, cells, setup in per_notebook:
        rest = [c for c in cells if c is not setup]
        if nb.startswith("3_"):
            train = next(c for c in cells if c[0] == "answer_training")
            rows.append((f"d  {nb}: cell answer_training", train[2], train[1]))
            rest = [c for c in rest if c is not train]
        rows.append((f"d  {nb}: other cells", sum(c[2] for c in rest), sum(c[1] for c in rest)))
    if blas_threads:
        threads = {"OPENBLAS_NUM_THREADS": str(blas_threads), "OMP_NUM_THREADS": str(blas_threads)}
        with environ(threads):
            total_cpu, total_wall, cells = run_cells(folder / "3_training.ipynb", sandbox.KERNEL_NAME)
        train = next(c for c in cells if c[0] == "answer_training")
        notes.append(f"3_training.ipynb with OPENBLAS_NUM_THREADS={blas_threads}: answer_training "
                     f"{train[1]:.2f} s CPU, {train[2]:.2f} s wall; notebook {total_cpu:.2f} s CPU, "
                     f"{total_wall:.2f} s wall")

    db_url = gradebook.default_db(course)
    scores = {}

    def judge():
        scores.update(grade.judge(course, sid)[0])
    add("e  grade.judge (this process)", median_of(repeats, judge))
    add("e  grade.store (gradebook write)", median_of(repeats, lambda: gradebook.store(db_url, sid, scores)))
    zip_path = work / "handins" / f"{sid}.zip"
    add("e  grade.intake (unzip, validate, repair)",
        median_of(repeats, lambda: intake.intake(course, sid, zip_path)))
    return rows, notes


def median_of_child(k, argv, cwd, env):
    runs = [child(argv, cwd, env) for _ in range(k)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


# ---- the report --------------------------------------------------------------------------------
def report(args, runs, rows, notes, loads):
    out = [f"$ {' '.join([Path(sys.executable).name, *sys.argv])}",
           f"machine: {os.cpu_count()} cores; bwrap {'yes' if sandbox.bwrap_available() else 'NO'}; "
           f"load average before {loads[0]}, after {loads[1]}; handins: "
           + ("mix of reference, stubs, 2 mistakes" if args.mix else "copies of the reference solution")]
    if runs:
        out += ["", "Grading runs (wall = the whole grade.grade call, CPU = user+sys of this process "
                "and its children)", f"{'N':>4} {'jobs':>4} {'wall s':>8} {'CPU s':>8} {'wall/h':>7} "
                f"{'CPU/h':>7} {'h/min':>6} {'speed-up':>8}  load before -> after"]
        for r in runs:
            seq = next((s for s in runs if s["n"] == r["n"] and s["jobs"] == 1), None)
            speed = f"{seq['wall'] / r['wall']:8.2f}" if seq and r["jobs"] != 1 else f"{'':>8}"
            out.append(f"{r['n']:>4} {r['jobs']:>4} {r['wall']:8.1f} {r['cpu']:8.1f} {r['wall'] / r['n']:7.2f} "
                       f"{r['cpu'] / r['n']:7.2f} {60 * r['n'] / r['wall']:6.1f} {speed}  "
                       f"{r['load'][0]} -> {r['load'][1]}")
        for r in runs:
            if r["wrong"]:
                out.append(f"  WRONG SCORES N={r['n']} jobs={r['jobs']}: {dict(list(r['wrong'].items())[:5])}")
        out += ["", "Stages of those runs, CPU s per handin (nbgrader processes: with their kernels)"]
        names = sorted({s for r in runs for s in r["stages"]},
                       key=lambda s: -max(r["stages"].get(s, 0) / r["n"] for r in runs))
        out.append(f"{'stage':<30}" + "".join(f"{'N=%d j=%d' % (r['n'], r['jobs']):>12}" for r in runs))
        for s in names + ["rest (threads, unzip, wait)"]:
            vals = [r["stages"].get(s, r["cpu"] - sum(r["stages"].values()) if s.startswith("rest") else 0)
                    for r in runs]
            out.append(f"{s:<30}" + "".join(f"{v / r['n']:12.2f}" for v, r in zip(vals, runs)))
    if rows:
        seq = [r for r in runs if r["jobs"] == 1] or runs
        ref = max(seq, key=lambda r: r["n"]) if seq else None
        per = ref["cpu"] / ref["n"] if ref else sum(r[2] for r in rows)
        what = f"N={ref['n']} jobs={ref['jobs']} run" if ref else "sum of the rows"
        out += ["", f"One handin piece by piece (sequential; % of {per:.2f} s CPU per handin, the {what})",
                f"{'part':<50} {'wall s':>7} {'CPU s':>7} {'%':>5}"]
        for label, w, c in rows:
            out.append(f"{label:<50} {w:7.2f} {c:7.2f} {100 * c / per:5.0f}")
        counted = [r for r in rows if r[0].startswith(("a  nbgrader autograde", "b  sandboxed", "c", "d", "e"))]
        out.append(f"{'sum of autograde, sandboxed kernel, c, d, e':<50} {sum(r[1] for r in counted):7.2f} "
                   f"{sum(r[2] for r in counted):7.2f} {100 * sum(r[2] for r in counted) / per:5.0f}")
    out += [""] + notes if notes else []
    out.append(f"\ntarget: <= {TARGET:g} s of machine time per handin")
    return "\n".join(out)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1, 50, 200])
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    p.add_argument("--runs", nargs="+", metavar="NxJ",
                   help="explicit runs instead of sizes x jobs, e.g. 1x1 1x2 50x1 50x2 200x2")
    p.add_argument("--quick", action="store_true", help="sizes 1 and 4, one repeat in the breakdown")
    p.add_argument("--mix", action="store_true", help="cycle reference, stubs and two mistakes")
    p.add_argument("--repeats", type=int, default=3, help="repeats of each breakdown timing (median)")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="also time 3_training with this many BLAS threads (0: skip)")
    p.add_argument("--budget", type=float, default=0,
                   help="minutes: skip a run that would end later than this, judged from the last run")
    p.add_argument("--no-breakdown", action="store_true")
    p.add_argument("--no-runs", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats = [1, 4], 1
    args.plan = ([tuple(int(x) for x in r.split("x")) for r in args.runs] if args.runs
                 else [(n, j) for n in args.sizes for j in args.jobs])
    return args


def main(argv):
    args = parse_args(argv)
    start_load = load()
    with tempfile.TemporaryDirectory(prefix="bench_grading_") as tmp:
        tmp = Path(tmp)
        zips = sources(tmp, args.mix)
        runs, skipped, began = [], [], time.perf_counter()
        for n, jobs in ([] if args.no_runs else args.plan):
            like = [r for r in runs if r["jobs"] == jobs] or runs
            guess = n * like[-1]["wall"] / like[-1]["n"] if like else 0.0
            if args.budget and time.perf_counter() - began + guess > 60 * args.budget:
                skipped.append(f"N={n} jobs={jobs} skipped: about {guess / 60:.0f} min more "
                               f"(from the last run's wall/handin) would pass --budget {args.budget:g} min")
                print(skipped[-1], flush=True)
                continue
            runs.append(grading_run(zips, n, jobs, tmp))
            # the tables so far, in case the rest is cut off
            print(report(args, runs, [], skipped, (start_load, load())) + "\n", flush=True)
        rows, notes = ([], []) if args.no_breakdown else breakdown(zips, tmp, args.repeats, args.blas_threads)
    print("\n" + report(args, runs, rows, skipped + notes, (start_load, load())))
    return 0 if all(not r["wrong"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
