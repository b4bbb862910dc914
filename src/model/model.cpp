#include "irtcat/model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <utility>

#include "detail/ascii.hpp"
#include "detail/check.hpp"
#include "detail/logistic.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

std::string format_value(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

[[noreturn]] void reject(const char* function, const ItemId& id, const std::string& what) {
  throw InvalidItem(std::string(function) + ": item " + detail::quoted_value(id.str()) + ": " + what);
}

void require_finite(const char* function, const ItemId& id, const char* name, double value) {
  if (!std::isfinite(value)) reject(function, id, std::string(name) + " must be finite, got " + format_value(value));
}

// ---- dichotomous: log P and log Q with their derivatives ------------------------------------------------
//
// With s = σ(z), s̄ = σ(−z), z = D·a·(θ − b):
//   P = c + (d − c)s,   P' = (d − c)·Da·s·s̄,   P'' = (d − c)·D²a²·s·s̄·(s̄ − s)
//   ∂ log P = Da·s̄·w,   w = (d − c)s / P   (w = 1 when c = 0)
//   ∂² log P = D²a²·s̄·(s̄ − s)·w − (∂ log P)²
// and symmetrically for Q = 1 − P = (1 − d) + (d − c)s̄ with v = (d − c)s̄ / Q (v = 1 when d = 1).
// When c = 0 (d = 1) the log is taken as log d + log σ(z) (log(1 − c) + log σ(−z)): exact in the far tails.
void dichotomous_terms(const Item& item, double theta, double scaling, CategoryTerms& out) {
  const double da = scaling * item.a();
  const double z = detail::clamped_logit(da * (theta - item.b()));
  const auto [s, sb] = detail::sigmoid_pair(z);
  const double c = item.c();
  const double d = item.d();
  const double spread = d - c;

  const double log_p = detail::log_p_dichotomous(c, d, z, s);
  const double log_q = detail::log_q_dichotomous(c, d, z, sb);
  const double w = c == 0.0 ? 1.0 : spread * s / (c + spread * s);
  const double v = d == 1.0 ? 1.0 : spread * sb / ((1.0 - d) + spread * sb);

  const double g1 = da * sb * w;
  const double g0 = -da * s * v;
  const double curvature = da * da * (sb - s);
  out.count = 2;
  out.log_p[0] = log_q;
  out.d1[0] = g0;
  out.d2[0] = -curvature * s * v - g0 * g0;
  out.log_p[1] = log_p;
  out.d1[1] = g1;
  out.d2[1] = curvature * sb * w - g1 * g1;
}

// ---- graded response ---------------------------------------------------------------------------------------
//
// With z_k = D·a·(θ − b_k): P_0 = σ(−z_1), P_K = σ(z_K) and, for 0 < k < K,
//   P_k = σ(z_k) − σ(z_{k+1}) = σ(z_{k+1})·σ(−z_k)·expm1(D·a·(b_{k+1} − b_k)),
// which never subtracts two nearly equal numbers. Derivatives of the logs follow from ∂ log σ(±z) = ±Da·σ(∓z):
//   ∂ log P_k = Da·(σ(−z_{k+1}) − σ(z_k)),   ∂² log P_k = −D²a²·(σ(z_k)σ(−z_k) + σ(z_{k+1})σ(−z_{k+1})),
// with the terms of the missing boundaries (k = 0: z_0; k = K: z_{K+1}) left out.
void graded_terms(const Item& item, double theta, double scaling, CategoryTerms& out) {
  const double da = scaling * item.a();
  const auto b = item.thresholds();
  const int k_max = static_cast<int>(b.size());
  out.count = k_max + 1;

  // Boundaries 1..K: logit and σ pair (boundaries 0 and K+1 are the constants 1 and 0).
  std::array<double, kMaxCategories + 1> z{};
  std::array<detail::Sigmoid, kMaxCategories + 1> sig{};
  for (int k = 1; k <= k_max; ++k) {
    z[k] = detail::clamped_logit(da * (theta - b[k - 1]));
    sig[k] = detail::sigmoid_pair(z[k]);
  }
  for (int k = 0; k <= k_max; ++k) {
    double log_p = 0.0;
    double g = 0.0;  // ∂ log P_k / (Da) = 1 − P*_k − P*_{k+1}
    double h = 0.0;  // ∂² log P_k / (Da)² = −(P*_k Q*_k + P*_{k+1} Q*_{k+1})
    if (k == 0) {
      log_p = detail::log_sigmoid(-z[1]);
      g = -sig[1].s;
      h = -sig[1].s * sig[1].sb;
    } else if (k == k_max) {
      log_p = detail::log_sigmoid(z[k]);
      g = sig[k].sb;
      h = -sig[k].s * sig[k].sb;
    } else {
      log_p = detail::log_sigmoid(z[k + 1]) + detail::log_sigmoid(-z[k]) +
              detail::log_expm1(da * (b[k] - b[k - 1]));
      g = sig[k + 1].sb - sig[k].s;
      h = -(sig[k].s * sig[k].sb + sig[k + 1].s * sig[k + 1].sb);
    }
    out.log_p[k] = log_p;
    out.d1[k] = da * g;
    out.d2[k] = da * da * h;
  }
}

// ---- (generalized) partial credit -----------------------------------------------------------------------------
//
// η_k = Σ_{v≤k} D·a·(θ − b_v), η_0 = 0; log P_k = η_k − log Σ_j exp(η_j) (maximum subtracted first).
// ∂ log P_k = Da·(k − E[k]),  ∂² log P_k = −D²a²·Var[k].
void partial_credit_terms(const Item& item, double theta, double scaling, CategoryTerms& out) {
  const double da = scaling * item.a();
  const auto b = item.thresholds();
  const int count = static_cast<int>(b.size()) + 1;
  out.count = count;

  std::array<double, kMaxCategories> eta{};
  for (int k = 1; k < count; ++k) eta[k] = eta[k - 1] + detail::clamped_logit(da * (theta - b[k - 1]));
  const double eta_max = *std::max_element(eta.begin(), eta.begin() + count);
  double total = 0.0;
  for (int k = 0; k < count; ++k) total += std::exp(eta[k] - eta_max);
  const double log_total = eta_max + std::log(total);

  double mean = 0.0;
  for (int k = 0; k < count; ++k) {
    out.log_p[k] = eta[k] - log_total;
    mean += k * std::exp(out.log_p[k]);
  }
  double variance = 0.0;
  for (int k = 0; k < count; ++k) variance += (k - mean) * (k - mean) * std::exp(out.log_p[k]);
  for (int k = 0; k < count; ++k) {
    out.d1[k] = da * (k - mean);
    out.d2[k] = -da * da * variance;
  }
}

}  // namespace

