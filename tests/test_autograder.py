"""The autograder's pieces on their own: comparisons and hints, check, handin, references."""
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder import parts
from autograder.course import references
from autograder.course.paths import REFERENCE, STUBS
from autograder.grading import intake
from autograder.parts import compare
from autograder.student import check, handin, load_package
from mistakes import MISTAKES, apply


def test_parts_total_100_with_one_entry_each():
    assert parts.TOTAL == 100                 # the README, the notebooks and the exports say so
    assert len(parts.BY_ID) == len(parts.PARTS), "two parts share an id"


def _homework(tmp_path):
    """A homework folder as a student has it: the released notebooks and the stub mytorch."""
    import shutil
    from autograder.course.paths import ROOT
    shutil.copytree(ROOT / "assignments", tmp_path / "assignments")
    shutil.copytree(STUBS, tmp_path / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_handin_packs_every_py_file_under_mytorch_and_grading_keeps_it(tmp_path):
    """A student's own helper module, imported by their layers, reaches grading."""
    root = _homework(tmp_path / "hw")
    (root / "mytorch" / "nn" / "helpers.py").write_text("def twice(x):\n    return 2 * x\n")
    (root / "mytorch" / "notes.txt").write_text("not code")
    left_out = handin.pack(root, tmp_path / "h.zip")
    assert left_out == ["mytorch/notes.txt"]
    found = intake.unpack(tmp_path / "h.zip", tmp_path / "out")
    stub_files = {f"mytorch/{p.relative_to(STUBS).as_posix()}" for p in STUBS.rglob("*.py")}
    assert set(found) == stub_files | {"mytorch/nn/helpers.py"} | {
        f"assignments/{parts.ASSIGNMENT}/{nb}" for nb in parts.NOTEBOOKS}
    assert (tmp_path / "out" / "mytorch" / "nn" / "helpers.py").read_text().startswith("def twice")


def test_check_on_a_handin_checks_what_was_packed_not_the_folder(tmp_path):
    """`check --handin handin.zip` runs on the zip's mytorch (what grading gets): a file broken
    in the folder after packing does not show; a file that is not a zip is named."""
    import shutil
    import subprocess
    import sys
    from autograder.course.paths import ROOT
    root = _homework(tmp_path / "hw")
    shutil.rmtree(root / "mytorch")
    shutil.copytree(REFERENCE, root / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    handin.pack(root, tmp_path / "h.zip")
    with open(root / "mytorch" / "nn" / "loss.py", "a") as f:
        f.write("\ndef broken(:\n")

    def check(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "check", *args], capture_output=True,
                              text=True, cwd=ROOT)
    packed, folder = check("--handin", str(tmp_path / "h.zip")), check("--root", str(root))
    assert packed.returncode == 0 and "checking the mytorch/ packed in the handin" in packed.stdout, packed.stdout
    assert folder.returncode == 1 and "SyntaxError" in folder.stdout, folder.stdout
    (tmp_path / "not.zip").write_text("no")
    wrong = check("--handin", str(tmp_path / "not.zip"))
    assert wrong.returncode == 2 and "not.zip is not a zip file" in wrong.stdout, wrong.stdout


def test_a_sample_handin_is_the_zip_it_names(tmp_path):
    """samples.make_handin returns the zip it wrote (the bench copies it per student): it
    returned pack's list of files left out once, and the bench failed on it."""
    from autograder import samples
    root = _homework(tmp_path / "hw")
    out = samples.make_handin(tmp_path / "s.zip", root / "assignments" / parts.ASSIGNMENT, root / "mytorch")
    assert out == tmp_path / "s.zip" and zipfile.is_zipfile(out), out


def test_handin_refuses_a_link_and_an_oversized_file_by_name(tmp_path):
    root = _homework(tmp_path / "hw")
    (root / "mytorch" / "nn" / "big.py").write_bytes(b"#" * (handin.MAX_FILE_BYTES + 1))
    with pytest.raises(handin.HandinError, match="mytorch/nn/big.py.*larger"):
        handin.pack(root, tmp_path / "h.zip")
    (root / "mytorch" / "nn" / "big.py").unlink()
    (root / "mytorch" / "nn" / "link.py").symlink_to("/etc/passwd")
    with pytest.raises(handin.HandinError, match="mytorch/nn/link.py is a symbolic link"):
        handin.pack(root, tmp_path / "h.zip")


def test_stored_reference_values_are_up_to_date():
    class Args:
        seed, check = None, True
    assert references.main(Args) == 0, "run: python -m autograder references"


@pytest.mark.parametrize("factor, hint", [(-1, "wrong sign"), (2, "factor 2 too large"),
                                          (0.5, "factor 2 missing"), (1 / 4, "extra 1/N"),
                                          (4, "missing 1/N"), (1 / 3, "columns C")])
def test_diagnose_names_scaling_mistakes(factor, hint):
    expected = np.random.default_rng(0).standard_normal((4, 3))
    v = compare.compare("dLdA", expected * factor, expected, n=4, c=3)
    assert not v.passed and hint in v.hint, v.hint


def test_compare_reports_shape_index_and_transpose():
    expected = np.arange(6.0).reshape(2, 3) + 1
    v = compare.compare("dLdW", expected.T, expected)
    assert "shape: expected (2, 3), got (3, 2)" in v.detail and "transpose" in v.hint
    got = expected.copy()
    got[1, 2] += 1
    v = compare.compare("Z", got, expected)
    assert "at index (1, 2)" in v.detail and "got 7.0, expected 6.0" in v.values
    assert "expected" not in v.text(show_values=False)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3)], ids=["square", "not_square"])
