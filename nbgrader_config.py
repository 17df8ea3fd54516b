# nbgrader's layout, mapped onto this repository (see README, "For instructors"):
#   nbgrader source/   = solutions/     the instructor's notebooks, with solutions and hidden tests
#   nbgrader release/  = assignments/   the student versions, made by generate_assignment
# Grading happens in a separate course directory made by `python -m autograder grade`.
import os

c = get_config()
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///.nbgrader-gradebook.db"
# Never release a hidden test's records (hidden.record writes them only when grading, but a
# folder of them must not reach students whatever made it).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".autograder_records"]
