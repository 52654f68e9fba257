"""`ogpsite serve` in a subprocess on a free loopback port, as a maintainer runs it."""

from __future__ import annotations

import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from .conftest import BUILD_DATE, ROOT

BUILD_LINE = re.compile(r"\] (Built \d+ pages|Build failed|Build crashed)")


def private_project(project: Path) -> Path:
    """A copy of the templates beside the content, so edits elsewhere in the repo trigger nothing."""
    shutil.copytree(ROOT / "templates", project / "templates")
    return project


class Preview:
    """A running `python build.py serve`; its output is collected line by line."""

    def __init__(self, cwd: Path, *args: str, wait: bool = True):
        self.cwd = cwd
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "--date", BUILD_DATE.isoformat(), *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.lines, self._new), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.errors, None), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.url = ""
        if wait:
            line = self.wait_for(r"^Serving .* on (http://\S+/)")
            self.url = re.search(r"(http://\S+/)", line).group(1)  # type: ignore[union-attr]

    @staticmethod
    def _read(stream, sink: list[str], notify: queue.Queue[str] | None) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            sink.append(line.rstrip("\n"))
            if notify is not None:
                notify.put(line)

    def wait_for(self, pattern: str, timeout: float = 90) -> str:
        """The next output line matching `pattern` (lines already seen are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._new.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and self._new.empty():
                    break
                continue
            if re.search(pattern, line):
                return line.rstrip("\n")
        raise AssertionError(f"no line matching {pattern!r}; output:\n" + "\n".join(self.lines + self.errors))

    def next_build(self, timeout: float = 90) -> str:
        return self.wait_for(BUILD_LINE.pattern, timeout)

    def fetch(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path.lstrip("/"), headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].strip("/"))

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        for reader in self._readers:  # the last lines may still be in the pipes
            reader.join(timeout=10)
        return status

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.stop()


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
