"""Open the built report in a real headless Chromium, as a reader would: at desktop and phone
widths, with axe-core (no serious or critical accessibility violation), every figure decoded
with alternative text, nothing but a wide table scrolling sideways, and a print stylesheet.

Needs Debian's `chromium` and `chromium-driver` (installed by .ci/run); skips without them.
Screenshots of both widths are saved to /tmp (report-desktop.png, report-phone.png) for a
person to look at.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from test_report import make_project, run_build

pytestmark = pytest.mark.slow
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"),
                             shutil.which("chromium-browser")) if p and Path(p).exists()), None)
DRIVER = next((p for p in ("/usr/bin/chromedriver", shutil.which("chromedriver"))
               if p and Path(p).exists()), None)
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
SHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def report(week, tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("browser") / "p")
    res = run_build(project, str(week))
    assert res.returncode == 0, res.stderr
    return project / "reports" / "index.html"


def _driver(tmp_path: Path, width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--hide-scrollbars",
                 "--disable-component-update", "--disable-sync", f"--window-size={width},{height}",
                 f"--user-data-dir={tmp_path / f'chrome-{width}'}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    return driver


def _full_page_png(driver, width: int) -> bytes:
    driver.execute_script("window.scrollTo(0, 0); document.querySelectorAll('.table-scroll')"
                          ".forEach(e => e.scrollLeft = 0)")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    return base64.b64decode(shot["data"])


# elements wider than the window that are not inside a table's own scrolling region
OVERFLOW_JS = """return Array.from(document.querySelectorAll('main *')).filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.right > window.innerWidth + 1 && !e.closest('.table-scroll');
}).map(e => e.tagName + '.' + e.className).slice(0, 10)"""


@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs chromium and chromedriver "
                    "(apt-get install chromium chromium-driver)")
@pytest.mark.parametrize("size", list(WIDTHS))
def test_report_renders_accessibly(report, size, tmp_path):
    from axe_selenium_python import Axe

    width, height = WIDTHS[size]
    driver = _driver(tmp_path, width, height)
    try:
        driver.get(report.as_uri())
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, "
            "i.naturalHeight, i.getAttribute('alt'), i.getBoundingClientRect().right])")
        assert len(images) == 4
        for done, w, h, alt, right in images:
            assert done and w > 100 and h > 100
            assert alt and "No description" not in alt
            assert right <= width + 1, "figures scale to the window"
        assert "ratioed" in driver.execute_script("return document.querySelector('h1').textContent")
        assert driver.execute_script("return document.documentElement.lang") == "en"
        assert driver.execute_script("return document.querySelectorAll('table').length") >= 8
        # nothing but a wide table scrolls sideways
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width
        assert driver.execute_script(OVERFLOW_JS) == []

        # axe-core judges contrast only inside the viewport: show the whole page, details open
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": min(full, 20000), "deviceScaleFactor": 1,
            "mobile": width < 600})
        axe = Axe(driver)
        axe.inject()
        result = axe.run()
        assert len(result["passes"]) > 20, "axe-core ran"
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == []
        unjudged = [n["target"] for v in result["incomplete"] if v["id"] == "color-contrast"
                    for n in v["nodes"]]
        if size == "desktop":  # on a phone, wide tables sit partly outside the viewport
            assert len(unjudged) <= 2, f"contrast left undecided for {unjudged[:5]}"
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = false)")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        logs = driver.get_log("browser")
        assert [e for e in logs if e["level"] in ("SEVERE", "WARNING")] == []
        (SHOTS / f"report-{size}.png").write_bytes(_full_page_png(driver, width))
    finally:
        driver.quit()


@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs chromium and chromedriver")
def test_print_stylesheet(report, tmp_path):
    driver = _driver(tmp_path, 1280, 900)
    try:
        driver.get(report.as_uri())
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        style = driver.execute_script(
            "const s = q => getComputedStyle(document.querySelector(q));"
            "return [s('nav.toc').display, s('figure').breakInside, s('summary').display,"
            "document.querySelector('details table').getBoundingClientRect().height]")
        assert style[0] == "none", "no navigation chrome on paper"
        assert style[1] == "avoid", "figures are not split across pages"
        assert style[2] == "none" and style[3] > 0, "provenance printed open"
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
        data = base64.b64decode(pdf["data"])
        assert data.startswith(b"%PDF") and len(data) > 50_000
        (SHOTS / "report-print.pdf").write_bytes(data)
    finally:
        driver.quit()