def test_unitwise_dw_transposed_is_named_whatever_the_layers_shape(shape):
    """The hypothesis is tested exactly (the expected dw[k] transposed), before any generic hint."""
    x = {"W1": np.zeros(shape[::-1]), "W2": np.zeros((1, shape[1]))}
    mistakes = parts.BY_ID["unitwise_backward"].spec.mistakes(x, {})
    expected = np.random.default_rng(0).standard_normal(shape)
    v = compare.compare("dw[1]", expected.T, expected, mistakes=mistakes["dw[1]"])
    assert not v.passed and "dw[k] is the transpose" in v.hint and "eq. 8.3" in v.hint, v.hint
    near = expected.T + 1e-3 * (np.arange(expected.size).reshape(expected.T.shape) == 1)
    assert "dw[k]" not in compare.compare("dw[1]", near, expected, mistakes=mistakes["dw[1]"]).hint


def test_unitwise_reports_a_wrong_entry_by_layer_and_index(tmp_path):
    """dw[1][0][1] wrong: the report names dw[1] and (0, 1), as the student indexes it, never a
    position in all layers' entries run together."""
    from autograder.parts import visible
    from autograder.samples import Mistake
    m = Mistake("one_entry", "unitwise.py", (("db[k] = list(dz)", "db[k] = list(dz)\n        dw[k][0][1] += 1"),),
                frozenset(), "")
    report = visible.result("unitwise_backward", load_package(apply(m, REFERENCE, tmp_path / "mytorch"),
                                                              "mt_one_entry")).report()
    for k in (1, 2):
        assert f"dw[{k}]: largest abs. error 1, " in report and "at index (0, 1)" in report, report
    assert "db[" not in report and "dy0" not in report, report


def test_check_passes_the_reference_and_fails_every_stub():
    assert all(r.passed for r in check.results(load_package(REFERENCE, "mt_check_ref")))
    stub = check.results(load_package(STUBS, "mt_check_stub"))
    assert not any(r.passed for r in stub)
    assert all("NotImplementedError" in r.error for r in stub)


def _notebook_visible_results(m):
    """A notebook mistake's notebook parts (but training, which trains) on their visible tests:
    what the notebook's test cells report."""
    from autograder.course.notebook_answers import namespace
    from autograder.parts import visible
    if not m.notebook:
        return []
    ns = namespace(m.notebook, train=False, edits=m.edits)
    return [visible.result(p.id, ns) for p in parts.PARTS if p.notebook == m.notebook and p.id != "training"]


@pytest.mark.parametrize("m", MISTAKES, ids=lambda m: m.name)
def test_check_names_the_part_and_the_mistake(tmp_path, m):
    """`check` for a mistake in mytorch; the notebook's visible tests for one in a notebook."""
    package = load_package(apply(m, REFERENCE, tmp_path / "mytorch"), f"mt_{m.name}")
    results = check.results(package) + _notebook_visible_results(m)
    failed = {r.part for r in results if not r.passed}
    checked = {p for p in m.lost if parts.BY_ID[p].notebook in (parts.NB_MYTORCH, m.notebook) and p != "training"}
    assert failed == checked
    differed = check.table(results).split("What differed:")[1]
    named = {p.id for p in parts.PARTS if f"[{p.id}, {parts.in_points(p.points)}]: FAILED" in differed}
    assert named == checked, differed
    assert any(__import__("re").search(m.hint, h) for r in results for h in r.hints), differed


def test_check_says_when_a_part_computes_in_single_precision(tmp_path):
    """A Softmax in float32 passes its forward (7 digits are enough there) and fails its backward
    at rel. ~4e-6 on the visible case: the hint names the precision, not the backward."""
    from autograder.samples import Mistake
    m = Mistake("softmax_in_single_precision", "nn/activation.py",
                (("        self.A = e / e.sum(axis=-1, keepdims=True)\n",
                  "        self.A = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)\n"),),
                frozenset({"softmax_backward"}), "single precision")
    results = check.results(load_package(apply(m, REFERENCE, tmp_path / "mytorch"), "mt_float32"))
    failed = [r for r in results if not r.passed]
    assert failed, check.table(results)
    for r in failed:
        said = " ".join(r.hints + r.notes)
        assert "single precision" in said and "float32" in said, r.report()


def _handin(root, capsys):
    """`python -m autograder handin` in `root`: (exit code, what it printed)."""
    args = type("Args", (), {"root": str(root), "out": str(root / "handin.zip")})()
    return handin.main(args), capsys.readouterr().out


def test_handin_warns_about_every_unanswered_cell_and_packs_anyway(tmp_path, capsys):
    """The released stubs: each answer cell is named by notebook, cell number and section; exit 0."""
    import json
    from autograder.parts.cells import is_solution
    root = _homework(tmp_path / "hw")
    code, out = _handin(root, capsys)
    assert code == 0 and zipfile.is_zipfile(root / "handin.zip"), out
    named = {line.strip().split(":")[0] for line in out.splitlines() if "still holds" in line}
    answers = {f"{nb}, cell {k}" for nb in parts.NOTEBOOKS for k, c in enumerate(json.loads(
        (root / "assignments" / parts.ASSIGNMENT / nb).read_text())["cells"], start=1) if is_solution(c)}
    assert answers and {n.split(", in")[0] for n in named} == answers, out
    points = next(p.points for p in parts.PARTS if p.id == "opt_gd")
    assert f"in '3. Gradient descent and its stopping rules (`opt_gd`, {points} points)'" in out, out
    # the section is the last heading above the cell, which names the part (a Markdown cell may
    # hold a page's heading, then its first part's)
    sections = re.findall(r"still holds", out)
    named_parts = re.findall(r", in '[^']*\(`(\w+)`, \d+ points?\)': still holds", out)
    assert len(named_parts) == len(sections) and set(named_parts) <= set(parts.BY_ID), out


