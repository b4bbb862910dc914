// Core engine benchmarks: the vectorized information pass over banks of 100 to 100,000 items, each estimator on
// 10, 30 and 100 responses, and one grid-posterior update.
//
//   ./build/bench/irtcat_bench_core --benchmark_format=json > core.json

#include <benchmark/benchmark.h>

#include <random>

#include "irtcat/irtcat.hpp"

namespace {

using namespace irtcat;

ItemBank make_bank(Model model, int n, std::uint64_t seed = 42) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(0.6, 2.2), b(-3.0, 3.0), c(0.05, 0.3);
  std::vector<Item> items;
  items.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    ItemId id(std::to_string(i));
    if (model == Model::grm) {
      const double base = b(rng);
      items.push_back(Item::polytomous(std::move(id), model, a(rng), {base - 1.0, base, base + 1.0}));
    } else {
      items.push_back(Item::dichotomous(std::move(id), Model::three_pl, a(rng), b(rng), c(rng)));
    }
  }
  return ItemBank(std::move(items));
}

void BM_InformationPass3PL(benchmark::State& state) {
  const ItemBank bank = make_bank(Model::three_pl, static_cast<int>(state.range(0)));
  Eigen::ArrayXd out(static_cast<Eigen::Index>(bank.size()));
  double theta = 0.1;
  for (auto _ : state) {
    bank.information(theta, out);
    benchmark::DoNotOptimize(out.data());
    theta = -theta;
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_InformationPass3PL)->RangeMultiplier(10)->Range(100, 100000);

void BM_InformationPassGRM(benchmark::State& state) {
  const ItemBank bank = make_bank(Model::grm, static_cast<int>(state.range(0)));
  Eigen::ArrayXd out(static_cast<Eigen::Index>(bank.size()));
  for (auto _ : state) {
    bank.information(0.3, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_InformationPassGRM)->RangeMultiplier(10)->Range(100, 10000);

void BM_Estimator(benchmark::State& state, Estimator estimator) {
  const int n = static_cast<int>(state.range(0));
  const ItemBank bank = make_bank(Model::three_pl, n, 7);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<Response> pattern;
  for (int i = 0; i < n; ++i) {
    const ItemIndex index{static_cast<std::size_t>(i)};
    pattern.push_back({index, uniform(rng) < probability(bank.item(index), 0.4) ? 1 : 0});
  }
  EstimationOptions options;
  options.estimator = estimator;
  for (auto _ : state) benchmark::DoNotOptimize(estimate_ability(bank, pattern, options));
}
BENCHMARK_CAPTURE(BM_Estimator, ml, Estimator::ml)->Arg(10)->Arg(30)->Arg(100);
BENCHMARK_CAPTURE(BM_Estimator, map, Estimator::map)->Arg(10)->Arg(30)->Arg(100);
BENCHMARK_CAPTURE(BM_Estimator, eap, Estimator::eap)->Arg(10)->Arg(30)->Arg(100);
BENCHMARK_CAPTURE(BM_Estimator, wle, Estimator::wle)->Arg(10)->Arg(30)->Arg(100);

void BM_GridPosteriorUpdate(benchmark::State& state) {
  const Item item = Item::dichotomous(ItemId("x"), Model::three_pl, 1.3, 0.2, 0.2);
  GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
  int category = 0;
  for (auto _ : state) {
    posterior.update(item, category, 1.0);
    category ^= 1;
  }
}
BENCHMARK(BM_GridPosteriorUpdate);

void BM_GridPosteriorMoments(benchmark::State& state) {
  GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
  posterior.update(Item::dichotomous(ItemId("x"), Model::three_pl, 1.3, 0.2, 0.2), 1, 1.0);
  for (auto _ : state) benchmark::DoNotOptimize(posterior.moments());
}
BENCHMARK(BM_GridPosteriorMoments);

}  // namespace

BENCHMARK_MAIN();
