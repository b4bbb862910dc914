#!/usr/bin/env bash
# Sets up, builds and runs every test (doctest cases through CTest, the CLI end-to-end tests and the
# find_package consumer). Extra arguments go to CMake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh "$@"
ctest --test-dir build --output-on-failure -j "$(nproc)"
