"""Synthetic exports for demos, tests and benchmarks."""

from cxsurvey.sample.generator import write_sample, write_sample_parquet

__all__ = ["write_sample", "write_sample_parquet"]
