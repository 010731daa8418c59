"""Exports in, results out."""
