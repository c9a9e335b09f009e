"""Test helpers: the pytest plugin that starts the wire-level DRCP test server (``oracle_emulator``)."""
