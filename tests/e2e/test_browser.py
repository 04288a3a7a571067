"""The web pages in a real browser: headless Chromium, driven by Selenium, on ``ledger serve``.

One ``ledger serve`` process (real uvicorn on a free loopback port, "today" pinned) on a
SQLite file serves every scenario; one Chromium (Debian's ``chromium`` and
``chromium-driver``, never a downloaded browser) visits it, signing in as each user in
turn. The books are made as an office makes them (``tests/web_client.py``: agencies zja
and zjb, a user of each role), with an overdue request of zja for the head's dashboard,
one to extend, and one of zjb that zja's clerk must not reach.

Screenshots of the pages go to ``$LEDGER_SCREENSHOTS`` (else a temporary folder); they
are for a person to look at. Without Chromium the tests skip; under CI=true (where
``.ci/run`` installs it) a skip is a failure.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest

from ledger.projections.calendar import due_from
from tests.e2e.cli_runner import LEDGER_COMMAND, history_config, person_env
from tests.loopback import free_port
from tests.web_client import PASSWORD, SECRET, TODAY, Office

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 20.0  # seconds a page may take on a loaded 2-core machine

pytestmark = pytest.mark.browser

OVERDUE = "zja-2021-0900"  # received 2021-05-06: due weeks before TODAY
TO_EXTEND = "zja-2021-0901"  # received 2021-06-21: still running
OF_B = "zjb-2021-0001"  # agency B's, never shown to A's clerk


def _require_chromium() -> None:
    """Skip without Debian's browser and driver; fail instead under CI=true."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    why = f"headless Chromium not installed ({', '.join(missing)}): apt-get install chromium chromium-driver"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser tests are required under CI=true: {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The office's SQLite file: two agencies, a user of each role, three requests."""
    _require_chromium()
    folder = tmp_path_factory.mktemp("office")
    db = folder / "office.db"
    office = Office.open(f"sqlite:///{db}", users=("clerk_a", "clerk_b", "head", "auditor"))
    try:
        office.receive("zja", OVERDUE, date(2021, 5, 6), subject="学区划分文件")
        office.receive("zja", TO_EXTEND, date(2021, 6, 21), subject="2020年度财政预算")
        office.receive("zjb", OF_B, date(2021, 6, 22), subject="乙局的申请")
    finally:
        office.close()
    return db


@pytest.fixture(scope="module")
def server(books: Path) -> Iterator[str]:
    """``ledger serve`` on the books, as a person starts it; its base URL."""
    home = books.parent
    history_config(home)
    port = free_port()
    env = person_env({
        "LEDGER_DB": f"sqlite:///{books}", "LEDGER_TODAY": TODAY.isoformat(),
        "LEDGER_LANG": "en", "LEDGER_WEB_SECRET": SECRET, "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
    })  # fmt: skip
    log = home / "serve.log"
    with log.open("wb") as out, subprocess.Popen(
        [*LEDGER_COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=out, stderr=subprocess.STDOUT,
    ) as proc:  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, proc, log)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _wait_until_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Return once the sign-in page answers; fail with the server's log if it died."""
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"ledger serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go."""
    chosen = os.environ.get("LEDGER_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser saves downloaded files."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(server: str, shots: Path, downloads: Path) -> Iterator[Browser]:
    """One headless Chromium for all the scenarios (each signs in afresh)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=en-US"):  # fmt: skip
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
    })  # fmt: skip
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield Browser(driver, server, shots)
    finally:
        driver.quit()


class Browser:
    """The person at the browser: opens pages, fills forms, reads what the page says."""

    def __init__(self, driver: Any, base: str, shots: Path) -> None:
        self.driver = driver
        self.base = base
        self.shots = shots

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def sign_in(self, username: str) -> None:
        """Sign out whoever was signed in (the cookie goes), then sign in as ``username``."""
        self.driver.delete_all_cookies()
        self.open("/login")
        self.field("username").send_keys(username)
        self.field("password").send_keys(PASSWORD)
        self.press("button.primary")
        self.wait_for(lambda: self.path() == "/today")

    def path(self) -> str:
        return str(self.driver.current_url).removeprefix(self.base).split("?")[0]

    def field(self, name: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.NAME, name)

    def fill(self, **values: str) -> None:
        """Type or choose each value in the form field of that name."""
        from selenium.webdriver.support.ui import Select

        for name, value in values.items():
            element = self.field(name)
            if element.tag_name == "select":
                Select(element).select_by_value(value)
            else:
                element.clear()
                element.send_keys(value)

    def press(self, css: str) -> None:
        """Click the button and wait for the page it leads to."""
        from selenium.webdriver.common.by import By

        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, css).click()
        self.wait_for(lambda: _stale(old))

    def record(self, **values: str) -> None:
        """Fill the desk's form and press Record."""
        self.fill(**values)
        self.press("form.desk button.primary")

    def text(self) -> str:
        from selenium.webdriver.common.by import By

        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def links(self) -> list[str]:
        from selenium.webdriver.common.by import By

        found = self.driver.find_elements(By.CSS_SELECTOR, "a[href]")
        return [str(a.get_attribute("href")).removeprefix(self.base) for a in found]

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def wait_for(self, condition: Any) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, WAIT).until(lambda _d: condition())


