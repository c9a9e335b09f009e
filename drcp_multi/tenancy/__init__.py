"""Tenancy: the current tenant (contextvars), resolvers, the tenant catalog."""
