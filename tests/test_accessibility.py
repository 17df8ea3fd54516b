"""The lecture site in a real browser: axe-core's WCAG 2.0/2.1 A and AA rules on every page.

The site is built as the README says (`python -m autograder site`), served on loopback and
read by headless Chromium (Debian's chromium and chromium-driver, .ci/services.sh installs
them). Every request off the local server is refused and reported. axe-core's script is
the npm registry's axe-core AXE_VERSION, fetched once with `npm pack` into a cache and
checked against its published sha512 (AXE_INTEGRITY).

    python tests/test_accessibility.py SITE_DIR    # the same audit of an already built site
"""
import base64
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from autograder.course import lectures

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_VERSION = "4.14.1"
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backprop-course" / f"axe-core-{AXE_VERSION}.min.js"
PLACEHOLDER = "No description has been provided for this image"


def browser_missing():
    """Why the browser test cannot run here, or None."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return "no chromium/chromedriver (apt-get install chromium chromium-driver; .ci/services.sh does)"
    try:
        import selenium  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed (pip install -e '.[test]')"
    if not AXE_CACHE.is_file() and not shutil.which("npm"):
        return f"no npm to fetch axe-core {AXE_VERSION} from the npm registry (apt-get install npm)"
    return None


def axe_source():
    """axe-core's axe.min.js, from the npm registry's tarball of AXE_VERSION (cached)."""
    if not AXE_CACHE.is_file():
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run(["npm", "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", folder, "--silent"],
                           check=True, capture_output=True, timeout=300)
            tarball = Path(folder) / f"axe-core-{AXE_VERSION}.tgz"
            digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            assert digest == AXE_INTEGRITY, f"axe-core {AXE_VERSION}'s tarball is not the published one: {digest}"
            with tarfile.open(tarball) as archive:
                script = archive.extractfile("package/axe.min.js").read()
        AXE_CACHE.parent.mkdir(parents=True, exist_ok=True)
        partial = AXE_CACHE.with_suffix(f".{os.getpid()}")
        partial.write_bytes(script)
        partial.replace(AXE_CACHE)
    return AXE_CACHE.read_text(encoding="utf-8")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder):
    """An HTTP server for `folder` on a free loopback port, in a daemon thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def chromium():
    """Headless Chromium that can reach loopback only: names resolve nowhere, and every
    other address goes through a proxy that does not exist (loopback bypasses proxies)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    os.environ["SE_OFFLINE"] = "true"            # Selenium Manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


def requested(driver):
    """Every URL the page asked for since the last call (from the DevTools network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


# Scripts that leave their answer in window.answer, read by polling (`in_page`): on a loaded
# machine one page can take longer than a WebDriver command may (120 s) before the client gives up.
WAIT_FOR_MATHJAX = """
if (!window.MathJax || !MathJax.Hub) { window.answer = "no MathJax"; }
else { MathJax.Hub.Queue(() => { window.answer = null; }); }
"""
START_AXE = """
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
   .then(r => { window.answer = r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        count: v.nodes.length, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary)})); })
   .catch(e => { window.answer = [{id: "axe-error", impact: null, help: String(e), count: 0, nodes: []}]; });
"""
PAGE_FACTS = """
return {title: document.title,
        images: [...document.images].map(i => i.getAttribute("alt")),
        unloaded: [...document.images].filter(i => !i.naturalWidth).map(i => i.src.slice(0, 80)),
        math: document.querySelectorAll(".MathJax").length,
        mathml: document.querySelectorAll(".MJX_Assistive_MathML").length,
        math_tab_stops: [...document.querySelectorAll(".MathJax, .MathJax_Display, .MathJax_Preview")]
            .filter(e => e.tabIndex >= 0 && e.hasAttribute("tabindex")).length,
        math_errors: document.querySelectorAll(".MathJax_Error, .mjx-error, merror").length,
        axe: axe.version,
        tab_stops: [...document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")]
            .filter(e => e.tabIndex >= 0 && e.getClientRects().length).length,
        cells: document.querySelectorAll(".jp-Cell").length,
        needless_stops: [...document.querySelectorAll(".jp-Notebook [tabindex]")]
            .filter(e => e.tabIndex >= 0 && e.scrollWidth <= e.clientWidth + 1).map(e => e.className).slice(0, 5)};
"""


def in_page(driver, script, *args, timeout=600):
    """Run `script` (with `args`) in the page and wait for the answer it leaves in window.answer.
    The script starts after the WebDriver command returns: what it does before its first await
    (axe.run builds its tree of the whole page first) counts against `timeout`, not against the
    WebDriver's script timeout (30 s), which a long page on a loaded machine ran past."""
    driver.execute_script("window.answer = undefined;\n"
                          "setTimeout((args) => { (function () {\n" + script + "\n}).apply(null, args); }, 0, arguments);",
                          *args)
    deadline = time.monotonic() + timeout
    while (state := driver.execute_script("return window.answer === undefined ? null : [window.answer]")) is None:
        assert time.monotonic() < deadline, f"the page's script did not finish within {timeout} s:\n{script}"
        time.sleep(0.5)
    return state[0]


def run_axe(driver):
    """axe-core's violations of AXE_TAGS on the page the driver shows."""
    return in_page(driver, START_AXE, AXE_TAGS)


def audit(folder):
    """{page: facts} for every .html page of the site in `folder`, read in Chromium."""
    server = serve(folder)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    driver = chromium()
    axe = axe_source()
    results = {}
    try:
        for page in sorted(p.name for p in Path(folder).glob("*.html")):
            driver.get(base + page)
            mathjax = in_page(driver, WAIT_FOR_MATHJAX)
            driver.execute_script(axe)
            violations = run_axe(driver)
            facts = driver.execute_script(PAGE_FACTS)
            offsite = [url for url in requested(driver)
                       if not url.startswith((base, "data:")) and urlsplit(url).scheme != "about"]
            results[page] = {**facts, "violations": violations, "offsite": offsite, "mathjax": mathjax}
    finally:
        driver.quit()
        server.shutdown()
    return results


@pytest.fixture(scope="module")
def site(tmp_path_factory, executed_lectures):
    """The site, built by the README's command, and its audit. The command's execution of every
    lecture is the one the whole test run shares (conftest's executed_lectures, which runs them
    with the command's own runner, lectures.execute_all)."""
    missing = browser_missing()
    if missing:
        pytest.skip(missing)
    from autograder.__main__ import main
    from conftest import ran
    out = tmp_path_factory.mktemp("site")
    runs = executed_lectures(lectures.sources())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lectures, "execute_all",
                      lambda paths, allow_errors=False: [ran(p, runs) for p in paths])
        assert main(["site", "--out", str(out)]) == 0
    return out, audit(out)


