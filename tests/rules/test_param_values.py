"""Param values the reader refuses: each would pass a check and misbehave later."""

from __future__ import annotations

import pytest

from realign.rules.ruleset import parse_ruleset_text

HEADER = '[ruleset]\nid = "x"\nversion = "1"\ntitle = "t"\n'


def _problems(text: str) -> list[str]:
    return [f"{p.path}: {p.message}" for p in parse_ruleset_text(HEADER + text).problems]


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        # NaN compares false with every bound, so min and max could not hold it.
        ('type = "number"\ndefault = nan\nmin = 0\nmax = 1', "not a number"),
        ('type = "duration"\ndefault = -5', "not a duration"),
        ('type = "duration"\ndefault = " 3w "', "not a duration"),
        # Arabic-Indic digits are digits to Python's \d, but not a number of days.
        ('type = "duration"\ndefault = "٣٠d"', "not a duration"),
        ('type = "date"\ndefault = 2024-01-01T10:00:00', "not a date"),
    ],
)
def test_a_bad_default_is_refused(param: str, expected: str) -> None:
    problems = _problems(f'[params.p]\n{param}\ndoc = "d"\n')
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "param",
    [
        'type = "number"\ndefault = 0.5\nmin = 0\nmax = 1',
        'type = "duration"\ndefault = 0',
        'type = "duration"\ndefault = "2w"',
        'type = "date"\ndefault = 2024-01-01',
    ],
)
def test_a_good_default_is_accepted(param: str) -> None:
    assert _problems(f'[params.p]\n{param}\ndoc = "d"\n') == []


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        # Accepted and ignored, these would leave the author believing they hold.
        ('type = "string"\ndefault = "a"\nmin = 1', "is a string, which min cannot bound"),
        ('type = "boolean"\ndefault = true\nmax = 1', "is a boolean, which max cannot bound"),
        ('type = "date"\ndefault = 2024-01-01\nmin = 0', "is a date, which min cannot bound"),
        ('type = "integer"\ndefault = 5\nmin = 9\nmax = 1', "has min 9 above its max 1"),
        ('type = "number"\ndefault = 0.5\nmin = nan', "a bound is a number, not nan"),
        ('type = "number"\ndefault = 0.5\nmax = nan', "a bound is a number, not nan"),
    ],
)
def test_bounds_that_cannot_hold_are_refused(param: str, expected: str) -> None:
    problems = _problems(f'[params.p]\n{param}\ndoc = "d"\n')
    assert len(problems) == 1, problems
    assert expected in problems[0], problems


@pytest.mark.parametrize(
    "param",
    [
        'type = "duration"\ndefault = "2w"\nmin = 7\nmax = 30',
        'type = "integer"\ndefault = 3\nmin = 3\nmax = 3',
    ],
)
def test_bounds_of_numbers_and_durations_are_accepted(param: str) -> None:
    assert _problems(f'[params.p]\n{param}\ndoc = "d"\n') == []


def test_a_version_in_other_digits_is_refused() -> None:
    problems = [
        f"{p.path}: {p.message}"
        for p in parse_ruleset_text(HEADER.replace('"1"', '"١.٠"')).problems
    ]
    assert any("version" in problem for problem in problems), problems


def test_a_scoring_weight_must_name_an_area() -> None:
    text = '[scoring.weights]\n"Not an area!" = 0.0\ngovernance = 1.0\n'
    problems = _problems(text)
    assert any("'Not an area!' is not an area name" in problem for problem in problems), problems
    fine = _problems("[scoring.weights]\npartner_programme = 0.0\ngovernance = 1.0\n")
    assert not [problem for problem in fine if "not an area name" in problem], fine
