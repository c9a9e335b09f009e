"""Take the dashboard screenshot for the README: ``python -m example_project.screenshot [--out PATH]``.

Starts ``python -m example_project --load`` on a free port (embedded wire server unless ``DRCP_*`` are set),
lets the load run so the charts have history, and photographs the dashboard in headless Chromium (Debian's
``chromium`` package through Playwright; needs ``pip install playwright``, never ``playwright install``).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # Chromium resolves *.localhost to loopback by itself; this makes it independent of the resolver.
    "--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "dashboard.png"))
    parser.add_argument("--warmup", type=float, default=115.0, help="seconds of load before the picture")
    parser.add_argument(
        "--chromium", default=os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    )
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "EXAMPLE_DATA_DIR": data_dir, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "example_project", "--port", "0", "--load", "--load-concurrency", "4"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            port = None
            assert proc.stdout is not None
            for line in proc.stdout:
                print(line, end="")
                m = re.match(r"EXAMPLE_URL=http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    port = int(m.group(1))
                    break
            if port is None:
                raise SystemExit("the example did not start")
            # A tenant added at runtime shows up too; a few task rows make the tenant pages look used.
            subprocess.run(
                [sys.executable, "-m", "example_project.manage", "tenants", "add", "umbrella"],
                cwd=REPO,
                env=env,
                check=True,
            )
            time.sleep(args.warmup)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
                page.goto(f"http://localhost:{port}/dashboard/")
                page.wait_for_selector("#chart-requests polyline", timeout=20_000)
                time.sleep(2.5)  # one more poll, so the "updated" time is fresh
                page.screenshot(path=args.out, full_page=True)
                browser.close()
            print(f"saved {args.out}")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
