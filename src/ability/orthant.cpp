#include "irtcat/orthant.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "detail/infinity.hpp"
#include "detail/random.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

constexpr double kSqrt2 = 1.4142135623730950488;
constexpr double kInverseSqrt2Pi = 0.39894228040143267794;
using detail::kInfinity;

// Boost.Math evaluates double functions in long double by default; in double they are several times faster and
// still accurate to a few ulps, far below the integration error.
using DoublePolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

// Φ(x) from erfc, which keeps its relative accuracy far into the lower tail (Φ(−30) ≈ 5e−198 is not rounded to 0).
double normal_cdf(double x) { return 0.5 * boost::math::erfc(-x / kSqrt2, DoublePolicy()); }

// Φ⁻¹(p) = −√2·erfc⁻¹(2p). p is kept within [DBL_MIN, 1 − 2⁻⁵³], where the quantile is finite: a lattice point at
// w = 0 (or a limit whose Φ underflowed) would otherwise ask for Φ⁻¹(0) = −infinity.
double normal_quantile(double p) {
  p = std::clamp(p, std::numeric_limits<double>::min(), 1.0 - 0x1.0p-53);
  return -kSqrt2 * boost::math::erfc_inv(2.0 * p, DoublePolicy());
}

// The Cholesky factor of the covariance of Y ~ N(0, Σ) in the order the variables are integrated, each row divided
// by its diagonal so that the i-th limit is upper_i − Σ_{j<i} lower_ij · y_j in standard units.
struct SeparatedLimits {
  Eigen::MatrixXd lower;  ///< L_ij / L_ii for j < i
  Eigen::VectorXd upper;  ///< b_i / L_ii
};

// Factors Σ column by column, choosing as the next variable the one whose limit, given the earlier variables at
// their truncated means, has the smallest probability (Gibson, Glasbey & Elston 1994; Genz & Bretz 2009, §4.1.3).
// The earlier variables then carry most of the integrand's variation and the later ones little.
SeparatedLimits separate_ordered(Eigen::MatrixXd covariance, Eigen::VectorXd upper) {
  const Eigen::Index n = upper.size();
  Eigen::MatrixXd factor = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd expected(n);  // E[y_j | y_j ≤ its limit] for the variables already placed
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::Index next = i;
    double smallest = kInfinity;
    for (Eigen::Index k = i; k < n; ++k) {
      const double variance = covariance(k, k) - factor.row(k).head(i).squaredNorm();
      const double limit = (upper(k) - factor.row(k).head(i).dot(expected.head(i))) / std::sqrt(variance);
      const double p = normal_cdf(limit);
      if (p < smallest) {
        smallest = p;
        next = k;
      }
    }
    if (next != i) {
      covariance.row(i).swap(covariance.row(next));
      covariance.col(i).swap(covariance.col(next));
      std::swap(upper(i), upper(next));
      factor.row(i).head(i).swap(factor.row(next).head(i));
    }
    const double diagonal = std::sqrt(covariance(i, i) - factor.row(i).head(i).squaredNorm());
    factor(i, i) = diagonal;
    for (Eigen::Index k = i + 1; k < n; ++k) {
      factor(k, i) = (covariance(k, i) - factor.row(k).head(i).dot(factor.row(i).head(i))) / diagonal;
    }
    // The mean of a standard normal truncated to (−∞, t] is −φ(t)/Φ(t); where both underflow it tends to t.
    const double limit = (upper(i) - factor.row(i).head(i).dot(expected.head(i))) / diagonal;
    const double cdf = normal_cdf(limit);
    const double density = kInverseSqrt2Pi * std::exp(-0.5 * limit * limit);
    expected(i) = cdf > 0 && density > 0 ? -density / cdf : limit;
  }
  SeparatedLimits separated{Eigen::MatrixXd::Zero(n, n), Eigen::VectorXd(n)};
  for (Eigen::Index i = 0; i < n; ++i) {
    separated.upper(i) = upper(i) / factor(i, i);
    separated.lower.row(i).head(i) = factor.row(i).head(i) / factor(i, i);
  }
  return separated;
}

// e₁ · e₂ · … · e_n at one point w of the unit cube of n − 1 dimensions; `y` is scratch of n entries.
double separated_integrand(const SeparatedLimits& limits, double first, const Eigen::VectorXd& w, Eigen::VectorXd& y) {
  double e = first;
  double product = first;
  for (Eigen::Index i = 1; i < limits.upper.size() && product > 0; ++i) {
    y(i - 1) = normal_quantile(w(i - 1) * e);
    e = normal_cdf(limits.upper(i) - limits.lower.row(i).head(i).dot(y.head(i)));
    product *= e;
  }
  return product;
}

// frac(√p) for the first `count` primes p: the generator of Richtmyer's (1951) rank-1 lattice, whose coordinates are
// irrational and independent over the rationals, so the points fill the cube evenly in every projection.
Eigen::VectorXd richtmyer_generator(Eigen::Index count) {
  Eigen::VectorXd generator(count);
  Eigen::Index found = 0;
  for (int candidate = 2; found < count; ++candidate) {
    bool prime = true;
    for (int divisor = 2; divisor * divisor <= candidate && prime; ++divisor) prime = candidate % divisor != 0;
    if (!prime) continue;
    const double root = std::sqrt(static_cast<double>(candidate));
    generator(found++) = root - std::floor(root);
  }
  return generator;
}

}  // namespace

