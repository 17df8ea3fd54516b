"""Take in one handin: unpack it safely into nbgrader's submitted/ folder and repair what a
student did to the cells they must not edit.

A handin is a zip file or a folder. Only the notebooks (by name) and the `.py` files below a
`mytorch/` folder are taken; a link, a device or other special file, a path that escapes,
a file over `MAX_FILE_BYTES`, more than `MAX_FILES` entries or more than `MAX_TOTAL_BYTES`
in all refuses the handin, naming the entry. Folders are read without following links.
From a folder that nbgrader collected, the two files its exchange adds are kept too
(`EXCHANGE_FILES`).
"""
import os
import re
import shutil
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import nbformat

from ..course.paths import STUBS
from ..parts import ASSIGNMENT, NOTEBOOKS
from ..parts.cells import grade_id, is_grade, is_locked
from ..student.handin import MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES, HandinError
from .files import read_bounded, read_regular

# What nbgrader's exchange adds to a submission it collects: when it was submitted (nbgrader's
# late penalty reads it) and the secret that names the student's feedback in the exchange
# (release_feedback and fetch_feedback find it by it). Kept from collected folders only: a
# zip is the student's own, and its word on the time is not taken.
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")


# A student id as nbgrader, a spreadsheet and a terminal can all take it literally: nbgrader
# reads --student as a glob ("alic?" would regrade alice), a spreadsheet runs a cell that starts
# with = + - @, and control characters rewrite the grader's progress lines.
STUDENT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._@-]{0,99}")


def student_ids(handins):
    """({student id: handin path}, [handins refused]): `<id>.zip`, `<id>/`, or any other file
    (graded as a broken handin, so it gets a row and a message); hidden files are left out.
    A name that is no STUDENT_ID is refused, not graded: each refusal is a line saying why."""
    ids, refused = {}, []
    for p in sorted(Path(handins).iterdir()):
        if p.name.startswith("."):
            continue
        sid = p.stem if p.suffix == ".zip" else p.name
        if STUDENT_ID.fullmatch(sid):
            ids[sid] = p
        else:
            refused.append(f"{p.name!r} was not graded: its name is not a student id (letters, digits and "
                           f". _ @ -, starting with a letter, a digit or _); rename it to <student id>"
                           f"{'.zip' if p.suffix == '.zip' else ''} and grade again")
    return ids, refused


def _target(name):
    """Where a file of a handin goes in nbgrader's submitted/<s>/hw1/, or None to leave it out.

    Notebooks are recognised by name wherever they are (assignments/hw1/, hw1/ as nbgrader
    collects them, or the top); mytorch files by their path below the last mytorch/ folder."""
    parts = PurePosixPath(name).parts
    if ".ipynb_checkpoints" in parts or "__pycache__" in parts or not parts:
        return None
    if parts[-1] in NOTEBOOKS:
        return parts[-1]
    if "mytorch" in parts[:-1] and parts[-1].endswith(".py"):
        rest = parts[len(parts) - parts[::-1].index("mytorch"):]
        if all(p.isidentifier() for p in rest[:-1]) and rest[-1][:-3].isidentifier():   # folders, then a module
            return "/".join(("mytorch", *rest))
    return None


def _exchange_target(name):
    """Where an exchange file of a collected folder (submitted/<s>/hw1/...) goes, or None."""
    parts = PurePosixPath(name).parts
    return parts[-1] if parts and parts[-1] in EXCHANGE_FILES and parts[:-1] in ((), (ASSIGNMENT,)) else None


def _valid_exchange_file(target, data):
    """nbgrader stops grading a student whose timestamp.txt it cannot parse: leave such a file out."""
    if target != "timestamp.txt":
        return True
    from nbgrader.utils import parse_utc
    try:
        parse_utc(data.decode().strip())
        return True
    except (ValueError, OverflowError, UnicodeDecodeError):
        return False


