"""nbgrader's gradebook, the record of truth: judged scores go in, every export reads them back,
so a score an instructor changes in the formgrader reaches the exports too."""
import time

from ..parts import ASSIGNMENT, BY_ID, PARTS


def default_db(course):
    """nbgrader's default gradebook: SQLite in the course directory."""
    from pathlib import Path
    return f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


def _retrying(db_url, action, what):
    """Run action(gradebook), retrying while the database is busy (parallel graders)."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import OperationalError
    for attempt in range(20):
        try:
            with Gradebook(db_url) as gb:
                return action(gb)
        except OperationalError:
            time.sleep(0.2 * (attempt + 1))
    raise RuntimeError(f"{what}: the gradebook stayed locked; grade again to finish")


def store(db_url, sid, scores):
    """Write the judged scores into nbgrader's gradebook, replacing nbgrader's own."""
    from nbgrader.api import MissingEntry

    def write(gb):
        for part, score in scores.items():
            try:
                grade = gb.find_grade(part, BY_ID[part].notebook, ASSIGNMENT, sid)
            except MissingEntry:
                continue          # its notebook never reached the gradebook: counts as zero
            grade.auto_score, grade.manual_score = score, None
            grade.needs_manual_grade = False
        gb.db.commit()
    _retrying(db_url, write, sid)


def scores(db_url, students):
    """{student: {part: score}} as the gradebook holds them now (a hand-set score included);
    a part or student the gradebook lacks scores zero."""
    from nbgrader.api import MissingEntry

    def read(gb):
        out = {}
        for sid in students:
            out[sid] = {p.id: 0.0 for p in PARTS}
            try:
                submission = gb.find_submission(ASSIGNMENT, sid)
            except MissingEntry:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in out[sid]:
                        out[sid][grade.name] = float(grade.score or 0.0)
        return out
    return _retrying(db_url, read, "export")



