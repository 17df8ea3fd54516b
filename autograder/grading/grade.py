"""Grade a folder of handins with nbgrader, in parallel, safely, and export the grades.

    python -m autograder grade HANDINS [--course DIR] [--jobs N] [--timeout 30] [--memory-mb 3072]
                                       [--db-url URL] [--force] [--unsafe-no-sandbox]

HANDINS holds one zip per student (`<student id>.zip`, made by `handin`) or one folder per
student. The course directory is nbgrader's own layout:

    DIR/nbgrader_config.py   DIR/gradebook.db   (or any database nbgrader takes, --db-url)
    DIR/source/hw1/          the instructor's notebooks (solutions/hw1)
    DIR/submitted/<s>/hw1/   each handin, unpacked (notebooks + mytorch/)
    DIR/autograded/<s>/hw1/  DIR/feedback/<s>/hw1/*.html (+ report.html: why points were lost)
    DIR/scratch/<s>/         the copy the student's sandboxed kernel works in; its hidden-test records
    DIR/graded/<s>.json      one per finished student: what makes a rerun skip or redo them
    DIR/exports/             grades.csv, gradescope/<s>/results.json, autolab/<s>.json
    DIR/logs/<s>.log         nbgrader's output for each student (or which batch's log holds it:
    DIR/logs/batches/<s>.log   one per nbgrader process of several students, named by the first)

How a student is graded (`grade_batch`, each of the --jobs workers taking a batch of students
at a time): the handin is unpacked (intake.py; a missing or unreadable notebook is replaced
by the released one, a missing mytorch/ by the stubs, so the rest is still graded); one
nbgrader autograde grades the batch's handins one after another, each notebook in a
sandboxed kernel of its student's own (sandbox.py: no privileges, no network, per-cell
timeout, limits, the student's own scratch folder, the hidden expected values absent),
within a wall-clock budget (`budget`, the sum of theirs); a student that process did not
finish (a crash, the budget) is graded again alone, as in a batch of one, so a handin that
breaks nbgrader costs only its own points. Every part is then judged from the records its hidden test
wrote in the scratch folder, failing closed, and that score is written into the gradebook. A
kernel that exits, never gets ready, dies in a cell or ignores the interrupt at the per-cell
timeout is retried once in a fresh kernel, then its notebook is recorded with the cells it
had not finished unrun, and the cause and the kernel's stderr go into the report (execute.py).
If nbgrader itself does not finish a notebook (its wall-clock budget, a crash), that notebook
is graded again on its own, and failing that recorded without execution, so its finished
parts keep their points. Handins are read, never modified. A run that is killed can be started
again: finished students (same handin, same assignment) are skipped, the rest redone.
"""
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..course import nbgrader_cli
from ..course.paths import SOLUTIONS, STUBS
from ..parts import ASSIGNMENT, NOTEBOOKS, PARTS, TOTAL
from ..parts.cells import grade_id
from ..parts.run import PartResult
from . import exports, gradebook, hidden, sandbox
from .files import read_regular
from .gradebook import store
from .intake import intake, student_ids
from .nbgrader_config import config_text


@dataclass(frozen=True)
class Kernel:
    """How a student's kernel runs: per-cell timeout, memory cap, and the sandbox (see sandbox.py)."""
    timeout: int = 30                  # seconds per cell
    memory_mb: int = sandbox.MEMORY_MB
    unsafe_no_sandbox: bool = False    # bubblewrap off: for a machine without it, never for a class

    def environment(self, course, seconds):
        """What nbgrader passes on to execute.GradingExecute, which makes each student's
        scratch folder and failures file of the templates here, and to sandbox.main (nothing
        else reaches the kernel). `seconds`: each kernel's CPU-time limit, and the wall-clock
        time all of a student's notebooks may take (GradingExecute stops their cells after it)."""
        from .execute import FAILURES_ENV, SCRATCH_ENV, STUDENT, STUDENT_SECONDS_ENV
        return {SCRATCH_ENV: str(scratch_folder(course, STUDENT)), "AUTOGRADER_CPU_SECONDS": str(int(seconds)),
                STUDENT_SECONDS_ENV: str(int(seconds)),
                "AUTOGRADER_KERNEL_MEMORY_MB": str(self.memory_mb),
                "AUTOGRADER_SANDBOX": "none" if self.unsafe_no_sandbox else "bwrap",
                FAILURES_ENV: str(failures_file(course, STUDENT))}


