#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devzone.settings")
    if not os.environ.get("DJANGO_SECRET_KEY"):
        # A checkout with no configuration is a developer's: run with debug on and the
        # development key. A server always sets DJANGO_SECRET_KEY, and stays strict.
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
