"""What nbgrader's metadata says about a notebook cell: the only place that reads it."""


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell):
    """The cell's nbgrader id (a part id for a graded test cell), or None."""
    return nbgrader(cell).get("grade_id")


def is_solution(cell):
    return bool(nbgrader(cell).get("solution", False))


def is_grade(cell):
    return bool(nbgrader(cell).get("grade", False))


def is_locked(cell):
    """As nbgrader decides it: a solution cell never is, a test cell always is."""
    return not is_solution(cell) and (is_grade(cell) or bool(nbgrader(cell).get("locked", False)))