def nbgrader(course, log, *args, budget=nbgrader_cli.NO_KERNEL_S, env=None):
    """Run one nbgrader command in the course directory, appending its output to `log`.
    `budget`: seconds it may take (see `budget`), after which it is killed."""
    with open(log, "a") as out:
        out.write(f"\n$ nbgrader {' '.join(args)}\n")
        out.flush()
        done = nbgrader_cli.run(args, course, stdout=out, stderr=subprocess.STDOUT,
                                env={"JUPYTER_PATH": str(course), **(env or {})}, budget=budget)
        if done.returncode == nbgrader_cli.BUDGET_EXCEEDED:
            out.write(f"\nstopped after {budget:.0f} s, its wall-clock budget\n")
    return done.returncode


def budget(course, timeout, notebooks):
    """Wall-clock seconds an autograde of `notebooks` may take: each code cell may run for
    the per-cell timeout, and each notebook's kernel may take a minute to start (its wait to
    get ready, twice: one retry)."""
    from .execute import KERNEL_READY_S      # imported here: it imports nbgrader (0.7 s for every command)
    cells = sum(c.cell_type == "code" for nb in notebooks
                for c in nbformat.read(course / "source" / ASSIGNMENT / nb, as_version=4).cells)
    return len(notebooks) * 2 * KERNEL_READY_S + cells * timeout


def _digest(paths, root=None):
    """sha256 over the files' paths (relative to `root`) and contents: what a marker remembers."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update((p.relative_to(root) if root else Path(p.name)).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def setup_course(course, timeout=30, db_url=None):
    """Create or refresh the course directory; (re)generate the assignment only when it changed."""
    course = Path(course).resolve()
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    for d in ["logs", "graded"]:
        (course / d).mkdir(exist_ok=True)
    for nb in NOTEBOOKS:
        shutil.copy2(SOLUTIONS / ASSIGNMENT / nb, source / nb)
    protected = [f"mytorch/{p.relative_to(STUBS).as_posix()}" for p in sorted(STUBS.rglob("*.py"))]
    (course / "nbgrader_config.py").write_text(
        config_text(course, protected, timeout, db_url, kernel=sandbox.KERNEL_NAME))
    sandbox.kernelspec(course)
    version = _digest(list(source.glob("*.ipynb")))
    stamp = course / "graded" / "assignment.version"
    if not stamp.exists() or stamp.read_text() != version or not (course / "release" / ASSIGNMENT).exists():
        if nbgrader(course, course / "logs" / "setup.log", "generate_assignment", ASSIGNMENT, "--force"):
            raise RuntimeError(f"nbgrader generate_assignment failed; see {course}/logs/setup.log")
        stamp.write_text(version)
    return course, version


def scratch_folder(course, sid):
    """Where the student's kernel works and writes its records (sandbox.prepare_scratch)."""
    return course / "scratch" / sid


def failures_file(course, sid):
    """Where execute.py notes the student's failed kernels (`kernel_failures` reads it)."""
    return course / "logs" / f"{sid}.kernels.jsonl"


def _fresh(course, sid):
    """Nothing of an earlier grading of the student left: scratch, failures, autograded notebooks."""
    shutil.rmtree(scratch_folder(course, sid), ignore_errors=True)
    shutil.rmtree(course / "autograded" / sid, ignore_errors=True)
    failures_file(course, sid).unlink(missing_ok=True)


def _finished(course, sid):
    """Whether every notebook of the student is in autograded/."""
    return all((course / "autograded" / sid / ASSIGNMENT / nb).exists() for nb in NOTEBOOKS)


# Students per nbgrader process. Its start-up (1.9 s of CPU, bench/README.md) is paid once per
# batch; a run that is killed redoes at most one unfinished batch per worker.
BATCH = 10


