"""Synthetic portfolios: many valid, varied partnerships in fact format v1.

Demos, load tests and benchmarks need many fact files that look like real
ones. :func:`generate` writes them into a directory, one file at a time, and
the same arguments always give byte-identical files. There are two kinds:

* ``realistic`` (the default): the two golden examples, shipped with the
  package under ``templates/``, perturbed by one ``random.Random`` per file:
  the whole file moved by whole quarters, event dates redrawn within their
  windows, scores, priorities, KPI actuals, pulse items and escalation
  categories varied, records dropped and added, optional values left
  unstated, and sometimes a declared data gap (with its facts removed, as the
  format requires). Rules fire on these in realistic proportions. A member of
  a portfolio also gets partners, a name and an id of its own, a period in the
  last four quarters up to :data:`LATEST_PERIOD`, and often a History whose
  scores drift down, climb or hold level, so a portfolio shows trends.
* ``hypothesis``: partnerships drawn from
  :func:`realign.testing.strategies.partnerships`, semantically random and
  full of edge cases (Unicode, extreme numbers, empty collections). It needs
  the ``hypothesis`` package; nothing here imports it until it is asked for.

:func:`partnership_data` is one realistic file as plain data, and
:func:`write_pool` the benchmark's workload (bench/assess.py): the same
partnerships as JSON and TOML, seed after seed, without the portfolio changes.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import hashlib
import json
import random
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import attrs
import pluggy

from ..errors import RealignError
from ..loading import FactSource, load_partnership
from ..loading.dump import dump_partnership, jsonable
from ..model import Partnership
from ..model.scales import Identifier
from ..plugins import get_plugin_manager

__all__ = [
    "FORMATS",
    "KINDS",
    "LATEST_PERIOD",
    "TEMPLATES",
    "MissingDependencyError",
    "file_names",
    "generate",
    "partnership_data",
    "template_text",
    "to_json",
    "write_pool",
]

Format = Literal["json", "toml"]
Kind = Literal["realistic", "hypothesis"]

#: the golden examples every realistic file starts from, shipped in ``templates/``
TEMPLATES = ("healthy", "case_study_before")
FORMATS: tuple[Format, ...] = ("toml", "json")
KINDS: tuple[Kind, ...] = ("realistic", "hypothesis")
#: the latest quarter a portfolio member is assessed in; fixed, so output never depends on today
LATEST_PERIOD = "2025-Q2"
#: how many quarters, up to the latest, a portfolio's assessments spread over
PORTFOLIO_QUARTERS = 4

_PERIOD = re.compile(r"([0-9]{4})-Q([1-4])")
_ESCALATION_CATEGORIES = (
    "product_priority",
    "resource",
    "commercial_terms",
    "quality",
    "ip",
    "data_access",
    "people",
    "other",
)
_SIGNAL_TYPES = (
    "new_competitor",
    "customer_preference_shift",
    "technology_shift",
    "regulatory_change",
    "pricing",
    "partner_strategy_change",
    "macro",
)
_ATTENDANCE = ("sponsor", "sponsor", "sponsor", "delegate", "absent")
_AGENDA_ITEMS = (
    "progress_vs_objectives",
    "market_changes",
    "opportunities_challenges",
    "priorities_resources",
)
_INTEGRATION_TYPES = ("team_building", "joint_training", "employee_exchange", "shared_tools")
_AGREEMENT_TOPICS = ("decision_speed", "risk_thresholds", "feedback", "scheduling", "communication")


class MissingDependencyError(RealignError, ImportError):
    """A kind of generation needs a package that is not installed."""


# --- templates ---------------------------------------------------------------------------


def template_text(name: str) -> str:
    """The golden example *name* (one of :data:`TEMPLATES`) as the package ships it."""
    if name not in TEMPLATES:
        msg = f"no template is named {name!r} (templates: {', '.join(TEMPLATES)})"
        raise ValueError(msg)
    return files(__package__).joinpath("templates", f"{name}.toml").read_text(encoding="utf-8")


@cache
def _template(name: str) -> dict[str, Any]:
    return tomllib.loads(template_text(name))


# --- one file ----------------------------------------------------------------------------


def partnership_data(seed: int, index: int | None = None) -> dict[str, Any]:
    """A valid fact file as plain data (dates as ``datetime.date``), derived from *seed*.

    Without *index* this is the benchmark's file: an example perturbed, its ids
    and names those of the example. With *index*, the file is member *index* of
    a portfolio: its partners, name and id are its own (the id ends in the
    index, so members never share one), it is assessed in one of the last
    :data:`PORTFOLIO_QUARTERS` quarters up to :data:`LATEST_PERIOD`, and it may
    have a History. Those changes draw from a second random stream, so the
    rest of the file is the same either way.
    """
    rng = random.Random(seed)
    template = TEMPLATES[seed % len(TEMPLATES)]
    data = copy.deepcopy(_template(template))
    perturbation = _Perturbation(rng, data, seed, template)
    perturbation.apply()
    if index is not None:
        _Member(random.Random(f"member:{seed}:{index}"), data, index, perturbation).apply()
    return data


def to_json(data: dict[str, Any]) -> str:
    """Fact format v1 as JSON: dates become ``YYYY-MM-DD`` strings."""
    return json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n"


def _member_seed(seed: int, index: int) -> int:
    """The seed of portfolio member *index*: runs of different seeds share no member."""
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


# --- many files --------------------------------------------------------------------------


def file_names(count: int, format: Format) -> list[str]:
    """The names :func:`generate` gives *count* files: ``p00000.json`` and on, in order."""
    width = max(5, len(str(count - 1)))
    return [f"p{index:0{width}d}.{format}" for index in range(count)]


def generate(
    directory: str | Path,
    count: int,
    *,
    seed: int = 0,
    format: Format = "json",
    kind: Kind = "realistic",
    validate: bool = True,
    overwrite: bool = False,
    progress: Callable[[], None] | None = None,
    plugin_manager: pluggy.PluginManager | None = None,
) -> list[Path]:
    """Write *count* partnerships into *directory* (made if missing); returns their paths.

    The files are named by :func:`file_names` and written one at a time, so
    memory stays flat however many there are. The same *count*, *seed*,
    *format* and *kind* always give the same bytes; file ``i`` does not
    depend on *count* for the realistic kind.

    Args:
        directory: where to write.
        count: how many files.
        seed: any integer; different seeds give different portfolios.
        format: ``json`` or ``toml``.
        kind: ``realistic`` (perturbed examples, see :func:`partnership_data`)
            or ``hypothesis`` (drawn from
            :func:`realign.testing.strategies.partnerships`).
        validate: load every file back and require the partnership it was
            written from, so that a generator bug shows up here.
        overwrite: replace files of the same names; without it, nothing is
            written when any of them exists.
        progress: called once after each file.
        plugin_manager: loads the files (default: the built-ins alone).

    Raises:
        FileExistsError: files of these names exist and *overwrite* is false
            (the message names the first three and counts the rest).
        MissingDependencyError: kind ``hypothesis`` without hypothesis installed.
        FactError: a written file does not load (a generator bug).
        AssertionError: a written file loads to another partnership.
    """
    if format not in FORMATS:
        msg = f"format must be one of {', '.join(FORMATS)}, not {format!r}"
        raise ValueError(msg)
    if kind not in KINDS:
        msg = f"kind must be one of {', '.join(KINDS)}, not {kind!r}"
        raise ValueError(msg)
    if count < 0:
        msg = f"count must not be negative, got {count}"
        raise ValueError(msg)
    directory = Path(directory)
    paths = [directory / name for name in file_names(count, format)]
    existing = [path for path in paths if path.exists()]
    if existing and not overwrite:
        shown = ", ".join(str(path) for path in existing[:3])
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        msg = f"{len(existing)} of the files exist already: {shown}{more}"
        raise FileExistsError(msg)
    pm = plugin_manager or get_plugin_manager(load_entrypoints=False, environ={})
    writer = _Writer(format, pm, validate, progress)
    if kind == "hypothesis":
        # Checked before anything is written, so a missing package leaves no half portfolio.
        strategy = _hypothesis_partnerships()
    directory.mkdir(parents=True, exist_ok=True)
    if kind == "realistic":
        for index, path in enumerate(paths):
            writer.write_data(path, partnership_data(_member_seed(seed, index), index))
    else:
        drawn = iter(paths)
        _draw(strategy, count, seed, lambda p: writer.write_partnership(next(drawn), p))
    return paths


@attrs.define
class _Writer:
    """Writes one file of *format* at a time, and checks it loads back alike."""

    format: Format
    pm: pluggy.PluginManager
    validate: bool
    progress: Callable[[], None] | None
    count: int = 0

    def write_data(self, path: Path, data: dict[str, Any]) -> None:
        text = to_json(data)
        if self.format == "json" and not self.validate:
            self._finish(path, text, None)
            return
        source = FactSource.from_text(text, name=path.with_suffix(".json").name, format="json")
        partnership = load_partnership(source, plugin_manager=self.pm).partnership
        self._finish(path, text if self.format == "json" else None, partnership)

    def write_partnership(self, path: Path, partnership: Partnership) -> None:
        # Member ids end in the file's index, so no two files describe the same partnership.
        suffix = f"-{self.count:05d}"
        pid = Identifier(partnership.partnership.id + suffix)
        partnership = attrs.evolve(
            partnership,
            partnership=attrs.evolve(partnership.partnership, id=pid),
            assessment=attrs.evolve(partnership.assessment, partnership_id=pid),
        )
        self._finish(path, None, partnership)

    def _finish(self, path: Path, text: str | None, partnership: Partnership | None) -> None:
        if text is None:
            assert partnership is not None
            text = dump_partnership(partnership, self.format)
        path.write_text(text, encoding="utf-8")
        if self.validate and partnership is not None:
            again = load_partnership(path, plugin_manager=self.pm).partnership
            if again != partnership:
                msg = f"{path}: the {self.format} file loads to another partnership"
                raise AssertionError(msg)
        self.count += 1
        if self.progress is not None:
            self.progress()


def write_pool(
    directory: Path,
    count: int,
    *,
    formats: Sequence[str] = FORMATS,
    seed: int = 0,
    validate: bool = True,
    plugin_manager: pluggy.PluginManager | None = None,
) -> dict[str, list[Path]]:
    """The benchmark's workload: *count* partnerships in *directory*, once per format.

    File ``i`` of every format holds the same partnership,
    ``partnership_data(seed + i)`` (no portfolio changes, so the workload stays
    what earlier measurements ran): JSON is written from the generated data,
    TOML by ``dump_partnership`` from the partnership that JSON loads to. With
    *validate*, every file is loaded back, and the TOML and JSON forms must
    load to equal partnerships.

    Raises:
        FactError: a generated file does not load (a generator bug).
        AssertionError: the two formats of one file disagree.
    """
    pm = plugin_manager or get_plugin_manager(load_entrypoints=False)
    directory.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Path]] = {fmt: [] for fmt in formats}
    for index in range(count):
        data = partnership_data(seed + index)
        text = to_json(data)
        stem = f"p{index:05d}"
        source = FactSource.from_text(text, name=f"{stem}.json", format="json")
        partnership = load_partnership(source, plugin_manager=pm).partnership
        texts = {"json": text, "toml": None}
        for fmt in formats:
            body = texts.get(fmt) or dump_partnership(partnership, fmt)
            path = directory / f"{stem}.{fmt}"
            path.write_text(body, encoding="utf-8")
            out[fmt].append(path)
            if validate:
                again = load_partnership(path, plugin_manager=pm).partnership
                if again != partnership:
                    msg = f"{path}: the {fmt} form loads to a different partnership"
                    raise AssertionError(msg)
    return out


# --- the hypothesis kind -----------------------------------------------------------------


def _hypothesis_partnerships() -> Any:
    try:
        from .strategies import partnerships
    except ModuleNotFoundError as error:
        if error.name != "hypothesis":
            raise
        msg = (
            "kind 'hypothesis' needs the hypothesis package: "
            "pip install hypothesis (or realign's test extra, pip install 'realign[test]')"
        )
        raise MissingDependencyError(msg) from None
    return partnerships()


def _draw(strategy: Any, count: int, seed: int, emit: Callable[[Partnership], None]) -> None:
    """Call *emit* with *count* examples of *strategy*, the same ones for the same *seed*.

    Hypothesis draws outside a test only through a test function: one run under
    ``@seed``, with generation alone (no database, no shrinking, no replay of
    earlier failures), is deterministic. A run may stop short of
    ``max_examples`` when the strategy has few distinct examples, so runs
    repeat, each with a seed of its own, until *count* are drawn.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    drawn = 0
    for attempt in range(100):
        before = drawn

        @hypothesis_seed(_member_seed(seed, -1 - attempt))
        @settings(
            max_examples=count - drawn,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            deadline=None,
            derandomize=False,
            print_blob=False,
        )
        @given(strategy)
        def run(partnership: Partnership) -> None:
            nonlocal drawn
            if drawn < count:
                emit(partnership)
                drawn += 1

        run()
        if drawn >= count or drawn == before:
            break
    if drawn < count:
        msg = f"the strategy gave only {drawn} of {count} examples"
        raise RuntimeError(msg)


