"""A page opened in headless Chromium over the DevTools protocol: its picture, its DOM, what it asked for.

Why the protocol and not only `--screenshot`: the screenshot flag says
nothing of console errors or of requests the page made. Over
`--remote-debugging-pipe` (commands on fd 3, replies on fd 4, each a JSON
object ended by a NUL byte) we see every request, every failed load and
every console message, then take a full-page PNG and the DOM as rendered.
No port is opened and nothing is fetched: the flags switch off Chromium's
own background traffic, so any request but the page itself is the page's.
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--remote-debugging-pipe",
         "--disable-extensions", "--mute-audio")


def chromium() -> str | None:
    """The browser's command, or None (the tests that need it skip)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Page:
    png: bytes
    dom: str
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    size: tuple[int, int] = (0, 0)
    measured: Any = None  # the value of `measure`, a JavaScript expression run on the loaded page


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], out_fd: int, in_fd: int) -> None:
        self.proc, self.out_fd, self.in_fd = proc, out_fd, in_fd
        self.next_id = 0
        self.buf = b""
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, session: str | None = None, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.out_fd, json.dumps(msg).encode() + b"\0")
        want = self.next_id
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == want:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._read(deadline))

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.in_fd], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self.in_fd, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)


def open_page(path: str, width: int = 1100, timeout: float = 60.0, measure: str = "") -> Page:
    """Load a local file as a page, then return its full-length PNG, DOM and what it asked for."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not installed")
    url = "file://" + os.path.abspath(path)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    to_child, from_us = os.pipe()
    to_us, from_child = os.pipe()

    def fds() -> None:  # the protocol's fixed descriptors in the child (copied high first: no clobbering)
        a, b = os.dup(to_child), os.dup(from_child)
        os.dup2(a, 3)
        os.dup2(b, 4)

    proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"], pass_fds=(3, 4),
                            preexec_fn=fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_child)
    os.close(from_child)
    pipe = _Pipe(proc, from_us, to_us)
    try:
        return _load(pipe, url, width, timeout, measure)
    finally:
        try:
            pipe.send("Browser.close", timeout=5)
        except Exception:
            proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(from_us)
        os.close(to_us)
        shutil.rmtree(profile, ignore_errors=True)


def _load(pipe: _Pipe, url: str, width: int, timeout: float, measure: str) -> Page:
    target = pipe.send("Target.createTarget", url="about:blank")["targetId"]
    session = pipe.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Network", "Runtime", "Log"):
        pipe.send(f"{domain}.enable", session)
    pipe.send("Emulation.setDeviceMetricsOverride", session, width=width, height=900, deviceScaleFactor=1,
              mobile=False)
    pipe.events.clear()
    pipe.send("Page.navigate", session, url=url)
    pipe.wait_for("Page.loadEventFired", timeout)
    pipe.send("Runtime.evaluate", session, expression="1")  # let queued events arrive
    metrics = pipe.send("Page.getLayoutMetrics", session)
    size = metrics["cssContentSize"]
    w, h = int(size["width"]), int(size["height"])
    shot = pipe.send("Page.captureScreenshot", session, timeout=timeout, format="png", captureBeyondViewport=True,
                     clip={"x": 0, "y": 0, "width": w, "height": h, "scale": 1})
    dom = pipe.send("Runtime.evaluate", session, expression="document.documentElement.outerHTML",
                    returnByValue=True)["result"]["value"]
    page = Page(base64.b64decode(shot["data"]), dom, size=(w, h))
    if measure:
        page.measured = pipe.send("Runtime.evaluate", session, expression=measure,
                                  returnByValue=True)["result"].get("value")
    for e in pipe.events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Network.requestWillBeSent":
            page.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            page.failed.append(f"{params.get('type')}: {params.get('errorText')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            page.console_errors.append(json.dumps(params.get("args")))
        elif method == "Runtime.exceptionThrown":
            page.console_errors.append(json.dumps(params.get("exceptionDetails")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            page.console_errors.append(params["entry"].get("text", ""))
    return page


class Tables(HTMLParser):
    """Every table with an id: its body rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._id: str | None = None
        self._in_body = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self._id = dict(attrs).get("id")
            if self._id:
                self.tables[self._id] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._id:
                self.tables[self._id].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._id = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def check_self_contained(page: Page, url: str) -> None:
    """Nothing asked for but the page itself, nothing failed, nothing said on the console."""
    assert page.requests == [url], f"the page asked for more than itself: {page.requests}"
    assert page.failed == [], page.failed
    assert page.console_errors == [], page.console_errors
