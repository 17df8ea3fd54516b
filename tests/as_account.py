"""Run a command as a fresh unprivileged account, then remove the account and all it left.

    sudo .venv/bin/python tests/as_account.py [--keep-env NAME ...] -- COMMAND ...

CI runs its second pass of the suite this way, so the tests (and the grader they drive, whose
kernels then run in bubblewrap's user namespace instead of as nobody) run once as root and once
as an ordinary user, as on a course server. The command runs in this repository, with a login's
environment (nothing of root's but the variables named by --keep-env) and this Python's venv
first on PATH; its exit status is this script's. Needs root (tests/accounts.py says what else).
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import Accounts, unavailable  # noqa: E402

from autograder.course.paths import ROOT  # noqa: E402


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keep-env", action="append", default=[], metavar="NAME",
                   help="pass this variable of the caller's environment on (repeatable)")
    p.add_argument("command", nargs="+")
    args = p.parse_args(argv)
    if why := unavailable():
        sys.exit(f"as_account: cannot run as an unprivileged account: {why}")
    base = Path(tempfile.mkdtemp(prefix="ag-account-", dir="/tmp"))
    os.chmod(base, 0o755)                        # the account's home is in it
    accounts = Accounts(base)
    try:
        login = accounts.add("tester")
        env = accounts.environment(login, {k: os.environ[k] for k in args.keep_env if k in os.environ})
        print(f"as_account: running as {login} (uid {os.stat(env['HOME']).st_uid}): {' '.join(args.command)}",
              flush=True)
        return subprocess.run(accounts.as_user(login, args.command), cwd=ROOT, env=env).returncode
    finally:
        accounts.remove()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