# --- portfolio members -------------------------------------------------------------------

# Partner names: a distinct first word each (it becomes the partner's id) and a trade.
_NAME_WORDS = (
    "Acorn", "Alder", "Amberly", "Arbor", "Aster", "Basalt", "Beacon", "Birch", "Bluefin",
    "Cairn", "Cedar", "Cobalt", "Condor", "Copper", "Delta", "Ember", "Fathom", "Fjord",
    "Garnet", "Granite", "Halcyon", "Harbor", "Heron", "Indigo", "Juniper", "Kestrel",
    "Lumen", "Marlin", "Meridian", "Nordic", "Onyx", "Orchid", "Osprey", "Pinnacle",
    "Quarry", "Quill", "Raven", "Ridge", "Saffron", "Sequoia", "Sierra", "Solace", "Summit",
    "Tarn", "Tern", "Umber", "Vantage", "Verdant", "Willow", "Zephyr",
)  # fmt: skip
_TRADES = (
    "Analytics", "Biotech", "Cloud", "Devices", "Diagnostics", "Energy", "Foods", "Health",
    "Industries", "Labs", "Logistics", "Materials", "Media", "Mobility", "Networks",
    "Pharma", "Robotics", "Semiconductors", "Software", "Systems",
)  # fmt: skip
_VENTURES = (
    "Connected Lab Insights", "SmartEdge product line", "Joint go-to-market in the Nordics",
    "Predictive maintenance platform", "Shared cold-chain network", "Clinical data exchange",
    "Battery recycling venture", "Retail analytics suite", "Factory automation kit",
    "Telehealth bundle", "Grid balancing service", "Fleet telematics", "Open banking APIs",
    "Precision farming pilot", "Secure edge gateway", "Co-branded loyalty programme",
)  # fmt: skip

