#!/usr/bin/env bash
# The main job: build, then run the simulation study over the six shipped banks, reported as role profiles
# (examples/simulate_candidates.cpp). Writes study/candidates.csv, study/study.json and study/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/examples/simulate_candidates item_banks study
