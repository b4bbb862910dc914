#pragma once
// Maximum Fisher information (MFI) without scoring every item: a branch-and-bound search over the bank's
// dichotomous items.
//
// An item's information peaks at a height that depends on its parameters only: D²a²/4 for 1PL and 2PL items,
// Birnbaum's closed form D²a²·(1 − 20c − 8c² + (1 + 8c)^{3/2}) / (8(1 − c)²) for 3PL items, and for 4PL items
// the maximum over θ found numerically (the 4PL information is unimodal; Magis 2013). The search keeps the items
// sorted by that height, evaluates them in that order, a block at a time, with the same kernel as
// ItemBank::information, and stops as soon as no remaining item could reach the best information found. The item
// it returns is exactly the one that best_item(item_scores(mfi, ...)) returns, ties to the first in bank order:
// only the work differs. At a typical θ only the most discriminating few per cent of a large bank are evaluated.

#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "irtcat/item_bank.hpp"

namespace irtcat {

class MaxInformationSearch {
 public:
  /// Sorts the bank's items by their peak information. Throws InvalidArgument for a bank with polytomous items
  /// (their peaks have no closed form; use item_scores), see supports().
  explicit MaxInformationSearch(const ItemBank& bank);

  /// True when the search can serve `bank`: every item is dichotomous.
  static bool supports(const ItemBank& bank) noexcept;

  /// The eligible item of greatest information at θ (ties to the first in bank order), or −1 when no item is
  /// eligible. `eligible` has one entry per bank item. Throws InvalidArgument for a non-finite θ or a mask of
  /// the wrong size.
  std::ptrdiff_t best(double theta, const std::vector<char>& eligible) const;

  /// The peak information of each item, in bank order (the bounds the search uses, before their safety margin).
  const Eigen::ArrayXd& peaks() const noexcept { return peaks_; }

 private:
  std::size_t items_ = 0;
  Eigen::ArrayXd peaks_;  ///< bank order
  // Rows sorted by peak (descending, then bank order), padded to whole blocks.
  std::vector<std::size_t> bank_index_;
  Eigen::ArrayXd bound_;  ///< peak with a relative margin that covers rounding; −∞ for padding
  Eigen::ArrayXd da_, dab_, c_, spread_, one_minus_d_;
};

}  // namespace irtcat
