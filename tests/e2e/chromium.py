"""How the browser tests and `make screenshots` start the system's Chromium.

Playwright's own browser download is not reachable here: the Debian package's
binary is launched headless, with the background services that would reach out to
the network turned off.
"""

import os

CHROMIUM = os.environ.get("DEVZONE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OFFICE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
