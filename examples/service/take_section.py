#!/usr/bin/env python3
"""Runs one adaptive test through `irtcat serve` with Python's standard library only (urllib, json, base64).

    python3 take_section.py http://127.0.0.1:8080 CLIENT_ID CLIENT_SECRET [BANK] [SEED]

It takes a token, creates a section on BANK (mathematics by default), starts a session and answers every item
as a simulated candidate of ability 0.5 would (right when a fixed pseudo-random draw says so), then prints the
final estimate. A platform does the same with its candidates' real answers.
"""
import base64
import json
import random
import sys
import urllib.error
import urllib.parse
import urllib.request

PREFIX = "/ims/cat/v1p0"


def call(base, method, path, token=None, body=None, form=None):
    headers = {}
    data = None
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            text = reply.read().decode()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        problem = json.loads(error.read().decode())
        sys.exit(f"{method} {path}: {error.code} {problem.get('imsx_description')}")


def outcome(reply, name):
    for variable in reply["assessmentResult"]["testResult"]["outcomeVariables"]:
        if variable["identifier"] == name:
            return variable["value"][0]["value"]
    return None


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    base, client_id, secret = sys.argv[1:4]
    bank = sys.argv[4] if len(sys.argv) > 4 else "mathematics"
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    token = call(base, "POST", "/oauth2/token",
                 form={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})["access_token"]
    configuration = base64.b64encode(json.dumps({"bank": bank}).encode()).decode()
    section = call(base, "POST", PREFIX + "/sections", token, {"sectionConfiguration": configuration})["sectionIdentifier"]
    reply = call(base, "POST", f"{PREFIX}/sections/{section}/sessions", token, {"seed": seed})
    session = reply["sessionIdentifier"]
    draw = random.Random(seed)
    while reply["nextItems"]["itemIdentifiers"]:
        item = reply["nextItems"]["itemIdentifiers"][0]
        score = 1 if draw.random() < 0.6 else 0
        result = {"identifier": item,
                  "outcomeVariables": [{"identifier": "SCORE", "cardinality": "single",
                                        "value": [{"baseType": "float", "value": str(score)}]}]}
        reply = call(base, "POST", f"{PREFIX}/sections/{section}/sessions/{session}/results", token,
                     {"assessmentResult": {"itemResult": [result]}, "sessionState": reply["sessionState"]})
        print(f"{item}: {score} -> theta {float(outcome(reply, 'THETA')):.3f}, SE {float(outcome(reply, 'SE')):.3f}")
    report = call(base, "GET", f"{PREFIX}/sections/{section}/sessions/{session}", token)
    print(f"finished after {len(report['items'])} items ({report['stopReason']}): theta {report['theta']:.3f}, "
          f"SE {report['se']:.3f}, scale score {report.get('scaleScore')}, level {report.get('level')}")


if __name__ == "__main__":
    main()
