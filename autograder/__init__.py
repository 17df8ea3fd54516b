"""The course's tools, one folder per audience (a path says who runs the code):

    parts/     the registry of graded parts, how each is run and compared, hints  (ships to students)
    student/   check, handin, importing a student's mytorch                         (ships to students)
    course/    the instructor's authoring: stubs, lectures and site, release, references
    grading/   the instructor's grading: grade, intake, sandbox, hidden records, gradebook, exports,
               the Gradescope and Autolab packages
    samples.py sample handins (reference, stubs, mistakes) for the demo, the tests and the bench
    demo.py    the whole cycle on three sample students

Imports point down this list only, inside functions too (tests/test_layout.py): `parts` imports
nothing of the others, `student` only `parts`. The student bundle is `parts/` and `student/`
with this file and `__main__.py`.
"""
