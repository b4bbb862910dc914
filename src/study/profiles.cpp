#include "irtcat/profiles.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>

#include "detail/one_line.hpp"
#include "irtcat/error.hpp"
#include "irtcat/orthant.hpp"

namespace irtcat {

double ReportingScale::score(double theta) const noexcept { return std::clamp(intercept + slope * theta, min, max); }

int RoleProfile::demand() const noexcept {
  int sum = 0;
  for (int level : required_level) sum += level;
  return sum;
}

int RoleCatalog::level_of(double theta) const noexcept {
  int level = 0;
  for (std::size_t l = 1; l < levels.size(); ++l) {
    if (theta >= levels[l].min_theta) level = static_cast<int>(l);
  }
  return level;
}

const std::string& RoleCatalog::level_name(double theta) const {
  if (levels.empty()) throw InvalidArgument("RoleCatalog: no proficiency levels");
  return levels[static_cast<std::size_t>(level_of(theta))].name;
}

std::size_t RoleCatalog::domain_index(const std::string& domain) const {
  const auto found = std::find(domains.begin(), domains.end(), domain);
  if (found == domains.end()) throw InvalidArgument("RoleCatalog: no domain '" + domain + "'");
  return static_cast<std::size_t>(found - domains.begin());
}

double probability_at_least(const GridPosterior& posterior, double cut) {
  if (std::isinf(cut) && cut < 0) return 1.0;
  const Eigen::ArrayXd weights = posterior.weights();
  const Eigen::ArrayXd& nodes = posterior.nodes();
  double p = 0.0;
  for (Eigen::Index q = 0; q < nodes.size(); ++q) {
    if (nodes(q) > cut) p += weights(q);
    if (nodes(q) == cut) p += weights(q) / 2;
  }
  return std::clamp(p, 0.0, 1.0);
}

namespace {

// The fit to role `role` from P(meets the required level) per domain and in all.
RoleFit fit_of(std::size_t role, std::vector<double> domain_probability, double probability) {
  RoleFit fit{role, probability, std::move(domain_probability), {}};
  for (std::size_t d = 0; d < fit.domain_probability.size(); ++d) {
    if (fit.domain_probability[d] < 0.5) fit.short_domains.push_back(d);
  }
  return fit;
}

// Best first: roles the candidate more likely meets than not, the more demanding before the less, then by
// probability; ties keep the catalog's order.
void order_best_first(const RoleCatalog& catalog, std::vector<RoleFit>& fits) {
  std::stable_sort(fits.begin(), fits.end(), [&](const RoleFit& a, const RoleFit& b) {
    const bool a_meets = a.probability >= 0.5;
    const bool b_meets = b.probability >= 0.5;
    if (a_meets != b_meets) return a_meets;
    if (a_meets) {
      const int demand_a = catalog.roles[a.role].demand();
      const int demand_b = catalog.roles[b.role].demand();
      if (demand_a != demand_b) return demand_a > demand_b;
    }
    return a.probability > b.probability;
  });
}

}  // namespace

std::vector<RoleFit> role_fit(const RoleCatalog& catalog, const std::vector<const GridPosterior*>& posteriors) {
  if (posteriors.size() != catalog.domains.size()) {
    throw InvalidArgument("role_fit: " + std::to_string(posteriors.size()) + " posteriors for " +
                          std::to_string(catalog.domains.size()) + " domains");
  }
  // P(θ_d >= cut of level l) once per domain and level.
  std::vector<std::vector<double>> at_least(posteriors.size());
  for (std::size_t d = 0; d < posteriors.size(); ++d) {
    if (posteriors[d] == nullptr) throw InvalidArgument("role_fit: a posterior is null");
    for (const ProficiencyLevel& level : catalog.levels) at_least[d].push_back(probability_at_least(*posteriors[d], level.min_theta));
  }
  std::vector<RoleFit> fits;
  for (std::size_t r = 0; r < catalog.roles.size(); ++r) {
    std::vector<double> domain_probability;
    double probability = 1.0;
    for (std::size_t d = 0; d < posteriors.size(); ++d) {
      domain_probability.push_back(at_least[d][static_cast<std::size_t>(catalog.roles[r].required_level[d])]);
      probability *= domain_probability.back();
    }
    fits.push_back(fit_of(r, std::move(domain_probability), probability));
  }
  order_best_first(catalog, fits);
  return fits;
}

std::vector<RoleFit> role_fit(const RoleCatalog& catalog, const JointEstimate& estimate,
                              const OrthantOptions& integration) {
  const auto size = static_cast<Eigen::Index>(catalog.domains.size());
  if (estimate.theta.size() != size) {
    throw InvalidArgument("role_fit: an estimate of " + std::to_string(estimate.theta.size()) + " domains for " +
                          std::to_string(size) + " domains");
  }
  const MultivariateNormal posterior{estimate.theta, estimate.covariance};  // orthant_probability validates it
  // P(θ_d >= cut of level l) once per domain and level, from the marginal N(θ̂_d, C_dd) (exact: one dimension).
  std::vector<std::vector<double>> at_least(catalog.domains.size());
  for (Eigen::Index d = 0; d < size; ++d) {
    const MultivariateNormal marginal{estimate.theta.segment(d, 1), estimate.covariance.block(d, d, 1, 1)};
    for (const ProficiencyLevel& level : catalog.levels) {
      at_least[static_cast<std::size_t>(d)].push_back(
          orthant_probability(marginal, Eigen::VectorXd::Constant(1, level.min_theta)).probability);
    }
  }
  std::vector<RoleFit> fits;
  Eigen::VectorXd cut(size);
  for (std::size_t r = 0; r < catalog.roles.size(); ++r) {
    std::vector<double> domain_probability;
    for (Eigen::Index d = 0; d < size; ++d) {
      const auto level = static_cast<std::size_t>(catalog.roles[r].required_level[static_cast<std::size_t>(d)]);
      cut(d) = catalog.levels[level].min_theta;
      domain_probability.push_back(at_least[static_cast<std::size_t>(d)][level]);
    }
    const double probability = orthant_probability(posterior, cut, integration).probability;
    fits.push_back(fit_of(r, std::move(domain_probability), probability));
  }
  order_best_first(catalog, fits);
  return fits;
}

MultivariateNormalPrior population_prior(const RoleCatalog& catalog) {
  if (catalog.roles.empty()) throw InvalidArgument("population_prior: the catalog has no roles");
  const auto size = static_cast<Eigen::Index>(catalog.domains.size());
  if (catalog.correlation.rows() != size || catalog.correlation.cols() != size) {
    throw InvalidArgument("population_prior: the correlation is " + std::to_string(catalog.correlation.rows()) + "×" +
                          std::to_string(catalog.correlation.cols()) + " for " + std::to_string(size) + " domains");
  }
  const auto roles = static_cast<Eigen::Index>(catalog.roles.size());
  Eigen::MatrixXd centres(size, roles);
  for (Eigen::Index r = 0; r < roles; ++r) {
    const RoleProfile& role = catalog.roles[static_cast<std::size_t>(r)];
    if (static_cast<Eigen::Index>(role.typical_theta.size()) != size) {
      throw InvalidArgument("population_prior: role " + detail::quoted_value(role.name) + " has " +
                            std::to_string(role.typical_theta.size()) + " typical abilities for " +
                            std::to_string(size) + " domains");
    }
    centres.col(r) = Eigen::Map<const Eigen::VectorXd>(role.typical_theta.data(), size);
  }
  const Eigen::VectorXd mean = centres.rowwise().mean();
  const Eigen::MatrixXd centred = centres.colwise() - mean;
  const double spread = catalog.population_spread;
  // Within roles plus between roles (the law of total covariance), the roles equally likely.
  const Eigen::MatrixXd within = spread * spread * catalog.correlation;
  const Eigen::MatrixXd between = centred * centred.transpose() / static_cast<double>(roles);
  return {mean, within + between};
}

bool meets_role(const RoleCatalog& catalog, const RoleProfile& role, const Eigen::VectorXd& theta) {
  for (std::size_t d = 0; d < catalog.domains.size(); ++d) {
    if (theta(static_cast<Eigen::Index>(d)) < catalog.levels[static_cast<std::size_t>(role.required_level[d])].min_theta) return false;
  }
  return true;
}

}  // namespace irtcat
