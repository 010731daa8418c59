"""Statistics: intervals, tests of differences, effective bases."""
