"""The HTML report as a reader sees it: headless Chromium opens the page written by
`realign assess --format html`, with no network, and we look at what it drew.

The parser-level tests (tests/reports/test_html_report.py) read the markup; these check
what only a browser can tell: that the page loads without console errors or requests,
that the charts are laid out with a real size, that the pixels on screen are where the
DOM says the bars are, and that hostile text from a fact file runs nothing.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tomllib
import zlib
from base64 import b64decode
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1280, 1024)
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: runs before any script of the page: records dialogs instead of opening them
RECORD_DIALOGS = """
window.realignDialogs = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = (message) => { window.realignDialogs.push(name + ": " + String(message)); };
}
"""
HOSTILE = (
    '<script>window.realignHostileRan = "script"; alert("x")</script>'
    "<img src=x onerror=\"window.realignHostileRan = 'img'; alert(1)\">"
    "<svg onload=\"window.realignHostileRan = 'svg'\"></svg>"
    " \"double\" 'single' \u202eevil\u202c שלום " + "x" * 400
)


def _unavailable(what: str) -> NoReturn:
    """CI installs the browser and the test extra, so there a gap is a broken CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must install it: see .ci/run)")
    pytest.skip(what)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        _unavailable(
            f"the browser test needs the Debian packages chromium and chromium-driver "
            f"({', '.join(missing)} not found)"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("the browser test needs selenium (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path keeps selenium-manager from looking for one on the network.
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_DIALOGS})
        browser.get("about:blank")  # leave the start page and whatever it was fetching
        yield browser
    finally:
        browser.quit()


@dataclass
class Visit:
    """One page as Chromium loaded it, with everything it logged on the way."""

    url: str
    screenshot: Path
    console: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def errors(self) -> list[dict[str, Any]]:
        return [entry for entry in self.console if entry["level"] == "SEVERE"]

    def where(self) -> str:
        whole = self.screenshot.with_name(f"{self.screenshot.stem}-whole.png")
        return f"(page {self.url}, screenshot {self.screenshot}, whole page {whole})"


def _drain(driver: Chrome) -> None:
    driver.get_log("browser")
    driver.get_log("performance")


def _visit(driver: Chrome, page: Path, screenshot: Path, scroll_to: str | None = None) -> Visit:
    """Load the page, optionally scroll an element into view, and take the screenshot."""
    _drain(driver)
    url = page.resolve().as_uri()
    driver.get(url)  # returns after the load event
    if scroll_to is not None:
        driver.execute_script(
            "document.querySelector(arguments[0])?.scrollIntoView({block: 'center'})", scroll_to
        )
    screenshot.write_bytes(driver.get_screenshot_as_png())
    # The whole page too, for a person reading a failure; nothing is asserted on it.
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    whole = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    screenshot.with_name(f"{screenshot.stem}-whole.png").write_bytes(b64decode(whole["data"]))
    visit = Visit(url=url, screenshot=screenshot, console=driver.get_log("browser"))
    urls: dict[str, str] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
            visit.requests.append(params["request"]["url"])
        elif message["method"] == "Network.loadingFailed":
            request = urls.get(params["requestId"], params["requestId"])
            visit.failed.append(f"{request}: {params.get('errorText')}")
    return visit


def _assert_quiet(visit: Visit) -> None:
    """No console error, and the page fetched nothing but itself."""
    assert visit.errors() == [], f"console errors {visit.errors()} {visit.where()}"
    assert visit.failed == [], f"failed requests {visit.failed} {visit.where()}"
    assert visit.requests == [visit.url], f"requests beyond the page {visit.where()}"


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    channels: int
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        return tuple(self.rows[y][x * self.channels : (x + 1) * self.channels])

    def colours(self) -> set[bytes]:
        step = self.channels
        return {row[i : i + step] for row in self.rows for i in range(0, len(row), step)}


def _paeth(left: int, up: int, corner: int) -> int:
    guess = left + up - corner
    far_left, far_up, far_corner = abs(guess - left), abs(guess - up), abs(guess - corner)
    if far_left <= far_up and far_left <= far_corner:
        return left
    return up if far_up <= far_corner else corner