_AREAS = ("governance", "culture", "market", "alignment", "early_warning", "continuous")
#: the standard catalog's area weights (rulesets/scoring.toml), so History's overall is theirs
_AREA_WEIGHTS = {
    "governance": 0.20,
    "culture": 0.15,
    "market": 0.15,
    "alignment": 0.20,
    "early_warning": 0.15,
    "continuous": 0.15,
}
_HISTORY_CATALOG_VERSION = "0.1"


def _quarter_index(period: str) -> int:
    match = _PERIOD.fullmatch(period)
    assert match is not None, period
    return int(match[1]) * 4 + int(match[2]) - 1


def _quarter_label(index: int) -> str:
    year, quarter = divmod(index, 4)
    return f"{year}-Q{quarter + 1}"


class _Member:
    """What makes a perturbed example a member of a portfolio: its own identity and History."""

    def __init__(
        self, rng: random.Random, data: dict[str, Any], index: int, perturbation: _Perturbation
    ) -> None:
        self.rng = rng
        self.data = data
        self.index = index
        self.gentle = perturbation.gentle_only
        self.template = perturbation.template

    def apply(self) -> None:
        self.move_into_window()
        self.rename()
        self.history()

    def move_into_window(self) -> None:
        """The whole file moved so that it is assessed in one of the portfolio's quarters."""
        latest = _quarter_index(LATEST_PERIOD)
        target = latest - self.rng.randrange(PORTFOLIO_QUARTERS)
        quarters = target - _quarter_index(self.data["assessment"]["period"])
        self.data.update(_shift(self.data, quarters))

    def rename(self) -> None:
        rng = self.rng
        partners = self.data["partners"]
        words = rng.sample(_NAME_WORDS, len(partners))
        renamed: dict[str, str] = {}
        for partner, word in zip(partners, words, strict=True):
            renamed[partner["id"]] = word.lower()
            trade = rng.choice(_TRADES)
            partner["name"] = f"{word} {trade}"
            partner["industry"] = trade.lower()
        self.data.update(_rename(self.data, renamed))
        names = [p["name"] for p in self.data["partners"]]
        profile = self.data["partnership"]
        profile["name"] = f"{' x '.join(names)} - {rng.choice(_VENTURES)}"
        pid = f"{'-'.join(renamed.values())}-{self.index:05d}"
        profile["id"] = pid
        assessment = self.data["assessment"]
        assessment["partnership_id"] = pid
        assessment["id"] = f"{pid}-{assessment['period'].replace('-', '')}"

    def history(self) -> None:
        """Earlier quarters' scores, leading up to about where this file should score.

        History records scores only, and this file has not been assessed yet,
        so the scores head for a rough level of what such files score (a gentle
        copy of the healthy example near 97, a perturbed one in the sixties, the
        case study in the forties) and drift down towards it, climb towards it
        or hold level. Which trend the assessment then reports depends on where
        the file itself lands, as it would in life.
        """
        rng = self.rng
        self.data.pop("history", None)
        if rng.random() < 0.35:
            return
        level = 97.0 if self.gentle else 63.0 if self.template == "healthy" else 48.0
        direction = rng.choice((-1, -1, 0, 1))  # down towards the level weighs double
        step = rng.uniform(2.0, 6.0)
        length = rng.randint(2, 6)
        offsets = {area: rng.uniform(-12, 12) for area in _AREAS}
        period = _quarter_index(self.data["assessment"]["period"])
        entries = []
        for back in range(length, 0, -1):
            # back quarters before the assessment; direction -1 means scores fell since then.
            drift = -direction * step * back
            scores = {
                area: round(_clamp(level + drift + offsets[area] + rng.uniform(-2, 2), 0, 100), 1)
                for area in _AREAS
            }
            overall = sum(_AREA_WEIGHTS[a] * s for a, s in scores.items())
            entries.append(
                {
                    "period": _quarter_label(period - back),
                    "catalog_version": _HISTORY_CATALOG_VERSION,
                    "area_scores": scores,
                    "overall": round(overall, 1),
                }
            )
        self.data["history"] = entries


