"""The example's one app: a per-tenant task list, tenant admin and the DRCP dashboard."""
