#pragma once
// The population's latent means and covariance across domains, with every item held fixed: marginal maximum
// likelihood by EM (Bock & Aitkin 1981; Bock, Gibbons & Muraki 1988 for several dimensions), the multidimensional
// counterpart of the fixed-item calibration's latent mean and variance (calibration.hpp, Kim 2006).
//
// Structure (between-item, as multidimensional.hpp): every item belongs to one domain's bank, a person's
// log-likelihood is Σ_d ℓ_d(θ_d), and θ ~ N(μ, Σ) with μ and a full, positive definite Σ to be estimated.
//   E-step: each person's posterior mean m_i and covariance V_i under the current N(μ, Σ), by adaptive
//           Gauss–Hermite quadrature centred at the person's joint MAP and scaled by the Cholesky factor of the MAP's
//           covariance (Naylor & Smith 1982; Liu & Pierce 1994; what joint_eap does), with `points_per_dimension`
//           nodes per dimension; the person's marginal log-likelihood from the same quadrature.
//   M-step: μ = mean of m_i; Σ = mean of V_i + (m_i − μ)(m_i − μ)ᵀ (closed form).
// Convergence when no entry of μ or Σ moves more than `tolerance` in a cycle (the unidimensional calibration's
// criterion, mirt's TOL); SQUAREM extrapolation between cycles (Varadhan & Roland 2008), kept only where it does not
// lower the log-likelihood, as in the item calibration.
//
// Since the items are fixed, each person's per-domain log-likelihood never changes between cycles: every answered
// item's category log-probabilities and their first two θ-derivatives are tabulated once on a grid of step 1/8 over
// [−12, 12], and a person's ℓ_d at any θ_d is the quintic Hermite interpolant of the sums over that person's
// responses (exact evaluation outside the grid): an E-step evaluates no item at all. Estimates so made differ from
// those with exact evaluation by less than 1e−9 (docs/conventions.md). Each E-step warm-starts every person's MAP at
// the previous one; persons are spread over threads, each person's results kept apart and summed in person order,
// so that the estimates are the same to the bit on any number of threads.

#include <Eigen/Core>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "irtcat/item_bank.hpp"
#include "irtcat/orthant.hpp"
#include "irtcat/response_table.hpp"

namespace irtcat {

/// One domain of the battery: its name (as the roles file names it) and a view of its bank, which must outlive the
/// call it is passed to.
struct LatentDomain {
  std::string name;
  const ItemBank* bank = nullptr;
};

/// The Gauss–Hermite points per dimension that estimate_latent takes when LatentOptions::points_per_dimension is 0
/// (the default): the most, up to 21, whose product rule has at most 20,000 nodes per person: 21 for up to 3
/// domains, 11 for 4, 7 for 5, 5 for 6, 4 for 7, 3 for 8 and 9, 2 from 10 on. An n-point rule is exact for a
/// Gaussian posterior times a polynomial of degree up to 2n − 1 in each direction; posteriors of 3PL tests are skewed
/// (the lower asymptote leaves the lower tail to the prior), and too few points make Σ too small: docs/conventions.md
/// gives the errors measured against more points.
int automatic_latent_points(std::size_t domains) noexcept;

/// One report per EM cycle, for a progress display. The library prints nothing.
struct LatentProgress {
  int cycle = 0;                ///< EM cycles done
  int max_cycles = 0;           ///< the limit
  double log_likelihood = 0.0;  ///< marginal log-likelihood at the parameters the latest cycle started from
  double max_change = 0.0;      ///< largest change of an entry of μ or Σ in the latest cycle
};

/// How estimate_latent works.
struct LatentOptions {
  /// Gauss–Hermite nodes per dimension, 2..50, at most 10⁶ nodes in all; 0: automatic_latent_points(domains). Each
  /// point more costs about ((points + 1) / points)^D times the time.
  int points_per_dimension = 0;
  double tolerance = 1e-4;  ///< mirt's TOL, as CalibrationOptions: the largest change of an entry of μ or Σ
  int max_cycles = 2000;    ///< EM cycles at most, as CalibrationOptions
  /// SQUAREM extrapolation (Varadhan & Roland 2008) between EM cycles, kept only where it does not lower the
  /// log-likelihood, as CalibrationOptions::accelerate. False: plain EM.
  bool accelerate = true;
  /// Where EM starts; N(0, I) when absent (the scale of a calibration's reference population). Must have one entry
  /// per domain and be valid (MultivariateNormal::validate).
  std::optional<MultivariateNormal> start;
  unsigned threads = 0;  ///< worker threads; 0 = hardware concurrency. Results do not depend on it (to the bit).
  std::function<void(const LatentProgress&)> progress;  ///< called after every EM cycle, if set

  /// Throws InvalidArgument naming the first violated constraint.
  void validate() const;
};

/// The estimated latent distribution, and how EM ended.
struct LatentEstimate {
  std::vector<std::string> domains;  ///< in the order of the domains given
  MultivariateNormal distribution;   ///< μ and Σ
  Eigen::VectorXd sd;                ///< √Σ_dd
  Eigen::MatrixXd correlation;       ///< Σ_jk / (sd_j sd_k), 1 on the diagonal
  double log_likelihood = 0.0;       ///< marginal log-likelihood at the estimates (the E-step's quadrature)
  int cycles = 0;                    ///< EM cycles run
  bool converged = false;            ///< no entry of μ or Σ moved more than the tolerance in the last cycle
  std::string message;               ///< one line on how EM ended
  std::size_t persons = 0;           ///< persons with at least one response: those the estimates come from
  std::size_t excluded = 0;          ///< persons with no response at all: left out (they would add V_i = Σ,
                                     ///< m_i = μ and nothing to the likelihood)
  int points_per_dimension = 0;      ///< of the quadrature used
};

/// Estimates the latent means and covariance of the persons of `table` across `domains`, every item held at its
/// bank's parameters. Each column of `table` must be an item of exactly one domain's bank; a person's missing cells
/// drop out of the likelihood. Throws InvalidArgument for invalid options, no domains, a null bank, an empty or
/// repeated domain name, an item in two domains' banks, or a start of another size than the domains; DataError
/// (naming the table's file, line and column) for a column no domain's bank holds, a category outside its item's
/// 0..K, and a domain with no response in the table (its mean and variance cannot be estimated). Non-convergence
/// is `converged` false with the last estimates.
LatentEstimate estimate_latent(const std::vector<LatentDomain>& domains, const ResponseTable& table,
                               const LatentOptions& options = {});

/// The correlations of a covariance matrix, Σ_jk / (√Σ_jj·√Σ_kk), exactly symmetric with 1 on the diagonal (what
/// LatentEstimate::correlation holds). Precondition: a positive diagonal.
Eigen::MatrixXd correlation_matrix(const Eigen::MatrixXd& covariance);

/// `estimate`'s mean and covariance over `domains` in that order (a subset or a reordering of its domains), e.g.
/// the roles file's, as a prior for a battery session. Throws InvalidArgument naming a domain the estimate does
/// not have, and for a repeated domain.
MultivariateNormal latent_distribution_over(const LatentEstimate& estimate, const std::vector<std::string>& domains);

}  // namespace irtcat
