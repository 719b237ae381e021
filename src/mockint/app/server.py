"""Serve the Streamlit app in a subprocess: `serve` for `mockint app`; `AppServer` on a free local port for the
browser test and the app benchmark."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

APP_SCRIPT = Path(__file__).with_name("streamlit_app.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def streamlit_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The command `mockint app` runs, so the figures measure what a user starts."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        # A candidate sees a plain message; the traceback (with this machine's paths) goes to the log.
        "--client.showErrorDetails",
        "none",
        # Watching the sources is for editing a running app. After any run that imported modules, the watcher
        # resolves the path of every module in the process (thousands, with torch and chromadb) on the server's
        # event loop before the page's last messages go out: 0.6-0.9 s added to the first transcript shown.
        "--server.fileWatcherType",
        "none",
    ]


def serve(port: int, host: str = "127.0.0.1") -> int:
    """Run Streamlit in the foreground until it exits, or until this process gets SIGTERM or SIGINT,
    which stop Streamlit too (a service manager's `stop` must not leave it serving)."""
    process = subprocess.Popen(streamlit_command(port, host))

    def stop(signum: int, frame: object) -> None:
        process.terminate()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    # Stopped by a signal is a normal end of serving, not a failure.
    return 0 if code in (-signal.SIGTERM, -signal.SIGINT) else code


class AppServer:
    """`with AppServer(env) as app:` serves the app at `app.url` until the block ends."""

    def __init__(self, env: dict[str, str] | None = None, *, cwd: Path | None = None, log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.log = log
        self.process: subprocess.Popen | None = None
        self._out = None
        self.started_at = 0.0

    def start(self) -> "AppServer":
        self._out = open(self.log, "wb") if self.log else None  # noqa: SIM115 - closed in stop()
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            streamlit_command(self.port),
            env=self.env,
            cwd=self.cwd,
            stdout=self._out or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"the app did not answer on {self.url} within {timeout:.0f} s")

    def peak_rss_mib(self) -> float:
        """Peak resident memory of the server process so far (Linux VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmHWM not found in /proc (Linux only)")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._out is not None:
            self._out.close()
            self._out = None

    def __enter__(self) -> "AppServer":
        self.start()
        self.wait_healthy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
