#pragma once
// Reporting: the score scale, proficiency levels and role profiles (item_banks/roles.json), and role fit from
// each domain's posterior or from a joint posterior of all domains, so that a candidate with a wide SE is not
// reported as a sure fit.

#include <Eigen/Core>
#include <string>
#include <vector>

#include "irtcat/grid_posterior.hpp"
#include "irtcat/multidimensional.hpp"

namespace irtcat {

/// score = intercept + slope·θ, clamped to [min, max].
struct ReportingScale {
  double intercept = 150.0;
  double slope = 50.0;
  double min = 0.0;
  double max = 300.0;
  double score(double theta) const noexcept;
};

struct ProficiencyLevel {
  std::string name;
  double min_theta;  ///< −infinity for the lowest level
};

struct RoleProfile {
  std::string name;                  ///< e.g. "data_scientist"
  std::string title;                 ///< e.g. "Data scientist"
  std::vector<int> required_level;   ///< per domain (catalog order), an index into the levels
  std::vector<double> typical_theta; ///< per domain: the centre of the role's population
  /// The sum of the required level numbers: how demanding the role is, to rank roles a candidate meets.
  int demand() const noexcept;
};

/// The reporting scale, levels, domains and roles of item_banks/roles.json (read by read_role_catalog,
/// roles_json.hpp).
struct RoleCatalog {
  ReportingScale scale;
  std::vector<ProficiencyLevel> levels;  ///< ascending
  std::vector<std::string> domains;
  std::vector<RoleProfile> roles;
  double population_spread = 0.45;       ///< SD of a domain's θ within a role's population
  Eigen::MatrixXd correlation;           ///< between domains, within a role's population
  std::string source;

  /// The level θ falls in.
  int level_of(double theta) const noexcept;
  /// The name of the level θ falls in; throws InvalidArgument for a catalog without levels.
  const std::string& level_name(double theta) const;
  /// The index of a domain by name; throws InvalidArgument if the catalog has no such domain.
  std::size_t domain_index(const std::string& domain) const;
};

/// P(θ >= cut) under the posterior on its grid (a node exactly at the cut counts half).
double probability_at_least(const GridPosterior& posterior, double cut);

/// How well a candidate fits one role.
struct RoleFit {
  std::size_t role = 0;                     ///< index into the catalog's roles
  double probability = 0.0;                 ///< P(meets the required level in every domain)
  std::vector<double> domain_probability;   ///< P(meets the required level) per domain
  std::vector<std::size_t> short_domains;   ///< domains where that probability is below 0.5
};

/// Fit to every role from one posterior per catalog domain (independent tests: probabilities multiply), best
/// first: roles the candidate more likely meets than not come first, the more demanding before the less, then by
/// probability. Throws InvalidArgument if the number of posteriors differs from the number of domains.
std::vector<RoleFit> role_fit(const RoleCatalog& catalog, const std::vector<const GridPosterior*>& posteriors);

/// Fit to every role from a joint estimate of the catalog's domains (joint_map or joint_eap), whose posterior is
/// taken as N(θ̂, C): P(meets the role) is the orthant probability P(θ_d >= min_theta of the required level, every
/// d) by orthant_probability (a lowest level sets no requirement), so that correlated domains are not multiplied as
/// if independent; domain_probability is the marginal 1 − Φ((cut − θ̂_d) / √C_dd). Ordered as the role_fit above.
/// `integration`: how the orthant probabilities are integrated (a study of many candidates takes fewer points:
/// StudyOptions::role_fit_integration, simulation.hpp). Throws InvalidArgument if the estimate's size differs from
/// the number of domains or its covariance is not symmetric positive definite, and for invalid options.
std::vector<RoleFit> role_fit(const RoleCatalog& catalog, const JointEstimate& estimate,
                              const OrthantOptions& integration = {});

/// The population draw_role_candidates draws from, as the normal with its mean and covariance: the prior of joint
/// estimation for such candidates. Candidate c belongs to role c mod R, so the R roles are equally likely (exactly
/// so when the count is a multiple of R), and within role r, θ ~ N(m_r, s²·P) with m_r its typical θ, s the
/// population spread and P the correlation. By the law of total covariance the mixture has
///   mean  m̄ = (1/R) Σ_r m_r,    covariance  s²·P + (1/R) Σ_r (m_r − m̄)(m_r − m̄)ᵀ
/// (within roles plus between roles; docs/conventions.md gives the figures for item_banks/roles.json). The mixture
/// itself is not normal: this is the normal that matches its first two moments.
/// Throws InvalidArgument for a catalog without roles, or whose correlation or typical θ do not match its domains.
MultivariateNormalPrior population_prior(const RoleCatalog& catalog);

/// Whether true abilities (one per domain) meet a role's levels.
bool meets_role(const RoleCatalog& catalog, const RoleProfile& role, const Eigen::VectorXd& theta);

}  // namespace irtcat