def _decode_png(data: bytes) -> Png:
    """The 8-bit RGB or RGBA PNG a screenshot is, decoded with the standard library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    position, header, compressed = 8, b"", []
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in the {kind!r} chunk"
        position += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0), f"unexpected PNG depth {depth} / interlace {interlace}"
    channels = {2: 3, 6: 4}[colour_type]
    raw = zlib.decompress(b"".join(compressed))
    stride = width * channels
    assert len(raw) == height * (stride + 1), "image data does not match its header"
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind in (3, 4):
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                corner = previous[i - channels] if i >= channels else 0
                if kind == 3:
                    line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
                else:
                    line[i] = (line[i] + _paeth(left, previous[i], corner)) & 0xFF
        else:
            assert kind == 0, f"unknown PNG filter {kind} on row {y}"
        rows.append(bytes(line))
        previous = line
    return Png(width, height, channels, rows)


def _assert_real_screenshot(driver: Chrome, visit: Visit) -> Png:
    """A PNG of the window's viewport, with a page on it rather than one flat colour."""
    png = _decode_png(visit.screenshot.read_bytes())
    width, height, ratio = driver.execute_script(
        "return [window.innerWidth, window.innerHeight, window.devicePixelRatio]"
    )
    assert width == WINDOW[0], visit.where()
    assert (png.width, png.height) == (round(width * ratio), round(height * ratio)), visit.where()
    # Text is antialiased and the charts have several colours: a rendered report has hundreds.
    assert len(png.colours()) > 50, f"{len(png.colours())} colours only {visit.where()}"
    return png


