"""The parsed-export cache: hits, misses on changed content or settings, bad entries."""

from __future__ import annotations

import shutil
import warnings

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.errors import CxSurveyWarning
from cxsurvey.reading import cache, export
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT


@pytest.fixture
def cached(tmp_path, monkeypatch):
    """A private cache directory, a copy of the sample export, and a parse counter."""
    directory = tmp_path / "cache"
    cache.configure(directory)
    path = tmp_path / "export.csv"
    shutil.copy(SAMPLE_EXPORT, path)
    parses = []
    real = export.read_csv_columns

    def counting(*args, **kwargs):
        parses.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "read_csv_columns", counting)
    yield directory, path, parses
    cache.reset()


def _figures(path, study=DEFAULT_STUDY):
    return cxsurvey.figures(path, cxsurvey.load_study(study)).to_dict()


def test_a_rerun_reads_the_cache_not_the_csv(cached):
    directory, path, parses = cached
    first = _figures(path)
    assert len(parses) == 1 and len(list(directory.glob("*.cxcache"))) == 1
    again = _figures(path)
    assert len(parses) == 1  # no second parse
    assert again == first and again["data_sha256"] == first["data_sha256"]


def test_changed_content_or_columns_never_reuse_an_entry(cached, tmp_path):
    directory, path, parses = cached
    _figures(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("R_", "S_", 1), encoding="utf-8")  # one respondent id
    _figures(path)
    assert len(parses) == 2
    fewer = tmp_path / "fewer.yaml"  # the same export read for fewer columns
    study = DEFAULT_STUDY.read_text()
    fewer.write_text(study[: study.index("\nquestions:")] + "\n")
    cxsurvey.figures(path, cxsurvey.load_study(fewer))
    assert len(parses) == 3 and len(list(directory.glob("*.cxcache"))) == 3


def test_a_corrupt_entry_is_ignored_with_a_warning_and_rebuilt(cached):
    directory, path, parses = cached
    first = _figures(path)
    (entry,) = directory.glob("*.cxcache")
    entry.write_bytes(b"not an arrow file")
    with pytest.warns(CxSurveyWarning, match="ignoring the damaged cache entry"):
        again = _figures(path)
    assert again == first and len(parses) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _figures(path)  # rebuilt: a clean hit
    assert len(parses) == 2


def test_an_entry_for_other_settings_is_foreign(cached):
    directory, path, parses = cached
    _figures(path)
    (entry,) = directory.glob("*.cxcache")
    table, meta = cache.load(directory, entry.stem)
    other = "0" * 64  # a valid entry, but written under another key
    cache.store(directory, other, table, meta)
    cache.entry_path(directory, other).replace(entry)
    with pytest.warns(CxSurveyWarning, match="written for another export or settings"):
        _figures(path)
    assert len(parses) == 2


def test_no_cache_writes_nothing(tmp_path):
    directory = tmp_path / "c"
    out = tmp_path / "f.json"
    result = CliRunner().invoke(
        app,
        [
            "figures",
            str(SAMPLE_EXPORT),
            "-o",
            str(out),
            "--no-cache",
            "--cache-dir",
            str(directory),
        ],
    )
    assert result.exit_code == 0, result.output
    assert not directory.exists()
    result = CliRunner().invoke(
        app, ["figures", str(SAMPLE_EXPORT), "-o", str(out), "--cache-dir", str(directory)]
    )
    assert result.exit_code == 0 and len(list(directory.glob("*.cxcache"))) == 1


def test_an_export_that_grows_while_read_is_not_cached(cached, monkeypatch):
    directory, path, _ = cached
    real = export.read_csv_columns

    def growing(*args, **kwargs):
        table = real(*args, **kwargs)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n")  # another process still writing the export
        return table

    monkeypatch.setattr(export, "read_csv_columns", growing)
    with pytest.warns(CxSurveyWarning, match="changed while it was read; not cached"):
        _figures(path)
    assert not list(directory.glob("*.cxcache"))


def test_a_study_reading_the_same_columns_in_another_order_shares_the_entry(cached, tmp_path):
    """The key sorts the column mapping; the entry serves both orders, silently, in each
    study's own order (it used to be called damaged, warned about and rebuilt)."""
    directory, path, parses = cached
    first = _figures(path)
    text = DEFAULT_STUDY.read_text(encoding="utf-8")
    finished = "    - {column: Finished, in: [1]}\n"
    status = "    - {column: Status, not_in: [1, 8]}        # 1 = survey preview, 8 = spam\n"
    assert finished + status in text
    swapped = tmp_path / "swapped.yaml"
    swapped.write_text(text.replace(finished + status, status + finished), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CxSurveyWarning)
        again = _figures(path, swapped)
    assert len(parses) == 1 and len(list(directory.glob("*.cxcache"))) == 1
    for key in ("config_sha256", "export"):
        first.pop(key), again.pop(key)
    assert again["figures"] == first["figures"]
