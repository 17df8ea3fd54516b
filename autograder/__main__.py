"""python -m autograder <command>: the course's one command line.

Students have check and handin; the instructor's copy adds the rest.
"""
import argparse
import importlib
import sys

# The modules that add sub-commands, each through its add_parser(commands). The student
# bundle ships only parts/ and student/; the instructor's modules are then simply not offered.
COMMAND_MODULES = ["student.check", "student.handin", "course.stubs", "course.references",
                   "course.lectures", "course.release", "course.points", "grading.grade", "grading.gradescope",
                   "grading.autolab", "demo",
                   "course.train"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"autograder.{name}")
        except ModuleNotFoundError as e:
            if not f"autograder.{name}".startswith(e.name or "?"):
                raise
            continue
        module.add_parser(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
