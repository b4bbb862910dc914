#!/usr/bin/env bash
# The main job: build, then score the shipped example responses with every estimator.
# (Until the simulation study lands, this is the scoring example; see README.md.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
for estimator in ml map eap wle; do
  echo "== irtcat score --estimator $estimator (examples/data/responses_3pl.csv)"
  ./build/irtcat score --items examples/data/items_3pl.csv --responses examples/data/responses_3pl.csv \
    --estimator "$estimator"
done