def batches(sids, jobs):
    """`sids` in batches, each graded by one nbgrader process, dealt in turn (sorted): of at most
    BATCH students, as many as a multiple of the workers, so that each worker's last batch ends
    with the others' (50 handins in 5 batches of 10 for 2 workers left the fifth alone on one
    core for a fifth of the run)."""
    sids = sorted(sids)
    count = jobs * max(1, -(-len(sids) // (jobs * BATCH)))
    return [b for b in (sids[k::count] for k in range(count)) if b]


def _all_but(others):
    """nbgrader's arguments for every student but `others`; None when it cannot be told so (it
    splits its list of students to leave out at commas)."""
    if any("," in sid for sid in others):
        return None
    return ["--student", "*", f"--CourseDirectory.student_id_exclude={','.join(sorted(others))}"]


def _autograde_batch(course, sids, everyone, kernel):
    """One nbgrader autograde over the students `sids` (all through intake; `everyone`: every
    student of the run). Its wall-clock budget is the sum of theirs; each kernel is still one
    student's, sandboxed, with the student's own scratch folder, CPU limit and failures file
    (execute.py). Returns {student: seconds of the run spent on them}: nbgrader grades them
    one after another, so a student's share runs from the end of the one before (or the
    run's start) to when their last notebook was written."""
    log = course / "logs" / "batches" / f"{sids[0]}.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    for sid in sids:
        (course / "logs" / f"{sid}.log").write_text(
            f"autograded in one nbgrader process with: {', '.join(sids)} (its output: {log})\n")
    # nbgrader grades the students its glob '*' finds in submitted/ but those it is told to leave
    only = _all_but(({p.name for p in (course / "submitted").iterdir()} | set(everyone)) - set(sids))
    if only is None:                                  # no batch: each is graded alone
        return dict.fromkeys(sids, 0.0)
    per_student = budget(course, kernel.timeout, NOTEBOOKS)
    start = time.time()
    nbgrader(course, log, "autograde", ASSIGNMENT, *only, "--force",
             budget=per_student * len(sids), env=kernel.environment(course, per_student))
    ends = {sid: max((p.stat().st_mtime for p in (course / "autograded" / sid / ASSIGNMENT).glob("*.ipynb")),
                     default=start) for sid in sids}
    before, shares = start, {}
    for sid in sorted(sids, key=ends.get):
        shares[sid], before = max(0.0, ends[sid] - before), max(before, ends[sid])
    return shares


def _autograde(course, sid, log, kernel):
    """nbgrader autograde for one student; notebooks nbgrader did not finish are redone alone,
    and failing that recorded without execution. Returns problems (list of str)."""
    out, failures = course / "autograded" / sid / ASSIGNMENT, failures_file(course, sid)
    _fresh(course, sid)                                   # a fresh copy for every grading
    limit = budget(course, kernel.timeout, NOTEBOOKS)
    nbgrader(course, log, "autograde", ASSIGNMENT, "--student", sid, "--force", budget=limit,
             env=kernel.environment(course, limit))
    problems = []
    for nb in NOTEBOOKS:
        if (out / nb).exists():
            continue
        stem, limit = nb[:-len(".ipynb")], budget(course, kernel.timeout, [nb])
        code = nbgrader(course, log, "autograde", ASSIGNMENT, "--student", sid, "--notebook", stem,
                        "--force", budget=limit, env=kernel.environment(course, limit))
        if code == nbgrader_cli.BUDGET_EXCEEDED:
            problems.append(f"{nb}: grading stopped after {limit} s (its wall-clock budget); "
                            f"parts it had not finished score zero")
        elif code or not (out / nb).exists():
            problems.append(f"{nb}: nbgrader could not grade it (see the log); parts it had not "
                            f"finished score zero")
            nbgrader(course, log, "autograde", ASSIGNMENT, "--student", sid, "--notebook", stem,
                     "--force", "--no-execute")     # into the gradebook; scores come from records
    return kernel_failures(failures) + problems


def kernel_failures(path):
    """The student's problems from the kernels execute.py gave up on (path: its file), one per
    notebook, naming the cause and the kernel's last lines on stderr; [] if none failed."""
    try:
        lines = read_regular(path, 2 ** 20, ValueError).decode(errors="replace").splitlines()
    except FileNotFoundError:
        return []
    last = {}
    for line in lines:
        try:
            entry = json.loads(line)
            last[str(entry["notebook"])] = entry
        except (ValueError, KeyError, TypeError):
            continue
    problems = []
    for name, entry in last.items():
        causes = [str(c) for c in entry.get("causes", [])] or ["the kernel failed"]
        again = ("(the same when retried in a fresh kernel)" if causes[0] == causes[-1] else
                 f"(when retried in a fresh kernel; the first time, {causes[0]})")
        text = f"{name}.ipynb: {causes[-1]} {again}; the parts it had not finished score zero"
        if entry.get("stderr"):
            text += f". The kernel's last lines on stderr:\n{str(entry['stderr'])[:4000]}"
        problems.append(text)
    return problems


def graded_cells(folder):
    """(grade id, cell) of every graded cell of the autograded notebooks in `folder`; a notebook
    that cannot be read has none."""
    for nb in NOTEBOOKS:
        try:
            cells = nbformat.read(folder / nb, as_version=4).cells
        except Exception:
            continue
        yield from ((grade_id(c), c) for c in cells if grade_id(c))


def error_text(output):
    """An error output as one line: 'Name: message'."""
    return f"{output.get('ename')}: {output.get('evalue', '')}"


def cell_errors(folder):
    """{grade id: the error its test cell ended with} in the autograded notebooks."""
    return {gid: error_text(o) for gid, c in graded_cells(folder)
            for o in c.get("outputs", []) if o.get("output_type") == "error"}


def judge(course, sid):
    """{part id: score} from the outputs the hidden tests recorded, and the results. Fails
    closed: a part whose records cannot be judged scores zero and says why."""
    errors = cell_errors(course / "autograded" / sid / ASSIGNMENT)
    results = {}
    for p in PARTS:
        try:
            results[p.id] = hidden.judge(p.id, scratch_folder(course, sid), errors.get(p.id, ""))
        except Exception as e:
            results[p.id] = PartResult(p.id, False, error=f"its recorded outputs could not be judged "
                                                          f"({type(e).__name__}: {str(e)[:200]}): scored zero")
    return {p.id: results[p.id].score for p in PARTS}, results


def grade_batch(course, handins, version, db_url, force=False, kernel=Kernel(), everyone=()):
    """Grade the students `handins` ({student: handin path}) from start to finish, their
    notebooks in one nbgrader process (`_autograde_batch`); a student it did not finish is
    graded again alone (`_autograde`), so a handin that breaks nbgrader costs only its own
    points. `everyone`: every student of the run (others' folders nbgrader must leave alone).
    Returns {student: their marker (scores and problems), or the exception that stopped it}."""
    results, taken = {}, {}
    for sid, path in handins.items():
        try:
            results[sid] = _skip_or_intake(course, sid, path, version, force, taken)
        except Exception as e:     # our own failure: this student only
            results[sid] = e
    sids = sorted(taken)
    shares = dict.fromkeys(sids, 0.0)
    try:
        for sid in sids:
            _fresh(course, sid)
        if len(sids) > 1:
            shares = _autograde_batch(course, sids, set(everyone) | set(handins), kernel)
    except Exception as e:         # then each is graded alone
        for sid in sids:
            with open(course / "logs" / f"{sid}.log", "a") as log:
                log.write(f"\nits batch failed: {type(e).__name__}: {e}\n")
    for sid in sids:
        digest, problems, seconds = taken[sid]
        try:
            seconds += shares[sid]
            if len(sids) > 1 and _finished(course, sid):
                problems += kernel_failures(failures_file(course, sid))
            else:                  # alone, or again alone: as a batch of one
                start = time.perf_counter()
                problems += _autograde(course, sid, course / "logs" / f"{sid}.log", kernel)
                seconds += time.perf_counter() - start
            results[sid] = _conclude(course, sid, digest, version, db_url, problems, seconds)
        except Exception as e:
            results[sid] = e
    return results


def _skip_or_intake(course, sid, path, version, force, taken):
    """The student's marker if they are graded already (same handin, same assignment);
    otherwise their handin is taken in and `taken[sid]` = (digest, problems, seconds)."""
    marker = course / "graded" / f"{sid}.json"
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    digest = _digest(files, path if path.is_dir() else None)
    if marker.exists() and not force:
        done = json.loads(marker.read_text())
        if done.get("digest") == digest and done.get("version") == version:
            return {**done, "skipped": True}
    (course / "logs" / f"{sid}.log").write_text("")
    start = time.perf_counter()
    problems = intake(course, sid, path)
    taken[sid] = (digest, problems, time.perf_counter() - start)
    return None


def _conclude(course, sid, digest, version, db_url, problems, seconds):
    """Judge the student, store their scores and write their marker (atomically: a student
    is finished or not at all); returns the marker."""
    scores, results = judge(course, sid)
    store(db_url, sid, scores)
    done = {"student": sid, "digest": digest, "version": version, "scores": scores,
            "problems": problems, "seconds": round(seconds, 2),
            "report": {part: r.report(show_values=False) for part, r in results.items() if not r.passed}}
    marker = course / "graded" / f"{sid}.json"
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(done, indent=1))
    os.replace(tmp, marker)
    return done


class _Lock:
    """One grading run per course directory at a time."""

    def __init__(self, course):
        self.file = open(course / ".grading.lock", "w")

    def __enter__(self):
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError("another grading run is using this course directory; wait for it "
                               "or stop it, then grade again (finished students are kept)") from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.file, fcntl.LOCK_UN)


