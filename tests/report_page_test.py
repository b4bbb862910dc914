"""The HTML report of a small battery study in headless Chromium at 800 and 1400 px wide, driven over the DevTools
protocol (a pipe: Python's standard library only, as tests/service/candidate_page_test.py). At each width:

- nothing overflows sideways: document.documentElement.scrollWidth <= the window's width (wide tables scroll inside
  their own container);
- every chart (figure.chart) has its title (figcaption) above its drawing, and every drawing has some width;
- the role-fit charts name every role on their axis, and the confusion matrix has a row per role;
- the text refers to no table "below";
- a screenshot of the page's top (the viewport) is not blank (well above the size of a blank page's screenshot);
- the console stays silent (the report has no scripts, so any line is an error).

Usage: report_page_test.py IRTCAT CHROMIUM ROLES_JSON WORK_DIR
"""

import base64
import json
import os
import shutil
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
    """Headless Chromium with the DevTools protocol on a pipe (--remote-debugging-pipe: commands in on fd 3,
    replies and events out on fd 4, each message JSON ended by a NUL byte), one page attached in flat mode."""

    def __init__(self, chromium, work):
        to_browser_read, to_browser_write = os.pipe()
        from_browser_read, from_browser_write = os.pipe()
        command_fd = os.dup2(to_browser_read, 100)  # above any descriptor the child sets up
        event_fd = os.dup2(from_browser_write, 101)

        def descriptors():
            os.dup2(command_fd, 3)
            os.dup2(event_fd, 4)

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-proxy-server", "--hide-scrollbars", "--remote-debugging-pipe", "--window-size=800,1000",
             "--user-data-dir=" + os.path.join(work, "profile"), "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "chromium.log"), "w"),
            preexec_fn=descriptors, close_fds=False)
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

    def send(self, method, params=None, page=True):
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
            name = reply.get("method", "")
            if name == "Runtime.consoleAPICalled":
                self.console.append(" ".join(str(a.get("value", a.get("description", "")))
                                             for a in reply["params"].get("args", [])))
            elif name == "Runtime.exceptionThrown":
                self.console.append(json.dumps(reply["params"]["exceptionDetails"])[:500])
            elif name == "Log.entryAdded":
                self.console.append(reply["params"]["entry"].get("text", ""))

    def attach(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 page=False)["sessionId"]
        for domain in ("Runtime", "Page", "Log"):
            self.send(domain + ".enable")

    def resize(self, width, height):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def load(self, url):
        self.send("Page.navigate", {"url": url})
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.evaluate("document.readyState === 'complete' && location.href === %s" % json.dumps(url)):
                return
            time.sleep(0.05)
        fail("timed out loading " + url)

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            fail("evaluate " + expression[:200] + ": " + json.dumps(result["exceptionDetails"])[:500])
        return result["result"].get("value")

    def screenshot(self, path):
        """The viewport (a whole-page capture of the report takes seconds to encode)."""
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


# Measured in the page: one object per property the report must have.
LAYOUT = """(() => {
  const figures = [...document.querySelectorAll('figure.chart')].map(f => {
    const title = f.querySelector(':scope > figcaption');
    const drawing = f.querySelector(':scope > svg');
    if (!title || !drawing) return {title: title ? title.textContent : null, drawing: !!drawing};
    const t = title.getBoundingClientRect(), d = drawing.getBoundingClientRect();
    return {title: title.textContent, above: t.bottom <= d.top + 0.5, width: d.width, height: d.height,
            right: d.right};
  });
  return {
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    figures: figures,
    roleAxes: [...document.querySelectorAll('svg.role-fit g.role-axis')].map(
        g => [...g.querySelectorAll('text')].map(t => t.textContent)),
    confusionRows: [...document.querySelectorAll('table.confusion tr')].slice(1).map(r => r.cells[0].textContent),
    text: document.body.innerText,
  };
})()"""


def main():
    irtcat, chromium, roles_file, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(roles_file) as roles_json:
        roles = [role["title"] for role in json.load(roles_json)["roles"]]

    # Small and quick (also under the sanitizers): 42 candidates, 6 per role, 8-item tests.
    subprocess.run([irtcat, "simulate", "--candidates", "42", "--length", "8", "--threads", "2", "--seed", "3",
                    "--out-dir", os.path.join(work, "study")], check=True, stdout=subprocess.DEVNULL)
    report = "file://" + os.path.join(work, "study", "report.html")
    blank_page = os.path.join(work, "blank.html")
    with open(blank_page, "w") as blank:
        blank.write("<!DOCTYPE html><html><body></body></html>")

    browser = Browser(chromium, work)
    try:
        browser.attach()
        summary = []
        for width in (800, 1400):
            browser.resize(width, 1000)
            browser.load("file://" + blank_page)
            blank = browser.screenshot(os.path.join(work, "blank-%d.png" % width))
            browser.load(report)
            page = browser.evaluate(LAYOUT)
            where = " at %d px" % width
            check(page["innerWidth"] == width, "the window is %s px wide%s" % (page["innerWidth"], where))
            check(page["scrollWidth"] <= width,
                  "the page overflows sideways%s: scrollWidth %d" % (where, page["scrollWidth"]))
            figures = page["figures"]
            check(len(figures) >= 10, "only %d charts%s" % (len(figures), where))
            for figure in figures:
                check(figure["title"] and figure.get("above"), "a chart without its title above it%s: %s"
                      % (where, json.dumps(figure)))
                check(figure["width"] > 200 and figure["height"] > 100 and figure["right"] <= width,
                      "chart %r is %dx%d px, right edge %d%s" % (figure["title"], figure["width"], figure["height"],
                                                                  figure["right"], where))
            check(len(page["roleAxes"]) >= 1, "no role-fit chart" + where)
            for axis in page["roleAxes"]:
                for role in roles:
                    check(any(label.startswith(role) for label in axis), "role %r is not on the role axis%s: %s"
                          % (role, where, axis))
            check(page["confusionRows"] == roles, "the confusion matrix's rows: %s" % page["confusionRows"])
            check("below" not in page["text"], "the report points to something 'below'" + where)
            size = browser.screenshot(os.path.join(work, "report-%d.png" % width))
            check(size > 3 * blank, "the report's screenshot looks blank%s (%d bytes, blank %d)" % (where, size, blank))
            summary.append("%d px: scrollWidth %d, %d charts with titles above, screenshot %d bytes (blank %d)"
                           % (width, page["scrollWidth"], len(figures), size, blank))
        check(not browser.console, "the report wrote to the console: " + "; ".join(browser.console))
        print("; ".join(summary))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
