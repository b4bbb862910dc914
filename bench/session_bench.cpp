// Adaptive-testing benchmarks: time per selection for every rule at 500, 10,000 and 100,000 items (33-point grid),
// a whole 20-item CAT (EAP + MFI) over a 200-item 3PL bank, the six-domain battery in candidates per second, and one
// step of the battery as one multidimensional CAT.
//
//   ./build-bench/bench/irtcat_bench_session --benchmark_format=json

#include <benchmark/benchmark.h>

#include <map>
#include <random>

#include "irtcat/irtcat.hpp"

#ifndef IRTCAT_ITEM_BANKS
#define IRTCAT_ITEM_BANKS "item_banks"
#endif

namespace {

using namespace irtcat;

std::shared_ptr<const ItemBank> bank_3pl(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(0.6, 2.2), b(-3.0, 3.0), c(0.05, 0.3);
  std::vector<Item> items;
  items.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) items.push_back(Item::dichotomous(ItemId(std::to_string(i)), Model::three_pl, a(rng), b(rng), c(rng)));
  return std::make_shared<const ItemBank>(std::move(items));
}

// One design per (rule, size), built once: the bank grid of 100,000 items takes a moment.
const std::shared_ptr<const TestDesign>& shared_design_for(SelectionRule rule, int n) {
  static std::map<std::pair<int, int>, std::shared_ptr<const TestDesign>> cache;
  auto& slot = cache[{static_cast<int>(rule), n}];
  if (!slot) {
    SessionConfig config;
    config.selection.rule = rule;
    config.stopping.max_length = 30;
    slot = std::make_shared<const TestDesign>(bank_3pl(n, 42), config);
  }
  return slot;
}
const TestDesign& design_for(SelectionRule rule, int n) { return *shared_design_for(rule, n); }

// A state five answers in, on the design for (rule, n).
// A state some answers in, on the design for (rule, n): five fixed answers by default, or the first `answers` items
// answered as a candidate at θ = 0.5 would answer them (a fixed seed).
struct AnswersIn {
  const TestDesign& design;
  std::vector<Response> answered = {{ItemIndex{0}, 1}, {ItemIndex{1}, 0}, {ItemIndex{2}, 1}, {ItemIndex{3}, 1}, {ItemIndex{4}, 0}};
  GridPosterior posterior;
  std::vector<char> eligible;
  SelectionState selection;
  AnswersIn(SelectionRule rule, int n, int answers = 5)
      : design(design_for(rule, n)),
        posterior(design.config().estimation.grid, design.config().estimation.prior),
        eligible(static_cast<std::size_t>(n), 1) {
    if (answers != 5) {
      std::mt19937_64 rng(7);
      std::uniform_real_distribution<double> uniform(0.0, 1.0);
      answered.clear();
      for (int j = 0; j < answers; ++j) {
        const Item& item = design.bank().items()[static_cast<std::size_t>(j)];
        const double correct = std::exp(category_terms(item, 0.5, design.bank().scaling()).log_p[1]);
        answered.push_back({ItemIndex{static_cast<std::size_t>(j)}, uniform(rng) < correct ? 1 : 0});
      }
    }
    for (const Response& r : answered) {
      design.add_response(posterior, r.item, r.category);
      eligible[r.item.value] = 0;
    }
    selection.theta = expected_a_posteriori(posterior).theta;
    selection.posterior = &posterior;
    selection.responses = answered;
    selection.estimation = &design.config().estimation;
  }
};

// Every item's score, then the best: what exposure control (randomesque, Sympson-Hetter, ...) needs.
void BM_Selection(benchmark::State& state, SelectionRule rule) {
  const AnswersIn at(rule, static_cast<int>(state.range(0)));
  Workspace workspace;  // kept across calls, as a session keeps its own
  for (auto _ : state) {
    benchmark::DoNotOptimize(best_item(at.design.item_scores(at.selection, at.eligible, &workspace)));
  }
  state.SetLabel(std::string(to_string(rule)));
}
#define IRTCAT_SELECTION_BENCH(rule) \
  BENCHMARK_CAPTURE(BM_Selection, rule, SelectionRule::rule)->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond)
IRTCAT_SELECTION_BENCH(mfi);
IRTCAT_SELECTION_BENCH(kl);
IRTCAT_SELECTION_BENCH(klp);
IRTCAT_SELECTION_BENCH(mlwi);
IRTCAT_SELECTION_BENCH(mpwi);
IRTCAT_SELECTION_BENCH(mepv);
IRTCAT_SELECTION_BENCH(mei);
IRTCAT_SELECTION_BENCH(closest);