def grade(handins, course, timeout=30, db_url=None, jobs=None, force=False, log=print,
          memory_mb=sandbox.MEMORY_MB, unsafe_no_sandbox=False):
    """Grade every handin in `handins`; return ({student: marker}, failures).

    A marker holds the student's scores (as the gradebook holds them at the end), problems
    with the handin, and report (part -> why it lost points). `failures` lists what went wrong
    for the class (a student not graded, feedback or export failing): non-empty means the run
    is not complete."""
    course = Path(course).resolve()
    course.mkdir(parents=True, exist_ok=True)
    kernel = Kernel(timeout, memory_mb, unsafe_no_sandbox)
    if unsafe_no_sandbox:
        log("warning: --unsafe-no-sandbox: student code runs as you, with your files and your network "
            "in reach (only the limits apply). Never grade a class like this.")
    elif not sandbox.bwrap_available():
        raise RuntimeError("bubblewrap (bwrap) is not installed, and student code is only run in its "
                           "sandbox: install Debian's bubblewrap (apt-get install bubblewrap), or pass "
                           "--unsafe-no-sandbox on a machine where no one else's work is in reach")
    with _Lock(course):
        return _grade_locked(handins, course, kernel, db_url, jobs, force, log)


def _grade_locked(handins, course, kernel, db_url, jobs, force, log):
    course, version = setup_course(course, kernel.timeout, db_url)
    db_url = db_url or gradebook.default_db(course)
    ids, refused = student_ids(handins)
    jobs = jobs or os.cpu_count() or 1
    markers, failures, start = {}, list(refused), time.perf_counter()
    for line in refused:
        log(line)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_batch, course, {sid: ids[sid] for sid in batch}, version, db_url, force,
                               kernel, ids): batch for batch in batches(ids, jobs)}
        for k, (sid, done) in enumerate(_each_student(futures), start=1):
            if isinstance(done, Exception):  # our own failure: zeros for this student, the others go on
                e = done
                markers[sid] = _not_graded(db_url, sid, f"{type(e).__name__}: {e}")
                log(f"[{k}/{len(ids)}] {sid}: NOT GRADED, scored 0: {type(e).__name__}: {e} "
                    f"(see {course}/logs/{sid}.log)")
                continue
            markers[sid] = done
            total = sum(done["scores"].values())
            state = "already graded, skipped" if done.get("skipped") else f"{done['seconds']:.1f} s"
            log(f"[{k}/{len(ids)}] {sid}: {total:g}/{TOTAL} ({state}; {time.perf_counter() - start:.0f} s so far)"
                + "".join(f"\n      {p}" for p in done["problems"]))
    failures += _feedback(course, markers, jobs)
    per_class = nbgrader_cli.NO_KERNEL_S + 5 * len(markers)
    final = gradebook.scores(db_url, markers)            # the record of truth, hand-set scores included
    for sid, m in markers.items():
        m["scores"] = final[sid]
    exports.write_reports(course, markers, final)
    exports.export(course / "exports", markers, final)
    if nbgrader(course, course / "logs" / "export.log", "export", "--to",
                str(course / "exports" / "nbgrader_grades.csv"), budget=per_class):
        failures.append(f"nbgrader export failed (see {course}/logs/export.log)")
    failures += [f"{sid} was not graded: {m['not_graded']}" for sid, m in markers.items() if m.get("not_graded")]
    return markers, failures


