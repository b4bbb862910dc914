// Calibration benchmarks: EM (mirt's defaults) on simulated data, without (argument 0, as mirt's timing) and with
// (argument 1) standard errors by Louis' identity; the overall fit M2 on its own.
//   2PL on 10,000 persons × 50 items; 2PL, 3PL, GRM and GPCM on 2,000 × 40 (the sizes compared with mirt).
//
//   ./build/bench/irtcat_bench_calibration --benchmark_format=json > calibration.json

#include <benchmark/benchmark.h>

#include <random>

#include "irtcat/irtcat.hpp"

namespace {

using namespace irtcat;

ResponseTable simulate(Model model, int persons, int items, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(0.8, 2.0), b(-2.0, 2.0), c(0.1, 0.25), uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Item> bank;
  for (int j = 0; j < items; ++j) {
    std::string name = "i";
    name += std::to_string(j);
    ItemId id(std::move(name));
    if (model == Model::grm) {
      const double base = b(rng);
      bank.push_back(Item::polytomous(std::move(id), model, a(rng), {base - 1.0, base, base + 1.0}));
    } else if (model == Model::gpcm) {
      const double base = b(rng);
      bank.push_back(Item::polytomous(std::move(id), model, a(rng), {base - 0.8, base + 0.3, base + 0.7}));
    } else if (model == Model::three_pl) {
      bank.push_back(Item::dichotomous(std::move(id), model, a(rng), b(rng), c(rng)));
    } else {
      bank.push_back(Item::dichotomous(std::move(id), model, a(rng), b(rng)));
    }
  }
  ResponseTable table;
  table.file = "simulated";
  table.responses.resize(persons, items);
  for (int p = 0; p < persons; ++p) {
    const double theta = normal(rng);
    table.person_ids.push_back(std::to_string(p + 1));
    for (int j = 0; j < items; ++j) {
      const double u = uniform(rng);
      double cumulative = 0.0;
      int x = bank[static_cast<std::size_t>(j)].category_count() - 1;
      for (int k = 0; k < bank[static_cast<std::size_t>(j)].category_count(); ++k) {
        cumulative += probability(bank[static_cast<std::size_t>(j)], k, theta);
        if (u < cumulative) {
          x = k;
          break;
        }
      }
      table.responses(p, j) = x;
    }
  }
  for (const Item& item : bank) table.item_ids.push_back(item.id().str());
  return table;
}

void BM_Calibrate(benchmark::State& state, Model model, CalibrationModel calibration_model, int persons, int items) {
  const ResponseTable table = simulate(model, persons, items, 20240601);
  CalibrationOptions options;
  options.standard_errors = state.range(0) != 0;
  options.fit_statistics = false;
  options.model_fit = state.range(0) == 2;
  int cycles = 0;
  for (auto _ : state) {
    const CalibrationResult result = calibrate(table, {calibration_model}, options);
    cycles = result.cycles;
    benchmark::DoNotOptimize(result.log_likelihood);
  }
  state.counters["cycles"] = cycles;
}
// Argument: 0 the fit alone, 1 with standard errors, 2 with standard errors and M2.
BENCHMARK_CAPTURE(BM_Calibrate, 2pl_10000x50, Model::two_pl, CalibrationModel::two_pl, 10000, 50)
    ->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Calibrate, 2pl_2000x40, Model::two_pl, CalibrationModel::two_pl, 2000, 40)
    ->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Calibrate, 3pl_2000x40, Model::three_pl, CalibrationModel::three_pl, 2000, 40)
    ->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Calibrate, grm_2000x40, Model::grm, CalibrationModel::grm, 2000, 40)
    ->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Calibrate, gpcm_2000x40, Model::gpcm, CalibrationModel::gpcm, 2000, 40)
    ->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
