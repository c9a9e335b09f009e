"""A runnable multi-tenant SaaS on drcp_multi: ``python -m example_project`` (see docs/example.md)."""