def _feedback(course, markers, jobs):
    """nbgrader's feedback pages for the students graded in this run, and for any other whose
    pages are missing (a run killed before this step): a run for one late handin does not write
    the whole class's again. Up to `jobs` nbgrader processes write them at once, each its share
    of the students (one process for a class ran alone on one core at the end of a run).
    Returns the failures."""
    def has_pages(sid):
        return all(exports.feedback_page(course, sid, nb).is_file() for nb in NOTEBOOKS)
    todo = sorted(sid for sid, m in markers.items() if not m.get("skipped") or not has_pages(sid))
    if not todo:
        return []
    everyone = {p.name for p in (course / "autograded").iterdir()} | set(todo) \
        if (course / "autograded").is_dir() else set(todo)

    def only(share):          # nbgrader's arguments for `share` alone ([]: every student it finds)
        return _all_but(everyone - set(share)) if everyone - set(share) else []
    shares = [todo[k::jobs] for k in range(min(jobs, len(todo)))]
    args = [only(share) for share in shares]
    if None in args:                                       # a comma in an id: one process, every student
        shares, args = [todo], [only(todo) or []]

    def write(k, share, arguments):
        log = course / "logs" / f"feedback-{k}.log"
        code = nbgrader(course, log, "generate_feedback", ASSIGNMENT, "--force", *arguments,
                        budget=nbgrader_cli.NO_KERNEL_S + 5 * len(share))   # HTML for every notebook of each
        return [f"nbgrader generate_feedback failed for {', '.join(share[:5])}{' ...' if len(share) > 5 else ''} "
                f"(see {log})"] if code else []
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        return [f for done in pool.map(write, range(1, len(shares) + 1), shares, args) for f in done]


