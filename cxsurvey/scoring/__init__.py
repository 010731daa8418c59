"""Respondents, filters, scales, segments: one export scored under one study."""
