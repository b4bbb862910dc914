#pragma once
// Item selection rules: each scores every item of the bank in one pass over its arrays or grid tables; the best
// eligible score wins, ties to the item first in bank order.
//
//   mfi       maximum Fisher information at the current estimate (Lord 1980)
//   kl, klp   Kullback–Leibler global information: Σ_k P_k(θ̂) log(P_k(θ̂)/P_k(θ)) integrated over the grid against
//             the likelihood (kl) or the posterior (klp) (Chang & Ying 1996; catR's KL)
//   mlwi      information integrated against the likelihood; mpwi against the posterior (Veerkamp & Berger 1997)
//   mepv      minimum expected posterior variance: the EAP posterior variance after each response, weighted by the
//             response's probability at the current estimate (van der Linden 1998; catR's EPV)
//   mei       maximum expected information: the observed information at the estimate after each response,
//             weighted by the response's probability at the current estimate (catR's MEI, infoType "observed")
//   closest   the difficulty (location, for polytomous items) closest to the estimate (b-matching)
//   a_stratified  strata of rising discrimination with b-blocking (Chang, Qian & Ying 2001), closest b within the
//             stratum of the current stage
//   random    uniform among the eligible items
// Integrals use the trapezoidal rule on the grid's nodes, as catR does. A TestDesign compiles its rule once
// (TestDesign::item_scores, best_item, best_items); the tables the rules read are private to the library.

#include <Eigen/Core>
#include <array>
#include <span>
#include <string_view>
#include <vector>

#include "irtcat/ability.hpp"
#include "irtcat/grid_posterior.hpp"
#include "irtcat/item_bank.hpp"

namespace irtcat {

enum class SelectionRule { mfi, kl, klp, mlwi, mpwi, mepv, mei, closest, a_stratified, random };

/// Every rule, in the enum's order. The parser, its error message and the command line's choices are read from it,
/// so a new rule is its enum value here, its name in to_string and its selector.
inline constexpr std::array kSelectionRules{SelectionRule::mfi,  SelectionRule::kl,   SelectionRule::klp,
                                            SelectionRule::mlwi, SelectionRule::mpwi, SelectionRule::mepv,
                                            SelectionRule::mei,  SelectionRule::closest,
                                            SelectionRule::a_stratified, SelectionRule::random};

/// "mfi", "kl", "klp", "mlwi", "mpwi", "mepv", "mei", "closest", "a_stratified", "random".
std::string_view to_string(SelectionRule rule) noexcept;
/// The names of kSelectionRules as a reader would list them: "mfi, kl, ..., a_stratified or random".
std::string selection_rule_names();
/// Parses a rule name (case-insensitive; "a-stratified" and "astratified" also read). Throws InvalidArgument.
SelectionRule selection_rule_from_string(std::string_view name);

struct SelectionOptions {
  SelectionRule rule = SelectionRule::mfi;
  int strata = 4;  ///< a_stratified: number of strata; the test's stages split its maximum length evenly
  /// Throws InvalidArgument for fewer than one stratum.
  void validate() const;
};

/// What the rules look at when scoring: the current estimate, the posterior on the design's grid and the responses.
struct SelectionState {
  double theta = 0.0;                       ///< current ability estimate
  const GridPosterior* posterior = nullptr; ///< on the bank grid's nodes (required by kl, klp, mlwi, mpwi, mepv, mei)
  std::span<const Response> responses;      ///< answered so far (mei re-estimates with them)
  const EstimationOptions* estimation = nullptr;  ///< the session's estimator (mei)
};

/// The eligible item with the highest score, the first in bank order among equals; −1 if none is eligible.
std::ptrdiff_t best_item(const Eigen::ArrayXd& scores);

/// Indices of the `count` best eligible items, best first (ties in bank order).
std::vector<std::size_t> best_items(const Eigen::ArrayXd& scores, std::size_t count);

/// The a-stratified design of a bank: each item's stratum 0..strata−1 (rising a), built with b-blocking: items
/// sorted by b are cut into blocks of `strata` items and within a block ranked by a into the strata.
std::vector<int> a_strata(const ItemBank& bank, int strata);

}  // namespace irtcat
