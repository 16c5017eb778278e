"""Shared fixtures and Hypothesis profiles for the realign test suite."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy
import pytest
from hypothesis import HealthCheck, settings

from realign import get_plugin_manager
from realign.plugins import DISABLE_PLUGINS_ENV, ENTRY_POINT_GROUP, LOAD_PLUGINS_ENV

settings.register_profile("dev", max_examples=60, deadline=None)
# CI: derandomised so a red run can be reproduced, and no deadline on a shared 2-core machine.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session", autouse=True)
def _only_builtin_plugins() -> Iterator[None]:
    """The core suite runs on realign's own plugins only.

    CI installs the example plugins (plugins/*), whose rules would add findings to
    every assessment here. Tests of plugin discovery set the variables themselves.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(LOAD_PLUGINS_ENV, "")
        patch.delenv(DISABLE_PLUGINS_ENV, raising=False)
        yield


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    """The built-in plugins only: installed plugins never leak into unit tests."""
    return get_plugin_manager(load_entrypoints=False)


#: one installed plugin: its entry point's name, its distribution, and how it loads
Installed = tuple[str, str, Callable[[], Any]]


@pytest.fixture
def install(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Make plugins look installed in the ``realign`` entry-point group, and load them.

    ``install(("name", "distribution", load), ...)`` replaces every installed
    distribution with these (version 0.0.1 each); ``load()`` is what importing the
    entry point gives or raises. The suite's own selection of no installed plugin
    is lifted for the test.
    """

    def distribution(name: str, dist: str, load: Callable[[], Any]) -> Any:
        class EntryPoint:
            group = ENTRY_POINT_GROUP
            value = f"{name}_module"

            def load(self) -> Any:
                return load()

        EntryPoint.name = name  # type: ignore[attr-defined]

        class Distribution:
            metadata = {"name": dist}  # noqa: RUF012
            version = "0.0.1"
            entry_points = (EntryPoint(),)

        return Distribution()

    def install(*plugins: Installed) -> None:
        found = [distribution(*plugin) for plugin in plugins]
        monkeypatch.setattr(metadata, "distributions", lambda: found)
        monkeypatch.delenv(LOAD_PLUGINS_ENV, raising=False)

    return install


class HtmlPage(HTMLParser):
    """A page as a browser would build it: elements, text, what it would run or load."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        #: src/href that leave the page, and event handlers as name=value
        self.remote: list[str] = []
        #: event-handler attributes, by name
        self.handlers: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.remote.append(value)
            if name.startswith("on"):
                self.remote.append(f"{name}={value}")
                self.handlers.append(name)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="session")
def parse_html() -> Callable[[str], HtmlPage]:
    """An HTML page parsed into an :class:`HtmlPage`."""

    def parse(text: str) -> HtmlPage:
        page = HtmlPage()
        page.feed(text)
        return page

    return parse
