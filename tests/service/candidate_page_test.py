"""The candidate's page of `irtcat serve` driven in headless Chromium over the DevTools protocol
(tests/devtools_browser.py: a pipe, so only Python's standard library is needed): a platform makes a section and a
candidate's token, the "candidate" opens the link, clicks an option and the submit button for every question,
reloads the page halfway (the session must carry on), and reads the result. The page must agree with the service's
own report of the session: the same items in the same order, each answer scored from the option clicked, the same
scale score, level and topic counts. Screenshots of a question and of the result must not be blank, and the console
must stay silent.

Usage: candidate_page_test.py IRTCAT DATABASE BANK_JSON CHROMIUM WORK_DIR
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from devtools_browser import Browser, check, fail


class Service:
    """`irtcat serve` on a free port of 127.0.0.1, and plain HTTP calls to it."""

    def __init__(self, irtcat, database, work):
        self.log = open(os.path.join(work, "serve.out"), "w+")
        self.process = subprocess.Popen([irtcat, "serve", "--db", database, "--port", "0"], stdout=self.log,
                                        stderr=subprocess.STDOUT)
        for _ in range(400):
            self.log.seek(0)
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", self.log.read())
            if found:
                self.base = found.group(1)
                return
            time.sleep(0.05)
        fail("irtcat serve did not start")

    def call(self, method, path, body=None, token=None, form=None):
        headers = {}
        data = None
        if token:
            headers["Authorization"] = "Bearer " + token
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            return error.code, (json.loads(text) if text else None)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def main():
    irtcat, template, bank_file, chromium, work = sys.argv[1:6]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    database = os.path.join(work, "irtcat.db")
    shutil.copy(template, database)
    with open(bank_file) as bank_json:
        items = {item["id"]: item for item in json.load(bank_json)["items"]}

    credentials = subprocess.run([irtcat, "serve", "--db", database, "client", "add", "page test"], check=True,
                                 capture_output=True, text=True).stdout
    client_id = re.search(r"client_id\s+(\S+)", credentials).group(1)
    secret = re.search(r"client_secret\s+(\S+)", credentials).group(1)

    service = Service(irtcat, database, work)
    browser = None
    try:
        status, issued = service.call("POST", "/oauth2/token", form={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
        check(status == 200, "platform token: %s %s" % (status, issued))
        platform = issued["access_token"]
        configuration = {"bank": "mathematics", "config": {"stopping": {"max_length": 8, "se_target": None}}}
        status, made = service.call("POST", "/ims/cat/v1p0/sections", token=platform, body={
            "sectionConfiguration": base64.b64encode(json.dumps(configuration).encode()).decode()})
        check(status == 201, "create section: %s %s" % (status, made))
        section = made["sectionIdentifier"]
        status, issued = service.call("POST", "/oauth2/token", form={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "scope": "take:" + section})
        check(status == 200 and issued["scope"] == "take:" + section, "candidate token: %s %s" % (status, issued))
        candidate = issued["access_token"]

        browser = Browser(chromium, work, window_size=(1000, 1100))
        browser.attach()
        browser.navigate("about:blank")
        browser.wait_for("document.readyState === 'complete'")
        blank = browser.screenshot(os.path.join(work, "blank.png"))  # what "looks blank" is measured against
        browser.send("Page.navigate", {"url": service.base + "/take/" + section + "#token=" + candidate})

        shown = []     # (item, letter) in the order the page showed and answered them
        reloaded = False
        while True:
            state = browser.wait_for("document.body && ['question', 'result', 'error']"
                                     ".includes(document.body.dataset.state) && document.body.dataset.state")
            check(state != "error", "the page shows an error: " +
                  str(browser.evaluate("document.getElementById('error').textContent")))
            if state == "result":
                break
            item = browser.evaluate("document.getElementById('question').dataset.item")
            progress = browser.evaluate("document.getElementById('progress-text').textContent")
            check(progress.startswith("Question %d of at most 8" % (len(shown) + 1)), "progress: " + progress)
            options = browser.evaluate("[...document.querySelectorAll('#options button')].map(b => b.dataset.letter)")
            check(options == [chr(65 + k) for k in range(len(items[item]["options"]))], "options of " + item)
            stem = browser.evaluate("document.getElementById('stem').textContent")
            check(stem == items[item]["stem"], "the stem of " + item)
            if len(shown) == 1:
                question_size = size = browser.screenshot(os.path.join(work, "question.png"))
                check(size > 3 * blank, "the question's screenshot looks blank (%d bytes, blank %d)" % (size, blank))
            # Every third answer right, the others the first wrong option: a mix the estimate must follow.
            key = ord(items[item]["key"]) - 65  # the bank names its key by letter
            wrong = 1 if key == 0 else 0
            letter = chr(65 + (key if len(shown) % 3 == 0 else wrong))
            browser.click('#options button[data-letter="%s"]' % letter)
            check(browser.evaluate("document.querySelector('#options button[data-letter=\"%s\"]')"
                                   ".getAttribute('aria-pressed')" % letter) == "true", "the click chose " + letter)
            before = len(shown)
            browser.click("#submit")
            shown.append((item, letter))
            # The next question (or the result) replaces this one.
            browser.wait_for("document.body && document.getElementById('progress-text') && "
                             "document.body.dataset.state === 'result' || document.body.dataset.state === 'error' ||"
                             " document.getElementById('progress-text').textContent.startsWith('Question %d ')"
                             % (before + 2))
            if len(shown) == 3 and not reloaded:
                reloaded = True
                browser.send("Page.reload")
                browser.wait_for("document.readyState === 'complete' && document.body && "
                                 "['question', 'result'].includes(document.body.dataset.state)")
                progress = browser.evaluate("document.getElementById('progress-text').textContent")
                check(progress.startswith("Question 4 "), "after a reload the session carries on: " + progress)

        size = browser.screenshot(os.path.join(work, "result.png"))
        check(size > 3 * blank, "the result's screenshot looks blank (%d bytes, blank %d)" % (size, blank))
        page_score = browser.evaluate("document.getElementById('scale-score').textContent")
        page_level = browser.evaluate("document.getElementById('level').textContent")
        page_topics = browser.evaluate("[...document.querySelectorAll('#topics tbody tr')]"
                                       ".map(r => [...r.cells].map(c => c.textContent))")
        session = browser.evaluate("new URLSearchParams(location.hash.slice(1)).get('session')")

        status, report = service.call("GET", "/ims/cat/v1p0/sections/%s/sessions/%s" % (section, session),
                                      token=platform)
        check(status == 200, "report: %s %s" % (status, report))
        check(report["status"] == "finished" and report["nextItem"] is None, "the session finished")
        check([step["identifier"] for step in report["items"]] == [item for item, _ in shown],
              "the page showed the session's items in order")
        for step, (item, letter) in zip(report["items"], shown):
            expected = 1 if letter == items[item]["key"] else 0
            check(step["response"] == expected, "item %s scored from option %s" % (item, letter))
        check(page_score == "%.1f" % report["scaleScore"], "scale score %s vs %s" % (page_score, report["scaleScore"]))
        check(0 <= report["scaleScore"] <= 300, "a scale score on 0-300")
        check(page_level == "Level: " + report["level"], "level " + page_level)
        check(page_topics == [[t["topic"], str(t["items"]), str(t["score"])] for t in report["topics"]],
              "topics %s vs %s" % (page_topics, report["topics"]))
        check(sum(t["items"] for t in report["topics"]) == len(shown), "every question in a topic")

        # The candidate's token takes its section and nothing else.
        status, _ = service.call("DELETE", "/ims/cat/v1p0/sections/" + section, token=candidate)
        check(status == 403, "a candidate's token ends no section (%s)" % status)

        check(not browser.console, "the page wrote to the console: " + "; ".join(browser.console))
        print("the page took %d questions, reloaded once, scale score %s, %s; screenshots %d and %d bytes, blank %d"
              % (len(shown), page_score, page_level, question_size, size, blank))
    finally:
        if browser:
            browser.close()
        service.stop()


if __name__ == "__main__":
    main()
