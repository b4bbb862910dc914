#!/usr/bin/env python3
"""Gives every item of the shipped banks its provisional 3PL parameters, derived from its difficulty rating.

No field data exist yet, so the parameters are a documented guess, labelled as such in each bank's provenance
and in each item's `parameters.source`:

  model  3pl, D = 1
  c      0.2   (four options; slightly below the 0.25 of blind guessing, as fitted c's usually are)
  b      1.2 * (rating - 3) + u_b,  u_b uniform on [-0.45, 0.45]   (ratings 1..5 centre on -2.4 .. 2.4)
  a      1.0 + u_a,                 u_a uniform on [-0.25, 0.25]
  u_b, u_a are fixed per item: read from the SHA-256 digest of the item id, so the spread is the same on every
  run and an item keeps its parameters while its id keeps its meaning. Values are rounded to 3 decimals.

Items whose `parameters.source` is anything but "provisional" (calibrated from responses) are left alone.
Run from the repository root: python3 item_banks/tools/provisional_parameters.py
"""
import hashlib
import json
import pathlib

BANKS = ["mathematics", "machine_learning", "deep_learning", "data_science", "algorithmic_coding",
         "software_engineering"]
PROVENANCE = ("Provisional parameters: no response data yet. 3PL with c = 0.2, b = 1.2 * (difficulty - 3) "
              "plus a fixed spread in [-0.45, 0.45], a = 1 plus a fixed spread in [-0.25, 0.25], the spreads read "
              "from a hash of the item id (item_banks/tools/provisional_parameters.py). Replace them by "
              "calibrating collected responses (irtcat calibrate).")

def uniforms(item_id):
    digest = hashlib.sha256(item_id.encode("utf-8")).digest()
    first = int.from_bytes(digest[0:8], "big") / 2 ** 64
    second = int.from_bytes(digest[8:16], "big") / 2 ** 64
    return first, second

def provisional(item):
    u_b, u_a = uniforms(item["id"])
    return {
        "model": "3pl",
        "a": round(1.0 + (u_a - 0.5) * 0.5, 3),
        "b": round(1.2 * (item["difficulty"] - 3) + (u_b - 0.5) * 0.9, 3),
        "c": 0.2,
        "source": "provisional",
    }

def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    for name in BANKS:
        path = root / f"{name}.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        bank = document["bank"]
        ordered = {"name": bank["name"], "title": bank["title"], "domain": bank.get("domain", bank["name"]),
                   "version": bank.get("version", 1), "scaling": bank.get("scaling", 1.0),
                   "provenance": PROVENANCE, "topics": bank["topics"]}
        document["bank"] = ordered
        for item in document["items"]:
            if item.get("parameters", {}).get("source", "provisional") == "provisional":
                item["parameters"] = provisional(item)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{name}: {len(document['items'])} items")

if __name__ == "__main__":
    main()
