#include "irtcat/information_search.hpp"

#include <algorithm>
#include <boost/math/tools/minima.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "detail/check.hpp"
#include "detail/infinity.hpp"
#include "irtcat/error.hpp"
#include "simd/kernels.hpp"

namespace irtcat {
namespace {

using detail::kInformationBlock;
using Eigen::Index;

using detail::kMinusInfinity;

// The bound is the peak times (1 + kMargin): the kernel's rounding (a few units in the last place) and the
// numerical 4PL peak (exact to far below this) can never put an item's computed information above its bound.
constexpr double kMargin = 1e-9;

// Where the information of an item peaks: the height over (D·a)², which depends on c and d only, and the logit
// z = Da·(θ − b) at the peak. With s = σ(z), I/(Da)² = ((d − c)·s·(1 − s))² / ((c + (d − c)·s)·(1 − d + (d − c)·(1 − s))).
struct Peak {
  double height_per_unit_slope;
  double logit;
};

Peak peak_per_unit_slope(double c, double d) {
  if (d == 1.0) {
    if (c == 0.0) return {0.25, 0.0};
    // Birnbaum: the 3PL peak and its place, z = log((1 + √(1 + 8c)) / 2).
    return {(1.0 - 20.0 * c - 8.0 * c * c + std::pow(1.0 + 8.0 * c, 1.5)) / (8.0 * (1.0 - c) * (1.0 - c)),
            std::log((1.0 + std::sqrt(1.0 + 8.0 * c)) / 2.0)};
  }
  const double spread = d - c;
  const auto negative_information = [&](double s) {
    const double slope = spread * s * (1.0 - s);
    return -slope * slope / ((c + spread * s) * (1.0 - d + spread * (1.0 - s)));
  };
  // Brent's method in s on (0, 1): the value at its minimum is exact to rounding (the function is flat there); its
  // place is good to about 1e−8, which the θ-bins below allow for.
  const auto [s, value] = boost::math::tools::brent_find_minima(negative_information, 1e-12, 1.0 - 1e-12,
                                                                std::numeric_limits<double>::digits / 2);
  return {-value, std::log(s / (1.0 - s))};
}

}  // namespace

bool MaxInformationSearch::supports(const ItemBank& bank) noexcept { return bank.polytomous().empty(); }

void MaxInformationSearch::Candidates::assign(const DichotomousArrays& arrays, std::vector<std::size_t> rows,
                                              const std::vector<double>& bounds) {
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t x, std::size_t y) { return bounds[x] > bounds[y]; });
  // Padding rows: a harmless 2PL item that is never eligible and never bounds anything.
  const auto n = static_cast<Index>(rows.size());
  const Index padded = (n + kInformationBlock - 1) / kInformationBlock * kInformationBlock;
  bank_index.assign(static_cast<std::size_t>(padded), std::numeric_limits<std::size_t>::max());
  bound = Eigen::ArrayXd::Constant(padded, kMinusInfinity);
  da = Eigen::ArrayXd::Ones(padded);
  dab = Eigen::ArrayXd::Zero(padded);
  c = Eigen::ArrayXd::Zero(padded);
  spread = Eigen::ArrayXd::Ones(padded);
  one_minus_d = Eigen::ArrayXd::Zero(padded);
  for (Index row = 0; row < n; ++row) {
    const auto item = static_cast<Index>(rows[static_cast<std::size_t>(row)]);
    bank_index[static_cast<std::size_t>(row)] = arrays.bank_index[static_cast<std::size_t>(item)];
    bound(row) = bounds[static_cast<std::size_t>(item)];
    da(row) = arrays.da(item);
    dab(row) = arrays.dab(item);
    c(row) = arrays.c(item);
    spread(row) = arrays.spread(item);
    one_minus_d(row) = arrays.one_minus_d(item);
  }
}

bool MaxInformationSearch::Candidates::scan(double theta, std::span<const char> eligible, std::ptrdiff_t& best,
                                            double& best_information) const {
  const detail::simd::CandidateRows rows{{da.data(), dab.data(), c.data(), spread.data(), one_minus_d.data()},
                                         bound.data(),
                                         bank_index.data(),
                                         bound.size()};
  return detail::simd::scan(rows, theta, eligible, best, best_information);
}

