#pragma once
// Maximum Fisher information (MFI) without scoring every item: a branch-and-bound search over the bank's
// dichotomous items.
//
// An item's information peaks at a height that depends on its parameters only: D²a²/4 for 1PL and 2PL items,
// Birnbaum's closed form D²a²·(1 − 20c − 8c² + (1 + 8c)^{3/2}) / (8(1 − c)²) for 3PL items, and for 4PL items
// the maximum over θ found numerically. The information is unimodal in θ (Magis 2013 for the 4PL), so over an
// interval of θ it is at most its peak when the peak lies inside and its larger end value otherwise.
//
// The search keeps, for each θ-bin of width 0.1 on [−6, 6), the 64 items of highest maximum over the bin,
// sorted by that bound, with their parameters. At a θ it evaluates the bin's items in that order, a block at a
// time with the same kernel as ItemBank::information, and stops as soon as no remaining item could reach the best
// information found. When the bin's list runs out before that (its best items are ineligible) and the best found
// does not beat every item left out of the list, or when θ lies outside the bins, the same scan runs over the
// whole bank sorted by peak. The item it returns is exactly the one that best_item(item_scores(mfi, ...))
// returns, ties to the first in bank order: only the work differs. A session's step evaluates one or two blocks
// whatever the bank's size.

#include <Eigen/Core>
#include <cstddef>
#include <span>
#include <vector>

#include "irtcat/item_bank.hpp"

namespace irtcat {

class MaxInformationSearch {
 public:
  /// Sorts the bank's items by their peak information and builds the bins' lists: 121 information passes over
  /// the bank and a selection per bin, done once per design (the bins' lists have a fixed size whatever the bank's).
  /// Throws InvalidArgument for a bank with polytomous items (their peaks have no closed form; use item_scores), see
  /// supports().
  explicit MaxInformationSearch(const ItemBank& bank);

  /// True when the search can serve `bank`: every item is dichotomous.
  static bool supports(const ItemBank& bank) noexcept;

  /// The eligible item of greatest information at θ (ties to the first in bank order), or −1 when no item is
  /// eligible. `eligible` has one entry per bank item. Throws InvalidArgument for a non-finite θ or a mask of
  /// the wrong size.
  std::ptrdiff_t best(double theta, std::span<const char> eligible) const;
  /// The information at θ of that item, the same number ItemBank::information gives it; −infinity when no item is
  /// eligible. Throws as best. (The information-target stopping rule asks this after every answer.)
  double highest_information(double theta, std::span<const char> eligible) const;

  /// The peak information of each item, in bank order (the bounds the search uses, before their safety margin).
  const Eigen::ArrayXd& peaks() const noexcept { return peaks_; }

 private:
  /// Items in falling order of an upper bound on their information, with their parameters, padded to whole blocks
  /// (padding is never eligible).
  struct Candidates {
    std::vector<std::size_t> bank_index;
    Eigen::ArrayXd bound;  ///< with a relative margin that covers rounding; −∞ for padding
    Eigen::ArrayXd da, dab, c, spread, one_minus_d;
    /// Rows `rows` of `arrays` (bank order), sorted by their `bounds` (one per row of `arrays`), falling.
    void assign(const DichotomousArrays& arrays, std::vector<std::size_t> rows, const std::vector<double>& bounds);
    /// Updates (best, best_information) with the listed eligible items. True when the bounds stopped the scan: no
    /// item left could have reached the best.
    bool scan(double theta, std::span<const char> eligible, std::ptrdiff_t& best, double& best_information) const;
  };

  struct Found {
    std::ptrdiff_t item;
    double information;
  };
  /// The best eligible item and its information; `function` names the caller in errors.
  Found find(double theta, std::span<const char> eligible, const char* function) const;

  // θ-bins [kBinLow + k·kBinWidth, + kBinWidth): sessions' estimates live there.
  static constexpr double kBinLow = -6.0;
  static constexpr double kBinWidth = 0.1;
  static constexpr int kBins = 120;
  static constexpr std::size_t kBinItems = 64;  ///< items listed per bin
  static constexpr double kPeakSlack = 1e-3;    ///< a peak this close outside a bin counts as inside

  std::size_t items_ = 0;
  Eigen::ArrayXd peaks_;  ///< bank order
  Candidates all_;        ///< every item, bounded by its peak
  std::vector<Candidates> bins_;  ///< per bin, the kBinItems items of highest maximum over the bin
  std::vector<double> bin_thresholds_;  ///< per bin, the highest bound of an item not listed (−∞ if none)
};

}  // namespace irtcat
