"""Local accounts for the exchange tests: create them, run commands as them, and remove them
with every process they left behind.

Needs root and shadow's `useradd`/`userdel` (Debian's `passwd` package); commands run as an
account through util-linux's `setpriv` with a login's environment. Every wait is bounded.

Where this Python lives in a folder other accounts cannot enter (pyenv under /root here),
each command runs in a private mount namespace in which that folder is an empty, enterable
tmpfs holding only the folders the command needs (the Python installation, the venv, this
repository), bound from the real ones: the machine itself is not changed. On a course
server Python is installed where every account can read it, and no namespace is needed.
"""
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from autograder.course.paths import ROOT

# What an account's commands must reach: the interpreter, the venv, the autograder package.
NEEDED = [Path(sys.base_prefix), Path(sys.prefix), ROOT]
SHELL = "/bin/sh"


def unavailable():
    """Why these tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "creating accounts needs root (CI runs as root)"
    missing = [tool for tool in ("useradd", "userdel", "setpriv", "unshare", "mount") if not shutil.which(tool)]
    return f"{', '.join(missing)} not installed (Debian's passwd, util-linux, mount)" if missing else None


def closed_parents(paths=NEEDED):
    """{folder: names below it}: for each path, the outermost folder on its way that others
    cannot enter (no o+x), with the child the path goes through."""
    closed = {}
    for path in paths:
        path = path.resolve()
        for parent in reversed(path.parents):
            if parent != Path("/") and not parent.stat().st_mode & stat.S_IXOTH:
                closed.setdefault(parent, set()).add(path.relative_to(parent).parts[0])
                break
    return closed


class Accounts:
    """Accounts named `<prefix>-<name>`, their homes under `base/home` (mode 0700), and a
    way to run commands as them. `remove()` ends their processes and deletes them."""

    def __init__(self, base):
        self.base = Path(base)
        self.prefix = "ag" + secrets.token_hex(3)        # never an existing account's name
        self.names = []
        self.stash = self.base / "stash"                  # root only: the real closed folders
        self.stash.mkdir(mode=0o700)
        (self.base / "home").mkdir(mode=0o755)

    def add(self, name):
        """Create the account `<prefix>-<name>` with its own group; return its login name.
        HOME_MODE=0700: Debian 12's useradd would make the home 0755, readable by everyone."""
        login = f"{self.prefix}-{name}"
        subprocess.run(["useradd", "--create-home", "--home-dir", str(self.base / "home" / login),
                        "--shell", SHELL, "--user-group", "-K", "HOME_MODE=0700", login],
                       check=True, capture_output=True, timeout=60)
        self.names.append(login)
        return login

    def environment(self, login, extra=None):
        """A login's environment: nothing of root's, this venv first on PATH."""
        entry = pwd.getpwnam(login)
        return {"HOME": entry.pw_dir, "USER": login, "LOGNAME": login, "SHELL": SHELL, "LANG": "C.UTF-8",
                "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", **(extra or {})}

    def view(self, argv):
        """argv in a private mount namespace where the closed folders on the way to NEEDED
        can be entered (see the module's docstring); argv itself if there are none."""
        closed = closed_parents()
        if not closed:
            return list(argv)
        script = ["set -e"]
        for k, (folder, children) in enumerate(sorted(closed.items())):
            stash = self.stash / str(k)
            script += [f"mkdir -p '{stash}'", f"mount --bind '{folder}' '{stash}'",
                       f"mount -t tmpfs -o mode=0755,size=1m tmpfs '{folder}'"]
            for child in sorted(children):
                script += [f"mkdir '{folder}/{child}'", f"mount --bind '{stash}/{child}' '{folder}/{child}'"]
            script.append(f"umount -l '{stash}'")
        script.append('exec "$@"')
        return ["unshare", "--mount", "--propagation", "private", "--", SHELL, "-c", "\n".join(script), SHELL,
                *argv]

    def as_user(self, login, argv):
        """argv run as `login`: its uid, gid and groups, no capabilities."""
        entry = pwd.getpwnam(login)
        return self.view(["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups",
                          "--inh-caps=-all", "--", *argv])

    def run(self, login, argv, cwd=None, env=None, timeout=120, check=True):
        """Run argv as `login` in `cwd` (default: its home); return the CompletedProcess. With
        check, a non-zero exit raises, showing the command's output."""
        done = subprocess.run(self.as_user(login, argv), cwd=cwd or pwd.getpwnam(login).pw_dir,
                              env=self.environment(login, env), capture_output=True, text=True, timeout=timeout)
        if check and done.returncode:
            raise AssertionError(f"{' '.join(map(str, argv))} as {login} exited {done.returncode}:\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def python(self, login, code, **kwargs):
        """Run Python code as `login`."""
        return self.run(login, [sys.executable, "-c", code], **kwargs)

    def processes(self):
        """Pids of the processes running as these accounts."""
        uids = set()
        for login in self.names:
            try:
                uids.add(pwd.getpwnam(login).pw_uid)
            except KeyError:
                pass
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid in uids:
                        pids.append(int(entry.name))
                except FileNotFoundError:
                    pass
        return pids

    def remove(self):
        """End the accounts' processes (by pid), delete the accounts, their groups and homes."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.processes():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            while self.processes() and time.monotonic() < deadline:
                time.sleep(0.1)
        for login in self.names:
            subprocess.run(["userdel", "--remove", login], capture_output=True, timeout=60)
        self.names = []
        shutil.rmtree(self.base, ignore_errors=True)