def test_handin_of_answered_notebooks_warns_of_nothing_but_a_text_stub_or_a_broken_notebook(tmp_path, capsys):
    import json
    import shutil
    from autograder import samples
    root = _homework(tmp_path / "hw")
    release = root / "assignments" / parts.ASSIGNMENT
    samples.solved_notebooks(release, tmp_path / "solved")
    for nb in parts.NOTEBOOKS:
        shutil.copy(tmp_path / "solved" / nb, release / nb)
    code, out = _handin(root, capsys)
    assert code == 0 and "warning" not in out, out
    nb = json.loads((release / parts.NOTEBOOKS[0]).read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {"nbgrader": {"solution": True, "grade_id": "why"}},
                        "source": ["Explain.\n", "YOUR ANSWER HERE"]})
    (release / parts.NOTEBOOKS[0]).write_text(json.dumps(nb))
    (release / parts.NOTEBOOKS[1]).write_text("{not json")
    code, out = _handin(root, capsys)
    assert code == 0, out
    assert f"{parts.NOTEBOOKS[0]}, cell {len(nb['cells'])}, in " in out and "'YOUR ANSWER HERE'" in out, out
    assert f"{parts.NOTEBOOKS[1]}: not a readable notebook" in out, out


def test_handin_warns_of_a_file_that_does_not_compile_by_name_and_line(tmp_path, capsys):
    root = _homework(tmp_path / "hw")
    loss = root / "mytorch" / "nn" / "loss.py"
    lines = loss.read_text().splitlines()
    loss.write_text("\n".join(lines + ["def broken(:"]))
    code, out = _handin(root, capsys)
    assert code == 0 and zipfile.is_zipfile(root / "handin.zip"), out
    assert "do not compile" in out and f"mytorch/nn/loss.py:{len(lines) + 1}: SyntaxError" in out, out
    loss.write_text("\n".join(lines))
    assert "do not compile" not in _handin(root, capsys)[1]


def test_a_refused_handin_says_that_the_zip_left_there_is_an_earlier_one(tmp_path, capsys):
    root = _homework(tmp_path / "hw")
    assert _handin(root, capsys)[0] == 0
    (root / "assignments" / parts.ASSIGNMENT / parts.NOTEBOOKS[1]).unlink()
    code = handin.main(type("Args", (), {"root": str(root), "out": str(root / "handin.zip")})())
    said = capsys.readouterr().err
    assert code == 2 and "missing" in said and "from an earlier run" in said, said


def test_handin_refuses_missing_files(tmp_path):
    with pytest.raises(handin.HandinError, match="missing.*mytorch/__init__.py"):
        handin.pack(tmp_path, tmp_path / "h.zip")


def test_unpack_rejects_a_zip_slip_and_a_non_zip(tmp_path):
    bad = tmp_path / "s1.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("../../evil.py", "x = 1")
    with pytest.raises(handin.HandinError, match="escapes"):
        intake.unpack(bad, tmp_path / "out")
    junk = tmp_path / "s2.zip"
    junk.write_text("not a zip")
    with pytest.raises(handin.HandinError, match="not a zip"):
        intake.unpack(junk, tmp_path / "out")


def test_unpack_refuses_a_damaged_or_encrypted_entry_by_name(tmp_path):
    """A flipped byte (bad CRC), a truncated deflate stream and an encrypted entry are the
    handin's fault: refused, naming the entry, never the grader's own failure."""
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mytorch/__init__.py", "x = 1\n" * 200)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.infolist()[0]
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for name, edit in (("crc", lambda d: d.__setitem__(start + 3, d[start + 3] ^ 0xFF)),
                       ("encrypted", lambda d: d.__setitem__(d.rfind(b"PK\x01\x02") + 8,     # the central
                                                             d[d.rfind(b"PK\x01\x02") + 8] | 1))):   # directory's flag bit 0
        bad = bytearray(data)
        edit(bad)
        (tmp_path / f"{name}.zip").write_bytes(bytes(bad))
        with pytest.raises(handin.HandinError, match=r"mytorch/__init__.py cannot be unpacked"):
            intake.unpack(tmp_path / f"{name}.zip", tmp_path / name)


def test_unpack_leaves_out_a_module_path_with_a_module_for_a_folder(tmp_path):
    """mytorch/extra.py and mytorch/extra.py/inner.py: the second is no module of a package
    (a folder named extra.py), left out instead of failing to write."""
    both = tmp_path / "both.zip"
    with zipfile.ZipFile(both, "w") as z:
        z.writestr("mytorch/extra.py/inner.py", "x = 1")
        z.writestr("mytorch/extra.py", "y = 2")
    assert intake.unpack(both, tmp_path / "out") == ["mytorch/extra.py"]


def test_a_handin_whose_name_is_no_student_id_is_refused_and_said(tmp_path):
    """Globs would regrade another student in nbgrader, = or @ would run in a spreadsheet, an
    escape would rewrite the terminal: such names are refused, each with a line saying why."""
    names = ["alice.zip", "bob_2", "c.d-e@uni.zip", "alic?.zip", "*.zip", "=HYPERLINK(1).zip", "@SUM.zip",
             "-x.zip", "eve\x1b[2K.zip", "sp ace.zip"]
    for name in names:
        (tmp_path / name).mkdir() if "." not in name else (tmp_path / name).write_bytes(b"")
    ids, refused = intake.student_ids(tmp_path)
    assert sorted(ids) == ["alice", "bob_2", "c.d-e@uni"]
    assert len(refused) == len(names) - 3 and all("is not a student id" in r for r in refused), refused
    assert not any("\x1b" in r for r in refused), "a refusal prints the name escaped"


def test_unpack_takes_nbgraders_collected_layout_and_skips_strays(tmp_path):
    """nbgrader collect gives submitted/<s>/hw1/<notebooks, mytorch/>: grade that as it is."""
    import shutil
    from autograder.course.paths import ROOT
    folder = tmp_path / "erin" / "hw1"
    shutil.copytree(ROOT / "assignments" / "hw1", folder)
    shutil.copytree(STUBS, folder / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "2_mytorch.ipynb").write_text("stale")
    (folder / "notes.txt").write_text("not part of a handin")
    found = intake.unpack(tmp_path / "erin", tmp_path / "out")
    assert sorted(found) == sorted([f"assignments/hw1/{nb}" for nb in parts.NOTEBOOKS]
                                   + [f"mytorch/{p.relative_to(STUBS).as_posix()}" for p in STUBS.rglob("*.py")])
    assert not (tmp_path / "out" / "notes.txt").exists()
    assert (tmp_path / "out" / "2_mytorch.ipynb").read_text() != "stale"


