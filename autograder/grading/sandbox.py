"""The kernel that runs a student's notebook when grading: ipykernel inside limits.

    python -m autograder.grading.sandbox -f {connection_file}      (argv of the autograder-sandbox kernelspec)

- Memory: the address space is capped (AUTOGRADER_KERNEL_MEMORY_MB, default 3072), so a
  loop that eats memory gets a MemoryError in its own cell instead of taking the kernel,
  the submission and the machine with it.
- Files: with bubblewrap (Debian's `bubblewrap`), the kernel sees only what it needs:
  the system and Python installations read-only, the autograder package without its
  secret/ folder (the hidden expected values), and its own notebook folder writable. No
  other student's work, no solutions, no gradebook, no git history, and (in its own PID
  namespace) no other process. Without bwrap only the memory cap applies, and `grade` warns.
"""
import json
import os
import resource
import shutil
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent     # autograder/grading
SECRET = PACKAGE / "secret"
KERNEL_NAME = "autograder-sandbox"


def kernelspec(folder):
    """Write the kernelspec into folder/kernels/; point JUPYTER_PATH at `folder` to use it."""
    spec = Path(folder) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "autograder.grading.sandbox", "-f", "{connection_file}"],
        "display_name": "Python 3 (autograder sandbox)", "language": "python",
        "interrupt_mode": "message"}, indent=1))    # reaches ipykernel inside the sandbox
    return spec


def bwrap_available():
    return shutil.which("bwrap") is not None


def _readable_roots(connection_file):
    """What the kernel must read: the system, both Python prefixes, its connection file."""
    roots = {"/usr", "/etc", "/lib", "/lib64", "/bin", "/sbin", sys.prefix, sys.base_prefix,
             str(Path(connection_file).resolve())}
    import autograder
    roots |= {str(Path(p).resolve()) for p in sys.path if p and "site-packages" in p}
    roots.add(str(Path(autograder.__file__).resolve().parent))
    return sorted(r for r in roots if Path(r).exists())


def bwrap_argv(connection_file, cwd):
    argv = ["bwrap", "--die-with-parent", "--unshare-pid",
            "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for root in _readable_roots(connection_file):
        argv += ["--ro-bind", root, root]
    if SECRET.exists():
        argv += ["--tmpfs", str(SECRET)]
    # With the ipc transport (nbgrader_config.config_text) the kernel creates its Unix sockets
    # in this nbgrader run's own runtime folder: that folder, and only it, is writable too.
    connection = json.loads(Path(connection_file).read_text())
    if connection.get("transport") == "ipc":
        sockets = str(Path(connection["ip"]).resolve().parent)
        argv += ["--bind", sockets, sockets]
    argv += ["--bind", cwd, cwd, "--chdir", cwd,
             "--setenv", "HOME", "/tmp", "--setenv", "IPYTHONDIR", "/tmp/ipython",
             "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib", "--setenv", "XDG_CACHE_HOME", "/tmp/cache",
             "--unsetenv", "JPY_PARENT_PID"]   # its parent is invisible here: do not poll it
    return argv


def main(argv):
    limit = int(os.environ.get("AUTOGRADER_KERNEL_MEMORY_MB", "3072")) * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):   # one BLAS thread per kernel:
        os.environ[name] = "1"                                  # students are graded one per core
    connection_file = argv[argv.index("-f") + 1]
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file]
    if bwrap_available() and os.environ.get("AUTOGRADER_SANDBOX", "bwrap") == "bwrap":
        kernel = bwrap_argv(connection_file, os.getcwd()) + ["--"] + kernel
    os.execvp(kernel[0], kernel)


if __name__ == "__main__":
    main(sys.argv[1:])
