"""Renderers: result objects -> rich tables and text."""