def test_unpack_keeps_what_nbgraders_exchange_adds_from_collected_folders_only(tmp_path):
    """timestamp.txt (the late penalty) and submission_secret.txt (release_feedback) of a
    collected submission reach nbgrader; a zip's are the student's word and are left out, and
    so is a timestamp nbgrader could not parse (it would stop grading the student)."""
    import shutil
    from autograder.course.paths import ROOT
    stamp, secret = "2026-12-01 13:20:00.123456 UTC", "ab" * 64
    for sid, written in [("erin", stamp), ("fay", "yesterday-ish")]:
        folder = tmp_path / sid / "hw1"
        shutil.copytree(ROOT / "assignments" / "hw1", folder)
        (folder / "timestamp.txt").write_text(written)
        (folder / "submission_secret.txt").write_text(secret)
        found = intake.unpack(tmp_path / sid, tmp_path / f"out-{sid}")
        assert sorted(found) == sorted(f"assignments/hw1/{nb}" for nb in parts.NOTEBOOKS)
        assert (tmp_path / f"out-{sid}" / "submission_secret.txt").read_text() == secret
    assert (tmp_path / "out-erin" / "timestamp.txt").read_text() == stamp
    assert not (tmp_path / "out-fay" / "timestamp.txt").exists()
    shutil.make_archive(str(tmp_path / "zipped"), "zip", tmp_path / "erin")
    intake.unpack(tmp_path / "zipped.zip", tmp_path / "out-zip")
    assert not {"timestamp.txt", "submission_secret.txt"} & {p.name for p in (tmp_path / "out-zip").iterdir()}


