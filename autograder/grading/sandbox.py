"""The kernel that runs a student's notebook when grading: ipykernel with nothing to abuse.

    python -m autograder.grading.sandbox -f {connection_file}   (argv of the autograder-sandbox kernelspec)

nbgrader starts this in its own folder `autograded/<s>/hw1`. Before the kernel starts:

- **A scratch folder the grader owns.** The folder's regular files are copied (links and
  special files are not) into the student's scratch folder (`AUTOGRADER_SCRATCH`, which
  execute.py sets for each kernel), which the kernel sees at nbgrader's path: nothing the student's code writes
  reaches nbgrader's folders, and the grader reads the hidden tests' records from the scratch
  folder without following links (`hidden.read_records`).
- **Limits** (rlimits, inherited by everything the kernel starts): address space
  (`--memory-mb`, default 3072: a memory hog gets a MemoryError in its own cell), CPU
  seconds (`AUTOGRADER_CPU_SECONDS`), file size 64 MB, 1024 open files, no core dumps, and
  256 processes for the student's own uid (a root grader's; see kernel_uid).
- **bubblewrap** (Debian's `bubblewrap`; see `bwrap_argv` for what each flag stops): new
  PID, network (no interface but an unconnected loopback), IPC, UTS and cgroup namespaces;
  a clean environment; the system and the Python installation read-only; the autograder
  package without `grading/secret/` (absent, not hidden); /tmp and /dev/shm small tmpfs;
  only the scratch folder and the kernel's socket folder writable; dies with its parent.
- **No privileges.** A grader running as root starts the kernel as a uid of the student's own
  (`kernel_uid`) with every capability dropped (`setpriv`, util-linux); a grader
  running as an ordinary user gets bubblewrap's user namespace, where the kernel has that
  user's uid and no capabilities. No new privileges either way (bwrap sets it).

`AUTOGRADER_SANDBOX=none` (what `grade --unsafe-no-sandbox` sets) keeps the scratch folder
and the limits but drops bubblewrap: for a machine without it, never for a class.
"""
import json
import os
import resource
import shutil
import stat
import sys
import tempfile
from pathlib import Path

from ..course.nbgrader_cli import die_with_parent

PACKAGE = Path(__file__).resolve().parents[1]     # autograder/
SECRET = PACKAGE / "grading" / "secret"
KERNEL_NAME = "autograder-sandbox"
# A root grader runs each student's kernels as a uid of the student's own: Linux counts the
# process limit (RLIMIT_NPROC) per uid, so with one uid for all, one student's threads kept every
# other student's kernel from starting. The uid is UID_BASE plus the student's scratch folder's
# inode number (modulo UID_SPAN): the same for a student's three kernels, distinct for folders
# that exist at once, below 2**31 and above the uids and subordinate uids accounts get.
# AUTOGRADER_SANDBOX_UID gives one uid to every kernel instead (their process limit shared).
UID_BASE, UID_SPAN = 10 ** 9, 2 ** 30
SANDBOX_UID = int(os.environ.get("AUTOGRADER_SANDBOX_UID", "0")) or None
MEMORY_MB = 3072
TMPFS_BYTES = 256 * 2 ** 20
FOLDERS_BYTES = 2 ** 20         # each tmpfs holding only folders made for binds (read-only)
LIMITS = {resource.RLIMIT_FSIZE: 64 * 2 ** 20, resource.RLIMIT_NOFILE: 1024, resource.RLIMIT_CORE: 0}


def kernelspec(folder):
    """Write the kernelspec into folder/kernels/; point JUPYTER_PATH at `folder` to use it."""
    spec = Path(folder) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    fonts = font_list(spec / "matplotlib")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "autograder.grading.sandbox", "-f", "{connection_file}"],
        "display_name": "Python 3 (autograder sandbox)", "language": "python",
        "env": {FONT_LIST_ENV: str(fonts)} if fonts else {},
        "interrupt_mode": "message"}, indent=1))    # a signal would reach bwrap, not ipykernel
    return spec


FONT_LIST_ENV = "AUTOGRADER_FONT_LIST"
MPLCONFIGDIR = "/tmp/matplotlib"
LIST_FONTS = ("import os, matplotlib as m, matplotlib.font_manager as f; "      # makes the list if missing
              "print(os.path.join(m.get_cachedir(), f'fontlist-v{f.FontManager.__version__}.json'))")