std::string_view to_string(Model model) noexcept {
  switch (model) {
    case Model::one_pl: return "1pl";
    case Model::two_pl: return "2pl";
    case Model::three_pl: return "3pl";
    case Model::four_pl: return "4pl";
    case Model::grm: return "grm";
    case Model::gpcm: return "gpcm";
    case Model::pcm: return "pcm";
  }
  return "unknown";
}

Model model_from_string(std::string_view name) {
  const std::string lower = detail::ascii_lower(name);
  if (lower == "rasch") return Model::one_pl;
  for (Model model : {Model::one_pl, Model::two_pl, Model::three_pl, Model::four_pl, Model::grm, Model::gpcm,
                      Model::pcm}) {
    if (lower == to_string(model)) return model;
  }
  throw InvalidArgument("model_from_string: unknown model " + detail::quoted_value(name) +
                        " (expected 1pl, 2pl, 3pl, 4pl, rasch, grm, gpcm or pcm)");
}

Item::Item(ItemId id, Model model, double a, double c, double d, std::vector<double> thresholds)
    : id_(std::move(id)), model_(model), a_(a), c_(c), d_(d), thresholds_(std::move(thresholds)) {}

Item Item::dichotomous(ItemId id, Model model, double a, double b, double c, double d) {
  constexpr const char* fn = "Item::dichotomous";
  if (id.str().empty()) throw InvalidItem(std::string(fn) + ": the item id is empty");
  if (!is_dichotomous(model)) {
    reject(fn, id, "model " + std::string(to_string(model)) + " is polytomous; use Item::polytomous");
  }
  require_finite(fn, id, "a", a);
  require_finite(fn, id, "b", b);
  require_finite(fn, id, "c", c);
  require_finite(fn, id, "d", d);
  if (!(a > 0)) reject(fn, id, "a must be > 0, got " + format_value(a));
  if (!(c >= 0 && c < 1)) reject(fn, id, "c must be in [0, 1), got " + format_value(c));
  if (!(d > 0 && d <= 1)) reject(fn, id, "d must be in (0, 1], got " + format_value(d));
  if (!(c < d)) reject(fn, id, "c must be < d, got c = " + format_value(c) + ", d = " + format_value(d));
  const bool two_or_less = model == Model::one_pl || model == Model::two_pl;
  if (two_or_less && c != 0) {
    reject(fn, id, std::string(to_string(model)) + " has no guessing parameter; c must be 0, got " + format_value(c));
  }
  if (model != Model::four_pl && d != 1) {
    reject(fn, id, std::string(to_string(model)) + " has no upper asymptote; d must be 1, got " + format_value(d));
  }
  return Item(std::move(id), model, a, c, d, {b});
}

