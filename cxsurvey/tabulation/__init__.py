"""Figures: question rows -> sums -> cells, gaps and letters -> result objects."""
