"""Grade a folder of handins with nbgrader, in parallel, safely, and export the grades.

    python -m autograder grade HANDINS [--course DIR] [--jobs N] [--timeout 30] [--db-url URL]

HANDINS holds one zip per student (`<student id>.zip`, made by `handin`) or one folder per
student. The course directory is nbgrader's own layout:

    DIR/nbgrader_config.py   DIR/gradebook.db   (or any database nbgrader takes, --db-url)
    DIR/source/hw1/          the instructor's notebooks (solutions/hw1)
    DIR/submitted/<s>/hw1/   each handin, unpacked (notebooks + mytorch/)
    DIR/autograded/<s>/hw1/  DIR/feedback/<s>/hw1/*.html (+ report.html: why points were lost)
    DIR/graded/<s>.json      one per finished student: what makes a rerun skip or redo them
    DIR/exports/             grades.csv, gradescope/<s>/results.json, autolab/<s>.json
    DIR/logs/<s>.log         nbgrader's output for each student

How a student is graded (`grade_one`): the handin is unpacked (a missing or unreadable
notebook is replaced by the released one, a missing mytorch/ by the stubs, so the rest is
still graded); nbgrader autogrades it in the sandboxed kernel (per-cell timeout, memory
cap, hidden expected values out of reach); every part is then judged from the outputs its
hidden test recorded, and that score is written into nbgrader's gradebook. If nbgrader
gives up on a notebook (the kernel died or stopped answering), that notebook is graded
again on its own, and failing that recorded without execution, so its finished parts keep
their points. Handins are read, never modified. A run that is killed can be started
again: finished students (same handin, same assignment) are skipped, the rest redone.
"""
import csv
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from . import handin, hidden, nbgrader_plugins, sandbox
from .nbgrader_plugins import config_text
from .parts import ASSIGNMENT, PARTS
from .paths import SOLUTIONS, STUBS


def nbgrader(course, log, *args, budget=None):
    """Run one nbgrader command in the course directory, appending its output to `log`.
    `budget`: seconds it may take (see `budget`), after which it is killed."""
    with open(log, "a") as out:
        out.write(f"\n$ nbgrader {' '.join(args)}\n")
        out.flush()
        done = nbgrader_plugins.run(args, course, stdout=out, stderr=subprocess.STDOUT,
                                    env={"JUPYTER_PATH": str(course)}, budget=budget)
        if done.returncode == nbgrader_plugins.BUDGET_EXCEEDED:
            out.write(f"\nstopped after {budget:.0f} s, its wall-clock budget\n")
    return done.returncode


KERNEL_START_S = 60      # nbclient's own wait for a kernel to become ready


def budget(course, timeout, notebooks):
    """Wall-clock seconds an autograde of `notebooks` may take: each code cell may run for
    the per-cell timeout, and each notebook's kernel may take a minute to start."""
    cells = sum(c.cell_type == "code" for nb in notebooks
                for c in nbformat.read(course / "source" / ASSIGNMENT / nb, as_version=4).cells)
    return len(notebooks) * KERNEL_START_S + cells * timeout


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
    for nb in handin.NOTEBOOKS:
        shutil.copy2(SOLUTIONS / ASSIGNMENT / nb, source / nb)
    protected = [f"mytorch/{f}" for f in handin.MYTORCH_FILES]
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


def student_ids(handins):
    """{student id: handin path}: `<id>.zip`, `<id>/`, or any other file (graded as a broken
    handin, so it gets a row and a message); hidden files are left out."""
    return {(p.stem if p.suffix == ".zip" else p.name): p for p in sorted(Path(handins).iterdir())
            if not p.name.startswith(".")}


