"""Tenant-aware building blocks: cache keys, a logging filter, file storage and the URLconf choice."""
