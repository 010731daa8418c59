"""Process-wide CLI settings set by the root callback."""

DEBUG = False
