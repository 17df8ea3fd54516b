"""A class to grade, for the end-to-end tests: the release, and handins built from it."""
from autograder import samples
from autograder.course import release
from autograder.course.paths import REFERENCE
from autograder.parts import ASSIGNMENT
from autograder.samples import apply


def release_and_solve(tmp):
    """The student bundle, and its notebooks with every answer filled in (what a good student hands in)."""
    bundle = release.build_bundle(tmp / "dist")
    return bundle, samples.solved_notebooks(bundle / "assignments" / ASSIGNMENT, tmp / "solved")


def hand_in(tmp, mistakes):
    """handins/ with the reference, the untouched stubs and one handin per mistake; and the bundle."""
    bundle, solved = release_and_solve(tmp)
    handins = tmp / "handins"
    handins.mkdir()
    samples.make_handin(handins / "reference.zip", solved, REFERENCE)
    samples.make_handin(handins / "stubs.zip", bundle / "assignments" / ASSIGNMENT, bundle / "mytorch")
    for m in mistakes:
        samples.make_handin(handins / f"{m.name}.zip", samples.answered(m, solved, tmp / "mistakes" / m.name / "notebooks"),
                            apply(m, REFERENCE, tmp / "mistakes" / m.name / "mytorch"))
    return handins, bundle
