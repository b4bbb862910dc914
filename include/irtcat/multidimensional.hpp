#pragma once
// Joint estimation of the abilities a battery of domain tests measures. The structure is between-item
// multidimensional: every item measures its own domain's θ_d, and the domains are tied together by the prior
// θ = (θ₁ … θ_D) ~ N(μ, Σ). The log-likelihood is then a sum over domains and the log posterior is
//   log p(θ | x) = Σ_d ℓ_d(θ_d) − ½ (θ − μ)ᵀ Σ⁻¹ (θ − μ) + const,
// with gradient  (ℓ′_d(θ_d))_d − Σ⁻¹(θ − μ)  and Hessian  diag(ℓ″_d(θ_d)) − Σ⁻¹.
// With a diagonal Σ the domains separate and each estimate is its domain's unidimensional one (ability.hpp); a
// correlated Σ lets every answer inform every domain.

#include <Eigen/Core>
#include <optional>
#include <span>
#include <vector>

#include "irtcat/ability.hpp"
#include "irtcat/item_bank.hpp"
#include "irtcat/orthant.hpp"

namespace irtcat {

/// θ ~ N(mean, covariance) over the domains, in domain order. Validated by MultivariateNormal::validate.
using MultivariateNormalPrior = MultivariateNormal;

/// One domain's answers: a view of the caller's bank and responses, which must outlive the call it is passed to.
struct DomainResponses {
  const ItemBank* bank = nullptr;
  std::span<const Response> responses;
};

/// A joint estimate of every domain's θ.
struct JointEstimate {
  Eigen::VectorXd theta;       ///< per domain
  Eigen::MatrixXd covariance;  ///< MAP: the inverse of −(Hessian of the log posterior) at θ̂; EAP: the posterior's
  int iterations = 0;          ///< MAP: Newton steps taken; EAP: 0
  EstimateStatus status = EstimateStatus::converged;  ///< converged, or no_responses (θ = μ, covariance = Σ)
};

/// The log posterior at one θ, up to its constant, with its derivatives and the expected (Fisher) information.
struct JointLogPosterior {
  double value = 0.0;            ///< Σ_d ℓ_d(θ_d) − ½ (θ − μ)ᵀ Σ⁻¹ (θ − μ)
  Eigen::VectorXd gradient;      ///< ℓ′_d(θ_d) − [Σ⁻¹(θ − μ)]_d
  Eigen::MatrixXd hessian;       ///< diag(ℓ″_d(θ_d)) − Σ⁻¹, the observed one
  Eigen::VectorXd information;   ///< per domain, the test information I_d(θ_d)
};

/// The log posterior of the domains' responses under `prior` at `theta`. Throws InvalidArgument for an invalid
/// prior, a number of domains or a θ of another size than the prior's, a null bank or a non-finite θ; UnknownItem
/// and InvalidResponse as likelihood_terms.
JointLogPosterior joint_log_posterior(const std::vector<DomainResponses>& domains,
                                      const MultivariateNormalPrior& prior, const Eigen::VectorXd& theta);

/// The joint maximum a posteriori θ̂: Newton's method on the log posterior from θ = μ (or from `start`: an adaptive
/// test warm-starts from the previous answer's θ̂, a step or two from the new one), with Fisher scoring (the
/// expected Hessian −Σ⁻¹ − diag(I_d), always negative definite) for a step where the observed Hessian is not
/// negative definite (3PL items far from the data), and the step halved until the log posterior rises; solved
/// until a step is at most 1e−12 in every domain. The log posterior tends to −∞ in every direction, so a maximum
/// exists; with 3PL items it may have several, and the one reached from μ (or `start`) is returned.
/// The covariance is the inverse of the observed −Hessian at θ̂, or of the expected one where the observed is not
/// positive definite. With a diagonal Σ and 1PL, 2PL, PCM or GPCM items the observed and expected agree and each
/// domain's variance is maximum_a_posteriori's SE²; for other models this is the observed-information variance,
/// where maximum_a_posteriori's SE uses the expected information.
/// With no responses in any domain: θ = μ, covariance = Σ, status no_responses.
/// Throws as joint_log_posterior, and InvalidArgument for a start of another size than the prior's or not finite.
JointEstimate joint_map(const std::vector<DomainResponses>& domains, const MultivariateNormalPrior& prior,
                        const std::optional<Eigen::VectorXd>& start = std::nullopt);

/// Gauss–Hermite points per dimension of joint_eap by default: 5⁶ = 15,625 nodes for six domains. The rule is
/// exact for a Gaussian posterior times any polynomial of degree up to 9 in each direction. Six domains of 20
/// responses (2PL, 3PL, GRM, GPCM) are within about 1.5e−4 of the 9-point rule in the mean and the covariance;
/// 10 responses with a 3PL domain, within about 2e−3. Each point more costs about 2.5 times the time in six domains.
inline constexpr int kDefaultJointEapPoints = 5;

/// The joint expected a posteriori θ and the posterior covariance by adaptive Gauss–Hermite quadrature
/// (Naylor & Smith 1982; Liu & Pierce 1994): the product rule of `points_per_dimension` nodes per dimension is
/// centred at the joint MAP and scaled by the Cholesky factor L of its covariance, θ = θ̂ + L·z, and each node
/// weighs w(z)·exp(log p(θ) − log p(θ̂) + ½|z|²), the posterior over the Gaussian kernel the rule integrates
/// exactly. Cost: about points^D · n_D + points^{D−1} · n_{D−1} + … response log-probabilities (domain d's θ moves
/// with the first d + 1 node coordinates only), about 40 ms for six domains of 20 responses at the default; the
/// nodes come from the Golub–Welsch eigenproblem.
/// With no responses: θ = μ, covariance = Σ, status no_responses.
/// Throws InvalidArgument for points_per_dimension outside 1..100 or more than 10⁷ nodes in all, and as joint_map.
JointEstimate joint_eap(const std::vector<DomainResponses>& domains, const MultivariateNormalPrior& prior,
                        int points_per_dimension = kDefaultJointEapPoints);

}  // namespace irtcat
