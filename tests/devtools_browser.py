"""Headless Chromium driven over the DevTools protocol, for the browser tests (tests/report_page_test.py and
tests/service/candidate_page_test.py). Only Python's standard library: the protocol runs on a pipe
(--remote-debugging-pipe), not a WebSocket.

A failed check prints one line "FAIL: ..." on standard error and exits with status 1, which CTest reports.
"""

import base64
import json
import os
import subprocess
import sys
import time


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


class Browser:
    """Headless Chromium with the DevTools protocol on a pipe: Chromium reads commands from its descriptor 3 and
    writes replies and events to its descriptor 4, each message a JSON text ended by a NUL byte. One page is
    attached in flat mode (its commands carry the session id); console messages, uncaught exceptions and, when the
    Log domain is enabled, log entries of the page are collected in `console`."""

    def __init__(self, chromium, work, window_size=(800, 1000), hide_scrollbars=False):
        to_browser_read, to_browser_write = os.pipe()
        from_browser_read, from_browser_write = os.pipe()
        # Parked above any descriptor the child sets up, so that moving them to 3 and 4 cannot clobber each other.
        command_fd = os.dup2(to_browser_read, 100)
        event_fd = os.dup2(from_browser_write, 101)

        def descriptors():
            os.dup2(command_fd, 3)
            os.dup2(event_fd, 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-proxy-server", "--remote-debugging-pipe", "--window-size=%d,%d" % window_size,
                 "--user-data-dir=" + os.path.join(work, "profile")]
        if hide_scrollbars:
            flags.append("--hide-scrollbars")
        self.log = open(os.path.join(work, "chromium.log"), "w")
        self.process = subprocess.Popen([chromium] + flags + ["about:blank"], stdout=subprocess.DEVNULL,
                                        stderr=self.log, preexec_fn=descriptors, close_fds=False)
        for fd in (to_browser_read, from_browser_write, command_fd, event_fd):
            os.close(fd)
        self.writer = os.fdopen(to_browser_write, "wb", buffering=0)
        self.reader = os.fdopen(from_browser_read, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.session = None
        self.console = []

    def _receive(self):
        while b"\0" not in self.buffer:
            chunk = self.reader.read(65536)
            if not chunk:
                fail("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def _note_event(self, event):
        name = event.get("method", "")
        params = event.get("params", {})
        if name == "Runtime.consoleAPICalled":
            self.console.append(" ".join(str(arg.get("value", arg.get("description", "")))
                                         for arg in params.get("args", [])))
        elif name == "Runtime.exceptionThrown":
            self.console.append(json.dumps(params["exceptionDetails"])[:500])
        elif name == "Log.entryAdded":
            self.console.append(params["entry"].get("text", ""))

    def send(self, method, params=None, page=True):
        """Sends one command (to the attached page unless `page` is false) and returns its result; events that
        arrive meanwhile are noted."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if page and self.session:
            message["sessionId"] = self.session
        self.writer.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    fail(method + ": " + json.dumps(reply["error"]))
                return reply.get("result", {})
            self._note_event(reply)

    def attach(self, domains=("Runtime", "Page")):
        """Opens a blank page, attaches to it and enables `domains` (add "Log" to collect the page's log too)."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 page=False)["sessionId"]
        for domain in domains:
            self.send(domain + ".enable")

    def resize(self, width, height):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def navigate(self, url):
        self.send("Page.navigate", {"url": url})

    def load(self, url, seconds=30):
        """Navigates and waits until `url` has loaded completely."""
        self.navigate(url)
        self.wait_for("document.readyState === 'complete' && location.href === %s" % json.dumps(url), seconds)

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            fail("evaluate " + expression[:200] + ": " + json.dumps(result["exceptionDetails"])[:500])
        return result["result"].get("value")

    def wait_for(self, expression, seconds=30):
        """The first truthy value of `expression`, polled; an exception (a page still loading) counts as false."""
        deadline = time.time() + seconds
        guarded = "(() => { try { return (%s); } catch (e) { return null; } })()" % expression
        while time.time() < deadline:
            value = self.evaluate(guarded)
            if value:
                return value
            time.sleep(0.05)
        fail("timed out waiting for " + expression[:200] + "; page state " +
             str(self.evaluate("document.body && document.body.dataset.state")))

    def click(self, selector):
        """A real mouse click at the middle of the element (pressed and released), as a person clicks."""
        box = self.evaluate("(() => { const e = document.querySelector(%s); e.scrollIntoView({block: 'center'});"
                            " const r = e.getBoundingClientRect();"
                            " return [r.left + r.width / 2, r.top + r.height / 2]; })()" % json.dumps(selector))
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})

    def screenshot(self, path):
        """The viewport as PNG in `path`; returns the file's size (a whole-page capture takes seconds to encode)."""
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))
        return os.path.getsize(path)

    def close(self):
        try:
            self.send("Browser.close", page=False)
        except SystemExit:
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