def lecture_titles():
    import nbformat
    return {path.with_suffix(".html").name: lectures.describe(nbformat.read(path, as_version=4))[0]
            for path in lectures.sources()}


def summary(violations):
    return "\n".join(f"  {v['id']} ({v['impact']}, {v['count']} elements): {v['help']}\n    " + "\n    ".join(v["nodes"])
                     for v in violations)


@pytest.mark.slow
def test_every_page_passes_axe_wcag21_aa(site):
    _, results = site
    assert set(lecture_titles()) | {"index.html"} <= set(results), f"pages audited: {sorted(results)}"
    failing = {page: r["violations"] for page, r in results.items() if r["violations"]}
    assert not failing, "axe-core violations:\n" + "\n".join(f"{page}:\n{summary(v)}" for page, v in failing.items())


@pytest.mark.slow
def test_pages_are_titled_by_their_lecture_and_load_nothing_from_outside(site):
    _, results = site
    for page, title in lecture_titles().items():
        assert results[page]["title"] == title, f"{page}: <title> is {results[page]['title']!r}, not {title!r}"
    for page, r in results.items():
        assert not r["offsite"], f"{page} asked for {r['offsite']} (the site must work offline)"


@pytest.mark.slow
def test_every_figure_has_a_real_description(site):
    _, results = site
    for page in lecture_titles():
        alts = results[page]["images"]
        assert len(alts) >= 3, f"{page}: {len(alts)} images"
        assert not results[page]["unloaded"], f"{page}: images that did not load: {results[page]['unloaded']}"
        bad = [alt for alt in alts if not alt or alt == PLACEHOLDER or len(alt.split()) < 6]
        assert not bad, f"{page}: {len(bad)} of {len(alts)} images lack a description: {bad[:3]}"