def _stale(element: Any) -> bool:
    """True once the page that held ``element`` has been replaced.

    Mid-navigation Chromium may report the old node as not belonging to the document
    (a plain WebDriverException) before it reports it stale: the same fact.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc.msg):
            return True
        raise
    return False


def _due(books: Path, received: date, days: int | None = None) -> str:
    """The due date the CLI's calculator gives (``ledger calendar due``), as the page shows it."""
    from ledger.bootstrap import bootstrap
    from ledger.config import Config

    app = bootstrap(f"sqlite:///{books}", Config())
    try:
        return due_from(app.store, received, days).due.isoformat()
    finally:
        app.close()


def test_clerk_records_a_request_through_to_a_corrected_decision(
    browser: Browser, books: Path
) -> None:
    """A clerk records a receipt and sees its due date, a clarification and the corrected
    request; decides wrongly and corrects their own decision (a clerk corrects the steps
    they recorded; another's step needs the head)."""
    browser.sign_in("clerk_a")
    browser.shot("clerk-today")
    browser.open("/receive")
    browser.shot("clerk-receive-form")
    received = date(2021, 6, 22)
    browser.record(on=received.isoformat(), channel="in-person", applicant="natural",
                   subject="本区2021年学区划分方案", name="张三")  # fmt: skip
    request_id = browser.path().removeprefix("/requests/")
    assert request_id.startswith("zja-2021-"), browser.path()
    page = browser.text()
    due = _due(books, received)
    assert f"due {due}" in page or due in page, page
    assert "本区2021年学区划分方案" in page
    browser.shot("clerk-request-received")

    browser.open(f"/requests/{request_id}/step/clarify")
    browser.record(on="2021-06-23", reply_by="2021-07-07")
    assert "clock stopped" in browser.text() or "Ask for clarification" in browser.text()
    browser.open(f"/requests/{request_id}/step/clarified")
    browser.record(on="2021-06-25")
    page = browser.text()
    assert "clarif" in page.lower(), page
    restarted = _due(books, date(2021, 6, 25))
    assert restarted in page, f"the due date restarts from the corrected request: {page}"

    browser.open(f"/requests/{request_id}/step/decide")
    browser.record(on="2021-06-30", outcome="disclosed")
    assert "Decided" in browser.text()
    assert f"/requests/{request_id}/step/extend" not in browser.links()
    browser.shot("clerk-decided-wrongly")

    browser.press(f'a[href="/requests/{request_id}/step/correct"]')
    browser.record(outcome="partial", reason="录入错误：应为部分公开")
    page = browser.text()
    assert "correction" in page, page
    assert "partial" in page or "部分公开" in page, page
    browser.shot("clerk-decision-corrected")
    assert f"/requests/{OVERDUE}/step/correct" not in _links_on(browser, f"/requests/{OVERDUE}")


def _links_on(browser: Browser, path: str) -> list[str]:
    browser.open(path)
    return browser.links()


