#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include "irtcat/error.hpp"
#include "irtcat/information_search.hpp"
#include "detail/bank_grid.hpp"
#include "cat/selection_support.hpp"
#include "irtcat/selection.hpp"
#include "irtcat/session.hpp"

using namespace irtcat;

namespace {

// A dichotomous bank of every model, with some items repeated exactly so that information ties happen.
std::shared_ptr<const ItemBank> random_bank(int size, double scaling, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(0.3, 2.5), b(-3.5, 3.5), c(0.0, 0.3), d(0.8, 1.0), u(0.0, 1.0);
  std::vector<Item> items;
  for (int i = 0; i < size; ++i) {
    ItemId id(std::to_string(i));
    if (i > 0 && u(rng) < 0.1) {  // a twin of an earlier item
      const Item& twin = items[static_cast<std::size_t>(u(rng) * i)];
      items.push_back(Item::dichotomous(std::move(id), twin.model(), twin.a(), twin.b(), twin.c(), twin.d()));
      continue;
    }
    switch (i % 4) {
      case 0: items.push_back(Item::dichotomous(std::move(id), Model::one_pl, 1.0, b(rng))); break;
      // Draws in GCC's (right-to-left) argument order, named so that every compiler makes the same bank.
      case 1: {
        const double difficulty = b(rng);
        const double slope = a(rng);
        items.push_back(Item::dichotomous(std::move(id), Model::two_pl, slope, difficulty));
        break;
      }
      case 2: {
        const double guessing = c(rng);
        const double difficulty = b(rng);
        const double slope = a(rng);
        items.push_back(Item::dichotomous(std::move(id), Model::three_pl, slope, difficulty, guessing));
        break;
      }
      default: {
        const double lower = c(rng);
        const double upper = std::max(d(rng), lower + 0.3);
        const double difficulty = b(rng);
        const double slope = a(rng);
        items.push_back(Item::dichotomous(std::move(id), Model::four_pl, slope, difficulty, lower, upper));
      }
    }
  }
  return std::make_shared<const ItemBank>(std::move(items), scaling);
}

}  // namespace

TEST_CASE("information search: each item's peak is the maximum of its information over theta") {
  // The peak is closed form (1PL-3PL) or found by Brent's method (4PL); a grid of step 1e-3/(Da) in theta comes
  // within a relative 1e-6 of the true maximum (the information is flat there: the error is quadratic in the
  // step), and no theta may exceed the peak beyond rounding (1e-12 relative).
  for (double scaling : {1.0, 1.702}) {
    const auto bank = random_bank(40, scaling, 11);
    const MaxInformationSearch search(*bank);
    for (std::size_t i = 0; i < bank->size(); ++i) {
      const Item& item = bank->items()[i];
      const double step = 1e-3 / (scaling * item.a());
      double highest = 0.0;
      for (double theta = item.b() - 6.0; theta <= item.b() + 6.0; theta += step) {
        highest = std::max(highest, information(item, theta, scaling));
      }
      const double peak = search.peaks()(static_cast<Eigen::Index>(i));
      CHECK(highest <= peak * (1 + 1e-12));
      CHECK(highest == doctest::Approx(peak).epsilon(1e-6));
    }
  }
}

TEST_CASE("information search: the same item as scoring every item, ties to the first in bank order") {
  // θ also outside the search's bins ([-6, 6)), and banks larger than a bin's list (64 items), so that every path
  // is taken: a bin's list settles it, the list runs out and the full list decides, no bin.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> theta(-7.0, 7.0), u(0.0, 1.0);
  for (int size : {1, 7, 16, 17, 65, 300}) {
    for (double scaling : {1.0, 1.702}) {
      const auto bank = random_bank(size, scaling, static_cast<std::uint64_t>(size) * 31 + 1);
      const MaxInformationSearch search(*bank);
      const BankGrid grid(bank, QuadratureGrid{});
      for (int trial = 0; trial < 200; ++trial) {
        std::vector<char> eligible(bank->size(), 1);
        const double share_out = trial % 3 == 0 ? 0.0 : u(rng);
        for (char& ok : eligible) ok = u(rng) >= share_out;
        // Far from every item the information underflows to 0 for all: the first eligible item must win.
        const double at = trial % 10 == 0 ? 400.0 : theta(rng);
        SelectionState state;
        state.theta = at;
        const std::ptrdiff_t expected = best_item(item_scores(SelectionRule::mfi, grid, state, eligible, test_workspace()));
        CHECK(search.best(at, eligible) == expected);
      }
    }
  }
}

TEST_CASE("information search: the highest information among the eligible items, the number the bank pass gives") {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> theta(-7.0, 7.0), u(0.0, 1.0);
  for (int size : {1, 17, 65, 300}) {
    const auto bank = random_bank(size, 1.0, static_cast<std::uint64_t>(size) * 7 + 3);
    const MaxInformationSearch search(*bank);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<char> eligible(bank->size(), 1);
      const double share_out = trial % 3 == 0 ? 0.0 : u(rng);
      for (char& ok : eligible) ok = u(rng) >= share_out;
      const double at = theta(rng);
      const Eigen::ArrayXd information = bank->information(at);
      double expected = -std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < eligible.size(); ++i) {
        if (eligible[i]) expected = std::max(expected, information(static_cast<Eigen::Index>(i)));
      }
      CHECK(search.highest_information(at, eligible) == expected);  // to the bit, -inf when none is eligible
    }
  }
}

