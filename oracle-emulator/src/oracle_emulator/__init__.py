"""A wire-level Oracle DRCP *test server* for the python-oracledb thin driver.

It speaks enough Oracle Net (TNS/TTC) for the real driver to connect, authenticate, run statements and
use DRCP, and records what it saw so tests can assert from the server's side. It is a test substrate,
not a database. It imports neither Django nor drcp_multi.
"""

from .results import OracleError
from .server import EmulatorServer, LatencyModel, StatementRecord

__all__ = ["EmulatorServer", "LatencyModel", "OracleError", "StatementRecord"]
