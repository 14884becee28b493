"""Open the built report in a real headless Chromium: every figure decodes, the console is clean.

Needs Debian's `chromium` and `chromium-driver` (installed by .ci/run); skips without them.
"""

from __future__ import annotations

import shutil

import pytest

from test_report import make_project, run_build

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs chromium and chromedriver "
                    "(apt-get install chromium chromium-driver)")
def test_report_renders_in_chromium(shared, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    project = make_project(tmp_path / "p")
    res = run_build(project, str(shared / "metrics_2025-07-11_2025-07-19.csv"))
    assert res.returncode == 0, res.stderr
    report = project / "reports" / "index.html"

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1200,900",
                 f"--user-data-dir={tmp_path / 'chrome'}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        driver.get(report.as_uri())
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        assert len(images) == 4
        assert all(done and w > 100 and h > 100 for done, w, h in images), images
        title = driver.execute_script("return document.querySelector('h1').textContent")
        assert "ratioed" in title
        tables = driver.execute_script("return document.querySelectorAll('table').length")
        assert tables >= 6
        logs = driver.get_log("browser")
        assert [e for e in logs if e["level"] in ("SEVERE", "WARNING")] == []
        driver.save_screenshot(str(tmp_path / "report.png"))
    finally:
        driver.quit()
