"""What grading hands back: each student's report page, and the class's grades for the
platforms (CSV, Gradescope, Autolab, nbgrader's own CSV). Scores come from the gradebook
(`gradebook.scores`), so a score changed in the formgrader reaches every export; why points
were lost comes from each student's structured results (`marker["report"]`: part -> text)."""
import csv
import html
import json
import re

from ..parts import ASSIGNMENT, NOTEBOOKS, PARTS, TOTAL


def _section(m, s, parts, heading):
    """HTML: a table of `parts` with their scores `s`, the handin's problems, why points were lost."""
    rows = "".join(f"<tr><td>{p.id}</td><td>{html.escape(p.title)}</td><td>{s[p.id]:g} / {p.points}</td></tr>"
                   for p in parts)
    notes = "".join(f"<li style='white-space: pre-wrap'>{html.escape(x)}</li>" for x in m["problems"])
    why = "".join(f"<pre>{html.escape(m['report'][p.id])}</pre>" for p in parts if p.id in m["report"])
    return (f"<h1>{heading}: {sum(s[p.id] for p in parts):g} / {sum(p.points for p in parts)}</h1>"
            f"<table><tr><th>part</th><th>what</th><th>score</th></tr>{rows}</table>"
            + (f"<h2>About your handin</h2><ul>{notes}</ul>" if notes else "")
            + (f"<h2>Why points were lost</h2>{why}" if why else ""))


def feedback_page(course, sid, notebook):
    """Where nbgrader's generate_feedback writes the page of `sid`'s `notebook`."""
    return course / "feedback" / sid / ASSIGNMENT / notebook.replace(".ipynb", ".html")


REPORT = re.compile(r'<section id="autograder-report">.*?</section>\n?', re.S)
BODY = re.compile(r"<body[^>]*>")


def write_reports(course, markers, scores):
    """feedback/<s>/hw1/report.html: the score of every part and why points were lost; and at
    the top of each notebook's feedback page, the same for that notebook's parts. nbgrader's
    fetch_feedback brings a student the pages named after their notebooks, never report.html."""
    for sid, m in markers.items():
        folder = course / "feedback" / sid / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        s = scores[sid]
        (folder / "report.html").write_text(
            f"<html><body>{_section(m, s, PARTS, f'{ASSIGNMENT}: {html.escape(sid)}')}</body></html>")
        for nb in NOTEBOOKS:
            page = feedback_page(course, sid, nb)
            if page.is_file() and not page.is_symlink():
                parts = [p for p in PARTS if f"{p.notebook}.ipynb" == nb]
                section = (f'<section id="autograder-report">'
                           f'{_section(m, s, parts, f"{html.escape(nb)}, graded")}</section>\n')
                before = page.read_text()
                text = REPORT.sub("", before)                 # a run again: the scores of now
                after = BODY.sub(lambda b: b.group(0) + section, text, count=1)
                if after != before:
                    page.write_text(after)


def export(out, markers, scores):
    """out/grades.csv, Gradescope's out/gradescope/<s>/results.json, Autolab's out/autolab/<s>.json."""
    out.mkdir(exist_ok=True)
    with open(out / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *[p.id for p in PARTS], "total", "max", "problems"])
        for sid in sorted(markers):
            row = [scores[sid][p.id] for p in PARTS]
            w.writerow([sid, *row, sum(row), TOTAL, " | ".join(markers[sid]["problems"])])
    (out / "autolab").mkdir(exist_ok=True)
    for sid, m in markers.items():
        tests = [{"name": f"{p.id}: {p.title}", "score": scores[sid][p.id], "max_score": p.points,
                  "visibility": "visible", "output": m["report"].get(p.id, "")} for p in PARTS]
        result = {"score": sum(t["score"] for t in tests), "tests": tests}
        if m["problems"]:
            result["output"] = "\n".join(m["problems"])
        (out / "gradescope" / sid).mkdir(parents=True, exist_ok=True)
        (out / "gradescope" / sid / "results.json").write_text(json.dumps(result, indent=2))
        (out / "autolab" / f"{sid}.json").write_text(json.dumps({"scores": scores[sid]}) + "\n")


def summary(scores):
    """The gradebook as a text table: one row per student, one column per notebook."""
    notebooks = sorted({p.notebook for p in PARTS})
    head = f"{'student':<24}" + "".join(f"{nb:>14}" for nb in notebooks) + f"{'total':>8}"
    lines = [head, "-" * len(head)]
    for sid, s in sorted(scores.items()):
        per = [sum(s[p.id] for p in PARTS if p.notebook == nb) for nb in notebooks]
        lines.append(f"{sid:<24}" + "".join(f"{v:>14g}" for v in per) + f"{sum(per):>8g}")
    maxima = [sum(p.points for p in PARTS if p.notebook == nb) for nb in notebooks]
    lines.append(f"{'max':<24}" + "".join(f"{v:>14g}" for v in maxima) + f"{TOTAL:>8}")
    return "\n".join(lines)
