#include "irtcat/profiles.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>

#include "irtcat/error.hpp"

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
    RoleFit fit;
    fit.role = r;
    fit.probability = 1.0;
    for (std::size_t d = 0; d < posteriors.size(); ++d) {
      const double p = at_least[d][static_cast<std::size_t>(catalog.roles[r].required_level[d])];
      fit.domain_probability.push_back(p);
      fit.probability *= p;
      if (p < 0.5) fit.short_domains.push_back(d);
    }
    fits.push_back(std::move(fit));
  }
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
  return fits;
}

bool meets_role(const RoleCatalog& catalog, const RoleProfile& role, const Eigen::VectorXd& theta) {
  for (std::size_t d = 0; d < catalog.domains.size(); ++d) {
    if (theta(static_cast<Eigen::Index>(d)) < catalog.levels[static_cast<std::size_t>(role.required_level[d])].min_theta) return false;
  }
  return true;
}

}  // namespace irtcat
