"""devzone: the records system of a county-level economic development zone.

The map of where each rule lives (which rows, who sees them, what may be stored,
services, personal data, the trail, spreadsheets, plugging an app in, roles,
backups), the path of an import and an export, and the recipe for a new record
type are in ``docs/architecture.md``: read it before you change a rule.

``devzone`` is the frame: apps plug in through ``devzone.registry.register_app``
from their ``AppConfig.ready()``, and ``devzone`` never imports or names an app.
"""