def font_list(folder):
    """matplotlib's list of the machine's fonts, made in `folder` once per matplotlib version
    (delete the folder after installing fonts): its path, or None if it could not be made.
    Every kernel's /tmp is new and empty, and each one that imported pyplot listed the fonts
    again (fc-list, about 0.3 s of CPU); the sandbox gives each one this list, read-only
    (bwrap_argv)."""
    import subprocess
    from importlib.metadata import version
    folder = folder / version("matplotlib")         # a list per version: made once, then found
    made = sorted(folder.glob("fontlist-*.json"))
    if made:
        return made[-1]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run([sys.executable, "-c", LIST_FONTS],
                              env={**os.environ, "MPLCONFIGDIR": str(folder)}, capture_output=True,
                              text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return None
    path = Path(done.stdout.strip() or "-")
    return path if done.returncode == 0 and path.parent == folder.resolve() and path.is_file() else None


def bwrap_available():
    return shutil.which("bwrap") is not None


def copy_regular(src, dst):
    """Copy the regular files and folders under src into dst; links and special files are left out."""
    dst.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(src):
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode):
            copy_regular(Path(entry.path), dst / entry.name)
        elif stat.S_ISREG(mode):
            shutil.copyfile(entry.path, dst / entry.name, follow_symlinks=False)


def _give(path, uid):
    """chown -R path to uid, without following links (there are none: copy_regular made it)."""
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(Path(root) / name, uid, uid, follow_symlinks=False)
    os.chown(path, uid, uid)


def kernel_uid(scratch):
    """The uid a root grader runs the kernels of the student owning `scratch` as."""
    return SANDBOX_UID or UID_BASE + Path(scratch).stat().st_ino % UID_SPAN


def prepare_scratch(cwd, scratch):
    """The student's scratch folder: on the first kernel, a copy of nbgrader's folder, given
    to the student's kernel_uid; later kernels find it as the earlier ones left it (what they
    wrote is theirs already, and root never walks a tree the student's code has touched)."""
    if not scratch.exists():
        copy_regular(cwd, scratch)
        if os.geteuid() == 0:
            _give(scratch, kernel_uid(scratch))
    return scratch


def _socket_folder(connection_file):
    """The folder the kernel creates its Unix sockets in (ipc transport), or None over TCP."""
    connection = json.loads(Path(connection_file).read_text())
    return Path(connection["ip"]).resolve().parent if connection.get("transport") == "ipc" else None


def _readable_roots(connection_file):
    """What the kernel must read: the system, both Python prefixes, site-packages, its connection file."""
    roots = {"/usr", "/etc", "/lib", "/lib64", "/bin", "/sbin", sys.prefix, sys.base_prefix,
             str(Path(connection_file).resolve())}
    roots |= {str(Path(p).resolve()) for p in sys.path if p and "site-packages" in p}
    return sorted(r for r in roots if Path(r).exists())


def secret_in_reach(connection_file):
    """The readable root (`_readable_roots`) the hidden values lie under, or None. An editable
    install keeps the package, and its secret, out of them; a package installed into
    site-packages would put the secret in every kernel's reach, whole."""
    secret = SECRET.resolve()
    return next((r for r in _readable_roots(connection_file) if secret.is_relative_to(r)), None)


def _package_entries():
    """The autograder package's files and folders, without grading/secret: bound one by one,
    so the secret is absent from the sandbox, not covered by a mount that could be undone."""
    entries = []
    for entry in sorted(PACKAGE.iterdir()):
        if entry.name == "grading":
            entries += [e for e in sorted(entry.iterdir()) if e != SECRET]
        elif entry.name != "__pycache__":
            entries.append(entry)
    return entries


def bwrap_argv(connection_file, cwd, scratch, fonts=None):
    """bubblewrap's command line for a kernel started in nbgrader's folder `cwd`; `fonts`:
    matplotlib's font list (font_list) to give it."""
    argv = ["bwrap",
            "--unshare-pid",          # sees and signals no process of the grader or of another student
            "--unshare-net",          # no network: not the gradebook's database, not another kernel
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent",      # killed with nbgrader (a wall-clock budget kills nbgrader)
            "--new-session",          # cannot push keystrokes into the grader's terminal (TIOCSTI)
            "--clearenv",             # no credentials from the grader's environment (a db_url, ...)
            "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",       # bounded: RAM
            "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm"]
    made = {"/", "/tmp", "/dev", "/proc"}
    if fonts and Path(fonts).is_file():     # matplotlib's folder stays writable, its font list not
        argv += ["--perms", "1777", "--dir", MPLCONFIGDIR,
                 "--ro-bind", str(fonts), f"{MPLCONFIGDIR}/{Path(fonts).name}"]
    # The folders made for the binds below are read-only once they are all in place: started by
    # an ordinary user, bwrap makes them as that user, whom the kernel is in its user namespace.
    # The first one made on a path is a tmpfs of its own, so that it can be remounted read-only
    # wherever it is: under the sandbox's writable /tmp too (a repository in /tmp, for example).
    tops = []

    def bind(kind, source, target):
        """--(ro-)bind, after making the target's missing parents traversable (bwrap makes them 0700)."""
        for parent in reversed(Path(target).parents):
            if str(parent) not in made and not any(parent.is_relative_to(m) for m in bound):
                if any(parent.is_relative_to(t) for t in tops):
                    argv.extend(["--perms", "0755", "--dir", str(parent)])
                else:
                    argv.extend(["--perms", "0755", "--size", str(FOLDERS_BYTES), "--tmpfs", str(parent)])
                    tops.append(parent)
                made.add(str(parent))
        argv.extend([kind, str(source), str(target)])
        bound.append(Path(target))

    bound = []
    for root in _readable_roots(connection_file):
        bind("--ro-bind", root, root)
    for entry in _package_entries():
        bind("--ro-bind", entry, entry)
    # The kernel creates its Unix sockets (ipc transport) in this nbgrader run's own folder.
    sockets = _socket_folder(connection_file)
    if sockets:
        bind("--bind", sockets, sockets)
    bind("--bind", scratch, cwd)
    # The sandbox's root (a tmpfs too) and every folder made above: read-only. What stays
    # writable is bound or mounted on top of them: the scratch folder, the sockets, /tmp, /dev/shm.
    for top in tops:
        argv += ["--remount-ro", str(top)]
    argv += ["--remount-ro", "/", "--chdir", cwd]
    for name, value in _environment().items():
        argv += ["--setenv", name, value]
    return argv


