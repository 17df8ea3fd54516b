"""Reading what a student's code or handin made: no link followed, nothing read past a bound."""
import errno
import os
import stat


def read_bounded(f, name, limit, error):
    """At most `limit` bytes from the open file `f`; `error` (naming `name`) if there are more.
    A declared size can lie (a zip entry's), so the bound is on what is read."""
    data = f.read(limit + 1)
    if len(data) > limit:
        raise error(f"{name} is larger than {limit // 2 ** 20} MB")
    return data


def read_regular(path, limit, error):
    """A regular file's bytes, opened with O_NOFOLLOW, within `limit`; `error` for a link, a
    special file or a file too large. A missing file raises FileNotFoundError as usual."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise
    except OSError as e:
        raise error(f"{path.name}: {'a symbolic link' if e.errno == errno.ELOOP else e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise error(f"{path.name} is not a regular file")
        return read_bounded(f, path.name, limit, error)
