"""``python -m tests.tenancy.fleet.queue_probe TENANT MARKER …``: queue the fleet app's probe task as a
tenant (``-`` for none) and wait for it; prints what each returned. Run by test_fleet_celery.py."""

from __future__ import annotations

import json
import sys

from drcp_multi.tenancy.context import tenant_context
from tests.tenancy.fleet.celery_app import probe


def main(pairs: list[str]) -> dict[str, str]:
    answers = {}
    for tenant, marker in zip(pairs[::2], pairs[1::2], strict=True):
        with tenant_context(None if tenant == "-" else tenant):
            answers[marker] = probe.delay(marker).get(timeout=120)
    return answers


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