def _rename(node: Any, names: dict[str, str]) -> Any:
    """*node* with every string equal to a key of *names* (as a value or a key) replaced."""
    if isinstance(node, str):
        return names.get(node, node)
    if isinstance(node, dict):
        return {names.get(k, k): _rename(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename(v, names) for v in node]
    return node


# --- dates ------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    """*day* moved by whole months, the day clamped to the month's length.

    Clamping keeps the order of any two dates (never reverses it), so every
    "on or before" constraint of the file survives the move.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _add_quarters(period: str, quarters: int) -> str:
    match = _PERIOD.fullmatch(period)
    if match is None:
        return period
    index = int(match[1]) * 4 + int(match[2]) - 1 + quarters
    year, quarter = divmod(index, 4)
    return f"{year}-Q{quarter + 1}"


def _shift(node: Any, quarters: int) -> Any:
    """Every date of *node* moved by *quarters* × 3 months, every period label with it."""
    if isinstance(node, dt.date):
        return _add_months(node, 3 * quarters)
    if isinstance(node, dict):
        return {
            k: _add_quarters(v, quarters)
            if k == "period" and isinstance(v, str)
            else _shift(v, quarters)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_shift(v, quarters) for v in node]
    return node


# --- perturbation ------------------------------------------------------------------------


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _fresh_id(records: Iterable[dict[str, Any]], prefix: str) -> str:
    taken = {r.get("id") for r in records}
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


class _Perturbation:
    """One file's worth of random, validity-preserving changes to the example data."""

    def __init__(self, rng: random.Random, data: dict[str, Any], seed: int, template: str) -> None:
        self.rng = rng
        self.data = data
        self.seed = seed
        self.template = template
        #: whether only the small changes of :meth:`gentle` were made
        self.gentle_only = False

    # Dates that record events must not follow as_of; these draw them from its past.
    def past(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def after(self, day: dt.date, low: int, high: int) -> dt.date | None:
        """*day* plus a random number of days, or None if that would follow as_of."""
        later = day + dt.timedelta(days=self.rng.randint(low, high))
        return later if later <= self.as_of else None

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def apply(self) -> None:
        rng = self.rng
        self.data.update(_shift(self.data, rng.randint(-6, 6)))
        self.as_of: dt.date = self.data["assessment"]["as_of"]
        self.partners: list[str] = [p["id"] for p in self.data["partners"]]
        self.data["assessment"]["id"] = f"{self.data['assessment']['id']}-G{self.seed}"
        if self.chance(0.25):
            # Some files stay close to their example, so healthy partnerships are in the mix.
            self.gentle_only = True
            self.gentle()
            return
        for step in (
            self.partnership,
            self.objectives,
            self.governance,
            self.meetings,
            self.decisions,
            self.action_items,
            self.escalations,
            self.milestones,
            self.culture,
            self.market_signals,
            self.assumptions,
            self.kpis,
            self.pulse,
            self.health_checks,
            self.resources,
            self.data_gaps,
        ):
            step()
        self.fix_references()

    def gentle(self) -> None:
        """Small changes only: KPI actuals, pulse items and NPS nudged, categories redrawn."""
        rng = self.rng
        for kpi in self.data["kpis"]:
            for point in kpi["series"]:
                if "actual" in point:
                    point["actual"] = round(point["actual"] * rng.uniform(0.97, 1.05), 2)
        for survey in self.data.get("pulse_surveys", []):
            survey["items"] = {
                item: round(_clamp(score + rng.uniform(-0.2, 0.2), 1, 5), 1)
                for item, score in survey["items"].items()
            }
            nps = survey["recommend_nps"] + rng.randint(-5, 5)
            survey["recommend_nps"] = int(_clamp(nps, -100, 100))
        for escalation in self.data["escalations"]:
            escalation["category"] = rng.choice(_ESCALATION_CATEGORIES)

    def records(self, name: str, prefix: str, make: Callable[[str], dict[str, Any]]) -> None:
        """Drop some records of collection *name* and add a few new ones, made by *make*."""
        kept = [r for r in self.data.get(name, []) if not self.chance(0.15)]
        for _ in range(self.rng.choice((0, 0, 1, 2, 3))):
            kept.append(make(_fresh_id(kept, prefix)))
        if kept:
            self.data[name] = kept
        else:
            self.data.pop(name, None)

    def drop_key(self, record: dict[str, Any], key: str, p: float) -> None:
        """Leave *key* unstated with probability *p*: an unknown, not a false."""
        if key in record and self.chance(p):
            del record[key]

    def partnership(self) -> None:
        rng = self.rng
        profile = self.data["partnership"]
        profile["high_pace"] = rng.choice((True, False))
        self.drop_key(profile, "exit_provisions_defined", 0.2)
        for partner in self.data["partners"]:
            partner["internal_alignment_score"] = rng.randint(1, 5)
            partner["named_contacts"] = rng.randint(0, 8)
            partner["has_alliance_function"] = rng.choice((True, False))
            if self.chance(0.2):
                partner["alliance_manager"] = ""
            self.drop_key(partner, "internal_alignment_score", 0.1)

    def objectives(self) -> None:
        rng = self.rng
        for objective in self.data["objectives"]:
            objective["priority"] = {p: rng.randint(1, 5) for p in self.partners}
            agreed = [p for p in self.partners if not self.chance(0.15)]
            objective["agreed_by"] = agreed or self.partners[:1]
            objective["has_execution_plan"] = self.chance(0.7)
            objective["has_resource_plan"] = self.chance(0.6)
            objective["last_revised"] = self.past(0, 500)
            self.drop_key(objective, "has_resource_plan", 0.1)

    def governance(self) -> None:
        rng = self.rng
        gov = self.data["governance"]
        committee = gov["steering_committee"]
        committee["charter"] = self.chance(0.6)
        committee["cadence_days"] = rng.choice((30, 45, 60, 91, 120))
        protocol = gov["decision_protocol"]
        for key in ("documented", "decision_rights_matrix", "deadlock_mechanism"):
            protocol[key] = self.chance(0.6)
        if self.chance(0.5):
            protocol["decision_sla_days"] = rng.choice((7, 14, 21, 30))
        gov["escalation_path"]["defined"] = self.chance(0.6)
        gov["shared_scorecard"]["exists"] = self.chance(0.6)
        gov["shared_scorecard"]["jointly_agreed"] = self.chance(0.5)
        self.drop_key(committee, "charter", 0.15)
        self.drop_key(gov["shared_scorecard"], "jointly_agreed", 0.15)

    def meetings(self) -> None:
        rng = self.rng
        for meeting in self.data["meetings"]:
            moved = meeting["date"] + dt.timedelta(days=rng.randint(-20, 20))
            meeting["date"] = min(moved, self.as_of)
            meeting["exec_attendance"] = {p: rng.choice(_ATTENDANCE) for p in self.partners}
            meeting["agenda_sent_days_before"] = rng.randint(-1, 6)
            meeting["minutes_published"] = self.chance(0.75)
            self.drop_key(meeting, "minutes_published", 0.1)
            self.drop_key(meeting, "priorities_adjusted", 0.2)

        def make(new_id: str) -> dict[str, Any]:
            kind = rng.choice(("steering_committee", "strategy_sync", "operating_review"))
            meeting: dict[str, Any] = {
                "id": new_id,
                "type": kind,
                "date": self.past(0, 360),
                "exec_attendance": {p: rng.choice(_ATTENDANCE) for p in self.partners},
                "agenda_sent_days_before": rng.randint(-1, 6),
                "minutes_published": self.chance(0.7),
            }
            if kind == "strategy_sync":
                meeting["agenda_items"] = rng.sample(_AGENDA_ITEMS, rng.randint(1, 4))
                meeting["priorities_adjusted"] = self.chance(0.5)
            else:
                meeting["decisions_made"] = rng.randint(0, 4)
            return meeting

        self.records("meetings", "M", make)

    def decisions(self) -> None:
        def redraw(decision: dict[str, Any]) -> dict[str, Any]:
            decision["raised"] = self.past(0, 400)
            decided = self.after(decision["raised"], 0, 90) if self.chance(0.8) else None
            if decided is None:
                decision.pop("decided", None)
            else:
                decision["decided"] = decided
            return decision

        for decision in self.data["decisions"]:
            redraw(decision)
        self.records("decisions", "D", lambda i: redraw({"id": i, "topic": f"topic {i}"}))

    def action_items(self) -> None:
        rng = self.rng
        meetings = [m["id"] for m in self.data.get("meetings", [])]

        def redraw(item: dict[str, Any]) -> dict[str, Any]:
            item["due"] = self.as_of - dt.timedelta(days=rng.randint(-60, 200))
            closed = self.after(item["due"], -20, 40) if self.chance(0.8) else None
            if closed is None:
                item.pop("closed", None)
            else:
                item["closed"] = closed
            return item

        for item in self.data["action_items"]:
            redraw(item)

        def make(new_id: str) -> dict[str, Any]:
            item = {"id": new_id, "owner": rng.choice(self.partners)}
            if meetings:
                item["meeting_id"] = rng.choice(meetings)
            return redraw(item)

        self.records("action_items", "AI", make)

    def escalations(self) -> None:
        rng = self.rng

        def redraw(escalation: dict[str, Any]) -> dict[str, Any]:
            escalation["category"] = rng.choice(_ESCALATION_CATEGORIES)
            escalation["raised_by"] = rng.choice(self.partners)
            escalation["level_reached"] = rng.randint(1, 3)
            escalation["opened"] = self.past(0, 300)
            resolved = self.after(escalation["opened"], 0, 90) if self.chance(0.6) else None
            if resolved is None:
                escalation.pop("resolved", None)
                escalation.pop("resolution", None)
            else:
                escalation["resolved"] = resolved
                escalation["resolution"] = rng.choice(("joint", "joint", "unilateral", "withdrawn"))
            return escalation

        for escalation in self.data["escalations"]:
            redraw(escalation)
        self.records("escalations", "E", lambda i: redraw({"id": i}))

    def milestones(self) -> None:
        rng = self.rng

        def redraw(milestone: dict[str, Any]) -> dict[str, Any]:
            milestone["due"] = self.as_of - dt.timedelta(days=rng.randint(-90, 300))
            completed = self.after(milestone["due"], -15, 45) if self.chance(0.7) else None
            if completed is None:
                milestone.pop("completed", None)
            else:
                milestone["completed"] = completed
            return milestone

        for milestone in self.data["milestones"]:
            redraw(milestone)
        owners = [*self.partners, "joint"]
        self.records(
            "milestones",
            "MS",
            lambda i: redraw({"id": i, "title": f"milestone {i}", "owner": rng.choice(owners)}),
        )

    def culture(self) -> None:
        rng = self.rng
        culture = self.data["culture"]
        for profile in culture.get("profiles", []):
            profile["assessed"] = self.past(0, 500)
            profile["respondents"] = rng.randint(2, 15)
            profile["scores"] = {
                dim: _clamp(score + rng.choice((-1, -0.5, 0, 0, 0.5, 1)), 1, 5)
                for dim, score in profile["scores"].items()
            }
        activities = []
        for activity in culture.get("integration_activities", []):
            activity["status"] = rng.choice(("planned", "done", "done", "ongoing"))
            if activity["status"] == "planned":
                activity["date"] = self.as_of + dt.timedelta(days=rng.randint(1, 120))
            else:
                activity["date"] = self.past(0, 600)
            if not self.chance(0.15):
                activities.append(activity)
        if self.chance(0.3):
            activities.append(
                {
                    "type": rng.choice(_INTEGRATION_TYPES),
                    "date": self.past(0, 400),
                    "status": "done",
                    "participants": {p: rng.randint(1, 20) for p in self.partners},
                }
            )
        if activities:
            culture["integration_activities"] = activities
        else:
            culture.pop("integration_activities", None)
        if self.chance(0.3):
            culture["working_agreement"] = {
                "exists": True,
                "agreed": self.past(0, 700),
                "covers": rng.sample(_AGREEMENT_TOPICS, rng.randint(1, 5)),
            }

    def market_signals(self) -> None:
        rng = self.rng
        objectives = [o["id"] for o in self.data["objectives"]]

        def redraw(signal: dict[str, Any]) -> dict[str, Any]:
            signal["type"] = rng.choice(_SIGNAL_TYPES)
            signal["magnitude"] = rng.randint(1, 5)
            signal["observed"] = self.past(0, 300)
            decided = self.after(signal["observed"], 0, 90) if self.chance(0.5) else None
            if decided is None:
                signal.pop("response_decided", None)
                signal.pop("response", None)
            else:
                signal["response_decided"] = decided
            return signal

        for signal in self.data["market_signals"]:
            redraw(signal)
        self.records(
            "market_signals",
            "S",
            lambda i: redraw({"id": i, "affects_objectives": rng.sample(objectives, 1)}),
        )
        # A meeting may discuss any signal; pick afresh so discussion varies too.
        signals = [s["id"] for s in self.data.get("market_signals", [])]
        for meeting in self.data.get("meetings", []):
            if signals and self.chance(0.3):
                meeting["signals_discussed"] = rng.sample(signals, 1)

    def assumptions(self) -> None:
        rng = self.rng
        for assumption in self.data.get("assumptions", []):
            assumption["status"] = rng.choice(("holding", "holding", "at_risk", "broken"))
            assumption["status_changed"] = self.past(0, 600)
            assumption["last_reviewed"] = self.past(0, 400)
            self.drop_key(assumption, "last_reviewed", 0.1)

    def kpis(self) -> None:
        rng = self.rng
        for kpi in self.data["kpis"]:
            for point in kpi["series"]:
                if "actual" in point:
                    point["actual"] = round(point["actual"] * rng.uniform(0.6, 1.3), 1)
            kpi["jointly_agreed"] = self.chance(0.6)
            self.drop_key(kpi, "jointly_agreed", 0.1)
        self.records(
            "kpis",
            "K",
            lambda i: {
                "id": i,
                "name": f"indicator {i}",
                "direction": rng.choice(("higher_better", "lower_better")),
                "owner": "joint",
                "jointly_agreed": self.chance(0.5),
                "series": [
                    {
                        "period": self.data["assessment"]["period"],
                        "target": 100,
                        "actual": rng.randint(50, 130),
                    }
                ],
            },
        )

    def pulse(self) -> None:
        rng = self.rng
        for survey in self.data.get("pulse_surveys", []):
            survey["items"] = {
                item: round(_clamp(score + rng.uniform(-1, 1), 1, 5), 1)
                for item, score in survey["items"].items()
                if not self.chance(0.03)
            }
            survey["responses"] = rng.randint(0, survey["invited"])
            survey["recommend_nps"] = int(
                _clamp(survey["recommend_nps"] + rng.randint(-30, 30), -100, 100)
            )

    def health_checks(self) -> None:
        rng = self.rng
        for check in self.data.get("health_checks", []):
            check["date"] = self.past(0, 400)
            check["scores"] = {
                partner: {
                    dim: round(_clamp(score + rng.uniform(-1, 1), 1, 5), 1)
                    for dim, score in dims.items()
                }
                for partner, dims in check["scores"].items()
            }
            check["actions_total"] = total = rng.randint(0, 8)
            check["actions_done"] = rng.randint(0, total)

    def resources(self) -> None:
        rng = self.rng
        for commitment in self.data["resource_commitments"]:
            commitment["delivered"] = round(commitment["committed"] * rng.uniform(0.4, 1.1), 1)

    # A declared gap must come with no facts for it, so each gap removes what it names.
    def data_gaps(self) -> None:
        data = self.data

        def each(collection: str, key: str) -> Callable[[], None]:
            def remove() -> None:
                for record in data.get(collection, []):
                    record.pop(key, None)

            return remove

        gaps: dict[str, Callable[[], None]] = {
            "culture.profiles": lambda: data["culture"].pop("profiles", None),
            "escalations": lambda: data.pop("escalations", None),
            "pulse_surveys": lambda: data.pop("pulse_surveys", None),
            "health_checks": lambda: data.pop("health_checks", None),
            "market_signals": lambda: data.pop("market_signals", None),
            "governance.decision_protocol": lambda: data["governance"].pop("decision_protocol"),
            "partners.internal_alignment_score": each("partners", "internal_alignment_score"),
            "meetings.exec_attendance": each("meetings", "exec_attendance"),
            "kpis.jointly_agreed": each("kpis", "jointly_agreed"),
        }
        if not self.chance(0.25):
            return
        chosen = self.rng.sample(sorted(gaps), self.rng.randint(1, 2))
        for gap in chosen:
            gaps[gap]()
        data["assessment"]["data_gaps"] = sorted(chosen)

    def fix_references(self) -> None:
        """Remove references to records that were dropped."""
        data = self.data

        def ids(name: str) -> set[str]:
            return {r["id"] for r in data.get(name, [])}

        kpis, objectives, signals = ids("kpis"), ids("objectives"), ids("market_signals")
        meetings = ids("meetings")
        linkable = ids("decisions") | ids("milestones") | ids("escalations")
        for objective in data["objectives"]:
            objective["kpi_ids"] = [k for k in objective.get("kpi_ids", []) if k in kpis]
        for signal in data.get("market_signals", []):
            signal["affects_objectives"] = [
                o for o in signal.get("affects_objectives", []) if o in objectives
            ]
        for assumption in data.get("assumptions", []):
            assumption["objectives"] = [
                o for o in assumption.get("objectives", []) if o in objectives
            ]
        for meeting in data.get("meetings", []):
            meeting["signals_discussed"] = [
                s for s in meeting.get("signals_discussed", []) if s in signals
            ]
        for item in data.get("action_items", []):
            if item.get("meeting_id") not in meetings:
                item.pop("meeting_id", None)
        for entry in data.get("learning_log", []):
            if entry.get("linked_to") not in linkable:
                entry.pop("linked_to", None)