def test_head_sees_the_overdue_alert_extends_and_downloads_the_report(
    browser: Browser, books: Path, downloads: Path
) -> None:
    """The head's dashboard leads with the overdue request; an extension moves the due date
    by the days approved; the year's report downloads as Word and opens with python-docx."""
    browser.sign_in("head")
    page = browser.text()
    assert OVERDUE in page, page
    assert f"/requests/{OVERDUE}" in browser.links()
    browser.shot("head-today")

    browser.open(f"/requests/{TO_EXTEND}/step/extend")
    browser.record(on="2021-06-30", days="20")
    page = browser.text()
    assert _due(books, date(2021, 6, 21), 40) in page, page
    assert "head" in page  # the signed-in user is the actor of the step
    browser.shot("head-extended")

    browser.open("/reports?year=2021&agency=zja")
    browser.shot("head-report")
    before = set(downloads.iterdir())
    from selenium.webdriver.common.by import By

    browser.driver.find_element(By.CSS_SELECTOR, "a[href^='/reports/2021.docx']").click()
    saved = _downloaded(downloads, before, ".docx")
    document = docx.Document(str(saved))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "宁波市甲局" in text + cells, "the report names the agency asked for"
    assert "2021" in text + cells
    assert document.tables, "the report's tables are in the document"


def _downloaded(folder: Path, before: set[Path], suffix: str) -> Path:
    """The file the browser finished saving into ``folder`` since ``before``."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        done = [p for p in set(folder.iterdir()) - before if p.suffix == suffix]
        if done:
            return done[0]
        time.sleep(0.2)
    pytest.fail(f"no {suffix} file was downloaded into {folder}")


def test_auditor_reads_but_records_nothing(browser: Browser) -> None:
    """An auditor sees the requests but no form: the desk's pages answer 403."""
    browser.sign_in("auditor")
    assert "/receive" not in browser.links()
    browser.open(f"/requests/{TO_EXTEND}")
    assert "Nothing you may record on this request." in browser.text()
    assert not [link for link in browser.links() if "/step/" in link]
    browser.shot("auditor-request")
    for path in ("/receive", f"/requests/{TO_EXTEND}/step/decide"):
        browser.open(path)
        assert "your role may not do this" in browser.text(), path


def test_clerk_of_one_agency_cannot_reach_another_agencys_request(browser: Browser) -> None:
    """zja's clerk finds zjb's request neither by its link nor by a form: as if it did not
    exist, and a receipt forced onto zjb is refused naming --agency."""
    browser.sign_in("clerk_a")
    for path in (f"/requests/{OF_B}", f"/requests/{OF_B}/step/decide"):
        browser.open(path)
        page = browser.text()
        assert "乙局的申请" not in page, path
        assert "no such" in page, page
    browser.open("/requests")
    assert OF_B not in browser.text()

    browser.open("/receive")
    browser.driver.execute_script(
        "const s = document.querySelector('select[name=agency]');"
        "if (s) { s.add(new Option('zjb', 'zjb')); s.value = 'zjb'; }"
        "else { const i = document.createElement('input'); i.type = 'hidden';"
        "  i.name = 'agency'; i.value = 'zjb'; document.querySelector('form.desk').append(i); }"
    )
    browser.record(on="2021-06-30", channel="in-person", applicant="natural", subject="越权登记")
    page = browser.text()
    assert "--agency" in page, page
    assert "zjb" in page, page
    browser.shot("clerk-other-agency-refused")


def test_form_posted_without_the_csrf_token_is_refused(browser: Browser) -> None:
    """A form whose token was taken out is refused (403) and records nothing."""
    browser.sign_in("clerk_a")
    browser.open(f"/requests/{TO_EXTEND}/step/consult")
    browser.driver.execute_script("document.querySelector('form.desk input[name=csrf]').remove()")
    browser.record(on="2021-06-30", party="宁波市某某公司")
    page = browser.text()
    assert "the form has expired or did not come from this site" in page, page
    browser.shot("csrf-refused")
    browser.open(f"/requests/{TO_EXTEND}")
    assert "宁波市某某公司" not in browser.text()
