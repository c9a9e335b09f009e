"""Models exercising the Django field types and relations the emulator's SQL engine must handle."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Lower


class Author(models.Model):
    name = models.CharField(max_length=150)
    nickname = models.CharField(max_length=30, default="anon")
    email = models.EmailField(blank=True)
    age = models.IntegerField(null=True)
    rating = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    score = models.FloatField(default=0)
    active = models.BooleanField(default=True)
    born = models.DateField(null=True)
    bio = models.TextField(blank=True)
    uid = models.UUIDField(default=uuid.uuid4)
    big = models.BigIntegerField(default=0)
    small = models.PositiveSmallIntegerField(default=0)

    class Meta:
        app_label = "ormapp"
        unique_together = [("name", "email")]


class Label(models.Model):
    name = models.CharField(max_length=50, unique=True)
    weight = models.IntegerField(default=1)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        app_label = "ormapp"
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="label_weight_gte_0"),
            models.UniqueConstraint(Lower("name"), name="label_name_ci_uniq"),
        ]


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    page_count = models.IntegerField(default=0)
    isbn = models.CharField(max_length=20, null=True, db_index=True)
    published = models.DateTimeField(null=True)
    tags = models.ManyToManyField(Label, blank=True, related_name="books")

    class Meta:
        app_label = "ormapp"
        indexes = [models.Index(fields=["title", "author"], name="book_title_author_ix")]


class Misc(models.Model):
    """Less common field types: BLOB, INTERVAL DAY TO SECOND, time-of-day, JSON."""

    blob = models.BinaryField(null=True)
    span = models.DurationField(null=True)
    at = models.TimeField(null=True)
    doc = models.JSONField(null=True)
    ip = models.GenericIPAddressField(null=True)

    class Meta:
        app_label = "ormapp"