MaxInformationSearch::MaxInformationSearch(const ItemBank& bank) : items_(bank.size()) {
  if (!supports(bank)) {
    throw InvalidArgument("MaxInformationSearch: the bank has polytomous items; score them with item_scores");
  }
  const DichotomousArrays& arrays = bank.dichotomous();  // in bank order: the bank is dichotomous only
  const Index n = arrays.da.size();
  peaks_.resize(n);
  std::vector<double> peak_theta(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const Peak peak = peak_per_unit_slope(arrays.c(i), 1.0 - arrays.one_minus_d(i));
    peaks_(i) = arrays.da(i) * arrays.da(i) * peak.height_per_unit_slope;
    peak_theta[static_cast<std::size_t>(i)] = (arrays.dab(i) + peak.logit) / arrays.da(i);
  }

  // Every item by its peak: the list for a θ outside the bins, or when a bin's list cannot settle the choice.
  std::vector<double> bound(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) bound[static_cast<std::size_t>(i)] = peaks_(i) * (1.0 + kMargin);
  std::vector<std::size_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  all_.assign(arrays, rows, bound);

  // Per θ-bin, the kBinItems items of highest bound over the bin. Information is unimodal in θ (Magis 2013 for the
  // 4PL), so its maximum over [θ_lo, θ_hi] is the peak when the peak lies inside, else the larger end value.
  if (n == 0) return;
  const auto list_size = std::min<std::size_t>(kBinItems, rows.size());
  Eigen::ArrayXd low_end(n), high_end(n);
  bank.information(kBinLow, high_end);
  bins_.resize(static_cast<std::size_t>(kBins));
  bin_thresholds_.assign(static_cast<std::size_t>(kBins), kMinusInfinity);
  for (int k = 0; k < kBins; ++k) {
    const double lo = kBinLow + k * kBinWidth;
    const double hi = kBinLow + (k + 1) * kBinWidth;  // the next bin's lo, to the bit
    low_end.swap(high_end);
    bank.information(hi, high_end);
    for (Index i = 0; i < n; ++i) {
      // The peak's place is exact for 1PL-3PL and good to ~1e−8 for the 4PL: the slack covers it.
      const double at = peak_theta[static_cast<std::size_t>(i)];
      const bool inside = at >= lo - kPeakSlack && at <= hi + kPeakSlack;
      bound[static_cast<std::size_t>(i)] = (inside ? peaks_(i) : std::max(low_end(i), high_end(i))) * (1.0 + kMargin);
    }
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    std::nth_element(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(list_size - 1), rows.end(),
                     [&](std::size_t x, std::size_t y) { return bound[x] > bound[y] || (bound[x] == bound[y] && x < y); });
    double threshold = kMinusInfinity;
    for (std::size_t r = list_size; r < rows.size(); ++r) threshold = std::max(threshold, bound[rows[r]]);
    bins_[static_cast<std::size_t>(k)].assign(arrays, {rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(list_size)},
                                              bound);
    bin_thresholds_[static_cast<std::size_t>(k)] = threshold;
  }
}

std::ptrdiff_t MaxInformationSearch::best(double theta, std::span<const char> eligible) const {
  return find(theta, eligible, "MaxInformationSearch::best").item;
}

double MaxInformationSearch::highest_information(double theta, std::span<const char> eligible) const {
  return find(theta, eligible, "MaxInformationSearch::highest_information").information;
}

MaxInformationSearch::Found MaxInformationSearch::find(double theta, std::span<const char> eligible,
                                                       const char* function) const {
  detail::check_finite(function, "theta", theta);
  detail::check_mask_size(function, eligible.size(), items_);
  std::ptrdiff_t best = -1;
  double best_information = kMinusInfinity;
  const double bin = std::floor((theta - kBinLow) / kBinWidth);
  if (bin >= 0 && bin < static_cast<double>(bins_.size())) {
    // The bin's list settles the choice when its bounds stopped the scan, or when the best found beats every item
    // left out of the list; otherwise (many of its items ineligible) the full list decides.
    const auto k = static_cast<std::size_t>(bin);
    if (bins_[k].scan(theta, eligible, best, best_information) || best_information > bin_thresholds_[k]) {
      return {best, best_information};
    }
    best = -1;
    best_information = kMinusInfinity;
  }
  all_.scan(theta, eligible, best, best_information);
  return {best, best_information};
}

}  // namespace irtcat