def intake(course, sid, path):
    """Unpack one handin into submitted/<sid>/hw1; return the problems found (a list of str).

    Whatever is missing or unreadable is replaced by its released version, so that the rest
    of the handin is graded and the gradebook gets a row for every student."""
    dest = course / "submitted" / sid / ASSIGNMENT
    if dest.exists():
        shutil.rmtree(dest)
    problems = []
    if path.is_file() and path.suffix != ".zip":
        problems.append(f"{path.name} is not a zip file or a folder; hand in what "
                        f"`python -m autograder handin` makes")
        found = []
    else:
        try:
            found = handin.unpack(path, dest)
        except handin.HandinError as e:
            problems.append(str(e))
            shutil.rmtree(dest, ignore_errors=True)
            found = []
    dest.mkdir(parents=True, exist_ok=True)
    if not any(f.startswith("mytorch/") for f in found):
        shutil.copytree(STUBS, dest / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
        problems.append("no mytorch/ in the handin: graded with the untouched stubs")
    release = course / "release" / ASSIGNMENT
    for nb in handin.NOTEBOOKS:
        try:
            nbformat.validate(nbformat.read(dest / nb, as_version=4))
        except FileNotFoundError:
            problems.append(f"{nb} is missing: graded with the released (empty) notebook")
            shutil.copy2(release / nb, dest / nb)
        except Exception as e:
            problems.append(f"{nb} is not a readable notebook ({type(e).__name__}: {str(e)[:120]}): "
                            f"graded with the released (empty) notebook")
            shutil.copy2(release / nb, dest / nb)
    if not found and path.exists():
        problems.append("the handin holds no hw1 file: was it made for another assignment?")
    return problems + repair(release, dest)


def repair(release, submitted):
    """Undo what was done to the locked and test cells, and say so in the report.

    nbgrader restores edited cells itself, but it crashes on a deleted test cell that does not
    follow an answer cell, and on duplicated cells (0.9.6): so duplicates are dropped (the
    first copy is kept) and deleted locked or test cells are put back here, in their place."""
    from nbgrader.utils import is_grade, is_locked
    notes = []
    for nb in handin.NOTEBOOKS:
        try:
            ours = nbformat.read(release / nb, as_version=4)
            theirs = nbformat.read(submitted / nb, as_version=4)
        except Exception:
            continue
        gid = lambda c: c.metadata.get("nbgrader", {}).get("grade_id")
        protected = [c for c in ours.cells if gid(c) and (is_grade(c) or is_locked(c))]
        original = {gid(c): c for c in protected}
        kept, seen = [], {}
        for c in theirs.cells:
            g = gid(c)
            seen[g] = seen.get(g, 0) + 1
            if g and seen[g] > 1:
                if g in original and is_grade(original[g]):
                    notes.append(f"{nb}: test cell {g} appears {seen[g]} times; only one copy was run")
                continue
            if g in original and is_grade(original[g]) and c.source.strip() != original[g].source.strip():
                notes.append(f"{nb}: test cell {g} was edited; it was restored from the original")
            kept.append(c)
        for k, c in enumerate(ours.cells):
            g = gid(c)
            if g not in original or g in seen:
                continue
            if is_grade(c):
                notes.append(f"{nb}: test cell {g} was deleted; it was put back and run")
            before = [gid(p) for p in ours.cells[:k] if gid(p)]
            at = max([i + 1 for i, x in enumerate(kept) if gid(x) in before], default=0)
            kept.insert(at, c)
            seen[g] = 1
        theirs.cells = kept
        nbformat.write(theirs, submitted / nb)
    return notes


def _autograde(course, sid, log, timeout):
    """nbgrader autograde for one student; notebooks nbgrader gave up on are redone alone,
    and failing that recorded without execution. Returns problems (list of str)."""
    out = course / "autograded" / sid / ASSIGNMENT
    nbgrader(course, log, "autograde", ASSIGNMENT, "--student", sid, "--force",
             budget=budget(course, timeout, handin.NOTEBOOKS))
    problems = []
    for nb in handin.NOTEBOOKS:
        if (out / nb).exists():
            continue
        stem, limit = nb[:-len(".ipynb")], budget(course, timeout, [nb])
        code = nbgrader(course, log, "autograde", ASSIGNMENT, "--student", sid, "--notebook", stem,
                        "--force", budget=limit)
        if code == nbgrader_plugins.BUDGET_EXCEEDED:
            problems.append(f"{nb}: grading stopped after {limit} s (its wall-clock budget); "
                            f"parts it had not finished score zero")
        elif code or not (out / nb).exists():
            problems.append(f"{nb}: the kernel died or stopped responding; parts it had not "
                            f"finished score zero")
            nbgrader(course, log, "autograde", ASSIGNMENT, "--student", sid, "--notebook", stem,
                     "--force", "--no-execute")     # into the gradebook; scores come from records
    return problems


def cell_errors(folder):
    """{grade id: the error its test cell ended with} in the autograded notebooks."""
    errors = {}
    for nb in handin.NOTEBOOKS:
        try:
            cells = nbformat.read(folder / nb, as_version=4).cells
        except Exception:
            continue
        for c in cells:
            gid = c.metadata.get("nbgrader", {}).get("grade_id")
            for o in c.get("outputs", []):
                if gid and o.get("output_type") == "error":
                    errors[gid] = f"{o.get('ename')}: {o.get('evalue', '')}"
    return errors


def judge(course, sid):
    """{part id: score} from the outputs the hidden tests recorded, and the reports."""
    folder = course / "autograded" / sid / ASSIGNMENT
    errors = cell_errors(folder)
    results = {p.id: hidden.judge(p.id, folder, errors.get(p.id, "")) for p in PARTS}
    return {p.id: (p.points if results[p.id].passed else 0.0) for p in PARTS}, results


def store(db_url, sid, scores):
    """Write the judged scores into nbgrader's gradebook (retrying while the database is busy)."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import OperationalError
    by_part = {p.id: p for p in PARTS}
    for attempt in range(20):
        try:
            with Gradebook(db_url) as gb:
                for part, score in scores.items():
                    try:
                        grade = gb.find_grade(part, by_part[part].notebook, ASSIGNMENT, sid)
                    except MissingEntry:
                        continue          # its notebook never reached the gradebook: counts as zero
                    grade.auto_score, grade.manual_score = score, None
                    grade.needs_manual_grade = False
                gb.db.commit()
            return
        except OperationalError:
            time.sleep(0.2 * (attempt + 1))
    raise RuntimeError(f"{sid}: the gradebook stayed locked; grade again to finish")


def grade_one(course, sid, path, version, db_url, force=False, timeout=30):
    """Grade one student from start to finish; returns their marker (scores and problems)."""
    marker = course / "graded" / f"{sid}.json"
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    digest = _digest(files, path if path.is_dir() else None)
    if marker.exists() and not force:
        done = json.loads(marker.read_text())
        if done.get("digest") == digest and done.get("version") == version:
            return {**done, "skipped": True}
    log = course / "logs" / f"{sid}.log"
    log.write_text("")
    start = time.perf_counter()
    problems = intake(course, sid, path)
    problems += _autograde(course, sid, log, timeout)
    scores, results = judge(course, sid)
    store(db_url, sid, scores)
    done = {"student": sid, "digest": digest, "version": version, "scores": scores,
            "problems": problems, "seconds": round(time.perf_counter() - start, 2),
            "report": [r.report(show_values=False) for r in results.values() if not r.passed]}
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(done, indent=1))
    os.replace(tmp, marker)            # atomic: a student is finished or not at all
    return done


def default_db(course):
    """nbgrader's default gradebook: SQLite in the course directory."""
    return f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


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


def grade(handins, course, timeout=30, db_url=None, jobs=None, force=False, log=print):
    """Grade every handin in `handins`; return {student: marker} (scores, problems, report)."""
    course = Path(course).resolve()
    course.mkdir(parents=True, exist_ok=True)
    with _Lock(course):
        return _grade_locked(handins, course, timeout, db_url, jobs, force, log)


def _grade_locked(handins, course, timeout, db_url, jobs, force, log):
    course, version = setup_course(course, timeout, db_url)
    db_url = db_url or default_db(course)
    if not sandbox.bwrap_available():
        log("warning: bubblewrap (bwrap) is not installed: the grading kernel is only memory-capped, "
            "and student code could read the hidden expected values. Install Debian's bubblewrap.")
    ids = student_ids(handins)
    jobs = jobs or os.cpu_count() or 1
    markers, start = {}, time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, course, sid, path, version, db_url, force, timeout): sid
                   for sid, path in ids.items()}
        for k, future in enumerate(as_completed(futures), start=1):
            sid = futures[future]
            try:
                markers[sid] = done = future.result()
            except Exception as e:         # our own failure: say so, grade the others
                log(f"[{k}/{len(ids)}] {sid}: NOT GRADED: {type(e).__name__}: {e} (see {course}/logs/{sid}.log)")
                continue
            total = sum(done["scores"].values())
            state = "already graded, skipped" if done.get("skipped") else f"{done['seconds']:.1f} s"
            log(f"[{k}/{len(ids)}] {sid}: {total:g}/100 ({state}; {time.perf_counter() - start:.0f} s so far)"
                + "".join(f"\n      {p}" for p in done["problems"]))
    nbgrader(course, course / "logs" / "feedback.log", "generate_feedback", ASSIGNMENT, "--force")
    write_reports(course, markers)
    export(course, markers)
    return markers


