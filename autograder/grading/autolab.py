"""Autolab's autograder for the homework: build it, and run it in Tango's job folder.

    python -m autograder autolab [--out autolab] [--timeout 30] [--scoreboard]

writes, as Autolab's guide for lab authors asks (docs/lab.md, "Writing Autograders" and
"Required Autograding Files", github.com/autolab/Autolab):

- `autograde-Makefile`: for each submission Autolab (through Tango) copies the student's handin
  file (renamed to the assessment's handin file name, handin.zip), this file (renamed to
  `Makefile`) and `autograde.tar` into an empty folder and runs `make` there (Tango's
  autodriver, as an unprivileged user; its output is the student's feedback). The last line
  of the output must be the autoresult `{"scores": {<problem>: <score>, ...}}`, one entry
  per problem, with `"scoreboard": [...]` when the assessment has a scoreboard.
- `autograde.tar`: the grader (platform.py, hidden expected values included) and `setup.sh`,
  which installs what grading needs into the autograding image (a venv at
  /opt/backprop-grader); Autolab keeps it: students never see it.
- `autolab.yml`: the assessment's problems (one per graded part) with their max scores, the
  handin file name and a timeout, to enter in Autolab (or merge into the assessment's yml).
"""
import argparse
import json
import sys
import tarfile
import tempfile
from pathlib import Path

from ..parts import ASSIGNMENT, NOTEBOOKS, PARTS, TOTAL
from . import platform

HANDIN = "handin.zip"                  # what `python -m autograder handin` makes
VENV = "/opt/backprop-grader"
TIMEOUT = 900                          # seconds Autolab gives a job
MAKEFILE = '''# Autolab's autograder for {assignment}. Autolab copies this file in as Makefile, beside
# autograde.tar and the student's {handin}, and runs make; the last line of the output is the
# autoresult. PYTHON: the autograding image's venv, made by setup.sh from autograde.tar.
PYTHON ?= {venv}/bin/python

all:
	@tar xf autograde.tar
	@PYTHONPATH="$(CURDIR)/{grader}" $(PYTHON) -m autograder.grading.autolab {handin} {options}

clean:
	rm -rf {grader} setup.sh grading
'''


def autoresult(marker, scoreboard=False):
    """The last line: {"scores": {part: score}} (and the scoreboard row: total, then per notebook)."""
    scores = {p.id: marker["scores"][p.id] for p in PARTS}
    line = {"scores": scores}
    if scoreboard:
        line["scoreboard"] = [sum(scores.values())] + [sum(scores[p.id] for p in PARTS if f"{p.notebook}.ipynb" == nb)
                                                     for nb in NOTEBOOKS]
    return json.dumps(line)


def feedback(marker):
    """What the student reads above the autoresult: every part's score, why points were lost
    (no hidden value: the reports are made with show_values=False), what was wrong with the handin."""
    lines = [f"{ASSIGNMENT}: {sum(marker['scores'].values()):g} / {TOTAL} points", ""]
    lines += [f"{p.id:<22}{marker['scores'][p.id]:>5g} / {p.points:<3} {p.title}" for p in PARTS]
    why = [marker["report"][p.id] for p in PARTS if p.id in marker["report"]]
    if why:
        lines += ["", "Why points were lost:", *why]
    if platform.about(marker):
        lines += ["", platform.about(marker)]
    return "\n".join(lines)


def problems_yml(timeout, scoreboard):
    """The assessment's settings for Autolab, as YAML (JSON strings are YAML strings)."""
    q = json.dumps
    lines = [f"# The Autolab assessment {ASSIGNMENT}, written by python -m autograder autolab: enter these",
             "# problems (name, max score) on its Edit Assessment page, or merge them into its yml.",
             "general:", f"  handin_filename: {HANDIN}", "problems:"]
    for p in PARTS:
        lines += [f"- name: {q(p.id)}", f"  description: {q(p.title)}", f"  max_score: {p.points}", "  optional: false"]
    # a handin takes under a minute of one core; the per-cell timeout bounds a hostile one
    lines += ["autograder:", f"  autograde_timeout: {TIMEOUT}", "  release_score: true"]
    if scoreboard:
        columns = [{"hdr": "Total"}] + [{"hdr": nb[:-len('.ipynb')]} for nb in NOTEBOOKS]
        lines += ["scoreboard:", f"  colspec: {q(json.dumps({'scoreboard': columns}))}"]
    return "\n".join(lines) + "\n"


def build(out, timeout=30, scoreboard=False):
    """Write autograde-Makefile, autograde.tar and autolab.yml into the folder `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    opts = f"--timeout {int(timeout)}" + (" --scoreboard" if scoreboard else "")
    (out / "autograde-Makefile").write_text(MAKEFILE.format(
        assignment=ASSIGNMENT, handin=HANDIN, venv=VENV, grader=platform.GRADER, options=opts))
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        platform.copy_grader(stage)
        platform.write_script(stage / "setup.sh", platform.setup_script("autolab", VENV))
        with tarfile.open(out / "autograde.tar", "w") as tar:
            for path in sorted(stage.iterdir()):
                tar.add(path, path.name)
    (out / "autolab.yml").write_text(problems_yml(timeout, scoreboard))
    return out


def run(handin, timeout, scoreboard):
    """Grade the handin in this job folder (`make` calls this); print the feedback, then the
    autoresult as the last line. Exit status 0 after an autoresult, 1 without one."""
    problem = platform.sandbox_problem()
    if problem:          # no autoresult: Autolab then reports an autograding error, not a score
        print(f"The grader runs student code only in its sandbox, which cannot start on this autograding "
              f"machine ({problem}); nothing was graded. Please tell your instructor.")
        return 1
    marker = platform.grade_submission(Path(handin).resolve(), Path("grading").resolve(), timeout)
    print(feedback(marker), flush=True)
    print(autoresult(marker, scoreboard), flush=True)
    return 0


def main(argv=None):
    """In Tango's job folder: the Makefile calls this."""
    p = argparse.ArgumentParser(prog="python -m autograder.grading.autolab")
    p.add_argument("handin")
    p.add_argument("--timeout", type=int, default=30)
    p.add_argument("--scoreboard", action="store_true")
    args = p.parse_args(argv)
    return run(args.handin, args.timeout, args.scoreboard)


def command(args):
    out = build(args.out, args.timeout, args.scoreboard)
    print(f"wrote {out}/autograde-Makefile, autograde.tar and autolab.yml: copy the first two into the "
          f"assessment's folder and enter its problems from autolab.yml. autograde.tar holds the hidden "
          f"expected values: keep it from students.")
    return 0


def add_parser(commands):
    p = commands.add_parser("autolab", help="(instructors) write Autolab's autograde-Makefile and autograde.tar")
    p.add_argument("--out", default="autolab", help="folder to write them into (default: autolab)")
    p.add_argument("--timeout", type=int, default=30, help="seconds per notebook cell (default 30)")
    p.add_argument("--scoreboard", action="store_true",
                   help="add a scoreboard row (total, then each notebook's points) to the autoresult")
    p.set_defaults(run=command)


if __name__ == "__main__":
    sys.exit(main())
