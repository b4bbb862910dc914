"""The HTML report of a small battery study in headless Chromium at 800 and 1400 px wide, driven over the DevTools
protocol (tests/devtools_browser.py: a pipe, Python's standard library only). At each width:

- nothing overflows sideways: document.documentElement.scrollWidth <= the window's width (wide tables scroll inside
  their own container);
- every chart (figure.chart) has its title (figcaption) above its drawing, and every drawing has some width;
- the role-fit charts name every role on their axis, and the confusion matrix has a row per role;
- the text refers to no table "below";
- a screenshot of the page's top (the viewport) is not blank (well above the size of a blank page's screenshot);
- the console stays silent (the report has no scripts, so any line is an error).

Usage: report_page_test.py IRTCAT CHROMIUM ROLES_JSON WORK_DIR
"""

import json
import os
import shutil
import subprocess
import sys

from devtools_browser import Browser, check


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

    browser = Browser(chromium, work, window_size=(800, 1000), hide_scrollbars=True)
    try:
        browser.attach(("Runtime", "Page", "Log"))
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
