"""ORM operations per second through Django's Oracle backend, the thin driver, the wire server and SQLite.

The ceiling later benchmarks can expect from the emulator: each operation is timed for ``--seconds``
(default 2) after a short warm-up, on one dedicated connection (autocommit, as Django runs by default).
Operations: ``get`` (primary-key lookup), ``filter`` (indexed filter, 10 rows), ``create`` (INSERT …
RETURNING INTO), ``update`` (UPDATE of one row), ``bulk_create`` (10 rows per call), ``count``,
``aggregate``, ``select_related`` (join, 10 rows), ``atomic`` (a transaction with two writes and a
savepoint).

    python bench/orm_bench.py [--seconds 2]

Prints one JSON document, then a short table. Stays under 30 s with the defaults.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

USER, PASSWORD = "ormbench", "ormbench"


def configure(dsn: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.oracle",
                "NAME": dsn,
                "USER": USER,
                "PASSWORD": PASSWORD,
            }
        },
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "tests.django_on_emulator.ormapp",
        ],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()


def operations() -> dict[str, Callable[[int], Any]]:
    from django.db import transaction
    from django.db.models import Avg, Count

    from tests.django_on_emulator.ormapp.models import Author, Book

    authors = [Author.objects.create(name=f"author{i}", email=f"a{i}@x.org", age=20 + i) for i in range(10)]
    for a in authors:
        Book.objects.bulk_create([Book(title=f"{a.name}-book{j}", author=a, page_count=j) for j in range(10)])
    first = authors[0]

    serial = itertools.count()  # unique names across warm-up and measurement (unique_together)

    def create(i: int) -> Any:
        k = next(serial)
        return Author.objects.create(name=f"new{k}", email=f"n{k}@x.org", age=k % 90)

    def bulk(i: int) -> Any:
        return Book.objects.bulk_create([Book(title=f"bulk{i}-{j}", author=first) for j in range(10)])

    def atomic(i: int) -> Any:
        with transaction.atomic():
            Author.objects.filter(pk=first.pk).update(age=i % 90)
            with transaction.atomic():
                Book.objects.create(title=f"atomic{i}", author=first)

    return {
        "get": lambda i: Author.objects.get(pk=authors[i % 10].pk),
        "filter": lambda i: list(Book.objects.filter(author_id=authors[i % 10].pk)),
        "count": lambda i: Book.objects.filter(page_count__gte=i % 10).count(),
        "aggregate": lambda i: Book.objects.aggregate(n=Count("id"), avg=Avg("page_count")),
        "select_related": lambda i: [
            b.author.name for b in Book.objects.select_related("author").filter(author_id=first.pk)
        ],
        "update": lambda i: Author.objects.filter(pk=first.pk).update(age=i % 90),
        "create": create,
        "bulk_create": bulk,
        "atomic": atomic,
    }


def measure(fn: Callable[[int], Any], seconds: float) -> dict[str, float]:
    for i in range(5):  # warm-up: statement cache, translation cache
        fn(i)
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        fn(n)
        n += 1
    elapsed = time.perf_counter() - start
    return {
        "ops": n,
        "seconds": round(elapsed, 3),
        "ops_per_second": round(n / elapsed, 1),
        "ms_per_op": round(1000 * elapsed / n, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per operation")
    args = parser.parse_args()

    from oracle_emulator.server import EmulatorServer

    with EmulatorServer(users={USER: PASSWORD}) as srv:
        configure(f"{srv.host}:{srv.port}/{srv.service}")
        from django.core.management import call_command

        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - t0
        results = {name: measure(fn, args.seconds) for name, fn in operations().items()}
        from django.db import connections

        connections.close_all()
    doc = {
        "benchmark": "orm_bench",
        "backend": "django.db.backends.oracle (dedicated connection)",
        "server": "oracle_emulator wire server + SQLite engine",
        "migrate_seconds": round(migrate_s, 3),
        "operations": results,
    }
    print(json.dumps(doc))
    print()
    print(f"{'operation':<16}{'ops/s':>10}{'ms/op':>10}")
    for name, r in results.items():
        print(f"{name:<16}{r['ops_per_second']:>10}{r['ms_per_op']:>10}")
    print(f"(migrate of contenttypes, auth and the bench app from scratch: {migrate_s:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
