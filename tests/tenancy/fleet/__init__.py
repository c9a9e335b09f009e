"""A small multi-tenant project for fleet tests, run in processes of its own (``python -m
tests.tenancy.fleet <command> …``): its settings come from the environment (see settings.py), so a test
can start the wire server in its own process and point commands and Celery workers at it."""
