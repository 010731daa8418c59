"""Synthetic exports for demos, tests and benchmarks."""

from cxsurvey.sample.generator import write_sample

__all__ = ["write_sample"]
