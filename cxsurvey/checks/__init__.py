"""The CI checks: validate (study files), check (study vs export), verify (approved figures)."""
