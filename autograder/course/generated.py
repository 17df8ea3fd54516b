"""The body of every command that writes a generated copy (stubs, lectures, references):
`--check` reports what is stale and exits 1, otherwise the copy is written."""
import sys


def check_or_write(args, what, source, stale, write, command):
    """what: the generated copy ("mytorch/"); source: what it comes from; stale(): names of what
    differs from a fresh generation; write(): generate it; command: the command that does."""
    if args.check:
        found = stale()
        if found:
            print(f"{what} differs from what {source} generates: {', '.join(found)}\nrun: {command}",
                  file=sys.stderr)
            return 1
        print(f"{what} is up to date with {source}")
        return 0
    write()
    print(f"wrote {what} from {source}")
    return 0
