"""python -m autograder <command>: the course's one command line.

Students have check and handin; the instructor's copy adds the rest.
"""
import argparse
import importlib
import sys

# Each command module contributes one sub-command through its add_parser(commands). The
# student bundle ships only some of these modules; the missing ones are simply not offered.
COMMANDS = ["check", "handin", "stubs", "references", "lectures", "release", "grade", "demo", "train"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"autograder.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"autograder.{name}":
                raise
            continue
        module.add_parser(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
