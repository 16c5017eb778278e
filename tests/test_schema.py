"""The JSON Schema of fact format v1 is generated from the model and accepts the examples."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from realign import facts_schema
from realign.cli import main
from realign.loading.dump import jsonable


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = facts_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("name", ["healthy.toml", "case_study_before.toml"])
def test_the_examples_validate(
    validator: jsonschema.Draft202012Validator, examples_dir: Path, name: str
) -> None:
    data = jsonable(tomllib.loads((examples_dir / name).read_text(encoding="utf-8")))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_the_schema_rejects_what_the_loader_rejects(
    validator: jsonschema.Draft202012Validator, examples_dir: Path
) -> None:
    data = jsonable(tomllib.loads((examples_dir / "healthy.toml").read_text(encoding="utf-8")))
    data["objectives"][0]["priority"]["helix"] = 6
    data["partners"][0]["nickname"] = "H"
    data["meetings"][0]["type"] = "board"
    data["culture"]["profiles"][0]["scores"]["tempo"] = 3
    del data["assessment"]["as_of"]
    paths = sorted(tuple(e.absolute_path) for e in validator.iter_errors(data))
    assert paths == [
        ("assessment",),  # as_of is required
        ("culture", "profiles", 0, "scores"),  # no such dimension
        ("meetings", 0, "type"),  # not a meeting type
        ("objectives", 0, "priority", "helix"),  # above the 1-5 scale
        ("partners", 0),  # unknown key
    ]


def test_realign_schema_facts_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "facts"]) == 0
    assert json.loads(capsys.readouterr().out) == facts_schema()
