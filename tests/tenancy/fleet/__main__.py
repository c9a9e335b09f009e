"""``python -m tests.tenancy.fleet <command> [args …]``: manage.py for the fleet test project."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.tenancy.fleet.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fleet", *sys.argv[1:]])
