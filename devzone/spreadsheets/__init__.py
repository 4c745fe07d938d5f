"""Spreadsheets in and out: formats, widgets, the Resource base, uploads, results and exports."""