Item Item::polytomous(ItemId id, Model model, double a, std::vector<double> thresholds) {
  constexpr const char* fn = "Item::polytomous";
  if (id.str().empty()) throw InvalidItem(std::string(fn) + ": the item id is empty");
  if (is_dichotomous(model)) {
    reject(fn, id, "model " + std::string(to_string(model)) + " is dichotomous; use Item::dichotomous");
  }
  require_finite(fn, id, "a", a);
  if (!(a > 0)) reject(fn, id, "a must be > 0, got " + format_value(a));
  if (model == Model::pcm && a != 1) reject(fn, id, "the partial credit model has a = 1, got " + format_value(a));
  if (thresholds.empty() || thresholds.size() >= static_cast<std::size_t>(kMaxCategories)) {
    reject(fn, id, "needs 1 to " + std::to_string(kMaxCategories - 1) + " thresholds, got " +
                       std::to_string(thresholds.size()));
  }
  for (std::size_t k = 0; k < thresholds.size(); ++k) {
    require_finite(fn, id, (std::string("b") + std::to_string(k + 1)).c_str(), thresholds[k]);
    if (model == Model::grm && k > 0 && !(thresholds[k] > thresholds[k - 1])) {
      reject(fn, id, "graded response thresholds must be strictly increasing, got b" + std::to_string(k) + " = " +
                         format_value(thresholds[k - 1]) + " and b" + std::to_string(k + 1) + " = " +
                         format_value(thresholds[k]));
    }
  }
  return Item(std::move(id), model, a, 0.0, 1.0, std::move(thresholds));
}

double Item::b() const noexcept {
  if (thresholds_.size() == 1) return thresholds_.front();
  return std::accumulate(thresholds_.begin(), thresholds_.end(), 0.0) / static_cast<double>(thresholds_.size());
}

CategoryTerms category_terms(const Item& item, double theta, double scaling) {
  CategoryTerms terms;
  switch (item.model()) {
    case Model::one_pl:
    case Model::two_pl:
    case Model::three_pl:
    case Model::four_pl: dichotomous_terms(item, theta, scaling, terms); break;
    case Model::grm: graded_terms(item, theta, scaling, terms); break;
    case Model::gpcm:
    case Model::pcm: partial_credit_terms(item, theta, scaling, terms); break;
  }
  // Far beyond any sensible θ a category's probability could underflow; keep it a tiny normal number instead.
  for (int k = 0; k < terms.count; ++k) terms.log_p[k] = std::max(terms.log_p[k], kMinLogProbability);
  return terms;
}

namespace {

// log P(X = category) without the derivatives: for a dichotomous item only the log asked for, by
// dichotomous_terms' own operations, so the value is category_terms' to the last bit.
double category_log(const Item& item, int category, double theta, double scaling) {
  if (!is_dichotomous(item.model())) return category_terms(item, theta, scaling).log_p[category];
  const double z = detail::clamped_logit(scaling * item.a() * (theta - item.b()));
  const double c = item.c();
  const double d = item.d();
  const double log_p = category == 1
                           ? detail::log_p_dichotomous(c, d, z, c == 0.0 ? 0.0 : detail::sigmoid_pair(z).s)
                           : detail::log_q_dichotomous(c, d, z, d == 1.0 ? 0.0 : detail::sigmoid_pair(z).sb);
  return std::max(log_p, kMinLogProbability);
}

}  // namespace

double log_probability(const Item& item, int category, double theta, double scaling) {
  detail::check_category("log_probability", item, category);
  return category_log(item, category, theta, scaling);
}

double probability(const Item& item, int category, double theta, double scaling) {
  detail::check_category("probability", item, category);
  return std::exp(category_log(item, category, theta, scaling));
}

double probability(const Item& item, double theta, double scaling) {
  if (!is_dichotomous(item.model())) {
    throw InvalidArgument("probability: item " + detail::quoted_value(item.id().str()) + " is polytomous; give the category");
  }
  const double z = detail::clamped_logit(scaling * item.a() * (theta - item.b()));
  return item.c() + (item.d() - item.c()) * detail::sigmoid_pair(z).s;
}

double information(const CategoryTerms& terms) noexcept {
  double sum = 0.0;
  for (int k = 0; k < terms.count; ++k) sum += std::exp(terms.log_p[k]) * terms.d1[k] * terms.d1[k];
  return sum;
}

double information(const Item& item, double theta, double scaling) {
  return information(category_terms(item, theta, scaling));
}

double warm_j(const CategoryTerms& terms) noexcept {
  double sum = 0.0;
  for (int k = 0; k < terms.count; ++k) {
    const double g = terms.d1[k];
    sum += std::exp(terms.log_p[k]) * g * (terms.d2[k] + g * g);
  }
  return sum;
}

double expected_score(const Item& item, double theta, double scaling) {
  const CategoryTerms terms = category_terms(item, theta, scaling);
  double sum = 0.0;
  for (int k = 1; k < terms.count; ++k) sum += k * std::exp(terms.log_p[k]);
  return sum;
}

}  // namespace irtcat
