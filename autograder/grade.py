"""Grade a folder of handins with nbgrader, and export the grades.

    python -m autograder grade HANDINS [--course DIR] [--timeout 60]

HANDINS holds one zip per student (`<student id>.zip`, made by `handin`) or one folder
per student. The course directory is nbgrader's own layout:

    DIR/nbgrader_config.py   DIR/gradebook.db   (nbgrader's SQLite gradebook)
    DIR/source/hw1/          the instructor's notebooks (solutions/hw1)
    DIR/release/hw1/         made by nbgrader generate_assignment
    DIR/submitted/<s>/hw1/   each handin, unpacked (notebooks + mytorch/)
    DIR/autograded/<s>/hw1/  DIR/feedback/<s>/hw1/*.html
    DIR/exports/             grades.csv, gradescope/<s>/results.json, autolab/<s>.json

Handins are read, never modified. Each student is autograded by their own nbgrader run,
so one broken handin costs only its own points.
"""
import csv
import json
import shutil
import subprocess
import time
from pathlib import Path

from . import handin, nbgrader_plugins
from .nbgrader_plugins import config_text
from .parts import ASSIGNMENT, PARTS
from .paths import SOLUTIONS


def nbgrader(course, *args, check=True):
    """Run one nbgrader command in the course directory; its output goes to course/logs/."""
    log = course / "logs" / f"{args[0]}.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "a") as out:
        out.write(f"\n$ nbgrader {' '.join(args)}\n")
        out.flush()
        done = nbgrader_plugins.run(args, course, stdout=out, stderr=subprocess.STDOUT)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {done.returncode}); see {log}")
    return done.returncode


def setup_course(course, timeout=60, db_url=None):
    """Create (or refresh) the course directory and its gradebook from solutions/hw1."""
    course = Path(course).resolve()
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    for nb in handin.NOTEBOOKS:
        shutil.copy2(SOLUTIONS / ASSIGNMENT / nb, source / nb)
    protected = [f"mytorch/{f}" for f in handin.MYTORCH_FILES]
    (course / "nbgrader_config.py").write_text(config_text(course, protected, timeout, db_url))
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course


def student_ids(handins):
    """{student id: handin path} for every zip or folder in `handins`."""
    found = {}
    for path in sorted(Path(handins).iterdir()):
        sid = path.stem if path.suffix == ".zip" else path.name
        if path.is_dir() or path.suffix == ".zip":
            found[sid] = path
    return found


def intake(course, sid, path):
    """Unpack one handin into submitted/<sid>/hw1; return a problem description or ''."""
    dest = course / "submitted" / sid / ASSIGNMENT
    if dest.exists():
        shutil.rmtree(dest)
    try:
        found = handin.unpack(path, dest)
    except handin.HandinError as e:
        shutil.rmtree(dest, ignore_errors=True)
        return str(e)
    missing = sorted(set(handin.expected_files()) - set(found))
    return f"missing from the handin: {', '.join(missing)}" if missing else ""


def scores(course, db_url=None):
    """{student: {part id: score}} from the gradebook."""
    from nbgrader.api import Gradebook
    result = {}
    with Gradebook(db_url or default_db(course)) as gb:
        for student in gb.students:
            try:
                sub = gb.find_submission(ASSIGNMENT, student.id)
            except Exception:
                continue
            result[student.id] = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
    return result


def default_db(course):
    """nbgrader's default gradebook: SQLite in the course directory."""
    return f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