def _import_in_subprocess(code):
    """import_mytorch registers `mytorch` in sys.modules: run it in a fresh interpreter."""
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_a_syntax_error_in_one_module_costs_only_what_needs_it(tmp_path):
    import shutil
    shutil.copytree(REFERENCE, tmp_path / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    with open(tmp_path / "mytorch" / "nn" / "loss.py", "a") as f:
        f.write("\ndef broken(:\n")
    done = _import_in_subprocess(f"""
import numpy as np
from autograder.student import import_mytorch
mt = import_mytorch({str(tmp_path / 'mytorch')!r})
print("Z", mt.nn.Linear(3, 2).forward(np.ones((1, 3))).shape, mt.models.MLP([2, 3, 2]).sizes)
try:
    mt.nn.MSELoss()
except ImportError as e:
    print("MSE", e)
""")
    assert "Z (1, 2) [2, 3, 2]" in done.stdout, done.stderr
    assert "MSE mytorch.nn.MSELoss is unavailable because mytorch/nn/loss.py failed to import: SyntaxError" \
        in done.stdout
    assert "were imported one by one" in done.stdout


def test_an_intact_mytorch_imports_normally():
    done = _import_in_subprocess(f"""
from autograder.student import import_mytorch
mt = import_mytorch({str(REFERENCE)!r})
print(mt.__file__, hasattr(mt, "import_errors"))
""")
    assert done.stdout.strip() == f"{REFERENCE / '__init__.py'} False", done.stderr


def test_stored_references_compare_floats_within_a_tolerance_and_the_rest_exactly():
    x = np.array([0.1, 1e-200, 3.0])
    assert references.same(x, np.nextafter(x, 1))               # a newer numpy's last bit
    assert not references.same(x, x * (1 + 1e-6))
    assert references.same(x, x * (1 + 1e-8), rtol=1e-4)         # a loosely judged part
    assert not references.same(x, x * (1 + 1e-6), rtol=1e-4)
    assert not references.same(x, x.astype(np.float32).astype(np.float64) + 1e-8)
    assert not references.same(x, x[:2])
    assert not references.same(np.array([1, 2]), np.array([1, 3]))
    assert not references.same(np.array(["saddle"]), np.array(["minimum"]))
    assert not references.same(np.array([1, 2]), np.array([1.0, 2.0]))


def _records(tmp_path, part="tanh_forward"):
    """The records an honest run of `part` writes, in tmp_path."""
    from autograder.course.paths import reference
    from autograder.grading import hidden
    tmp_path.mkdir(parents=True, exist_ok=True)
    os.environ[hidden.RECORD_ENV] = "1"
    try:
        hidden.record(part, reference(), tmp_path)
    finally:
        del os.environ[hidden.RECORD_ENV]
    return tmp_path / hidden.RECORDS


def test_judging_honest_records_passes(tmp_path):
    from autograder.grading import hidden
    _records(tmp_path)
    assert hidden.judge("tanh_forward", tmp_path).passed


@pytest.mark.parametrize("forgery, says", [
    ("link", "symbolic link"), ("folder_link", "link or not a folder"), ("many_cases", "how many"),
    ("structured", "not numbers or text"), ("bomb", "unpacks to more than"), ("huge", "larger than"),
    ("bad_key", "names no case"), ("error_not_text", "not text")])
def test_forged_records_score_zero_and_say_why(tmp_path, forgery, says):
    """Records come from a folder the student's code could write: the judge refuses, never crashes."""
    import io
    import json
    from autograder.grading import hidden
    records = _records(tmp_path / "s")
    meta, data = records / "tanh_forward.json", records / "tanh_forward.npz"
    if forgery == "link":
        data.unlink()
        data.symlink_to(hidden.EXPECTED)
    elif forgery == "folder_link":
        other = _records(tmp_path / "other")
        os.rename(records, tmp_path / "s" / "moved")
        records.symlink_to(other)
    elif forgery == "many_cases":
        meta.write_text(json.dumps({"error": "", "warnings": [], "cases": 20_000_000}))
    elif forgery == "structured":
        np.savez(data, **{"0/A": np.zeros(3, dtype=[("a", "f8"), ("b", "i4")])})
    elif forgery == "bomb":
        buffer = io.BytesIO()
        np.save(buffer, np.zeros(10 ** 8, dtype=np.uint8))
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("0/A.npy", buffer.getvalue())
    elif forgery == "huge":
        data.write_bytes(os.urandom(hidden.MAX_RECORD_BYTES + 1))
    elif forgery == "bad_key":
        np.savez(data, **{"x/A": np.zeros(3)})
    elif forgery == "error_not_text":
        meta.write_text(json.dumps({"error": {"x": 1}, "warnings": [], "cases": 1}))
    r = hidden.judge("tanh_forward", tmp_path / "s")
    assert not r.passed and "refused" in r.error and says in r.error, r.error


def test_check_on_a_syntax_error_shows_the_table_and_names_the_file_and_line(tmp_path):
    """One broken file costs the parts that need it; check still checks the rest (exit 1, no traceback)."""
    import shutil
    import subprocess
    import sys
    from autograder.course.paths import ROOT
    shutil.copytree(REFERENCE, tmp_path / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    with open(tmp_path / "mytorch" / "nn" / "loss.py", "a") as f:
        f.write("\ndef broken(:\n")
    line = len((tmp_path / "mytorch" / "nn" / "loss.py").read_text().splitlines())
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "--root", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout, done.stderr
    assert f"cannot import: mytorch/nn/loss.py failed to import: SyntaxError at mytorch/nn/loss.py:{line}" \
        in done.stdout
    rows = {l.split()[0]: l.split()[-1] for l in done.stdout.splitlines() if l.endswith(("pass", "FAIL"))}
    assert rows["linear_backward"] == "pass" and rows["ce_forward"] == "FAIL", done.stdout
    notebooks = sum(p.points for p in parts.PARTS if p.notebook != parts.NB_MYTORCH)
    assert f"the other {notebooks} points, in 1_optimisation, 3_training, are checked by running" in done.stdout


@pytest.mark.parametrize("prints", [False, True])
def test_check_says_when_mytorch_prints_and_that_it_slows_training(tmp_path, prints):
    """A print left in Linear.forward (issue: training 3-10 times slower, and no one said why)."""
    import shutil
    from autograder.course.paths import ROOT
    shutil.copytree(REFERENCE, tmp_path / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    if prints:
        path = tmp_path / "mytorch" / "nn" / "linear.py"
        text = path.read_text()
        assert text.count("        self.A = A\n") == 1
        path.write_text(text.replace("        self.A = A\n", "        self.A = A\n        print('Linear.forward', A.shape)\n"))
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "--root", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    said = [line for line in done.stdout.splitlines() if line.startswith("Your mytorch printed")]
    if not prints:
        assert said == [], done.stdout
        return
    assert len(said) == 1 and "'Linear.forward (" in said[0] and "slower" in said[0], done.stdout
    assert "Linear.forward" not in done.stdout.replace(said[0], ""), "the prints themselves are not shown"


def test_an_exception_in_student_code_names_their_file_and_line(tmp_path):
    from autograder.parts import visible
    package = tmp_path / "mytorch"
    import shutil
    shutil.copytree(REFERENCE, package, ignore=shutil.ignore_patterns("__pycache__"))
    loss = package / "nn" / "loss.py"
    text = loss.read_text()
    old = "return 2 * self.diff / self.diff.size"
    line = text[:text.index(old)].count("\n") + 1
    loss.write_text(text.replace(old, "raise RuntimeError('half done')"))
    r = visible.result("mse_backward", load_package(package, "mt_raises"))
    assert f"RuntimeError: half done (at mytorch/nn/loss.py:{line})" in r.report(), r.report()


def test_outside_a_grading_kernel_hidden_tests_record_nothing(tmp_path, capsys):
    """`nbgrader validate` on the instructor's notebooks runs the hidden cells: the reference's
    outputs there are the hidden expected values, and must not land beside the source."""
    from autograder.course.paths import reference
    from autograder.grading import hidden
    assert hidden.RECORD_ENV not in os.environ
    hidden.record("tanh_forward", reference(), tmp_path)
    assert list(tmp_path.iterdir()) == [] and "recorded only when grading" in capsys.readouterr().out


def test_edited_grading_metadata_is_restored_from_the_release(tmp_path):
    """Points, grade ids and cell types come from the instructor's release, never from a handin."""
    import json
    import shutil
    from autograder.course.paths import ROOT
    release = ROOT / "assignments" / "hw1"
    shutil.copytree(release, tmp_path / "sub")
    path = tmp_path / "sub" / "2_mytorch.ipynb"
    nb = json.loads(path.read_text())
    meta = lambda c: c["metadata"].get("nbgrader", {})
    test_cell = next(c for c in nb["cells"] if meta(c).get("grade_id") == "tanh_backward")
    test_cell["metadata"]["nbgrader"].update(points=1000)                            # a test worth 1000
    linear = next(c for c in nb["cells"] if meta(c).get("grade_id") == "linear_forward")
    linear["metadata"]["nbgrader"].update(grade=False, solution=True, locked=False)  # test -> answer cell
    nb["cells"].append({"cell_type": "code", "execution_count": None, "outputs": [], "source": "pass",
                        "metadata": {"nbgrader": {"grade": True, "grade_id": "bonus", "points": 1000,
                                                  "solution": False, "locked": True, "schema_version": 3}}})
    path.write_text(json.dumps(nb))
    notes = intake.repair(release, tmp_path / "sub")
    fixed = json.loads(path.read_text())["cells"]
    ours = json.loads((release / "2_mytorch.ipynb").read_text())["cells"]
    by_id = lambda cells: {meta(c)["grade_id"]: meta(c) for c in cells if meta(c).get("grade_id")}
    assert by_id(fixed) == by_id(ours)
    said = "\n".join(notes)
    assert "grade id 'bonus'" in said and "cell tanh_backward was edited" in said \
        and "cell linear_forward was edited" in said, said


def test_a_folder_handin_with_a_link_is_refused_by_name(tmp_path):
    """nbgrader's collected folders are read without following links: a mytorch file that
    points at the gradebook or the secret is refused, not copied."""
    import shutil
    from autograder.grading import hidden
    folder = tmp_path / "mallory"
    shutil.copytree(STUBS, folder / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "mytorch" / "nn" / "loss.py").unlink()
    (folder / "mytorch" / "nn" / "loss.py").symlink_to(hidden.EXPECTED)
    with pytest.raises(handin.HandinError, match="mytorch/nn/loss.py is a symbolic link"):
        intake.unpack(folder, tmp_path / "out")
    assert not (tmp_path / "out" / "mytorch" / "nn" / "loss.py").exists()


def test_the_points_shown_anywhere_are_the_registrys(monkeypatch, tmp_path):
    """One place defines a part's points: change it there and every place that shows it follows
    (or `points --check`, run here on the committed files, fails)."""
    import dataclasses
    import json
    from autograder.course import points
    from autograder.course.paths import SOLUTIONS
    assert points.main(type("Args", (), {"check": True})()) == 0
    nb = SOLUTIONS / parts.ASSIGNMENT / f"{parts.NB_MYTORCH}.ipynb"
    total = sum(p.points for p in parts.PARTS if p.notebook == parts.NB_MYTORCH) + 4 - parts.BY_ID["relu_forward"].points
    monkeypatch.setitem(points.BY_ID, "relu_forward", dataclasses.replace(parts.BY_ID["relu_forward"], points=4))
    monkeypatch.setattr(points, "PARTS", [points.BY_ID[p.id] for p in parts.PARTS])
    fresh = points.notebook(nb)
    cells = json.loads(fresh)["cells"]
    grade = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == "relu_forward")
    assert grade["metadata"]["nbgrader"]["points"] == 4
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "| `relu_forward` | ReLU.forward | 4 |" in text and "`relu_forward`: 4 points" in text
    assert f"| | **total** | **{total}** |" in text


def _alive(pid):
    """True while process `pid` runs (a zombie waiting for init to reap it counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_an_nbgrader_started_by_a_grading_run_dies_when_the_run_is_killed(tmp_path):
    """nbgrader runs in its own process group, so killing a grading run's group left it
    running: on a rerun, the old generate_assignment and autograde went on rewriting the
    gradebook and the scratch folders ("No such taskcomment", "module 'mytorch' has no
    attribute 'nn'"). Here a stand-in for nbgrader writes its pid and sleeps."""
    pid_file = tmp_path / "pid"
    stand_in = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    grader = subprocess.Popen([sys.executable, "-c", "from autograder.course import nbgrader_cli as c; "
                               f"c._NBGRADER_MAIN = {stand_in!r}; c.run([], {str(tmp_path)!r}, budget=120)"])
    deadline = time.time() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.time() < deadline:
        time.sleep(0.05)
    grader.kill()
    grader.wait()
    child = int(pid_file.read_text())
    deadline = time.time() + 10
    while _alive(child) and time.time() < deadline:
        time.sleep(0.05)
    try:
        assert not _alive(child), "nbgrader outlived the grading run that started it"
    finally:
        if _alive(child):
            os.kill(child, 9)


def test_a_scratch_folder_over_its_bounds_is_named_and_links_are_not_followed(tmp_path, monkeypatch):
    from autograder.grading import execute
    monkeypatch.setattr(execute, "SCRATCH_MB", 1)
    monkeypatch.setattr(execute, "SCRATCH_ENTRIES", 20)
    big = tmp_path / "elsewhere"
    big.mkdir()
    (big / "data.bin").write_bytes(os.urandom(2 * 2 ** 20))
    scratch = tmp_path / "scratch"
    (scratch / "deep" / "er").mkdir(parents=True)
    (scratch / "link").symlink_to(big)                       # its 2 MB are not the student's
    with open(scratch / "sparse.bin", "wb") as f:            # a size without blocks fills no disk
        f.truncate(2 ** 30)
    assert execute.scratch_overflow(scratch) == ""
    (scratch / "deep" / "er" / "data.bin").write_bytes(os.urandom(2 * 2 ** 20))
    assert execute.scratch_overflow(scratch) == "its folder holds more than 1 MB"
    (scratch / "deep" / "er" / "data.bin").unlink()
    for i in range(20):
        (scratch / f"f{i}").touch()
    assert execute.scratch_overflow(scratch) == "its folder holds more than 20 files"


def test_a_run_over_its_budget_returns_though_a_descendant_keeps_its_pipes(monkeypatch):
    """nbgrader past its budget is killed with its process group; a descendant in a session of
    its own (bwrap's --new-session) that still holds the output pipes must not hold up the run."""
    import threading
    from autograder.course import nbgrader_cli
    monkeypatch.setattr(nbgrader_cli, "PIPES_S", 2, raising=False)
    monkeypatch.setattr(nbgrader_cli, "_NBGRADER_MAIN", (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(90)'], start_new_session=True)\n"
        "time.sleep(90)\n"))
    done = []
    worker = threading.Thread(target=lambda: done.append(nbgrader_cli.run([], ".", budget=2, capture_output=True)),
                              daemon=True)
    worker.start()
    worker.join(45)
    assert done and done[0].returncode == nbgrader_cli.BUDGET_EXCEEDED, "the run waited on its pipes past its budget"


def test_a_kernel_killed_for_its_scratch_folder_is_not_waited_for_forever(tmp_path, monkeypatch):
    """After the kill, the wait for the kernel's process is bounded: a process stuck in the
    kernel (uninterruptible sleep) must not hold up the whole class's grading."""
    from nbclient.exceptions import DeadKernelError
    from autograder.grading import execute

    class Stuck:                        # a process that outlives SIGKILL for a while
        returncode = None

        def kill(self):
            pass

        def poll(self):
            return None

        def wait(self, timeout=None):
            if timeout is None:
                raise AssertionError("waited for the killed kernel without a timeout")
            raise subprocess.TimeoutExpired("bwrap", timeout)

    monkeypatch.setattr(execute, "SCRATCH_ENTRIES", 1)
    for i in range(3):
        (tmp_path / f"f{i}").touch()
    runner = execute.GradingExecute()
    runner._overflow, runner._exit, runner._process, runner._scratch = None, None, Stuck(), str(tmp_path)
    with pytest.raises(DeadKernelError, match="more than 1 files"):
        runner._stop_if_overflowing()


def test_an_error_message_and_traceback_are_clipped_in_the_graded_notebook():
    """An exception carrying megabytes of message (or a deep traceback) used to be kept whole
    in the autograded notebook, its feedback page and the report."""
    from autograder.grading.execute import ERROR_CAP, TRACEBACK_ENTRIES, GradingExecute
    ex = GradingExecute()
    ex._lines, ex._kept, ex._dropped = 0, {"stream": 0, "display": 0}, {"stream": 0, "display": 0}
    ex.clear_before_next_output = False
    msg = {"msg_type": "error", "header": {"msg_type": "error"}, "parent_header": {}, "metadata": {},
           "content": {"ename": "ValueError", "evalue": "x" * 5_000_000, "traceback": ["frame"] * 5000}}
    outs = []
    out = ex.output(outs, msg, None, 0)
    assert outs == [out] and out.ename == "ValueError"
    assert len(out.evalue) < ERROR_CAP + 100 and "5,000,000 characters" in out.evalue
    assert len(out.traceback) == TRACEBACK_ENTRIES + 1 and "4970 earlier" in out.traceback[0]


def test_a_grading_kernel_gets_none_of_the_graders_environment_and_draws_no_figures(monkeypatch):
    from autograder.grading import sandbox
    monkeypatch.setenv("AUTOGRADER_TEST_DB_URL", "postgresql://grader:secret@127.0.0.1/gradebook")
    env = sandbox._environment()
    assert not [k for k, v in env.items() if "secret" in v or k.endswith("DB_URL")]
    assert env["MPLBACKEND"] == "agg" and env["OPENBLAS_NUM_THREADS"] == "1"


def test_each_notebooks_feedback_page_opens_with_its_parts_scores_and_why(tmp_path):
    """fetch_feedback brings a student only the pages named after their notebooks: report.html
    never reached them. Each page gets its notebook's section, once, with the scores of now."""
    from autograder.grading import exports
    folder = tmp_path / "feedback" / "s1" / parts.ASSIGNMENT
    folder.mkdir(parents=True)
    page = folder / "2_mytorch.html"
    page.write_text('<html><head><title>2_mytorch</title></head><body class="jp-Notebook">cells</body></html>')
    marker = {"problems": [], "report": {"tanh_backward": "Tanh.backward: wrong sign"}}
    scores = {p.id: float(p.points) for p in parts.PARTS}
    scores["tanh_backward"] = 0.0
    mytorch_total = sum(p.points for p in parts.PARTS if p.notebook == parts.NB_MYTORCH)
    exports.write_reports(tmp_path, {"s1": marker}, {"s1": scores})
    text = page.read_text()
    lost = parts.BY_ID["tanh_backward"].points
    assert text.startswith('<html><head><title>2_mytorch</title></head><body class="jp-Notebook"><section id="autograder-report">')
    assert f"2_mytorch.ipynb, graded: {mytorch_total - lost:g} / {mytorch_total}" in text and "wrong sign" in text
    assert text.endswith("cells</body></html>") and "1_optimisation" not in text.split("</section>")[0]
    scores["tanh_backward"] = float(lost)                  # set by hand in the formgrader, run again
    exports.write_reports(tmp_path, {"s1": marker}, {"s1": scores})
    assert page.read_text().count('id="autograder-report"') == 1
    assert f"graded: {mytorch_total:g} / {mytorch_total}" in page.read_text()
    assert "report.html" in {p.name for p in folder.iterdir()}


def test_feedback_pages_skip_nbconverts_second_parse_and_lose_nothing():
    """FeedbackHTML (half the CPU of a feedback page) gives, with the classic template that nbgrader's
    feedback template extends, the text and elements that nbconvert's HTMLExporter gives, and an
    image without alt text the same placeholder; nbgrader's GenerateFeedback takes it from config."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_output
    from nbgrader.converters import GenerateFeedback
    from traitlets.config import Config
    from autograder.course.paths import SOLUTIONS
    from autograder.grading.nbgrader_config import FeedbackHTML
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    nb = nbformat.read(SOLUTIONS / parts.ASSIGNMENT / "2_mytorch.ipynb", as_version=4)
    nb.cells += [new_markdown_cell("An equation, $x^{k+1} = x^k - \\eta g$, and `code`."),
                 new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": png})])]
    chosen = Config({"GenerateFeedback": {"exporter_class": FeedbackHTML}})
    assert GenerateFeedback(config=chosen).exporter_class is FeedbackHTML
    config = Config({"HTMLExporter": {"template_name": "classic"}})
    pages = [cls(config=config).from_notebook_node(nb)[0] for cls in (HTMLExporter, FeedbackHTML)]
    soups = [BeautifulSoup(page, "html.parser") for page in pages]
    texts = [" ".join(s.get_text().split()) for s in soups]
    assert texts[0] == texts[1] and "Sequential" in texts[1]
    assert [t.name for t in soups[0].find_all()] == [t.name for t in soups[1].find_all()]
    assert [i.get("alt") for i in soups[1].find_all("img")] == ["No description has been provided for this image"]


def test_nbgrader_checks_cell_metadata_once_per_schema_with_the_same_verdicts(monkeypatch):
    """The nbgrader our commands run validates cell metadata with one validator per schema
    (jsonschema.validate checked the schema itself for every cell): the same cells pass, the
    same cells fail with the same error, and the schema is checked once."""
    import jsonschema
    from nbgrader.nbgraderformat import common, v3
    from autograder.course import nbgrader_cli
    good = {"schema_version": 3, "grade": True, "solution": False, "locked": True, "points": 2,
            "grade_id": "linear_forward", "task": False}
    bad = [{**good, "points": "two"}, {**good, "points": -1}, {**good, "grade_id": "a b"}, {**good, "extra": 1},
           {k: v for k, v in good.items() if k != "locked"}]
    validator = v3.MetadataValidatorV3()
    expected = []
    for meta in bad:
        with pytest.raises(jsonschema.ValidationError) as e:
            jsonschema.validate(meta, validator.schema)
        expected.append(e.value.message)
    monkeypatch.setattr(common, "jsonschema", common.jsonschema)       # put back after the test
    checks = []
    monkeypatch.setattr(jsonschema.Draft202012Validator, "check_schema",
                        classmethod(lambda cls, schema, **kw: checks.append(schema)))
    monkeypatch.setattr(jsonschema.Draft4Validator, "check_schema",
                        classmethod(lambda cls, schema, **kw: checks.append(schema)))
    nbgrader_cli.check_cells_once_per_schema()
    from nbformat.v4 import new_code_cell
    for _ in range(3):
        validator.validate_cell(new_code_cell("x = 1", metadata={"nbgrader": dict(good)}))
    for meta, message in zip(bad, expected):
        with pytest.raises(jsonschema.ValidationError) as e:
            validator.validate_cell(new_code_cell("x = 1", metadata={"nbgrader": dict(meta)}))
        assert e.value.message == message
    assert len(checks) == 1, checks


def test_batches_come_in_a_multiple_of_the_workers_with_at_most_ten_students_each():
    """The last batches of a run end together: no worker grades a batch alone at the end."""
    from autograder.grading.grade import BATCH, batches
    for n in (1, 2, 3, 9, 10, 20, 21, 50, 101):
        for jobs in (1, 2, 3, 4):
            got = batches([f"s{k:03d}" for k in range(n)], jobs)
            assert sorted(s for b in got for s in b) == [f"s{k:03d}" for k in range(n)], (n, jobs)
            sizes = [len(b) for b in got]
            assert max(sizes) <= BATCH and max(sizes) - min(sizes) <= 1, (n, jobs, sizes)
            assert len(got) % jobs == 0 or len(got) == n < jobs, (n, jobs, sizes)


def test_a_part_worth_one_point_is_reported_in_the_singular():
    from autograder.parts.run import PartResult
    one, four = (next(p for p in parts.PARTS if p.points == n) for n in (1, 4))
    assert f"[{one.id}, 1 point]: FAILED" in PartResult(one.id, False).report()
    assert f"[{four.id}, 4 points]: passed" in PartResult(four.id, True).report()


def _python3_notebook(sources):
    """A notebook of code cells for GradingExecute to run in the plain python3 kernel."""
    from nbformat.v4 import new_code_cell, new_notebook
    return new_notebook(cells=[new_code_cell(s) for s in sources],
                        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def test_displays_with_a_display_id_are_capped_too(tmp_path):
    """A display with a display id stays in place (updates find it by its index) and an update
    never passes through `output`: three 3 MB displays and a 3 MB update made a 12 MB notebook
    (and feedback page); each is now left out, saying so."""
    import json
    from autograder.grading.execute import DISPLAY_CAP, GradingExecute
    source = ("from IPython.display import HTML, display\n"
              "h = display(HTML('small'), display_id=True)\nh.update(HTML('B' * 3_000_000))\n"
              "for _ in range(3):\n    display(HTML('A' * 3_000_000), display_id=True)")
    nb = _python3_notebook([source])
    nb, _ = GradingExecute(timeout=60, kernel_name="python3").preprocess(
        nb, {"metadata": {"path": str(tmp_path)}, "nbgrader": {"notebook": "displays"}})
    assert len(json.dumps(nb)) < DISPLAY_CAP, f"{len(json.dumps(nb)):,} bytes"
    shown = [o["data"]["text/plain"] for o in nb.cells[0].outputs if "data" in o]
    assert len(shown) == 4 and all("left out: over the" in s for s in shown), shown


@pytest.mark.slow
def test_a_students_notebooks_stop_at_their_budget_not_at_each_cells_timeout(tmp_path, monkeypatch):
    """Cells a student added, each within the per-cell timeout, held up every student after them
    in the batch (130 cells of 4.8 s at --timeout 5 ran 640 s): past the student's budget the
    remaining cells are not run and say why; another student starts with a budget of their own."""
    from autograder.grading import execute
    monkeypatch.setenv(execute.STUDENT_SECONDS_ENV, "10")     # a kernel's start counts too
    monkeypatch.setenv(execute.SCRATCH_ENV, str(tmp_path / execute.STUDENT))
    monkeypatch.setattr(execute.GradingExecute, "_started", {})

    def run(student, cells):
        nb = _python3_notebook(["import time; time.sleep(2)"] * cells)
        nb, _ = execute.GradingExecute(timeout=5, kernel_name="python3").preprocess(
            nb, {"metadata": {"path": str(tmp_path)}, "nbgrader": {"student": student, "notebook": "n"}})
        return ["ran" if c.execution_count else c.outputs[0]["ename"] for c in nb.cells]

    first = run("slow", 10)
    assert first[0] == "ran" and first[-1] == "GradingStopped" and first.count("ran") <= 5, first
    assert run("slow", 1) == ["GradingStopped"], "the student's next notebook starts past the budget"
    assert run("next", 1) == ["ran"]


def test_a_kernels_socket_folder_is_held_to_its_own_bound(tmp_path):
    """The socket folder is the one folder besides the scratch copy a kernel may write, and it
    stays until the nbgrader run ends: 720 MB went there unchecked. 1 MB and 20 entries now."""
    from types import SimpleNamespace
    from autograder.grading import execute
    sockets = tmp_path / "kernel-x"
    sockets.mkdir()
    runner = execute.GradingExecute()
    runner.km = SimpleNamespace(transport="ipc", ip=str(sockets / "kernel"))
    runner._overflow, runner._scratch = None, None
    for i in range(5):
        (sockets / f"kernel-{i + 1}").touch()          # the five sockets it needs
    assert runner._over_bounds() == ""
    (sockets / "blob").write_bytes(os.urandom(2 * 2 ** 20))
    assert runner._over_bounds() == "its socket folder holds more than 1 MB"
