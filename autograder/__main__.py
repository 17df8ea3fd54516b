"""python -m autograder <command>: the course's one command line."""
import argparse
import sys

from . import stubs, train

# Each command module contributes one sub-command through its add_parser(commands).
COMMANDS = [stubs, train]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
