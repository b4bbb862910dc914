#include "irtcat/profiles.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

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

std::size_t RoleCatalog::domain_index(const std::string& domain) const {
  const auto found = std::find(domains.begin(), domains.end(), domain);
  if (found == domains.end()) throw InvalidArgument("RoleCatalog: no domain '" + domain + "'");
  return static_cast<std::size_t>(found - domains.begin());
}

RoleCatalog read_role_catalog(std::istream& in, const std::string& file) {
  using nlohmann::json;
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& error) {
    throw DataError(file, JsonPath{}, std::string("not valid JSON: ") + error.what());
  }
  RoleCatalog catalog;
  try {
    if (const auto format = j.at("format").get<std::string>(); format != "irtcat.roles") {
      throw DataError(file, JsonPath{"format"}, "expected \"irtcat.roles\", got \"" + format + "\"");
    }
    catalog.source = j.value("source", "");
    const json& scale = j.at("scale");
    catalog.scale = {scale.at("intercept").get<double>(), scale.at("slope").get<double>(), scale.at("min").get<double>(),
                     scale.at("max").get<double>()};
    std::map<std::string, int> level_number;
    for (const json& level : j.at("levels")) {
      const double min_theta = level.at("min_theta").is_null() ? -std::numeric_limits<double>::infinity()
                                                                : level.at("min_theta").get<double>();
      if (!catalog.levels.empty() && !(min_theta > catalog.levels.back().min_theta)) {
        throw InvalidArgument("read_role_catalog: " + file + ": levels must rise");
      }
      level_number[level.at("name").get<std::string>()] = static_cast<int>(catalog.levels.size());
      catalog.levels.push_back({level.at("name").get<std::string>(), min_theta});
    }
    catalog.domains = j.at("domains").get<std::vector<std::string>>();
    const std::size_t d = catalog.domains.size();
    const json& population = j.at("population");
    catalog.population_spread = population.at("spread").get<double>();
    const auto rows = population.at("correlation").get<std::vector<std::vector<double>>>();
    if (rows.size() != d) throw InvalidArgument("read_role_catalog: " + file + ": the correlation matrix is not domains x domains");
    catalog.correlation.resize(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
    for (std::size_t r = 0; r < d; ++r) {
      if (rows[r].size() != d) throw InvalidArgument("read_role_catalog: " + file + ": the correlation matrix is not square");
      for (std::size_t c = 0; c < d; ++c) catalog.correlation(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c];
    }
    const Eigen::LLT<Eigen::MatrixXd> cholesky(catalog.correlation);
    if (cholesky.info() != Eigen::Success || !catalog.correlation.isApprox(catalog.correlation.transpose()) ||
        !(catalog.correlation.diagonal().array() == 1.0).all()) {
      throw InvalidArgument("read_role_catalog: " + file + ": the correlation matrix is not a positive-definite correlation matrix");
    }
    for (const json& role : j.at("roles")) {
      RoleProfile profile;
      profile.name = role.at("name").get<std::string>();
      profile.title = role.at("title").get<std::string>();
      for (const std::string& domain : catalog.domains) {
        const std::string level = role.at("requires").at(domain).get<std::string>();
        const auto found = level_number.find(level);
        if (found == level_number.end()) {
          throw InvalidArgument("read_role_catalog: " + file + ": role '" + profile.name + "' needs unknown level '" + level + "'");
        }
        profile.required_level.push_back(found->second);
        profile.typical_theta.push_back(role.at("typical_theta").at(domain).get<double>());
      }
      catalog.roles.push_back(std::move(profile));
    }
  } catch (const json::exception& error) {
    throw DataError(file, JsonPath{}, std::string("malformed roles file: ") + error.what());
  }
  return catalog;
}

RoleCatalog read_role_catalog_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  return read_role_catalog(in, path);
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
