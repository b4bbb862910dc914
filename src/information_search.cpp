#include "irtcat/information_search.hpp"

#include <algorithm>
#include <boost/math/tools/minima.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "detail/dichotomous_information.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using detail::kInformationBlock;
using Eigen::Index;

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

// The bound is the peak times (1 + kMargin): the kernel's rounding (a few units in the last place) and the
// numerical 4PL peak (exact to far below this) can never put an item's computed information above its bound.
constexpr double kMargin = 1e-9;

// The peak over θ of I/(D·a)², which depends on c and d only. With s = σ(z),
// I/(Da)² = ((d − c)·s·(1 − s))² / ((c + (d − c)·s)·(1 − d + (d − c)·(1 − s))).
double peak_per_unit_slope(double c, double d) {
  if (d == 1.0) {
    if (c == 0.0) return 0.25;
    return (1.0 - 20.0 * c - 8.0 * c * c + std::pow(1.0 + 8.0 * c, 1.5)) / (8.0 * (1.0 - c) * (1.0 - c));  // Birnbaum
  }
  const double spread = d - c;
  const auto negative_information = [&](double s) {
    const double slope = spread * s * (1.0 - s);
    return -slope * slope / ((c + spread * s) * (1.0 - d + spread * (1.0 - s)));
  };
  // Brent's method in s on (0, 1): the value at its minimum is exact to rounding (the function is flat there).
  return -boost::math::tools::brent_find_minima(negative_information, 1e-12, 1.0 - 1e-12,
                                                std::numeric_limits<double>::digits / 2)
              .second;
}

}  // namespace

bool MaxInformationSearch::supports(const ItemBank& bank) noexcept { return bank.polytomous().empty(); }

MaxInformationSearch::MaxInformationSearch(const ItemBank& bank) : items_(bank.size()) {
  if (!supports(bank)) {
    throw InvalidArgument("MaxInformationSearch: the bank has polytomous items; score them with item_scores");
  }
  const DichotomousArrays& arrays = bank.dichotomous();  // in bank order: the bank is dichotomous only
  const Index n = arrays.da.size();
  peaks_.resize(n);
  for (Index i = 0; i < n; ++i) {
    peaks_(i) = arrays.da(i) * arrays.da(i) * peak_per_unit_slope(arrays.c(i), 1.0 - arrays.one_minus_d(i));
  }

  std::vector<std::size_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return peaks_(static_cast<Index>(x)) > peaks_(static_cast<Index>(y));
  });

  // Padding rows: a harmless 2PL item that is never eligible and never bounds anything.
  const Index padded = (n + kInformationBlock - 1) / kInformationBlock * kInformationBlock;
  bank_index_.assign(static_cast<std::size_t>(padded), std::numeric_limits<std::size_t>::max());
  bound_ = Eigen::ArrayXd::Constant(padded, kMinusInfinity);
  da_ = Eigen::ArrayXd::Ones(padded);
  dab_ = Eigen::ArrayXd::Zero(padded);
  c_ = Eigen::ArrayXd::Zero(padded);
  spread_ = Eigen::ArrayXd::Ones(padded);
  one_minus_d_ = Eigen::ArrayXd::Zero(padded);
  for (Index row = 0; row < n; ++row) {
    const Index item = static_cast<Index>(order[static_cast<std::size_t>(row)]);
    bank_index_[static_cast<std::size_t>(row)] = arrays.bank_index[static_cast<std::size_t>(item)];
    bound_(row) = peaks_(item) * (1.0 + kMargin);
    da_(row) = arrays.da(item);
    dab_(row) = arrays.dab(item);
    c_(row) = arrays.c(item);
    spread_(row) = arrays.spread(item);
    one_minus_d_(row) = arrays.one_minus_d(item);
  }
}

std::ptrdiff_t MaxInformationSearch::best(double theta, const std::vector<char>& eligible) const {
  if (!std::isfinite(theta)) throw InvalidArgument("MaxInformationSearch::best: theta must be finite");
  if (eligible.size() != items_) {
    throw InvalidArgument("MaxInformationSearch::best: the eligibility mask has " + std::to_string(eligible.size()) +
                          " entries for " + std::to_string(items_) + " items");
  }
  const detail::DichotomousColumns rows{da_.data(), dab_.data(), c_.data(), spread_.data(), one_minus_d_.data()};
  std::ptrdiff_t best = -1;
  double best_information = kMinusInfinity;
  alignas(64) double information[kInformationBlock];
  for (Index start = 0; start < bound_.size(); start += kInformationBlock) {
    // Sorted by bound: once a block's first bound is below the best, no later item can reach it. (An equal bound
    // could still tie, and a tie goes to the first in bank order, so equality does not stop the search.)
    if (bound_(start) < best_information) break;
    detail::information_block(rows, start, theta, information);
    if (*std::max_element(information, information + kInformationBlock) < best_information) continue;
    for (Index k = 0; k < kInformationBlock; ++k) {
      const std::size_t item = bank_index_[static_cast<std::size_t>(start + k)];
      if (item >= items_ || !eligible[item]) continue;
      const double value = information[k];
      const auto index = static_cast<std::ptrdiff_t>(item);
      if (value > best_information || (value == best_information && index < best)) {
        best = index;
        best_information = value;
      }
    }
  }
  return best;
}

}  // namespace irtcat
