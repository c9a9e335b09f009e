"""drcp_multi: multi-tenant Django on Oracle Database Resident Connection Pooling (DRCP)."""

__version__ = "0.1.0"
