"""A record type added by the recipe in docs/architecture.md, with no edit in devzone/.

Installed only by ``tests/settings.py``: it proves that an app plugs into import,
export, roles, scope, history, demo data, the annual report and the export centre
through the public API alone.
"""