def write_reports(course, markers):
    """feedback/<s>/hw1/report.html: the score of every part and why points were lost."""
    import html
    for sid, m in markers.items():
        folder = course / "feedback" / sid / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        rows = "".join(f"<tr><td>{p.id}</td><td>{p.title}</td><td>{m['scores'][p.id]:g} / {p.points}</td></tr>"
                       for p in PARTS)
        notes = "".join(f"<li>{html.escape(x)}</li>" for x in m["problems"])
        why = "".join(f"<pre>{html.escape(x)}</pre>" for x in m["report"])
        (folder / "report.html").write_text(
            f"<html><body><h1>{ASSIGNMENT}: {sid}: {sum(m['scores'].values()):g} / 100</h1>"
            f"<table>{rows}</table>" + (f"<h2>About your handin</h2><ul>{notes}</ul>" if notes else "")
            + (f"<h2>Why points were lost</h2>{why}" if why else "") + "</body></html>")


def export(course, markers):
    """grades.csv, Gradescope results.json per student and Autolab score lines."""
    out = course / "exports"
    out.mkdir(exist_ok=True)
    with open(out / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *[p.id for p in PARTS], "total", "max", "problems"])
        for sid, m in sorted(markers.items()):
            row = [m["scores"][p.id] for p in PARTS]
            w.writerow([sid, *row, sum(row), 100, " | ".join(m["problems"])])
    for sid, m in markers.items():
        failed = {line.split("[")[1].split(",")[0]: line for line in m["report"] if "[" in line}
        tests = [{"name": f"{p.id}: {p.title}", "score": m["scores"][p.id], "max_score": p.points,
                  "visibility": "visible", "output": failed.get(p.id, "")} for p in PARTS]
        gs = out / "gradescope" / sid
        gs.mkdir(parents=True, exist_ok=True)
        result = {"score": sum(t["score"] for t in tests), "tests": tests}
        if m["problems"]:
            result["output"] = "\n".join(m["problems"])
        (gs / "results.json").write_text(json.dumps(result, indent=2))
        (out / "autolab").mkdir(exist_ok=True)
        (out / "autolab" / f"{sid}.json").write_text(json.dumps({"scores": m["scores"]}) + "\n")
    nbgrader(course, course / "logs" / "export.log", "export", "--to", str(out / "nbgrader_grades.csv"))


