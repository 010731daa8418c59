"""The benchmarks measure what they claim: same-column baseline, keyed inputs, cache hits.

The full benchmarks run for minutes (benchmarks/README in docs/testing.md); these
tests check their machinery in-process, at tiny size.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import cxsurvey
from tests.conftest import DEFAULT_STUDY, REPO, SAMPLE_EXPORT

sys.path.insert(0, str(REPO / "benchmarks"))
import common  # benchmarks/ is a folder of scripts, not a package


def test_baseline_parses_exactly_the_columns_cxsurvey_reads():
    result = cxsurvey.score(SAMPLE_EXPORT, cxsurvey.load_study(DEFAULT_STUDY))
    read = result.responses.export.table.column_names
    assert sorted(common.study_columns("practitioner")) == sorted(read)
    same, every = common.parse_commands(SAMPLE_EXPORT, "practitioner")
    assert same[:4] == every[:4] and len(same) == len(every) + 1  # + the column list


def test_the_baseline_parse_script_reads_only_those_columns(tmp_path):
    same, _ = common.parse_commands(SAMPLE_EXPORT, "practitioner")
    probe = common.PARSE.replace("csv.read_csv(", "t = csv.read_csv(") + "print(t.num_columns)"
    out = subprocess.run(
        [sys.executable, "-c", probe, *same[3:]], check=True, capture_output=True, text=True
    )
    assert int(out.stdout) == len(common.study_columns("practitioner"))


def test_generated_inputs_are_keyed_by_seed_and_generator_version(tmp_path, monkeypatch):
    a = common.export_path(tmp_path, "feedback", 1000, 1)
    assert a != common.export_path(tmp_path, "feedback", 1000, 2)
    assert a.name == f"feedback_1000_seed1_gen{common.generator_version()}.csv"
    # A changed generator (a copy of the repository with one byte more) changes the key.
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "cxsurvey" / "sample", copy / "cxsurvey" / "sample")
    shutil.copytree(REPO / "configs", copy / "configs")
    monkeypatch.setattr(common, "REPO", copy)
    same = common.generator_version()
    generator = copy / "cxsurvey" / "sample" / "generator.py"
    generator.write_text(generator.read_text() + "\n")
    assert common.generator_version() != same
    assert common.export_path(tmp_path, "feedback", 1000, 1) != a


def test_a_warm_run_that_misses_the_cache_stops_the_benchmark(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    entry = cache / "abc.cxcache"
    entry.write_bytes(b"entry")
    hit = [sys.executable, "-c", "pass"]
    assert common.measure_warm(hit, cache, 1)[0] > 0
    rewrite = [sys.executable, "-c", f"import os; open({str(entry)!r} + '.t', 'w').close(); "
               f"os.replace({str(entry)!r} + '.t', {str(entry)!r})"]  # fmt: skip
    with pytest.raises(SystemExit, match="missed the cache"):
        common.measure_warm(rewrite, cache, 1)
    with pytest.raises(SystemExit, match="no cache entry"):
        common.measure_warm(hit, tmp_path, 1)


def test_the_warm_check_sees_real_cache_entries_and_a_real_hit(tmp_path, tiny_study, tiny_export):
    from typer.testing import CliRunner

    from cxsurvey.cli import app

    cache = tmp_path / "cache"
    args = ["figures", str(tiny_export), "--study", str(tiny_study), "-f", "json",
            "-o", str(tmp_path / "f.json"), "--cache-dir", str(cache)]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    cold = common.cache_entries(cache)
    assert len(cold) == 1  # the benchmark's view of the cache matches the cache's layout
    assert CliRunner().invoke(app, args).exit_code == 0
    assert common.cache_entries(cache) == cold  # a hit leaves the entry untouched


def test_the_incremental_benchmark_runs_and_computes_only_the_new_day(tmp_path, capsys):
    import bench_incremental

    from cxsurvey.reading import cache

    try:
        bench_incremental.main(["--rows", "3000", "--days", "4", "--repeat", "1",
                                "--out-dir", str(tmp_path)])  # fmt: skip
    finally:
        cache.reset()
    out = capsys.readouterr().out
    assert "in 4 daily partitions" in out
    assert "aggregates: 4 of 4 files computed, 0 from the cache" in out  # cold
    assert "aggregates: 0 of 4 files computed, 4 from the cache" in out  # warm
    assert "aggregates: 1 of 5 files computed, 4 from the cache" in out  # one more day
