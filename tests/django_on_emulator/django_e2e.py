"""End-to-end run of Django's own Oracle backend against the wire server and this SQL engine.

Run as ``python -m tests.django_on_emulator.django_e2e`` from the repository root. It starts an in-process
EmulatorServer with two users (two schemas), configures Django with ``django.db.backends.oracle``
(one alias on a dedicated connection, one through a DRCP pool), migrates both, runs ORM scenarios and
prints one JSON line ``{"scenario": "ok" | "<traceback>"}``. It is a separate process so that its
settings never mix with the suite's pytest-django settings.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import io
import json
import sys
import threading
import time
import traceback
import zoneinfo
from collections.abc import Callable

SCENARIOS: dict[str, Callable[[], None]] = {}


def scenario(fn: Callable[[], None]) -> Callable[[], None]:
    SCENARIOS[fn.__name__] = fn
    return fn


def setup() -> object:
    from oracle_emulator.server import EmulatorServer

    srv = EmulatorServer(users={"tenant1": "pw1", "tenant2": "pw2"})
    srv.start()
    # Users created through SQL (Django's test-database creation) reach the listener through the
    # ServerView's create_user / drop_user (the engine's hook is left unset on purpose).
    import django
    from django.conf import settings

    dsn = f"{srv.host}:{srv.port}/{srv.service}"
    settings.configure(
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.oracle",
                "NAME": dsn,
                "USER": "tenant1",
                "PASSWORD": "pw1",
            },
            "t2": {
                "ENGINE": "django.db.backends.oracle",
                "NAME": dsn,
                "USER": "tenant2",
                "PASSWORD": "pw2",
                # DRCP pool, connection class T2, purity SELF (oracledb.PURITY_SELF == 2).
                "OPTIONS": {"pool": {"min": 0, "max": 4, "increment": 1, "cclass": "T2", "purity": 2}},
            },
            "creator": {
                "ENGINE": "django.db.backends.oracle",
                "NAME": dsn,
                "USER": "tenant1",
                "PASSWORD": "pw1",
                "TEST": {"USER": "test_tenant", "PASSWORD": "tpw", "TBLSPACE": "test_tbs"},
            },
        },
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "django.contrib.admin",
            "tests.django_on_emulator.ormapp",
        ],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        SECRET_KEY="e2e",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    django.setup()
    return srv


# --- migrations -----------------------------------------------------------------------------------


@scenario
def migrate_two_schemas_and_noop() -> None:
    import django
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    # Both schemas first: every later scenario needs them, so a failed check here must not cascade.
    for alias in ("default", "t2"):
        call_command("migrate", database=alias, verbosity=0)
    for alias in ("default", "t2"):
        out = io.StringIO()
        call_command("migrate", database=alias, verbosity=1, stdout=out)
        assert "No migrations to apply" in out.getvalue(), out.getvalue()
        executor = MigrationExecutor(connections[alias])
        assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
        tables = set(connections[alias].introspection.table_names())
        assert {
            "auth_user",
            "django_session",
            "django_admin_log",
            "ormapp_author",
            "ormapp_book",
            "ormapp_label",
            "ormapp_book_tags",
        } <= tables, tables
        with connections[alias].cursor() as c:
            cols = {d.name for d in connections[alias].introspection.get_table_description(c, "ormapp_book")}
            assert {"page_count", "isbn", "title"} <= cols and "pages" not in cols, cols
            cons = connections[alias].introspection.get_constraints(c, "ormapp_author")
            uniq = [v["columns"] for v in cons.values() if v["unique"] and not v["primary_key"]]
            assert ["name", "email"] in uniq, cons
            fks = connections[alias].introspection.get_relations(c, "ormapp_book")
            # Django 6.1 adds the database-level rule (USER_CONSTRAINTS.DELETE_RULE) as a third item;
            # models.CASCADE is emulated by Django, so the constraint itself is NO ACTION.
            expected: tuple = ("id", "ormapp_author")
            if django.VERSION >= (6, 1):
                from django.db.models import DO_NOTHING

                expected += (DO_NOTHING,)
            assert fks["author_id"] == expected, fks
            assert connections[alias].introspection.get_primary_key_column(c, "ormapp_book") == "id"
            assert connections[alias].introspection.get_sequences(c, "ormapp_book")[0]["column"] == "id"


# --- ORM ------------------------------------------------------------------------------------------


def _authors(using: str = "default") -> list:
    from tests.django_on_emulator.ormapp.models import Author

    Author.objects.using(using).all().delete()
    objs = [
        Author(
            name="Ann",
            email="ann@x.org",
            age=30,
            rating=decimal.Decimal("4.50"),
            score=1.5,
            born=datetime.date(1990, 5, 17),
            bio="likes tea",
            big=10**15,
            small=3,
        ),
        Author(name="Bob", email="", age=None, rating=decimal.Decimal("3.25"), score=2.0, active=False),
        Author(
            name="Cid",
            email="cid@x.org",
            age=45,
            rating=decimal.Decimal("4.75"),
            score=0.25,
            born=datetime.date(1979, 1, 2),
        ),
    ]
    for o in objs:
        o.save(using=using)
    return objs


@scenario
def create_get_types_round_trip() -> None:
    from tests.django_on_emulator.ormapp.models import Author

    ann, _bob, _ = _authors()
    got = Author.objects.get(pk=ann.pk)
    assert isinstance(got.pk, int) and got.pk == ann.pk
    assert got.name == "Ann" and got.age == 30 and got.big == 10**15 and got.small == 3
    assert got.rating == decimal.Decimal("4.50") and isinstance(got.rating, decimal.Decimal)
    assert got.score == 1.5 and got.active is True and got.born == datetime.date(1990, 5, 17)
    assert got.bio == "likes tea" and got.uid == ann.uid and got.nickname == "anon"
    b = Author.objects.get(name="Bob")
    assert b.email == "" and b.age is None and b.active is False and b.born is None and b.bio == ""


@scenario
def filter_exclude_order_slice() -> None:
    from django.db.models import Q

    from tests.django_on_emulator.ormapp.models import Author

    _authors()
    qs = Author.objects.order_by("name")
    assert [a.name for a in qs] == ["Ann", "Bob", "Cid"]
    assert [a.name for a in Author.objects.order_by("-name")[:2]] == ["Cid", "Bob"]
    assert [a.name for a in Author.objects.order_by("name")[1:3]] == ["Bob", "Cid"]
    assert [a.name for a in Author.objects.order_by("name")[1:]] == ["Bob", "Cid"]
    assert list(Author.objects.filter(age__gte=31).values_list("name", flat=True)) == ["Cid"]
    assert set(Author.objects.exclude(email="").values_list("name", flat=True)) == {"Ann", "Cid"}
    assert list(Author.objects.filter(age__isnull=True).values_list("name", flat=True)) == ["Bob"]
    assert Author.objects.filter(name__icontains="AN").get().name == "Ann"
    assert Author.objects.filter(name__startswith="C").count() == 1
    assert Author.objects.filter(name__endswith="b").count() == 1
    assert Author.objects.filter(name__contains="%").count() == 0
    assert Author.objects.filter(name__iexact="bob").count() == 1
    assert Author.objects.filter(name__in=["Ann", "Cid", "Zed"]).count() == 2
    assert Author.objects.filter(Q(age__lt=40) | Q(active=False)).count() == 2
    assert Author.objects.filter(rating__range=(decimal.Decimal("3"), decimal.Decimal("4.6"))).count() == 2
    assert Author.objects.filter(born__year=1990).get().name == "Ann"
    assert Author.objects.filter(born__month=1).get().name == "Cid"
    assert Author.objects.filter(name__regex=r"^[AB]").count() == 2
    assert Author.objects.order_by("age").first().name == "Ann"  # NULLs last ascending, as on Oracle
    assert Author.objects.order_by("-age").first().name == "Bob"
    assert Author.objects.filter(name="Nobody").exists() is False and Author.objects.exists()
    ages = list(Author.objects.order_by("name").values("name", "age"))
    assert ages == [{"name": "Ann", "age": 30}, {"name": "Bob", "age": None}, {"name": "Cid", "age": 45}]
    assert list(Author.objects.values_list("active", flat=True).distinct().order_by("active")) == [
        False,
        True,
    ]


@scenario
def aggregate_annotate() -> None:
    from django.db.models import Avg, CharField, Count, F, Max, Min, Sum, Value
    from django.db.models.functions import Coalesce, Concat, Length, Lower, Upper

    from tests.django_on_emulator.ormapp.models import Author, Book

    ann, _bob, cid = _authors()
    Book.objects.bulk_create(
        [Book(title=f"B{i}", author=ann if i % 2 else cid, page_count=100 * i) for i in range(1, 6)]
    )
    agg = Author.objects.aggregate(
        n=Count("id"), total=Sum("age"), avg=Avg("age"), mx=Max("rating"), mn=Min("born")
    )
    assert agg["n"] == 3 and agg["total"] == 75 and agg["avg"] == 37.5, agg
    assert agg["mx"] == decimal.Decimal("4.75") and agg["mn"] == datetime.date(1979, 1, 2), agg
    counts = dict(Author.objects.annotate(nb=Count("books")).values_list("name", "nb"))
    assert counts == {"Ann": 3, "Bob": 0, "Cid": 2}, counts
    pages = dict(Author.objects.annotate(p=Coalesce(Sum("books__page_count"), 0)).values_list("name", "p"))
    assert pages == {"Ann": 900, "Bob": 0, "Cid": 600}, pages
    row = Author.objects.annotate(
        up=Upper("name"),
        low=Lower("name"),
        ln=Length("name"),
        full=Concat("name", Value("-"), "email", output_field=CharField()),
        older=F("age") + 1,
    ).get(name="Ann")
    assert (row.up, row.low, row.ln, row.full, row.older) == ("ANN", "ann", 3, "Ann-ann@x.org", 31)
    per_author = list(Book.objects.values("author__name").annotate(c=Count("id")).order_by("author__name"))
    assert per_author == [{"author__name": "Ann", "c": 3}, {"author__name": "Cid", "c": 2}], per_author


@scenario
def relations_select_prefetch() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.django_on_emulator.ormapp.models import Author, Book, Label

    ann, bob, _ = _authors()
    Label.objects.all().delete()
    red, blue = Label.objects.create(name="red"), Label.objects.create(name="blue")
    b1 = Book.objects.create(title="T1", author=ann, page_count=10)
    b2 = Book.objects.create(title="T2", author=bob, page_count=20)
    b1.tags.add(red, blue)
    b2.tags.add(blue)
    with CaptureQueriesContext(connection) as q:
        titles = [(b.title, b.author.name) for b in Book.objects.select_related("author").order_by("title")]
    assert titles == [("T1", "Ann"), ("T2", "Bob")] and len(q) == 1
    with CaptureQueriesContext(connection) as q:
        tags = {b.title: sorted(t.name for t in b.tags.all()) for b in Book.objects.prefetch_related("tags")}
    assert tags == {"T1": ["blue", "red"], "T2": ["blue"]} and len(q) == 2, tags
    assert sorted(Label.objects.get(name="blue").books.values_list("title", flat=True)) == ["T1", "T2"]
    assert list(Author.objects.filter(books__tags__name="red").values_list("name", flat=True)) == ["Ann"]
    assert Book.objects.filter(author__name="Bob").get().title == "T2"


@scenario
def update_delete_get_or_create() -> None:
    from django.db.models import F

    from tests.django_on_emulator.ormapp.models import Author, Book

    ann, _bob, cid = _authors()
    Book.objects.create(title="X", author=cid)
    assert Author.objects.filter(age__isnull=False).update(age=F("age") + 1) == 2
    assert Author.objects.get(pk=ann.pk).age == 31
    obj, created = Author.objects.get_or_create(name="Dee", email="", defaults={"age": 5})
    assert created and obj.age == 5
    obj2, created2 = Author.objects.get_or_create(name="Dee", email="", defaults={"age": 99})
    assert not created2 and obj2.pk == obj.pk and obj2.age == 5
    _obj3, created3 = Author.objects.update_or_create(name="Dee", email="", defaults={"age": 6})
    assert not created3 and Author.objects.get(pk=obj.pk).age == 6
    deleted, per_model = Author.objects.filter(name="Cid").delete()  # cascades to the book
    assert deleted == 2 and per_model["ormapp.Book"] == 1, per_model
    assert Author.objects.count() == 3 and Book.objects.count() == 0


@scenario
def integrity_errors() -> None:
    from django.db import IntegrityError, connection, transaction

    from tests.django_on_emulator.ormapp.models import Book, Label

    _authors()
    Label.objects.all().delete()
    Label.objects.create(name="dup")
    try:
        with transaction.atomic():
            Label.objects.create(name="dup")
        raise AssertionError("unique violation not raised")
    except IntegrityError as e:
        assert "ORA-00001" in str(e), e
    # A foreign key to a missing row: deferred, so it fails at COMMIT (ORA-02091 / ORA-02291).
    try:
        with transaction.atomic():
            Book.objects.create(title="orphan", author_id=999999)
        raise AssertionError("FK violation not raised")
    except IntegrityError as e:
        assert "ORA-02291" in str(e), e
    assert not Book.objects.filter(title="orphan").exists()
    with connection.cursor() as c:
        try:
            c.execute('INSERT INTO "ORMAPP_LABEL" ("ID", "NAME", "WEIGHT") VALUES (NULL, NULL, 1)')
            c.execute(
                'INSERT INTO "ORMAPP_BOOK" ("TITLE", "AUTHOR_ID", "PAGE_COUNT") VALUES (\'t\', NULL, 1)'
            )
            raise AssertionError("NOT NULL violation not raised")
        except IntegrityError as e:
            assert "ORA-01400" in str(e), e
    assert Label.objects.count() == 2  # statement-level: the NULL-name row did get in (ID is identity)


@scenario
def atomic_nested_savepoints() -> None:
    from django.db import transaction

    from tests.django_on_emulator.ormapp.models import Label

    Label.objects.all().delete()
    with transaction.atomic():
        Label.objects.create(name="outer")
        try:
            with transaction.atomic():
                Label.objects.create(name="inner-1")
                with transaction.atomic():
                    Label.objects.create(name="inner-2")
                raise RuntimeError("roll back inner")
        except RuntimeError:
            pass
        with transaction.atomic():
            Label.objects.create(name="kept")
    assert sorted(Label.objects.values_list("name", flat=True)) == ["kept", "outer"]
    try:
        with transaction.atomic():
            Label.objects.create(name="gone")
            raise RuntimeError
    except RuntimeError:
        pass
    assert not Label.objects.filter(name="gone").exists()


@scenario
def select_for_update_and_isolation_between_sessions() -> None:
    from django.db import connection, transaction

    from tests.django_on_emulator.ormapp.models import Label

    Label.objects.all().delete()
    Label.objects.create(name="lock-me")
    seen: dict[str, object] = {}

    def other_session() -> None:
        from django.db import connections

        # A second connection of the same schema: it must not see uncommitted rows.
        seen["count"] = Label.objects.filter(name="uncommitted").count()
        connections.close_all()

    with transaction.atomic():
        row = Label.objects.select_for_update().get(name="lock-me")
        row.name = "locked"
        row.save()
        Label.objects.create(name="uncommitted")
        t = threading.Thread(target=other_session)
        t.start()
        t.join(20)
    assert seen["count"] == 0, seen
    assert Label.objects.filter(name__in=["locked", "uncommitted"]).count() == 2
    assert connection.in_atomic_block is False


@scenario
def database_level_on_delete() -> None:
    """Django 6.1's DB_CASCADE / DB_SET_NULL: the ON DELETE clause in both FK forms Django emits
    (ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY, and the inline REFERENCES of an added column),
    DELETE_RULE back through get_relations, and the rule applied by the database, not by Django."""
    import django

    if django.VERSION < (6, 1):  # no database-level on_delete before 6.1
        return
    from django.db import connection, models
    from django.test.utils import isolate_apps

    with isolate_apps("tests.django_on_emulator.ormapp"):

        class Parent(models.Model):
            class Meta:
                app_label = "ormapp"
                db_table = "ormapp_dbparent"

        class Child(models.Model):
            up = models.ForeignKey(Parent, models.DB_CASCADE, related_name="+")
            opt = models.ForeignKey(Parent, models.DB_SET_NULL, null=True, related_name="+")

            class Meta:
                app_label = "ormapp"
                db_table = "ormapp_dbchild"

        opt = Child._meta.get_field("opt")
        with connection.schema_editor() as ed:
            ed.create_model(Parent)
            ed.create_model(Child)
            ed.remove_field(Child, opt)
            ed.add_field(Child, opt)  # re-added: the inline "REFERENCES … ON DELETE SET NULL" form
        try:
            with connection.cursor() as c:
                rels = connection.introspection.get_relations(c, "ormapp_dbchild")
            assert rels == {
                "up_id": ("id", "ormapp_dbparent", models.DB_CASCADE),
                "opt_id": ("id", "ormapp_dbparent", models.DB_SET_NULL),
            }, rels
            p1, p2 = Parent.objects.create(), Parent.objects.create()
            child = Child.objects.create(up=p1, opt=p2)
            p2.delete()  # Django collects nothing for DB_* rules: the database must apply them
            assert Child.objects.values_list("opt_id", flat=True).get(pk=child.pk) is None
            p1.delete()
            assert not Child.objects.exists()
        finally:
            with connection.schema_editor() as ed:
                ed.delete_model(Child)
                ed.delete_model(Parent)


@scenario
def tenant_isolation_between_schemas() -> None:
    from tests.django_on_emulator.ormapp.models import Author, Label

    _authors("default")
    Label.objects.using("t2").all().delete()
    Label.objects.using("t2").create(name="only-in-t2")
    assert Author.objects.using("t2").count() == 0
    assert Author.objects.using("default").count() == 3
    assert not Label.objects.using("default").filter(name="only-in-t2").exists()
    assert list(Label.objects.using("t2").values_list("name", flat=True)) == ["only-in-t2"]


@scenario
def expressions_case_subquery_dates() -> None:
    from django.db.models import Case, Exists, IntegerField, OuterRef, Subquery, Value, When
    from django.db.models.functions import ExtractYear, TruncMonth

    from tests.django_on_emulator.ormapp.models import Author, Book

    ann, _bob, _cid = _authors()
    when = datetime.datetime(2024, 3, 15, 10, 30, tzinfo=datetime.UTC)
    Book.objects.create(title="dated", author=ann, published=when)
    labels = dict(
        Author.objects.annotate(
            band=Case(
                When(age__gte=40, then=Value("old")),
                When(age__isnull=True, then=Value("?")),
                default=Value("young"),
            )
        ).values_list("name", "band")
    )
    assert labels == {"Ann": "young", "Bob": "?", "Cid": "old"}, labels
    has = set(
        Author.objects.filter(Exists(Book.objects.filter(author=OuterRef("pk")))).values_list(
            "name", flat=True
        )
    )
    assert has == {"Ann"}
    newest = Author.objects.annotate(
        latest=Subquery(Book.objects.filter(author=OuterRef("pk")).order_by("-id").values("title")[:1])
    ).get(pk=ann.pk)
    assert newest.latest == "dated"
    b = Book.objects.annotate(y=ExtractYear("published"), m=TruncMonth("published")).get(title="dated")
    # Truncation happens in the current time zone (settings.TIME_ZONE, America/Chicago).
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    assert b.y == 2024 and b.m == datetime.datetime(2024, 3, 1, tzinfo=chicago), (b.y, b.m)
    assert b.published == when
    assert Book.objects.filter(published__date=datetime.date(2024, 3, 15)).count() == 1
    assert Book.objects.filter(published__gt=when - datetime.timedelta(seconds=1)).count() == 1
    n = Author.objects.annotate(k=Case(When(active=True, then=1), default=0, output_field=IntegerField()))
    assert sorted(n.values_list("k", flat=True)) == [0, 1, 1]


@scenario
def auth_and_sessions_apps() -> None:
    from django.contrib.auth import authenticate
    from django.contrib.auth.models import Group, Permission, User
    from django.contrib.sessions.backends.db import SessionStore

    User.objects.filter(username="carol").delete()
    u = User.objects.create_user("carol", "c@x.org", "s3cret")
    g, _ = Group.objects.get_or_create(name="editors")
    u.groups.add(g)
    g.permissions.add(*Permission.objects.filter(codename__startswith="add_")[:3])
    assert authenticate(username="carol", password="s3cret") == u
    assert len(User.objects.get(pk=u.pk).get_all_permissions()) == 3
    s = SessionStore()
    s["k"] = "v" * 5000  # > 4000 characters: bound as a CLOB
    s.create()
    assert SessionStore(session_key=s.session_key)["k"] == "v" * 5000


@scenario
def more_querysets() -> None:
    from django.db.models import Count, F, IntegerField, Max, OuterRef, Subquery, Window
    from django.db.models.functions import Greatest, Lower, RowNumber

    from tests.django_on_emulator.ormapp.models import Author, Book

    ann, bob, cid = _authors()
    Book.objects.bulk_create(
        [Book(title=f"t{i:03d}", author=(ann, bob, cid)[i % 3], page_count=i) for i in range(150)]
    )
    assert Book.objects.count() == 150
    by_id = Author.objects.in_bulk([ann.pk, cid.pk])
    assert set(by_id) == {ann.pk, cid.pk} and by_id[ann.pk].name == "Ann"
    assert sum(1 for _ in Book.objects.iterator(chunk_size=7)) == 150
    assert Author.objects.order_by("name").last().name == "Cid"
    assert [a.name for a in Author.objects.order_by("name").reverse()[:1]] == ["Cid"]
    assert Author.objects.only("name").get(pk=ann.pk).name == "Ann"
    assert Author.objects.defer("bio").get(pk=ann.pk).bio == "likes tea"
    assert Author.objects.filter(bio__contains="tea").count() == 1  # NCLOB through DBMS_LOB.SUBSTR
    assert Author.objects.filter(uid=ann.uid).get().pk == ann.pk
    u = (
        Author.objects.filter(name="Ann")
        .values_list("name", flat=True)
        .union(Author.objects.filter(name="Bob").values_list("name", flat=True))
    )
    assert sorted(u) == ["Ann", "Bob"]
    assert list(Author.objects.order_by(Lower("name").desc()).values_list("name", flat=True)) == [
        "Cid",
        "Bob",
        "Ann",
    ]
    inner = Book.objects.filter(page_count__gt=140).values("author_id")
    assert Author.objects.filter(pk__in=inner).count() == 3
    assert Author.objects.annotate(n=Count("books__page_count", distinct=True)).get(pk=ann.pk).n == 50
    ranked = list(
        Book.objects.filter(author=ann)
        .annotate(rn=Window(RowNumber(), order_by=F("page_count").desc()))
        .order_by("rn")
        .values_list("rn", "page_count")[:2]
    )
    assert ranked == [(1, 147), (2, 144)], ranked
    g = Author.objects.annotate(g=Greatest("age", "big", output_field=IntegerField())).get(pk=ann.pk).g
    assert g == 10**15
    assert (
        Author.objects.annotate(g=Greatest("age", "big", output_field=IntegerField())).get(pk=bob.pk).g
        is None
    )
    top = (
        Author.objects.annotate(
            top=Subquery(
                Book.objects.filter(author=OuterRef("pk"))
                .values("author")
                .annotate(m=Max("page_count"))
                .values("m")
            )
        )
        .get(pk=cid.pk)
        .top
    )
    assert top == 149
    Author.objects.filter(pk=ann.pk).update(rating=F("rating") * 2, score=F("score") / 4)
    ann.refresh_from_db()
    assert ann.rating == decimal.Decimal("9.00") and ann.score == 0.375
    dates = list(Author.objects.filter(born__isnull=False).dates("born", "year").order_by("born"))
    assert dates == [datetime.date(1979, 1, 1), datetime.date(1990, 1, 1)], dates
    assert Book.objects.filter(title__in=[f"t{i:03d}" for i in range(0, 150, 2)]).count() == 75
    assert list(Author.objects.values("active").annotate(n=Count("id")).order_by("active")) == [
        {"active": False, "n": 1},
        {"active": True, "n": 2},
    ]


@scenario
def blob_interval_time_json() -> None:
    from tests.django_on_emulator.ormapp.models import Misc

    Misc.objects.all().delete()
    m = Misc.objects.create(
        blob=b"\x00\x01binary\xff",
        span=datetime.timedelta(days=2, seconds=5, microseconds=7),
        at=datetime.time(13, 45, 10),
        doc={"k": [1, 2], "s": "x"},
        ip="10.0.0.1",
    )
    got = Misc.objects.get(pk=m.pk)
    assert bytes(got.blob) == b"\x00\x01binary\xff"
    assert got.span == datetime.timedelta(days=2, seconds=5, microseconds=7), got.span
    assert got.at == datetime.time(13, 45, 10) and got.ip == "10.0.0.1"
    assert got.doc == {"k": [1, 2], "s": "x"}, got.doc
    assert Misc.objects.filter(at__gt=datetime.time(12)).count() == 1
    assert Misc.objects.filter(span__gt=datetime.timedelta(days=1)).count() == 1
    empty = Misc.objects.create()  # NULL passes the IS JSON check
    assert Misc.objects.get(pk=empty.pk).doc is None


@scenario
def json_lookups() -> None:
    from tests.django_on_emulator.ormapp.models import Misc

    Misc.objects.all().delete()
    Misc.objects.create(doc={"k": 1, "s": "x", "n": {"a": True}})
    Misc.objects.create(doc={"k": 2})
    assert Misc.objects.filter(doc__k=1).count() == 1
    assert Misc.objects.filter(doc__s="x").count() == 1
    assert Misc.objects.filter(doc__has_key="s").count() == 1
    assert Misc.objects.filter(doc__n__a=True).count() == 1
    assert sorted(Misc.objects.values_list("doc__k", flat=True)) == [1, 2]
    assert Misc.objects.filter(doc={"k": 2}).count() == 1
    assert Misc.objects.filter(doc__k__gt=1).count() == 1
    assert Misc.objects.filter(doc__k__in=[1, 2]).count() == 2
    assert Misc.objects.filter(doc__s__icontains="X").count() == 1
    assert Misc.objects.filter(doc__s__isnull=True).count() == 1
    assert Misc.objects.get(doc__k=1).doc["n"] == {"a": True}


@scenario
def flush_dumpdata_loaddata() -> None:
    import os
    import tempfile

    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    from tests.django_on_emulator.ormapp.models import Author, Label

    _authors("t2")
    Label.objects.using("t2").all().delete()
    Label.objects.using("t2").create(name="fixture-1")
    Label.objects.using("t2").create(name="fixture-2")
    buf = io.StringIO()
    call_command("dumpdata", "ormapp.label", database="t2", stdout=buf)
    # flush: DISABLE CONSTRAINT … KEEP INDEX, TRUNCATE TABLE, ENABLE, and the sequence-reset PL/SQL.
    call_command("flush", database="t2", interactive=False, verbosity=0)
    assert Author.objects.using("t2").count() == 0 and Label.objects.using("t2").count() == 0
    assert ContentType.objects.using("t2").filter(app_label="ormapp").exists()  # post_migrate re-ran
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(buf.getvalue())
    try:
        call_command("loaddata", f.name, database="t2", verbosity=0)  # ends with sequence_reset_sql
    finally:
        os.unlink(f.name)
    assert sorted(Label.objects.using("t2").values_list("name", flat=True)) == ["fixture-1", "fixture-2"]
    new = Label.objects.using("t2").create(name="after-load")
    assert new.pk > max(Label.objects.using("t2").exclude(pk=new.pk).values_list("pk", flat=True))


@scenario
def date_functions_and_interval_arithmetic() -> None:
    from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F
    from django.db.models.functions import (
        ExtractIsoYear,
        ExtractQuarter,
        ExtractWeek,
        ExtractWeekDay,
        Now,
        TruncDate,
        TruncWeek,
    )

    from tests.django_on_emulator.ormapp.models import Book, Misc

    ann, _, _ = _authors()
    when = datetime.datetime(2024, 3, 15, 10, 30, tzinfo=datetime.UTC)  # a Friday
    Book.objects.create(title="dated", author=ann, published=when)
    b = Book.objects.annotate(
        wd=ExtractWeekDay("published"),
        q=ExtractQuarter("published"),
        w=ExtractWeek("published"),
        iy=ExtractIsoYear("published"),
        d=TruncDate("published"),
        tw=TruncWeek("published"),
        later=ExpressionWrapper(
            F("published") + datetime.timedelta(days=1, hours=2), output_field=DateTimeField()
        ),
        age=ExpressionWrapper(Now() - F("published"), output_field=DurationField()),
    ).get(title="dated")
    assert (b.wd, b.q, b.w, b.iy) == (6, 1, 11, 2024), (b.wd, b.q, b.w, b.iy)
    assert b.d == datetime.date(2024, 3, 15)
    assert b.tw == datetime.datetime(2024, 3, 11, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
    assert b.later == when + datetime.timedelta(days=1, hours=2), b.later
    assert b.age > datetime.timedelta(days=200), b.age
    assert Book.objects.filter(published__lt=Now()).count() == 1
    assert Book.objects.filter(published__gt=F("published") - datetime.timedelta(seconds=1)).count() == 1
    Misc.objects.all().delete()
    Misc.objects.create(span=datetime.timedelta(hours=5))
    longer = Misc.objects.annotate(
        s=ExpressionWrapper(F("span") + datetime.timedelta(hours=1), output_field=DurationField())
    ).get()
    assert longer.s == datetime.timedelta(hours=6)


@scenario
def model_constraints_and_altered_fields() -> None:
    from django.db import IntegrityError, connection, transaction

    from tests.django_on_emulator.ormapp.models import Label

    Label.objects.all().delete()
    Label.objects.create(name="Red", weight=2, note="n" * 500)
    with transaction.atomic(), connection.cursor() as c:
        cons = connection.introspection.get_constraints(c, "ormapp_label")
    assert "label_weight_gte_0" in cons and cons["label_weight_gte_0"]["check"]
    assert "label_name_ci_uniq" in cons and cons["label_name_ci_uniq"]["unique"], cons
    with connection.cursor() as c:
        assert "book_title_author_ix" in connection.introspection.get_constraints(c, "ormapp_book")
    for bad in ({"name": "RED"}, {"name": "neg", "weight": -1}):
        try:
            with transaction.atomic():
                Label.objects.create(**bad)
            raise AssertionError(f"{bad} accepted")
        except IntegrityError:
            pass
    try:
        with transaction.atomic():
            Label.objects.create(name="long", note="n" * 501)
        raise AssertionError("501 characters accepted in a 500-character column")
    except Exception as e:  # DataError (ORA-12899)
        assert "ORA-12899" in str(e), e
    assert list(Label.objects.values_list("name", flat=True)) == ["Red"]


@scenario
def django_test_database_creation() -> None:
    from django.db import connections

    from tests.django_on_emulator.ormapp.models import Label

    conn = connections["creator"]
    conn.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        assert conn.settings_dict["USER"] == "test_tenant"
        Label.objects.using("creator").create(name="in-test-db")
        with conn.cursor() as c:
            c.execute("SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL")
            assert c.fetchone() == ("TEST_TENANT",)
        assert not Label.objects.using("default").filter(name="in-test-db").exists()
    finally:
        conn.creation.destroy_test_db("creator", verbosity=0)


@scenario
def raw_sql_and_cursor() -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT 1 + %s, 'x' || %s FROM DUAL", [41, "y"])
        assert c.fetchone() == (42, "xy")
        c.execute("SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL")
        assert c.fetchone() == ("TENANT1",)


def main() -> int:
    srv = setup()
    results: dict[str, str] = {}
    only = set(sys.argv[1:])
    start = time.perf_counter()
    for name, fn in SCENARIOS.items():
        if only and name not in only and name != "migrate_two_schemas_and_noop":
            continue
        try:
            fn()
            results[name] = "ok"
        except BaseException:
            results[name] = traceback.format_exc()
    from django.db import connections

    connections.close_all()
    for alias in ("default", "t2"):
        with contextlib.suppress(Exception):
            connections[alias].close_pool()
    srv.stop()  # type: ignore[attr-defined]
    results["_seconds"] = f"{time.perf_counter() - start:.2f}"
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