def summary(markers):
    """The gradebook as a text table: one row per student, one column per notebook."""
    notebooks = sorted({p.notebook for p in PARTS})
    head = f"{'student':<24}" + "".join(f"{nb:>14}" for nb in notebooks) + f"{'total':>8}"
    lines = [head, "-" * len(head)]
    for sid, m in sorted(markers.items()):
        per = [sum(m["scores"][p.id] for p in PARTS if p.notebook == nb) for nb in notebooks]
        lines.append(f"{sid:<24}" + "".join(f"{v:>14g}" for v in per) + f"{sum(per):>8g}")
    maxima = [sum(p.points for p in PARTS if p.notebook == nb) for nb in notebooks]
    lines.append(f"{'max':<24}" + "".join(f"{v:>14g}" for v in maxima) + f"{100:>8}")
    return "\n".join(lines)


def main(args):
    course = Path(args.course).resolve()
    try:
        markers = grade(args.handins, course, args.timeout, args.db_url, args.jobs, args.force)
    except RuntimeError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    print(summary(markers))
    print(f"\ngradebook: {args.db_url or default_db(course)}\nfeedback:  {course}/feedback/<student>/"
          f"{ASSIGNMENT}/ (report.html and one page per notebook)\nexports:   {course}/exports/")
    return 0


def add_parser(commands):
    p = commands.add_parser("grade", help="(instructors) autograde a folder of handins with nbgrader")
    p.add_argument("handins", help="folder with <student id>.zip files or <student id>/ folders")
    p.add_argument("--course", default="course", help="nbgrader course directory (default: ./course)")
    p.add_argument("--timeout", type=int, default=30, help="seconds per notebook cell (default 30)")
    p.add_argument("--jobs", type=int, help="students graded at once (default: the number of cores)")
    p.add_argument("--db-url", help="gradebook URL, e.g. postgresql://user@host/db (default: SQLite)")
    p.add_argument("--force", action="store_true",
                   help="grade every handin again (default: skip students already graded with the same handin)")
    p.set_defaults(run=main)