def _each_student(futures):
    """(student, marker or exception) as each batch ({future: its students}) finishes."""
    for future in as_completed(futures):
        try:
            yield from sorted(future.result().items())
        except Exception as e:
            yield from ((sid, e) for sid in futures[future])


def _not_graded(db_url, sid, why):
    """The marker of a student the grader itself failed on: zero everywhere, the gradebook too."""
    scores = {p.id: 0.0 for p in PARTS}
    try:
        gradebook.store(db_url, sid, scores)
    except Exception:
        pass                               # no row in the gradebook: the exports read zeros anyway
    return {"student": sid, "scores": scores, "report": {}, "not_graded": why,
            "problems": [f"this handin could not be graded ({why}); every part scores zero until it is "
                         f"graded again"]}


def main(args):
    course = Path(args.course).resolve()
    try:
        markers, failures = grade(args.handins, course, args.timeout, args.db_url, args.jobs, args.force,
                                  memory_mb=args.memory_mb, unsafe_no_sandbox=args.unsafe_no_sandbox)
    except RuntimeError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    print(exports.summary({sid: m["scores"] for sid, m in markers.items()}))
    print(f"\ngradebook: {args.db_url or gradebook.default_db(course)}\nfeedback:  {course}/feedback/<student>/"
          f"{ASSIGNMENT}/ (report.html and one page per notebook)\nexports:   {course}/exports/")
    if failures:
        print("grade: the run is not complete:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


def add_parser(commands):
    p = commands.add_parser("grade", help="(instructors) autograde a folder of handins with nbgrader")
    p.add_argument("handins", help="folder with <student id>.zip files or <student id>/ folders")
    p.add_argument("--course", default="course", help="nbgrader course directory (default: ./course)")
    p.add_argument("--timeout", type=int, default=30, help="seconds per notebook cell (default 30)")
    p.add_argument("--memory-mb", type=int, default=sandbox.MEMORY_MB,
                   help=f"address space of a student's kernel, MB (default {sandbox.MEMORY_MB})")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run student code without bubblewrap (only its limits): never for a class")
    p.add_argument("--jobs", type=int, help="students graded at once (default: the number of cores)")
    p.add_argument("--db-url", help="gradebook URL, e.g. postgresql://user@host/db (default: SQLite)")
    p.add_argument("--force", action="store_true",
                   help="grade every handin again (default: skip students already graded with the same handin)")
    p.set_defaults(run=main)