# What every grading kernel runs with, sandboxed or not: one BLAS thread (a student is one job
# of --jobs), figures never drawn (about 1 s of a handin's CPU; the feedback shows no plots,
# the student has them), and hidden.record writing only here.
GRADING_SETTINGS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "agg",
                    "AUTOGRADER_RECORD": "1"}


def _environment():
    """All the kernel's environment: nothing of the grader's but the interpreter's path."""
    return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
            "IPYTHONDIR": "/tmp/ipython", "MPLCONFIGDIR": MPLCONFIGDIR,
            "XDG_CACHE_HOME": "/tmp/cache", **GRADING_SETTINGS,
            # the grader's own autograder package, however it was installed (an editable install,
            # or a platform package's folder on PYTHONPATH): only its entries are bound there
            "PYTHONPATH": str(PACKAGE.parent)}


def _drop_privileges(uid):
    """When the grader is root: become `uid` with no capability, inside the sandbox."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--bounding-set=-all", "--inh-caps=-all", "--"]


def _set_limits():
    memory = int(os.environ.get("AUTOGRADER_KERNEL_MEMORY_MB", MEMORY_MB)) * 2 ** 20
    limits = {**LIMITS, resource.RLIMIT_AS: memory}
    if os.environ.get("AUTOGRADER_CPU_SECONDS"):
        limits[resource.RLIMIT_CPU] = int(os.environ["AUTOGRADER_CPU_SECONDS"])
    if os.geteuid() == 0:            # counts the student's uid's processes (root is exempt)
        limits[resource.RLIMIT_NPROC] = 256
    for kind, value in limits.items():
        resource.setrlimit(kind, (value, value))


def main(argv):
    connection_file = argv[argv.index("-f") + 1]
    cwd = os.getcwd()
    # Without a student's folder from grading (a kernel started by hand, the bench), one of its
    # own: a path not made yet, so that prepare_scratch copies nbgrader's folder into it.
    scratch = Path(os.environ.get("AUTOGRADER_SCRATCH") or
                   Path(tempfile.mkdtemp(prefix="autograder-scratch-")) / "folder")
    prepare_scratch(Path(cwd), scratch)
    mode = os.environ.get("AUTOGRADER_SANDBOX", "bwrap")
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file]
    if mode == "none":
        die_with_parent(os.getppid())    # with nbgrader, as bwrap's --die-with-parent does below
        os.chdir(scratch)
        os.environ.update(GRADING_SETTINGS)
        os.environ.pop("JPY_PARENT_PID", None)
    elif mode == "bwrap" and bwrap_available():
        sockets = _socket_folder(connection_file)
        if sockets is None:          # over TCP the kernel, with no network, would never answer
            sys.exit("autograder sandbox: the kernel was asked for TCP sockets, but a sandboxed kernel "
                     "has no network. Start it with c.KernelManager.transport = 'ipc' (as "
                     "grading/nbgrader_config.py does) and a socket folder of its own.")
        if root := secret_in_reach(connection_file):
            sys.exit(f"autograder sandbox: the hidden values ({SECRET}) lie under {root}, which every "
                     f"grading kernel reads: refusing to run student code. Grade from the course's "
                     f"repository, installed editable (pip install -e .), as the README says.")
        uid = kernel_uid(scratch)
        if os.geteuid() == 0:        # the kernel, as the student's uid, must read these and bind there
            os.chown(connection_file, uid, uid)
            os.chown(sockets, uid, uid)
        kernel = bwrap_argv(connection_file, cwd, scratch, os.environ.get(FONT_LIST_ENV)) + ["--"] + \
            _drop_privileges(uid) + kernel
    else:                            # fail closed: no kernel, so nothing is graded unsandboxed
        sys.exit(f"autograder sandbox: AUTOGRADER_SANDBOX={mode!r} and bubblewrap "
                 f"{'is' if bwrap_available() else 'is not'} installed: refusing to run student code. "
                 f"Install Debian's bubblewrap, or grade with --unsafe-no-sandbox.")
    _set_limits()
    os.execvp(kernel[0], kernel)


if __name__ == "__main__":
    main(sys.argv[1:])
