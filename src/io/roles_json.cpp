// The roles file (item_banks/roles.json) read into a RoleCatalog: the file format lives here, in io, and the
// catalog's maths in profiles.cpp.

#include "irtcat/roles_json.hpp"

#include <Eigen/Cholesky>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {

RoleCatalog read_role_catalog(std::istream& in, const std::string& file) {
  using nlohmann::json;
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& error) {  // parse_error, and out_of_range for a number beyond double's range
    throw DataError(file, JsonPath{}, std::string("not valid JSON: ") + error.what());
  }
  RoleCatalog catalog;
  try {
    if (const auto format = j.at("format").get<std::string>(); format != "irtcat.roles") {
      throw DataError(file, JsonPath{"format"}, "expected \"irtcat.roles\", got " + detail::quoted_value(format));
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
          throw InvalidArgument("read_role_catalog: " + file + ": role " + detail::quoted_value(profile.name) + " needs unknown level " + detail::quoted_value(level));
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

}  // namespace irtcat