void MultivariateNormal::validate() const {
  const Eigen::Index size = mean.size();
  if (size == 0) throw InvalidArgument("MultivariateNormal: needs at least one dimension");
  if (covariance.rows() != size || covariance.cols() != size) {
    throw InvalidArgument("MultivariateNormal: the mean has " + std::to_string(size) +
                          " entries but the covariance is " + std::to_string(covariance.rows()) + "×" +
                          std::to_string(covariance.cols()));
  }
  if (!mean.allFinite() || !covariance.allFinite()) {
    throw InvalidArgument("MultivariateNormal: the mean and the covariance must be finite");
  }
  for (Eigen::Index i = 0; i < size; ++i) {
    for (Eigen::Index j = i + 1; j < size; ++j) {
      const double above = covariance(i, j);
      const double below = covariance(j, i);
      if (std::abs(above - below) > 1e-12 * std::max(std::abs(above), std::abs(below))) {
        throw InvalidArgument("MultivariateNormal: the covariance is not symmetric: entry (" + std::to_string(i) +
                              ", " + std::to_string(j) + ") is " + std::to_string(above) + " but (" +
                              std::to_string(j) + ", " + std::to_string(i) + ") is " + std::to_string(below));
      }
    }
  }
  if (Eigen::LLT<Eigen::MatrixXd>(covariance).info() != Eigen::Success) {
    throw InvalidArgument("MultivariateNormal: the covariance is not positive definite");
  }
}

Eigen::MatrixXd MultivariateNormal::precision() const {
  const Eigen::Index size = mean.size();
  const Eigen::MatrixXd inverse = covariance.llt().solve(Eigen::MatrixXd::Identity(size, size));
  return 0.5 * (inverse + inverse.transpose());
}

void OrthantOptions::validate() const {
  if (points < 1) throw InvalidArgument("OrthantOptions: points must be >= 1, got " + std::to_string(points));
  if (shifts < 2) throw InvalidArgument("OrthantOptions: shifts must be >= 2, got " + std::to_string(shifts));
}

OrthantProbability orthant_probability(const MultivariateNormal& distribution, const Eigen::VectorXd& cut,
                                       const OrthantOptions& options) {
  distribution.validate();
  options.validate();
  if (cut.size() != distribution.mean.size()) {
    throw InvalidArgument("orthant_probability: " + std::to_string(cut.size()) + " cuts for " +
                          std::to_string(distribution.mean.size()) + " dimensions");
  }
  std::vector<Eigen::Index> required;
  for (Eigen::Index d = 0; d < cut.size(); ++d) {
    if (std::isnan(cut(d))) throw InvalidArgument("orthant_probability: cut " + std::to_string(d) + " is NaN");
    if (cut(d) == kInfinity) return {0.0, 0.0};
    if (cut(d) > -kInfinity) required.push_back(d);
  }
  const auto n = static_cast<Eigen::Index>(required.size());
  if (n == 0) return {1.0, 0.0};

  // Y = μ − X ~ N(0, Σ), and X ≥ cut exactly where Y ≤ μ − cut: the lower orthant Genz's method is written for.
  // Leaving out a dimension keeps the marginal of the others, the rows and columns of Σ that remain.
  Eigen::VectorXd upper(n);
  Eigen::MatrixXd covariance(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index d = required[static_cast<std::size_t>(i)];
    upper(i) = distribution.mean(d) - cut(d);
    for (Eigen::Index j = 0; j < n; ++j) {
      covariance(i, j) = distribution.covariance(d, required[static_cast<std::size_t>(j)]);
    }
  }
  const SeparatedLimits limits = separate_ordered(std::move(covariance), std::move(upper));
  const double first = normal_cdf(limits.upper(0));
  if (n == 1) return {first, 0.0};

  const Eigen::VectorXd generator = richtmyer_generator(n - 1);
  detail::SplitMix64 rng(options.seed);
  Eigen::VectorXd shift(n - 1);
  Eigen::VectorXd w(n - 1);
  Eigen::VectorXd y(n);
  std::vector<double> shift_means;
  for (int s = 0; s < options.shifts; ++s) {
    for (Eigen::Index j = 0; j < n - 1; ++j) shift(j) = detail::uniform01(rng);
    double sum = 0.0;
    for (int k = 1; k <= options.points; ++k) {
      for (Eigen::Index j = 0; j < n - 1; ++j) {
        const double x = static_cast<double>(k) * generator(j) + shift(j);
        // The tent map makes the integrand periodic, which a lattice rule integrates with a faster-falling error.
        w(j) = std::abs(2.0 * (x - std::floor(x)) - 1.0);
      }
      sum += separated_integrand(limits, first, w, y);
    }
    shift_means.push_back(sum / options.points);
  }
  double mean = 0.0;
  for (double value : shift_means) mean += value;
  mean /= options.shifts;
  double squares = 0.0;
  for (double value : shift_means) squares += (value - mean) * (value - mean);
  return {mean, std::sqrt(squares / (options.shifts * (options.shifts - 1.0)))};
}

}  // namespace irtcat
