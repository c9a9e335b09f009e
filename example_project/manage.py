"""``python -m example_project.manage <command>``: Django's manage.py for the example.

Commands that need the database (migrate, shell…) need ``DRCP_DSN``/``DRCP_USER``/``DRCP_PASSWORD``;
``add_tenant`` does not: it writes the tenant list that the running server reads.
"""

import os
import sys
from pathlib import Path


def main() -> None:
    # Allow `python example_project/manage.py` as well as `python -m example_project.manage`.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
