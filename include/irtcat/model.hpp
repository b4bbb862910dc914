#pragma once
// Item response models: one item's category probabilities, their theta-derivatives and Fisher information.
//
// Conventions (docs/conventions.md; catR and mirt agree with them):
//   4PL   P(θ) = c + (d − c) / (1 + exp(−D·a·(θ − b)))       3PL: d = 1; 2PL: c = 0, d = 1; 1PL: common a
//   GRM   P*_k = 1 / (1 + exp(−D·a·(θ − b_k))), P_k = P*_k − P*_{k+1}, P*_0 = 1, P*_{K+1} = 0 (Samejima 1969)
//   GPCM  P_k ∝ exp(Σ_{v=1..k} D·a·(θ − b_v)), the empty sum for k = 0 (Muraki 1992); PCM: a = 1
// D is the scaling constant: 1 (logistic metric, the default) or 1.702 (normal-ogive metric).

#include <array>
#include <compare>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace irtcat {

/// D = 1: the logistic metric (catR's and mirt's default).
inline constexpr double kLogisticScaling = 1.0;
/// D = 1.702: logistic curves within 0.01 of the normal ogive (Haley 1952).
inline constexpr double kNormalOgiveScaling = 1.702;

/// At most this many response categories per item (15 thresholds); bounds the per-item scratch space.
inline constexpr int kMaxCategories = 16;

/// Linear predictors D·a·(θ − b) are clamped to ±kMaxLogit so that every probability stays a normal,
/// strictly positive double (exp(−700) ≈ 1e−304) and nothing overflows for any finite θ.
inline constexpr double kMaxLogit = 700.0;

/// No category's log-probability is taken below log(DBL_MIN) ≈ −708: a response is never impossible.
inline constexpr double kMinLogProbability = -708.0;

/// The item response models irtcat knows.
enum class Model {
  one_pl,    ///< 1PL / Rasch: a common to all items (a = 1 for Rasch), c = 0, d = 1
  two_pl,    ///< 2PL: c = 0, d = 1
  three_pl,  ///< 3PL: d = 1
  four_pl,   ///< 4PL
  grm,       ///< graded response (Samejima)
  gpcm,      ///< generalized partial credit (Muraki)
  pcm,       ///< partial credit (Masters): GPCM with a = 1
};

/// The model's name in files: "1pl", "2pl", "3pl", "4pl", "grm", "gpcm", "pcm".
std::string_view to_string(Model model) noexcept;

/// Parses a model name (case-insensitive; "rasch" is read as "1pl"). Throws InvalidArgument for others.
Model model_from_string(std::string_view name);

/// True for 1PL to 4PL: two categories, 0 (incorrect) and 1 (correct).
constexpr bool is_dichotomous(Model model) noexcept {
  return model == Model::one_pl || model == Model::two_pl || model == Model::three_pl ||
         model == Model::four_pl;
}

/// A stable item identifier, as written in files and databases. Distinct from ItemIndex, the position in a bank.
class ItemId {
 public:
  ItemId() = default;
  explicit ItemId(std::string value) : value_(std::move(value)) {}
  const std::string& str() const noexcept { return value_; }
  friend bool operator==(const ItemId&, const ItemId&) = default;
  friend std::strong_ordering operator<=>(const ItemId&, const ItemId&) = default;

 private:
  std::string value_;
};

/// One item and its validated parameters. Immutable once built.
class Item {
 public:
  /// A 1PL, 2PL, 3PL or 4PL item. Throws InvalidItem unless every value is finite, a > 0, 0 <= c < d <= 1,
  /// c = 0 for 1PL and 2PL, d = 1 for 1PL, 2PL and 3PL, and the id is not empty.
  static Item dichotomous(ItemId id, Model model, double a, double b, double c = 0.0, double d = 1.0);

  /// A GRM, GPCM or PCM item with K = thresholds.size() thresholds (categories 0..K). Throws InvalidItem
  /// unless 1 <= K < kMaxCategories, every value is finite, a > 0, a = 1 for PCM, and GRM thresholds are
  /// strictly increasing (GPCM step difficulties may be in any order).
  static Item polytomous(ItemId id, Model model, double a, std::vector<double> thresholds);

  const ItemId& id() const noexcept { return id_; }
  Model model() const noexcept { return model_; }
  double a() const noexcept { return a_; }
  /// The difficulty b of a dichotomous item; for a polytomous item, the mean of its thresholds (its location).
  double b() const noexcept;
  double c() const noexcept { return c_; }
  double d() const noexcept { return d_; }
  /// GRM category boundaries or GPCM step difficulties b_1..b_K; for a dichotomous item, {b}.
  std::span<const double> thresholds() const noexcept { return thresholds_; }
  /// Number of response categories: 2 for dichotomous items, K + 1 for polytomous ones.
  int category_count() const noexcept { return static_cast<int>(thresholds_.size()) + 1; }

 private:
  Item(ItemId id, Model model, double a, double c, double d, std::vector<double> thresholds);

  ItemId id_;
  Model model_;
  double a_;
  double c_;
  double d_;
  std::vector<double> thresholds_;
};

/// Every response category's log-probability and its first two derivatives in θ, at one θ.
/// From these all else follows: P_k = exp(log_p), P'_k = P_k·d1, P''_k = P_k·(d2 + d1²).
struct CategoryTerms {
  int count = 0;                                 ///< number of categories filled
  std::array<double, kMaxCategories> log_p{};   ///< log P_k(θ)
  std::array<double, kMaxCategories> d1{};      ///< ∂ log P_k / ∂θ
  std::array<double, kMaxCategories> d2{};      ///< ∂² log P_k / ∂θ²
};

/// Category terms of `item` at `theta` with scaling constant `scaling` (D). Computed in log space from stable
/// logistic forms, so every value is finite for any finite θ.
CategoryTerms category_terms(const Item& item, double theta, double scaling = kLogisticScaling);

/// P(X = category | θ). Throws InvalidResponse for a category outside 0..K.
double probability(const Item& item, int category, double theta, double scaling = kLogisticScaling);

/// P(X = 1 | θ) of a dichotomous item, the item response function. Throws InvalidArgument for polytomous items.
double probability(const Item& item, double theta, double scaling = kLogisticScaling);

/// Log-probability of one response: log P(X = category | θ). Throws InvalidResponse for a bad category.
double log_probability(const Item& item, int category, double theta, double scaling = kLogisticScaling);

/// Fisher information I(θ) = Σ_k P'_k² / P_k (for dichotomous items P'²/(PQ); for GPCM D²a²·Var(category)).
double information(const CategoryTerms& terms) noexcept;
double information(const Item& item, double theta, double scaling = kLogisticScaling);

/// Warm's (1989) J(θ) = Σ_k P'_k P''_k / P_k, the numerator of the WLE correction J / (2I).
double warm_j(const CategoryTerms& terms) noexcept;

/// Expected score E[X | θ] = Σ_k k·P_k.
double expected_score(const Item& item, double theta, double scaling = kLogisticScaling);

}  // namespace irtcat

template <>
struct std::hash<irtcat::ItemId> {
  std::size_t operator()(const irtcat::ItemId& id) const noexcept { return std::hash<std::string>{}(id.str()); }
};
