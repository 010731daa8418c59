"""docs/study-format.md is the complete reference of the study language, and the
JSON Schema describes every key: both are checked against the pydantic models,
so neither can go stale when a key is added."""

from __future__ import annotations

import json
import re
import typing

from pydantic import BaseModel

from cxsurvey.study import models
from cxsurvey.study.schema import study_schema
from tests.conftest import REPO

REFERENCE = REPO / "docs" / "study-format.md"


def _models(tp, seen: dict[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """Every model reachable from ``tp`` through field annotations."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp.__name__ in seen:
            return seen
        seen[tp.__name__] = tp
        for field in tp.model_fields.values():
            _models(field.annotation, seen)
        return seen
    for arg in typing.get_args(tp):
        _models(arg, seen)
    return seen


MODELS = _models(models.Study, {})


def _keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _table_keys(text: str) -> set[str]:
    """Keys written as a table cell: | `key` |."""
    return set(re.findall(r"\| `([A-Za-z_]+)` (?=\|)", text))


def test_the_walk_finds_every_part_of_the_language():
    assert {"Study", "Source", "Filter", "Scale", "Band", "Segment", "Figure", "Bin"} <= set(MODELS)
    assert {"Single", "Multi", "Grid", "Numeric", "Nps", "Date", "Text"} <= set(MODELS)


def test_every_key_of_every_model_is_in_the_reference():
    documented = _table_keys(REFERENCE.read_text(encoding="utf-8"))
    missing = sorted(
        f"{name}.{key}" for name, m in MODELS.items() for key in _keys(m) if key not in documented
    )
    assert missing == [], (
        f"keys missing from docs/{REFERENCE.name}: {missing}; add a row `| key | type | "
        "default | meaning | example |` to the table of its section"
    )


def test_every_question_type_has_its_keys_documented():
    text = REFERENCE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \|", text, re.M)
    by_type: dict[str, set[str]] = {}
    for qtype, key in rows:
        by_type.setdefault(qtype, set()).add(key)
    common = set(_keys(models.Single)) & set(_keys(models.Numeric))  # type, text
    coded = set(_keys(models.Single)) & set(_keys(models.Grid))  # + options, nets, ...
    for qtype in models.QUESTION_TYPES:
        model = next(m for m in MODELS.values() if _literal(m) == qtype)
        own = set(_keys(model)) - (coded if issubclass(model, models._Coded) else common)
        assert own <= by_type.get(qtype, set()), (qtype, own - by_type.get(qtype, set()))


def _literal(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("type")
    return typing.get_args(field.annotation)[0] if field else None


def _key_tables(text: str) -> set[str]:
    """Keys in the reference's key tables (header `| key |` or `| type | key |`)."""
    keys: set[str] = set()
    column = None
    for line in text.splitlines():
        if not line.startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if column is None:
            column = cells.index("key") if "key" in cells[:2] else -1
            continue
        if column >= 0 and len(cells) > column:
            found = re.fullmatch(r"`([A-Za-z_]+)`", cells[column])
            if found:
                keys.add(found.group(1))
    return keys


def test_the_reference_names_no_key_the_models_lack():
    known = {key for m in MODELS.values() for key in _keys(m)}
    documented = _key_tables(REFERENCE.read_text(encoding="utf-8"))
    assert len(documented) > 40
    assert sorted(documented - known) == []


def test_every_schema_property_has_a_description():
    schema = study_schema()
    defs = schema["$defs"]
    bare = []
    for owner, node in [("Study", schema), *defs.items()]:
        for key, prop in node.get("properties", {}).items():
            ref = prop.get("$ref", "").rpartition("/")[2]
            if "description" not in prop and "description" not in defs.get(ref, {}):
                bare.append(f"{owner}.{key}")
    assert bare == [], (
        f"schema properties without a description: {bare}; write a docstring on the line "
        "after the field in cxsurvey/study/models.py, then regenerate configs/schema.json"
    )


def test_the_committed_schema_carries_the_descriptions():
    committed = json.loads((REPO / "configs" / "schema.json").read_text(encoding="utf-8"))
    assert committed["$defs"]["Multi"]["properties"]["delimiter"]["description"]
