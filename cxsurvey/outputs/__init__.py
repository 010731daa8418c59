"""Outputs: files (CSV, JSON, Markdown, XLSX), charts, reports and the terminal."""