TEST_CASE("information search: the best items at theta ineligible, the choice falls deeper in the bank") {
  // With the most informative items at θ out (more than a bin lists), the bin's list cannot settle the choice.
  const auto bank = random_bank(500, 1.0, 17);
  const MaxInformationSearch search(*bank);
  const BankGrid grid(bank, QuadratureGrid{});
  for (double at = -5.95; at < 6.0; at += 0.37) {
    SelectionState state;
    state.theta = at;
    std::vector<char> eligible(bank->size(), 1);
    for (int out : {0, 10, 63, 64, 65, 200, 499}) {
      std::fill(eligible.begin(), eligible.end(), 1);
      for (std::size_t i : best_items(item_scores(SelectionRule::mfi, grid, state, eligible, test_workspace()), static_cast<std::size_t>(out))) {
        eligible[i] = 0;
      }
      CHECK(search.best(at, eligible) == best_item(item_scores(SelectionRule::mfi, grid, state, eligible, test_workspace())));
    }
  }
}

TEST_CASE("information search: an item whose peak lies inside the bin is bounded by its peak") {
  // θ = 0.05 in the bin [0, 0.1). Item A peaks there (b = 0.05, I = 0.25); between the bin's ends its
  // information is at least σ′(0.05) ≈ 0.24984, so a bound taken from the ends alone would rank it below item B
  // (b = 0.09, I(0.05) = σ′(0.04) ≈ 0.2499) and the fifteen items C (b = 0.11, peaks outside the bin, end values
  // up to σ′(0.01)), and a search that trusted such a bound would stop at B.
  std::vector<Item> items;
  items.push_back(Item::dichotomous(ItemId("B"), Model::two_pl, 1.0, 0.09));
  for (int i = 0; i < 15; ++i) {
    std::string id = "C";  // (not "C" + to_string: GCC 12 warns falsely about that, -Wrestrict)
    id += std::to_string(i);
    items.push_back(Item::dichotomous(ItemId(id), Model::two_pl, 1.0, 0.11));
  }
  items.push_back(Item::dichotomous(ItemId("A"), Model::two_pl, 1.0, 0.05));
  const ItemBank bank(std::move(items));
  const MaxInformationSearch search(bank);
  CHECK(search.best(0.05, std::vector<char>(bank.size(), 1)) == 16);  // A, after two blocks of B and the Cs
}

TEST_CASE("information search: a session's items are those of the full pass (MFI, MLWI, MPWI, KL, KLP)") {
  // Without exposure control a session asks for the best item only (the MFI search, the single-precision screening
  // of MLWI, MPWI, KL and KLP); randomesque among the best one scores every item. The same items, answer after
  // answer.
  const auto bank = random_bank(120, 1.0, 99);
  for (SelectionRule rule : {SelectionRule::mfi, SelectionRule::mlwi, SelectionRule::mpwi, SelectionRule::kl, SelectionRule::klp}) {
    CAPTURE(to_string(rule));
    SessionConfig searched;
    searched.selection.rule = rule;
    searched.stopping.max_length = 40;
    SessionConfig full = searched;
    full.exposure.method = ExposureMethod::randomesque;
    full.exposure.randomesque_count = 1;
    const auto with_search = std::make_shared<const TestDesign>(bank, searched);
    const auto without = std::make_shared<const TestDesign>(bank, full);
    if (rule == SelectionRule::mfi) REQUIRE(with_search->mfi_search() != nullptr);
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      Session a(with_search, seed);
      Session b(without, seed);
      std::mt19937_64 answers(seed);
      while (const auto item = a.next_item()) {
        REQUIRE(b.next_item() == item);
        const int response = static_cast<int>(answers() & 1U);
        a.record(*item, response);
        b.record(*item, response);
      }
      CHECK(b.finished());
    }
  }
}

TEST_CASE("information search: bad calls") {
  const auto bank = random_bank(20, 1.0, 3);
  const MaxInformationSearch search(*bank);
  CHECK(search.best(0.0, std::vector<char>(20, 0)) == -1);
  CHECK_THROWS_AS(search.best(0.0, std::vector<char>(19, 1)), InvalidArgument);
  CHECK_THROWS_AS(search.best(std::nan(""), std::vector<char>(20, 1)), InvalidArgument);
  const ItemBank mixed(std::vector<Item>{Item::dichotomous(ItemId("d"), Model::two_pl, 1.0, 0.0),
                                         Item::polytomous(ItemId("g"), Model::grm, 1.0, {-1.0, 1.0})});
  CHECK_FALSE(MaxInformationSearch::supports(mixed));
  CHECK_THROWS_AS(MaxInformationSearch{mixed}, InvalidArgument);
  SessionConfig config;
  CHECK(TestDesign(std::make_shared<const ItemBank>(mixed), config).mfi_search() == nullptr);
}