def _folder_entries(source):
    """(relative name, size, reader) of every file in a folder handin; links and special files refused."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(source):          # os.walk does not follow links
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            mode = path.lstat().st_mode
            rel = path.relative_to(source).as_posix()
            if stat.S_ISLNK(mode):
                raise HandinError(f"{source.name}: {rel} is a symbolic link; hand in the file itself")
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise HandinError(f"{source.name}: {rel} is not a regular file")
            if stat.S_ISREG(mode):
                entries.append((rel, path.lstat().st_size, lambda path=path: read_regular(path, MAX_FILE_BYTES, HandinError)))
    return entries


def _zip_entries(source):
    """(name, size, reader) of every file in a zip handin; links and escaping paths refused."""
    z = zipfile.ZipFile(source)
    entries = []
    for info in z.infolist():
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts:
            raise HandinError(f"{source.name}: path {info.filename!r} escapes the handin folder")
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise HandinError(f"{source.name}: {info.filename} is a link or special file; hand in the file itself")
        if not info.is_dir():
            entries.append((info.filename, info.file_size, lambda info=info: _read_zip(z, info)))
    return entries


def _read_zip(z, info):
    try:
        with z.open(info) as f:
            return read_bounded(f, info.filename, MAX_FILE_BYTES, HandinError)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as e:
        # a corrupt entry, an encrypted one (RuntimeError) or an unknown compression
        raise HandinError(f"{Path(z.filename).name}: {info.filename} cannot be unpacked ({type(e).__name__}: "
                          f"{str(e)[:100]}); make the zip again with `python -m autograder handin`") from None


def unpack(source, dest):
    """Copy a handin (a zip file or a folder) into `dest` as nbgrader's submitted/<s>/hw1 expects:
    the notebooks at the top, mytorch/ beside them. Raises HandinError, naming the entry, for
    anything refused (see the module's docstring). Returns the handin paths found
    (assignments/hw1/<nb>, mytorch/<f>)."""
    source, dest = Path(source), Path(dest)
    if source.is_symlink():
        raise HandinError(f"{source.name} is a symbolic link; hand in the file itself")
    if source.is_dir():
        entries = _folder_entries(source)
    elif zipfile.is_zipfile(source):
        try:
            entries = _zip_entries(source)
        except (zipfile.BadZipFile, EOFError, ValueError) as e:     # a damaged central directory
            raise HandinError(f"{source.name} is a damaged zip file ({type(e).__name__}: {str(e)[:100]}); "
                              f"make it again with `python -m autograder handin`") from None
    else:
        raise HandinError(f"{source.name} is not a zip file; hand in what `python -m autograder handin` makes")
    if len(entries) > MAX_FILES:
        raise HandinError(f"{source.name} holds {len(entries)} files; a handin holds at most {MAX_FILES}")
    chosen = {}
    for name, size, read in entries:
        target = _target(name) or (_exchange_target(name) if source.is_dir() else None)
        if target is None or target in chosen:
            continue                      # not part of a handin, or a second copy
        if size > MAX_FILE_BYTES:
            raise HandinError(f"{source.name}: {name} is larger than {MAX_FILE_BYTES // 2 ** 20} MB")
        chosen[target] = read
    dest.mkdir(parents=True, exist_ok=True)
    found, total = [], 0
    for target, read in chosen.items():
        data = read()
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise HandinError(f"{source.name} unpacks to more than {MAX_TOTAL_BYTES // 2 ** 20} MB")
        if target in EXCHANGE_FILES:
            if _valid_exchange_file(target, data):
                (dest / target).write_bytes(data)
            continue
        (dest / target).parent.mkdir(parents=True, exist_ok=True)
        (dest / target).write_bytes(data)
        found.append(target if target.startswith("mytorch/") else f"assignments/{ASSIGNMENT}/{target}")
    return found


def intake(course, sid, path):
    """Unpack one handin into submitted/<sid>/hw1; return the problems found (a list of str).

    Whatever is missing or unreadable is replaced by its released version, so that the rest
    of the handin is graded and the gradebook gets a row for every student."""
    dest = course / "submitted" / sid / ASSIGNMENT
    if dest.exists():
        shutil.rmtree(dest)
    problems = []
    if path.is_file() and path.suffix != ".zip":
        problems.append(f"{path.name} is not a zip file or a folder; hand in what "
                        f"`python -m autograder handin` makes")
        found = []
    else:
        try:
            found = unpack(path, dest)
        except HandinError as e:
            problems.append(str(e))
            shutil.rmtree(dest, ignore_errors=True)
            found = []
    dest.mkdir(parents=True, exist_ok=True)
    if not any(f.startswith("mytorch/") for f in found):
        shutil.rmtree(dest / "mytorch", ignore_errors=True)
        shutil.copytree(STUBS, dest / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
        problems.append("no mytorch/ in the handin: graded with the untouched stubs")
    release = course / "release" / ASSIGNMENT
    for nb in NOTEBOOKS:
        try:
            nbformat.validate(nbformat.read(dest / nb, as_version=4))
        except FileNotFoundError:
            problems.append(f"{nb} is missing: graded with the released (empty) notebook")
            shutil.copy2(release / nb, dest / nb)
        except Exception as e:
            problems.append(f"{nb} is not a readable notebook ({type(e).__name__}: {str(e)[:120]}): "
                            f"graded with the released (empty) notebook")
            shutil.copy2(release / nb, dest / nb)
    if not found and path.exists():
        problems.append(f"the handin holds no {ASSIGNMENT} file: was it made for another assignment?")
    return problems + repair(release, dest)


def repair(release, submitted):
    """Undo what was done to the locked and test cells, and say so in the report.

    nbgrader restores edited cells itself, but it crashes on a deleted test cell that does not
    follow an answer cell, and on duplicated cells (0.9.6): so duplicates are dropped (the
    first copy is kept) and deleted locked or test cells are put back here, in their place.
    Grading metadata comes from the release only: a cell's points, grade id and type are the
    instructor's, whatever the handin says (an extra test cell worth 1000 points is run as an
    ordinary cell; a test cell turned into an answer cell is restored)."""
    notes = []
    for nb in NOTEBOOKS:
        try:
            ours = nbformat.read(release / nb, as_version=4)
            theirs = nbformat.read(submitted / nb, as_version=4)
        except Exception:
            continue
        gid = grade_id
        protected = [c for c in ours.cells if gid(c) and (is_grade(c) or is_locked(c))]
        original = {gid(c): c for c in protected}
        released = {gid(c): c for c in ours.cells if gid(c)}
        kept, seen = [], {}
        for c in theirs.cells:
            c, note = _restore_metadata(c, released)
            notes += [f"{nb}: {note}"] if note else []
            g = gid(c)
            seen[g] = seen.get(g, 0) + 1
            if g and seen[g] > 1:
                if g in original and is_grade(original[g]):
                    notes.append(f"{nb}: test cell {g} appears {seen[g]} times; only one copy was run")
                continue
            if g in original and is_grade(original[g]) and c.source.strip() != original[g].source.strip():
                notes.append(f"{nb}: test cell {g} was edited; it was restored from the original")
            kept.append(c)
        for k, c in enumerate(ours.cells):
            g = gid(c)
            if g not in original or g in seen:
                continue
            if is_grade(c):
                notes.append(f"{nb}: test cell {g} was deleted; it was put back and run")
            before = [gid(p) for p in ours.cells[:k] if gid(p)]
            at = max([i + 1 for i, x in enumerate(kept) if gid(x) in before], default=0)
            kept.insert(at, c)
            seen[g] = 1
        theirs.cells = kept
        nbformat.write(theirs, submitted / nb)
    return notes


def _restore_metadata(cell, released):
    """(the cell with the release's grading metadata and type, a note if anything was changed)."""
    import copy
    g = grade_id(cell)
    if "nbgrader" in cell.get("metadata", {}) and g not in released:
        del cell.metadata["nbgrader"]
        return cell, (f"a cell carries grading metadata the release does not have (grade id {g!r}); "
                      f"it was run as an ordinary cell and earns nothing")
    if g not in released:
        return cell, ""
    original = released[g]
    if cell.metadata.get("nbgrader") == original.metadata.get("nbgrader") and cell.cell_type == original.cell_type:
        return cell, ""
    if is_grade(original) or is_locked(original):
        return copy.deepcopy(original), f"the grading metadata of cell {g} was edited; the cell was restored from the release"
    make = nbformat.v4.new_code_cell if original.cell_type == "code" else nbformat.v4.new_markdown_cell
    restored = make(source=cell.source, metadata=copy.deepcopy(original.metadata))
    return restored, f"the grading metadata of answer cell {g} was edited; the release's was put back"

