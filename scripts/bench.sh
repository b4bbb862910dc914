#!/usr/bin/env bash
# Builds the benchmarks for this machine's CPU (-march=native) in build-bench/ and runs them, JSON in bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DIRTCAT_NATIVE=ON -DIRTCAT_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)"
mkdir -p bench-results
for program in build-bench/bench/irtcat_bench_*; do
  name=$(basename "$program")
  "$program" --benchmark_out="bench-results/$name.json" --benchmark_out_format=json "$@"
done