// The rules that choose without scores, as a session chooses five answers in (the session copied outside the timed
// part: a session offers one item per step).
void BM_SessionSelection(benchmark::State& state, SelectionRule rule) {
  Session base(shared_design_for(rule, static_cast<int>(state.range(0))), 11);
  for (int answered = 0; answered < 5; ++answered) base.record(*base.next_item(), answered % 2);
  for (auto _ : state) {
    state.PauseTiming();
    Session session = base;
    state.ResumeTiming();
    benchmark::DoNotOptimize(session.next_item());
  }
  state.SetLabel(std::string(to_string(rule)));
}
BENCHMARK_CAPTURE(BM_SessionSelection, a_stratified, SelectionRule::a_stratified)
    ->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SessionSelection, random, SelectionRule::random)
    ->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// The best item alone, as a session without exposure control asks for it: MLWI and MPWI screen in single
// precision, KL, KLP and MEPV with compressed tables (the same item as above).
void BM_BestItem(benchmark::State& state, SelectionRule rule) {
  const AnswersIn at(rule, static_cast<int>(state.range(0)));
  Workspace workspace;
  for (auto _ : state) benchmark::DoNotOptimize(at.design.best_item(at.selection, at.eligible, &workspace));
  state.SetLabel(std::string(to_string(rule)));
}
BENCHMARK_CAPTURE(BM_BestItem, mlwi, SelectionRule::mlwi)->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestItem, mpwi, SelectionRule::mpwi)->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestItem, kl, SelectionRule::kl)->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestItem, klp, SelectionRule::klp)->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestItem, mepv, SelectionRule::mepv)->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// The five best items, as randomesque exposure control (k = 5) asks for them: the same screens.
void BM_BestFive(benchmark::State& state, SelectionRule rule) {
  const AnswersIn at(rule, static_cast<int>(state.range(0)));
  Workspace workspace;
  for (auto _ : state) benchmark::DoNotOptimize(at.design.best_items(at.selection, at.eligible, 5, &workspace));
  state.SetLabel(std::string(to_string(rule)));
}
BENCHMARK_CAPTURE(BM_BestFive, mlwi, SelectionRule::mlwi)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestFive, kl, SelectionRule::kl)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestFive, klp, SelectionRule::klp)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestFive, mepv, SelectionRule::mepv)->Arg(10000)->Unit(benchmark::kMicrosecond);

// The best item at 10,000 items later in a test (argument: answers so far). The screens' bounds are fixed in size
// while the posterior narrows and the items' scores draw together, so more items need exact scores.
void BM_BestItemLater(benchmark::State& state, SelectionRule rule) {
  const AnswersIn at(rule, 10000, static_cast<int>(state.range(0)));
  Workspace workspace;
  for (auto _ : state) benchmark::DoNotOptimize(at.design.best_item(at.selection, at.eligible, &workspace));
  state.SetLabel(std::string(to_string(rule)));
}
BENCHMARK_CAPTURE(BM_BestItemLater, mlwi, SelectionRule::mlwi)->Arg(15)->Arg(30)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestItemLater, kl, SelectionRule::kl)->Arg(15)->Arg(30)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestItemLater, klp, SelectionRule::klp)->Arg(15)->Arg(30)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BestItemLater, mepv, SelectionRule::mepv)->Arg(15)->Arg(30)->Unit(benchmark::kMicrosecond);

// MFI by the bounded search (what a session on a dichotomous bank uses): the same item as the full pass above.
void BM_MfiSearch(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const TestDesign& design = design_for(SelectionRule::mfi, n);
  const MaxInformationSearch& search = *design.mfi_search();
  std::vector<char> eligible(static_cast<std::size_t>(n), 1);
  for (int i = 0; i < 5; ++i) eligible[static_cast<std::size_t>(i)] = 0;
  // θ sweeps the scale so that the timing is not that of one lucky point.
  double theta = -2.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(search.best(theta, eligible));
    theta = theta >= 2.0 ? -2.0 : theta + 0.37;
  }
}
BENCHMARK(BM_MfiSearch)->Arg(500)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// Whole CATs on `design`, one per iteration, answers drawn from the model at abilities cycling over −2..2.
void run_cats(benchmark::State& state, const std::shared_ptr<const TestDesign>& design) {
  std::mt19937_64 rng(3);
  std::uint64_t seed = 0;
  for (auto _ : state) {
    Session session(design, ++seed);
    const double theta = static_cast<double>(seed % 9) * 0.5 - 2.0;
    while (const auto item = session.next_item()) {
      const double p = probability(design->bank().item(*item), theta);
      session.record(*item, static_cast<double>(rng() >> 11) * 0x1.0p-53 < p ? 1 : 0);
    }
    benchmark::DoNotOptimize(session.estimate());
  }
  state.SetItemsProcessed(state.iterations());
}