@pytest.mark.slow
def test_math_is_typeset_with_assistive_mathml_and_is_not_a_tab_stop_each(site):
    _, results = site
    for page in lecture_titles():
        r = results[page]
        assert r["mathjax"] is None and r["math"] > 0 and not r["math_errors"], f"{page}: {r}"
        assert r["mathml"] >= r["math"] > 0, f"{page}: {r['mathml']} assistive MathML for {r['math']} formulas"
        assert r["math_tab_stops"] == 0, f"{page}: {r['math_tab_stops']} formulas are Tab stops"


@pytest.mark.slow
def test_cells_are_tab_stops_only_where_they_scroll_and_axe_is_the_pinned_one(site):
    """nbconvert makes every cell's input and output a Tab stop; on the site only a box that
    scrolls sideways is one (axe's scrollable-region-focusable rule checks that each such box
    can be reached), so a page has fewer Tab stops than cells."""
    _, results = site
    for page in lecture_titles():
        r = results[page]
        assert r["axe"] == AXE_VERSION, f"{page}: audited with axe-core {r['axe']}"
        assert not r["needless_stops"], f"{page}: Tab stops that do not scroll: {r['needless_stops']}"
        assert r["tab_stops"] < r["cells"], f"{page}: {r['tab_stops']} Tab stops for {r['cells']} cells"


def test_the_browser_reaches_nothing_but_the_local_server(tmp_path):
    """The audit's own guard: a page asking for an address off this machine is reported, and
    the request fails (.invalid names never resolve; the proxy that would carry it does not exist)."""
    missing = browser_missing()
    if missing:
        pytest.skip(missing)
    (tmp_path / "page.html").write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
                                        '<img src="http://example.invalid/x.png" alt="an image from outside">'
                                        '</main></body></html>', encoding="utf-8")
    result = audit(tmp_path)["page.html"]
    assert result["offsite"] == ["http://example.invalid/x.png"], result["offsite"]
    assert result["unloaded"] == ["http://example.invalid/x.png"], f"the request got through: {result}"



def test_a_page_script_may_run_longer_than_a_webdriver_command():
    """in_page's script runs after its WebDriver command returned: one busy for longer than the
    driver's script timeout (30 s; 1 s here) is waited for, not failed (axe.run on a long page,
    on a loaded machine, failed every audit of a run)."""
    missing = browser_missing()
    if missing:
        pytest.skip(missing)
    driver = chromium()
    try:
        driver.set_script_timeout(1)
        busy = "const end = Date.now() + 2000; while (Date.now() < end) {} window.answer = arguments[0] + 1;"
        assert in_page(driver, busy, 41, timeout=60) == 42
    finally:
        driver.quit()

if __name__ == "__main__":
    for page, r in audit(Path(sys.argv[1])).items():
        print(f"{page}: axe-core {r['axe']}, {len(r['violations'])} violated rules, title {r['title']!r}, "
              f"{sum(1 for a in r['images'] if not a or a == PLACEHOLDER)}/{len(r['images'])} images undescribed, "
              f"{r['math']} formulas ({r['mathml']} assistive MathML, {r['math_tab_stops']} Tab stops), "
              f"{r['tab_stops']} Tab stops for {r['cells']} cells, "
              f"{len(r['offsite'])} off-site requests")
        if r["violations"]:
            print(summary(r["violations"]))
        if re.search(r"\S", " ".join(r["offsite"])):
            print("  off-site:", r["offsite"][:5])
