"""Write a partnership's pulse surveys and KPI series in the layouts the loader reads."""

from __future__ import annotations

import csv
from pathlib import Path

from realign import Partnership

from .tables import KPI, PULSE, PULSE_ITEMS

__all__ = ["write_kpi_csv", "write_pulse_csv"]


def write_pulse_csv(partnership: Partnership, path: str | Path) -> None:
    """One row per pulse wave; an item or count the file does not state stays empty."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(PULSE.names)
        for survey in partnership.pulse_surveys:
            items = {str(key): value for key, value in survey.items.items()}
            writer.writerow(
                [
                    survey.respondent_org,
                    survey.period,
                    survey.date.isoformat(),
                    _cell(survey.invited),
                    _cell(survey.responses),
                    *(_cell(items.get(item)) for item in PULSE_ITEMS),
                    _cell(survey.recommend_nps),
                ]
            )


def write_kpi_csv(partnership: Partnership, path: str | Path) -> None:
    """One row per period of each KPI's series, KPIs in file order."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(KPI.names)
        for kpi in partnership.kpis:
            for point in kpi.series:
                writer.writerow([kpi.id, point.period, _cell(point.target), _cell(point.actual)])


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    # repr keeps every digit of a float, so reading the cell back gives the same value.
    return repr(value)
