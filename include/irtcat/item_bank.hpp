#pragma once
// An immutable, validated item bank. Parameters are kept structure-of-arrays per model family (Eigen arrays),
// so that a selection rule scores every item at a theta in one vectorized pass; per-item access is by
// ItemIndex (position in the bank) or ItemId (stable identifier).

#include <Eigen/Core>
#include <compare>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "irtcat/model.hpp"

namespace irtcat {

/// The position of an item in a bank: 0 .. size() − 1, in bank order (the order ties are broken in).
struct ItemIndex {
  std::size_t value = 0;
  friend auto operator<=>(const ItemIndex&, const ItemIndex&) = default;
};

/// What a candidate sees of an item: a multiple-choice question, its key and why the key is right.
struct ItemContent {
  std::string stem;                  ///< the question; code keeps its line breaks
  std::vector<std::string> options;  ///< the answer options, shown lettered A, B, C, ...
  int key = -1;                      ///< index of the right option; −1 for an item without keyed options
  std::string explanation;           ///< one line on why the key is right
  int difficulty = 0;                ///< the author's rating, 1 (introductory) .. 5 (expert); 0 when unrated
};

/// The category that choosing option `option` (0 for A, 1 for B, ...) scores on `item`: 1 for the key and 0 for
/// the others on a dichotomous item, the option's position on a polytomous one (its options are its categories in
/// order). Nullopt for an option the content does not have, a position beyond the item's categories, or a
/// dichotomous item without a key.
std::optional<int> option_category(const Item& item, const ItemContent& content, std::size_t option) noexcept;

/// Option `option`'s letter: "A" for 0, "B" for 1, ... (options are at most 26).
std::string option_letter(std::size_t option);
/// The option a letter names, either case ("b" and "B" are 1); nullopt for anything but one letter A-Z.
std::optional<int> option_from_letter(std::string_view text) noexcept;

/// What the bank knows about an item beside its parameters.
struct ItemMetadata {
  std::string domain;            ///< e.g. "mathematics"; may be empty
  std::string topic;             ///< e.g. "linear algebra"; may be empty
  ItemContent content;           ///< empty for items known by their parameters only
  std::string parameter_source;  ///< where the parameters come from, e.g. "provisional" or "calibrated"
  bool active = true;            ///< an inactive item (retired, under review) is never offered
};

/// Which bank, in which version: what a stored session names so that it is never resumed on other items.
struct BankIdentity {
  std::string name = "bank";
  int version = 1;
};

/// The dichotomous items of a bank, structure of arrays, with the scaling constant folded in.
struct DichotomousArrays {
  std::vector<std::size_t> bank_index;  ///< bank position of each row
  Eigen::ArrayXd da;                    ///< D·a
  Eigen::ArrayXd dab;                   ///< D·a·b, so that the logit is da·θ − dab
  Eigen::ArrayXd c;                     ///< lower asymptote
  Eigen::ArrayXd spread;                ///< d − c
  Eigen::ArrayXd one_minus_d;           ///< 1 − d
};

/// Polytomous items of one model family with the same number of thresholds K, structure of arrays.
struct PolytomousArrays {
  Model model = Model::grm;             ///< grm, or gpcm (which also holds pcm items, a = 1)
  int thresholds = 0;                   ///< K
  std::vector<std::size_t> bank_index;  ///< bank position of each row
  Eigen::ArrayXd da;                    ///< D·a
  Eigen::ArrayXXd b;                    ///< rows × K thresholds (GRM boundaries or GPCM steps)
  /// GRM: rows × (K − 1) of expm1(D·a·(b_{k+1} − b_k)), the θ-free factor of the middle categories (empty for
  /// GPCM).
  Eigen::ArrayXXd expm1_gap;
};

/// An immutable bank of validated items sharing one scaling constant D.
class ItemBank {
 public:
  /// Builds the bank. Throws InvalidArgument when two items share an id, when `scaling` is not finite and
  /// positive, or when `metadata` is neither empty nor one entry per item. Items are validated on construction
  /// (Item's factories), so a bank never holds an invalid item.
  explicit ItemBank(std::vector<Item> items, double scaling = kLogisticScaling,
                    std::vector<ItemMetadata> metadata = {}, BankIdentity identity = {});

  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  /// The scaling constant D every item of the bank is evaluated with.
  double scaling() const noexcept { return scaling_; }
  const BankIdentity& identity() const noexcept { return identity_; }

  const std::vector<Item>& items() const noexcept { return items_; }
  /// Throws UnknownItem for an index outside the bank.
  const Item& item(ItemIndex index) const;
  const ItemMetadata& metadata(ItemIndex index) const;

  /// The index of the item with this id, if the bank holds it.
  std::optional<ItemIndex> find(const ItemId& id) const noexcept;
  /// The index of the item with this id; throws UnknownItem if the bank does not hold it.
  ItemIndex index_of(const ItemId& id) const;

  /// Fisher information of every item at `theta`, in bank order, into `out` (size() entries).
  /// Throws InvalidArgument if theta is not finite or `out` has the wrong size.
  void information(double theta, Eigen::Ref<Eigen::ArrayXd> out) const;
  Eigen::ArrayXd information(double theta) const;

  /// The structure-of-arrays views that vectorized rules work on.
  const DichotomousArrays& dichotomous() const noexcept { return dichotomous_; }
  const std::vector<PolytomousArrays>& polytomous() const noexcept { return polytomous_; }

 private:
  std::vector<Item> items_;
  std::vector<ItemMetadata> metadata_;
  double scaling_;
  BankIdentity identity_;
  std::unordered_map<ItemId, std::size_t> index_by_id_;
  DichotomousArrays dichotomous_;
  std::vector<PolytomousArrays> polytomous_;
  bool dichotomous_only_ = true;  ///< every item dichotomous: the arrays are in bank order, no scatter needed
};

/// Test information Σ I_j(θ) over the given items of the bank.
double test_information(const ItemBank& bank, std::span<const ItemIndex> items, double theta);

}  // namespace irtcat