def _assess_html(fact_file: str, out: Path) -> None:
    """What a user types, in a process of its own."""
    result = subprocess.run(
        [sys.executable, "-m", "realign", "assess", fact_file, "--format", "html", "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.is_file()


#: the area chart: its box, its bars in drawing order, and the scores the page prints
AREAS_JS = """
const svg = document.querySelector("svg#chart-areas");
if (svg === null) return null;
const box = (el) => { const r = el.getBoundingClientRect();
  return {x: r.x, y: r.y, width: r.width, height: r.height}; };
const visible = (el) => { const s = getComputedStyle(el);
  return s.display !== "none" && s.visibility !== "hidden" && Number(s.opacity) > 0; };
let table = [...document.querySelectorAll("h2")].find((h) => h.textContent === "Areas");
while (table.tagName !== "TABLE") table = table.nextElementSibling;
const rows = table.tBodies[0].rows;
return {
  box: box(svg),
  visible: visible(svg) && visible(svg.parentElement),
  scores: [...rows].map((tr) => Number(tr.cells[1].textContent)),
  lights: [...rows].map((tr) =>
    getComputedStyle(tr.cells[2].querySelector(".light")).backgroundColor),
  overall: Number(document.querySelector(".report ul li strong").textContent),
  bars: [...svg.querySelectorAll("rect.rect.reactive")].map((rect) => {
    const s = getComputedStyle(rect);
    return {...box(rect), fill: s.fill, fillOpacity: Number(s.fillOpacity),
            opacity: Number(s.opacity)};
  }),
};
"""
#: the trend chart: its box, its x labels and every line's path
TREND_JS = """
const svg = document.querySelector("svg#chart-trend");
if (svg === null) return null;
const r = svg.getBoundingClientRect();
return {
  box: {width: r.width, height: r.height},
  text: svg.textContent,
  lines: [...svg.querySelectorAll("path.line.reactive")].map((path) => ({
    d: path.getAttribute("d"),
    length: path.getTotalLength(),
    width: path.getBoundingClientRect().width,
    stroke: getComputedStyle(path).stroke,
  })),
};
"""


def _rgb(css: str) -> tuple[int, int, int]:
    red, green, blue = css.removeprefix("rgb(").removesuffix(")").split(",")[:3]
    return int(red), int(green), int(blue)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The two examples' reports, each written once for the module."""
    folder = tmp_path_factory.mktemp("reports")
    pages = {}
    for example in ("case_study_before", "healthy"):
        pages[example] = folder / f"{example}.html"
        _assess_html(f"examples/{example}.toml", pages[example])
    return pages


@pytest.mark.parametrize("example", ["case_study_before", "healthy"])
def test_the_report_renders_with_its_charts(
    driver: Chrome, reports: dict[str, Path], tmp_path: Path, example: str
) -> None:
    fact_file = f"examples/{example}.toml"
    page = reports[example]
    visit = _visit(driver, page, tmp_path / f"{example}.png", scroll_to="svg#chart-areas")
    _assert_quiet(visit)
    png = _assert_real_screenshot(driver, visit)

    areas = driver.execute_script(AREAS_JS)
    assert areas is not None, f"no area chart {visit.where()}"
    assert areas["visible"], f"the area chart is hidden {visit.where()}"
    assert areas["box"]["width"] > 0, visit.where()
    assert areas["box"]["height"] > 0, visit.where()
    # A bar per row of the areas table (the standard catalog's six), and the overall last.
    scores = [*areas["scores"], areas["overall"]]
    assert len(scores) == 7, visit.where()
    # Drawn bottom-up, so the first bar on screen (the top one) is drawn last.
    bars = areas["bars"][::-1]
    assert [bar["y"] for bar in bars] == sorted(bar["y"] for bar in bars), visit.where()
    assert len(bars) == len(scores), f"{len(bars)} bars for {len(scores)} scores {visit.where()}"
    assert all(bar["height"] > 0 for bar in bars), visit.where()
    # Each bar as long as its score says, on one common scale.
    longest = max(range(len(bars)), key=lambda i: scores[i])
    assert bars[longest]["width"] > 0, visit.where()
    scale = bars[longest]["width"] / scores[longest]
    for bar, score in zip(bars, scores, strict=True):
        assert abs(bar["width"] - score * scale) < 1.5, f"bar {bar} for {score} {visit.where()}"
    # Each area's bar in the colour of its light in the table.
    for bar, light in zip(bars, areas["lights"], strict=False):
        assert bar["fill"] == light, f"bar {bar} for the light {light} {visit.where()}"

    # The screen shows each bar's colour where the DOM puts the bar, over the white page:
    # the commonest colour along its middle (the dashed guides cross it here and there).
    ratio = png.width / WINDOW[0]
    for bar in bars:
        if bar["width"] < 8:
            continue
        y = int((bar["y"] + bar["height"] / 2) * ratio)
        assert 0 <= y < png.height, f"bar {bar} is off screen {visit.where()}"
        across = range(int((bar["x"] + 3) * ratio), int((bar["x"] + bar["width"] - 3) * ratio))
        shown = Counter(png.pixel(x, y)[:3] for x in across).most_common(1)[0][0]
        alpha = bar["fillOpacity"] * bar["opacity"]
        expected = [round(c * alpha + 255 * (1 - alpha)) for c in _rgb(bar["fill"])]
        assert all(abs(s - e) <= 4 for s, e in zip(shown, expected, strict=True)), (
            f"colour {shown} where the bar {bar} should show {expected} {visit.where()}"
        )

    facts = tomllib.loads((ROOT / fact_file).read_text(encoding="utf-8"))
    history = facts.get("history", [])
    trend = driver.execute_script(TREND_JS)
    if not history:
        assert trend is None, f"a trend chart without history {visit.where()}"
        return
    assert trend is not None, f"history but no trend chart {visit.where()}"
    assert trend["box"]["width"] > 0, visit.where()
    assert trend["box"]["height"] > 0, visit.where()
    periods = [entry["period"] for entry in history] + [facts["assessment"]["period"]]
    for period in periods:
        assert period in trend["text"], f"period {period} not on the axis {visit.where()}"
    # The overall and every area over the periods: each line drawn, none of them empty.
    assert len(trend["lines"]) == len(scores), visit.where()
    for line in trend["lines"]:
        assert line["length"] > 0, f"empty line {line} {visit.where()}"
        assert line["width"] > 0, f"line {line} has no extent {visit.where()}"
        assert line["stroke"] not in ("none", "rgba(0, 0, 0, 0)"), visit.where()
    points = [line["d"].replace("M", " ").replace("L", " ").split() for line in trend["lines"]]
    assert max(len(point) // 2 for point in points) == len(periods), visit.where()


def test_hostile_names_are_shown_and_run_nothing(
    driver: Chrome, examples_dir: Path, tmp_path: Path
) -> None:
    text = (examples_dir / "case_study_before.toml").read_text(encoding="utf-8")
    escaped = HOSTILE.replace("\\", "\\\\").replace('"', '\\"')
    hostile_text = text.replace(
        'name = "Corvid Software x Ironbridge Devices - SmartEdge product line"',
        f'name = "{escaped}"',
    ).replace('name = "Corvid Software"', f'name = "{escaped}"')
    assert hostile_text.count(escaped) == 2
    facts = tmp_path / "hostile.toml"
    facts.write_text(hostile_text, encoding="utf-8")
    page = tmp_path / "hostile.html"
    _assess_html(str(facts), page)
    visit = _visit(driver, page, tmp_path / "hostile.png")
    ran, dialogs, elements, text_shown = driver.execute_script(
        "return [window.realignHostileRan, window.realignDialogs,"
        " document.querySelectorAll('script, img, iframe, object, embed, [onload], [onerror]')"
        ".length, document.body.innerText]"
    )
    # realignDialogs is [] only if the recorder ran: None would mean it did not.
    assert dialogs == [], f"dialogs opened: {dialogs} {visit.where()}"
    assert ran is None, f"hostile markup ran ({ran}) {visit.where()}"
    assert elements == 0, f"hostile markup became elements {visit.where()}"
    assert HOSTILE in text_shown, f"the hostile name is not shown as text {visit.where()}"
    _assert_quiet(visit)
    _assert_real_screenshot(driver, visit)


#: every word of a table cell or heading that the layout split over two lines
BROKEN_WORDS_JS = """
const broken = [];
for (const el of document.querySelectorAll("table th, table td, table td span")) {
  const text = el.textContent.trim();
  const only = el.childNodes.length === 1 && el.firstChild.nodeType === Node.TEXT_NODE;
  if (!only || text === "" || /\\s/.test(text)) continue;
  const range = document.createRange();
  range.selectNodeContents(el.firstChild);
  if (range.getClientRects().length > 1) broken.push(text);
}
return broken;
"""


def test_table_words_are_not_broken(
    driver: Chrome, reports: dict[str, Path], tmp_path: Path
) -> None:
    visit = _visit(driver, reports["case_study_before"], tmp_path / "case_study_before.png")
    _assert_quiet(visit)
    broken = driver.execute_script(BROKEN_WORDS_JS)
    assert broken == [], f"words split over two lines: {broken} {visit.where()}"


def test_the_trend_page_renders_its_line_chart(driver: Chrome, tmp_path: Path) -> None:
    page = tmp_path / "trend.html"
    files = [
        "examples/series/corvid_ironbridge_2023-Q3.toml",
        "examples/series/corvid_ironbridge_2023-Q4.toml",
        "examples/case_study_before.toml",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "realign", "trend", *files, "--format", "html", "-o", str(page)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    visit = _visit(driver, page, tmp_path / "trend.png", scroll_to="svg#chart-trend")
    _assert_quiet(visit)
    _assert_real_screenshot(driver, visit)
    trend = driver.execute_script(TREND_JS)
    assert trend is not None, f"no trend chart {visit.where()}"
    assert trend["box"]["width"] > 0, visit.where()
    assert trend["box"]["height"] > 0, visit.where()
    for period in ("2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"):
        assert period in trend["text"], f"period {period} not on the axis {visit.where()}"
    # The overall and the six areas, each a line through the four periods.
    assert len(trend["lines"]) == 7, visit.where()
    for line in trend["lines"]:
        assert line["length"] > 0, f"empty line {line} {visit.where()}"
        assert line["width"] > 0, f"line {line} has no extent {visit.where()}"
        points = line["d"].replace("M", " ").replace("L", " ").split()
        assert len(points) // 2 == 4, f"line {line} {visit.where()}"
    alerts = driver.execute_script(
        "return [...document.querySelectorAll('ul.alerts li')].map((li) => li.innerText);"
    )
    assert any(text.startswith("DRIFTING Overall is drifting") for text in alerts), alerts