def export(course, table, problems):
    """grades.csv, Gradescope results.json per student and Autolab score lines."""
    out = course / "exports"
    out.mkdir(exist_ok=True)
    with open(out / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *[p.id for p in PARTS], "total", "max", "problem"])
        for sid, parts in sorted(table.items()):
            row = [parts.get(p.id, 0.0) for p in PARTS]
            w.writerow([sid, *row, sum(row), 100, problems.get(sid, "")])
    for sid, parts in table.items():
        tests = [{"name": f"{p.id}: {p.title}", "score": parts.get(p.id, 0.0), "max_score": p.points,
                  "visibility": "visible"} for p in PARTS]
        gs = out / "gradescope" / sid
        gs.mkdir(parents=True, exist_ok=True)
        result = {"score": sum(t["score"] for t in tests), "tests": tests}
        if problems.get(sid):
            result["output"] = problems[sid]
        (gs / "results.json").write_text(json.dumps(result, indent=2))
        al = out / "autolab"
        al.mkdir(exist_ok=True)
        (al / f"{sid}.json").write_text(json.dumps({"scores": {p.id: parts.get(p.id, 0.0) for p in PARTS}}) + "\n")
    nbgrader(course, "export", "--to", str(out / "nbgrader_grades.csv"))


def grade(handins, course, timeout=60, db_url=None, log=print):
    """Grade every handin in `handins`; return ({student: {part: score}}, {student: problem})."""
    course = setup_course(course, timeout, db_url)
    ids = student_ids(handins)
    problems, start = {}, time.perf_counter()
    for k, (sid, path) in enumerate(ids.items(), start=1):
        nbgrader(course, "db", "student", "add", sid, check=False)
        problem = intake(course, sid, path)
        if problem and not (course / "submitted" / sid / ASSIGNMENT).exists():
            problems[sid] = problem
            log(f"[{k}/{len(ids)}] {sid}: not graded: {problem}")
            continue
        code = nbgrader(course, "autograde", ASSIGNMENT, "--student", sid, "--force", check=False)
        if code:
            problem = (problem + "; " if problem else "") + f"nbgrader autograde failed (see {course}/logs/autograde.log)"
        if problem:
            problems[sid] = problem
        table = scores(course, db_url)
        total = sum(table.get(sid, {}).values())
        log(f"[{k}/{len(ids)}] {sid}: {total:g}/100  ({time.perf_counter() - start:.0f} s)"
            + (f"  problem: {problem}" if problem else ""))
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force", check=False)
    table = scores(course, db_url)
    for sid in problems:
        table.setdefault(sid, {})
    export(course, table, problems)
    return table, problems


def summary(table, problems):
    """The gradebook as a text table: one row per student, one column per notebook."""
    notebooks = sorted({p.notebook for p in PARTS})
    head = f"{'student':<16}" + "".join(f"{nb:>14}" for nb in notebooks) + f"{'total':>8}"
    lines = [head, "-" * len(head)]
    for sid, parts in sorted(table.items()):
        per = [sum(parts.get(p.id, 0) for p in PARTS if p.notebook == nb) for nb in notebooks]
        lines.append(f"{sid:<16}" + "".join(f"{v:>14g}" for v in per) + f"{sum(per):>8g}"
                     + (f"   ({problems[sid]})" if sid in problems else ""))
    maxima = [sum(p.points for p in PARTS if p.notebook == nb) for nb in notebooks]
    lines.append(f"{'max':<16}" + "".join(f"{v:>14g}" for v in maxima) + f"{100:>8}")
    return "\n".join(lines)


def main(args):
    table, problems = grade(args.handins, args.course, args.timeout, args.db_url)
    course = Path(args.course).resolve()
    print(summary(table, problems))
    print(f"\ngradebook: {args.db_url or default_db(course)}\nfeedback:  {course}/feedback/<student>/{ASSIGNMENT}/*.html"
          f"\nexports:   {course}/exports/ (grades.csv, gradescope/, autolab/)")
    return 0


def add_parser(commands):
    p = commands.add_parser("grade", help="(instructors) autograde a folder of handins with nbgrader")
    p.add_argument("handins", help="folder with <student id>.zip files or <student id>/ folders")
    p.add_argument("--course", default="course", help="nbgrader course directory (default: ./course)")
    p.add_argument("--timeout", type=int, default=60, help="seconds per notebook cell")
    p.add_argument("--db-url", help="gradebook URL (default: SQLite in the course directory)")
    p.set_defaults(run=main)
