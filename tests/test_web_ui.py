"""The web front end in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) against
a real `mmkg serve` on 127.0.0.1: ask a question, read the rows, gaps and sources; the charts; the SPARQL editor;
keyboard use and a phone-width window. Each step's screenshot is saved in test-artifacts/screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from .conftest import LiveServer, start_server, stop_server

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
ID = "https://w3id.org/mmkg/id/"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    s = start_server()
    yield s
    stop_server(s)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        if os.environ.get("CI"):
            pytest.fail("chromium / chromium-driver are not installed; scripts/install-system-deps.sh installs them")
        pytest.skip("chromium and chromium-driver are not installed (scripts/install-system-deps.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(arg)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers on the network
    b = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    b.set_page_load_timeout(30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield b
    b.quit()


def wait(b: webdriver.Chrome, seconds: float = 20) -> WebDriverWait[webdriver.Chrome]:
    return WebDriverWait(b, seconds)


def shot(b: webdriver.Chrome, name: str) -> None:
    b.save_screenshot(str(SHOTS / f"{name}.png"))


def test_ask_shows_rows_gap_callouts_and_each_values_source(server: LiveServer, browser: webdriver.Chrome) -> None:
    question = "PFS of PVd in Len-R after 1 LOT"
    expected = httpx.get(server.url + "api/ask", params={"q": question}, timeout=30).json()
    assert expected["rows"] and expected["gaps"], "the question must have rows and gaps for this test to mean anything"
    browser.get(server.url)
    box = wait(browser).until(ec.element_to_be_clickable((By.ID, "q")))
    box.send_keys(question, Keys.ENTER)
    rows = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#rows tbody tr"))
    assert len(rows) == len(expected["rows"])
    callouts = browser.find_elements(By.CSS_SELECTOR, ".gap[role='note']")
    assert len(callouts) == len(expected["gaps"])
    assert "Not reported" in callouts[0].text
    assert browser.find_element(By.ID, "answer").text == expected["answer"]
    # the source of a value opens on click, with the exact quote
    summary = rows[0].find_element(By.CSS_SELECTOR, "details summary")
    summary.click()
    quote_text = rows[0].find_element(By.CSS_SELECTOR, "details blockquote").text
    assert quote_text and quote_text in expected["rows"][0]["quote"]
    shot(browser, "ask")


def test_show_sparql_opens_the_query_in_the_editor(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url + "?q=" + quote("PFS of PVd in Len-R after 1 LOT"))
    link = wait(browser).until(ec.element_to_be_clickable((By.ID, "show-sparql")))
    link.click()
    wait(browser).until(lambda b: "/editor" in b.current_url)
    text = wait(browser).until(lambda b: b.execute_script(
        "return window.CodeMirror && document.querySelector('.CodeMirror') ? "
        "document.querySelector('.CodeMirror').CodeMirror.getValue() : document.getElementById('query').value"))
    assert "SELECT" in text and "regimen/pvd" in text
    browser.find_element(By.ID, "run").click()
    rows = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#result-table tbody tr"))
    assert len(rows) == 3


def test_autocomplete_by_keyboard(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url)
    box = wait(browser).until(ec.element_to_be_clickable((By.ID, "q")))
    box.send_keys("What did the sources say about ikem")
    options = wait(browser).until(lambda b: [o for o in b.find_elements(By.CSS_SELECTOR, "#suggestions [role='option']")
                                             if o.is_displayed()])
    assert any("IKEMA" in o.text for o in options)
    assert box.get_attribute("aria-expanded") == "true"
    target = next(i for i, o in enumerate(options) if "IKEMA" in o.text)
    for _ in range(target + 1):
        box.send_keys(Keys.ARROW_DOWN)
    box.send_keys(Keys.ENTER)
    assert box.get_attribute("value").startswith("What did the sources say about IKEMA")
    shot(browser, "autocomplete")


def test_unanswerable_question_offers_suggestions(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url + "?q=" + quote("what is the weather in Paris"))
    buttons = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#result button.example"))
    assert buttons
    buttons[0].click()
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#show-sparql"))


def test_forest_chart_draws_every_value_and_the_gaps(server: LiveServer, browser: webdriver.Chrome) -> None:
    params = {"population": ID + "population/len-refractory", "endpoint": ID + "endpoint/median-pfs", "limit": 1000}
    results = httpx.get(server.url + "api/results", params=params, timeout=30).json()["items"]
    gaps = httpx.get(server.url + "api/gaps", params=params, timeout=30).json()["items"]
    assert results and gaps
    browser.get(server.url + "charts?population=population/len-refractory&endpoint=endpoint/median-pfs")
    marks = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#forest-svg g.mark"))
    assert len(marks) == len(results)
    drawn = {m.get_attribute("data-regimen") for m in marks}
    assert drawn == {r["regimen_label"] for r in results}, "one mark for each regimen the API reports"
    # not reported is drawn as a gap, not left out
    assert len(browser.find_elements(By.CSS_SELECTOR, "#forest-svg g.gapmark")) == len(gaps)
    # each mark carries an accessible label
    assert all(m.get_attribute("aria-label") for m in marks)
    shot(browser, "charts")


def test_coverage_map_classifies_every_cell(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url + "charts")
    cells = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#coverage-svg rect.cell"))
    statuses = [c.get_attribute("data-status") for c in cells]
    assert set(statuses) <= {"reported", "not reached", "stated", "derived", "no record", "not enrolled"}
    assert {"reported", "not reached", "stated", "derived", "not enrolled"} <= set(statuses)
    assert len(cells) % 12 == 0  # 4 populations × 3 endpoints per study
    assert all(c.get_attribute("aria-label") for c in cells[:20])


def test_charts_download_as_svg(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url + "charts")
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#forest-svg g.mark"))
    svg = browser.execute_script("return new XMLSerializer().serializeToString(document.getElementById('forest-svg'))")
    assert svg.startswith("<svg") and "http://www.w3.org/2000/svg" in svg
    buttons = browser.find_elements(By.CSS_SELECTOR, "[data-download='forest']")
    assert [b.get_attribute("data-format") for b in buttons] == ["svg", "png"]


def test_editor_runs_an_example_and_reports_a_bad_query(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url + "editor")
    examples = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#examples button"))
    listed = httpx.get(server.url + "api/examples", timeout=30).json()["items"]
    assert len(examples) == len(listed)
    next(e for e in examples if e.get_attribute("title") == "list-trials").click()
    browser.find_element(By.ID, "run").click()
    rows = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#result-table tbody tr"))
    assert len(rows) > 10
    assert not browser.find_element(By.ID, "csv").get_attribute("disabled")
    shot(browser, "editor")
    browser.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue('SELECT * WHERE { ?s ?p }')")
    browser.find_element(By.ID, "run").click()
    error = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#results .error"))
    assert error[0].text.startswith("400")


def test_the_question_box_is_reached_by_keyboard(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url)
    wait(browser).until(ec.presence_of_element_located((By.ID, "q")))
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(10):
        if browser.switch_to.active_element.get_attribute("id") == "q":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "q"


@pytest.mark.parametrize("page", ["", "charts", "editor"])
def test_phone_width_needs_no_sideways_scrolling(server: LiveServer, browser: webdriver.Chrome, page: str) -> None:
    browser.set_window_size(390, 844)
    try:
        browser.get(server.url + page + ("?q=" + quote("PFS of PVd in Len-R after 1 LOT") if not page else ""))
        wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#rows, #forest-svg, #examples button"))
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"/{page} is {overflow}px wider than a phone screen"
        shot(browser, f"phone-{page or 'ask'}")
    finally:
        browser.set_window_size(1280, 900)


def test_entity_page_links_into_charts_and_editor(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url + "id/population/len-refractory")
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".explore a")}
    assert links["Charts"].endswith("/charts?population=population/len-refractory")
    assert "/editor?query=" in links["Open in the SPARQL editor"]
    browser.get(links["Open in the SPARQL editor"])
    browser.find_element(By.ID, "run").click()
    rows = wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#result-table tbody tr"))
    assert rows
