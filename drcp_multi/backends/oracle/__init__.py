"""``ENGINE: "drcp_multi.backends.oracle"``: Django's Oracle backend on a process-wide DRCP pool registry."""