// A whole 20-item CAT, EAP + MFI, 200-item 3PL bank.
void BM_Cat20(benchmark::State& state) {
  SessionConfig config;
  config.stopping.max_length = 20;
  run_cats(state, std::make_shared<const TestDesign>(bank_3pl(200, 7), config));
}
BENCHMARK(BM_Cat20)->Unit(benchmark::kMicrosecond);

// The same CAT with an information-target stop that is never met (10⁻⁹), on banks of 200 and 10,000 items: after
// every answer the session asks for the greatest information left among the eligible items.
void BM_Cat20InformationTarget(benchmark::State& state) {
  SessionConfig config;
  config.stopping.max_length = 20;
  config.stopping.information_target = 1e-9;
  run_cats(state, std::make_shared<const TestDesign>(bank_3pl(static_cast<int>(state.range(0)), 7), config));
}
BENCHMARK(BM_Cat20InformationTarget)->Arg(200)->Arg(10000)->Unit(benchmark::kMicrosecond);

// The six-domain battery (shipped banks, 20-item EAP + MFI tests) on `threads` threads: items_per_second is
// candidates per second.
void BM_Battery(benchmark::State& state) {
  static const RoleCatalog roles = read_role_catalog_file(std::string(IRTCAT_ITEM_BANKS) + "/roles.json");
  SessionConfig config;
  config.stopping.max_length = 20;
  static const auto battery = battery_from_bank_files(IRTCAT_ITEM_BANKS, roles.domains, config, false);
  const auto candidates = draw_role_candidates(roles, 2000, 1);
  StudyOptions options;
  options.threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(run_study(battery, candidates, &roles, options));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(candidates.size()));
}
BENCHMARK(BM_Battery)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// A single-bank study with progressive-restricted exposure control (20-item EAP + MFI CATs, 200-item 3PL bank,
// 2,000 N(0, 1) candidates) on `threads` threads: the exposure counts are read by whole waves of
// kExposureWave (16) candidates, so the threads meet 125 times per study. items_per_second is candidates per second.
void BM_StudyProgressive(benchmark::State& state) {
  SessionConfig config;
  config.stopping.max_length = 20;
  config.exposure.method = ExposureMethod::progressive_restricted;
  const std::vector<DomainDesign> designs = {{"bank", std::make_shared<const TestDesign>(bank_3pl(200, 7), config)}};
  const auto candidates =
      draw_candidates(Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1), Eigen::MatrixXd::Identity(1, 1), 2000, 1);
  StudyOptions options;
  options.threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(run_study(designs, candidates, nullptr, options));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(candidates.size()));
}
BENCHMARK(BM_StudyProgressive)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One step of the six-domain battery as one multidimensional CAT (BatterySession: D-optimal selection, joint MAP
// after the answer), 30 answers into a 60-item test over six banks of 170 3PL items (1,020 in all), correlations
// 0.5: the next item and the record of its answer (the session copied outside the timed part).
void BM_McatStep(benchmark::State& state) {
  constexpr Eigen::Index kDomains = 6;
  std::vector<std::shared_ptr<const TestDesign>> domains;
  for (Eigen::Index d = 0; d < kDomains; ++d) {
    const auto seed = 100 + static_cast<std::uint64_t>(d);
    domains.push_back(std::make_shared<const TestDesign>(bank_3pl(170, seed), SessionConfig{}));
  }
  BatteryConfig config;
  config.prior.mean = Eigen::VectorXd::Zero(kDomains);
  config.prior.covariance = Eigen::MatrixXd::Constant(kDomains, kDomains, 0.5);
  config.prior.covariance.diagonal().setOnes();
  config.min_items.assign(kDomains, 5);
  config.max_items.assign(kDomains, 15);
  config.max_length = 60;
  BatterySession base(std::make_shared<const BatteryDesign>(domains, config), 1);
  std::mt19937_64 rng(9);
  const auto answer = [&](BatterySession& session) {
    const BatteryItem item = *session.next_item();
    const double p = probability(session.design().domain(item.domain).bank().item(item.item), 0.3);
    session.record(item, static_cast<double>(rng() >> 11) * 0x1.0p-53 < p ? 1 : 0);
  };
  for (int answered = 0; answered < 30; ++answered) answer(base);
  // Each timed iteration takes one step in each of 64 copies made with the timer paused: pausing and resuming cost
  // 1.2 µs on the reference VM, which one copy per iteration would add to every step. Read the `step` column.
  constexpr int kCopies = 64;
  std::vector<BatterySession> sessions;
  for (auto _ : state) {
    state.PauseTiming();
    sessions.assign(kCopies, base);
    state.ResumeTiming();
    for (BatterySession& session : sessions) {
      answer(session);
      benchmark::DoNotOptimize(session.estimate());
    }
  }
  state.counters["step"] = benchmark::Counter(static_cast<double>(state.iterations()) * kCopies,
                                              benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_McatStep)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
