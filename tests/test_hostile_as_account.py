"""The attacks of test_hostile.py on the sandbox's walls graded again, by a fresh unprivileged
account: its kernels run in bubblewrap's user namespace with the account's uid, as on a course
server, where the first run's kernels run as nobody under a root grader. Every test of
test_hostile.py runs on this grading too (a file of its own, so that pytest-xdist runs it beside
the first). Attacks on the grading process (forged records, edited cells and metadata, a broken
mytorch) are judged by the same code whoever grades, and are graded once, in test_hostile.py."""
import pytest

from hostile import HOSTILE
from test_hostile import *  # noqa: F401,F403  (the same tests, and the module's marks)
from test_hostile import graded_by

# The kernel reaching out (the probe tries every door: the secret, mounts, capabilities, the
# network, the package, other students), filling its disk and memory, running forever, dying,
# links in its folder; and the handins refused before any kernel, which cost nothing.
WALLS = {"probe", "reads_hidden_values", "fills_disk", "memory_hog", "infinite_loop", "os_exit",
         "records_link", "notebook_symlinked_to_gradebook", "not_a_zip", "zip_slip", "zip_bomb",
         "wrong_assignment"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    yield from graded_by("account", tmp_path_factory, [h for h in HOSTILE if h.name in WALLS])


def test_every_wall_is_an_attack_of_the_catalogue():
    assert WALLS <= {h.name for h in HOSTILE}
