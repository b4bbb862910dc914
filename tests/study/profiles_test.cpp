#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include "irtcat/error.hpp"
#include "irtcat/profiles.hpp"
#include "irtcat/roles_json.hpp"
#include "test_support.hpp"

using namespace irtcat;
using irtcat::testing::shipped_roles;

namespace {

// A posterior concentrated near `theta` (many answers to a steep item at theta).
GridPosterior sharp_posterior(double theta) {
  GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
  const Item below = Item::dichotomous(ItemId("lo"), Model::two_pl, 4.0, theta - 0.3);
  const Item above = Item::dichotomous(ItemId("hi"), Model::two_pl, 4.0, theta + 0.3);
  for (int i = 0; i < 30; ++i) {
    posterior.update(below, 1, 1.0);
    posterior.update(above, 0, 1.0);
  }
  return posterior;
}

}  // namespace

TEST_CASE("profiles: the shipped roles file") {
  const RoleCatalog catalog = shipped_roles();
  CHECK(catalog.domains.size() == 6);
  CHECK(catalog.roles.size() == 7);
  CHECK(catalog.levels.size() == 3);
  CHECK(catalog.scale.score(0.0) == 150.0);
  CHECK(catalog.scale.score(1.0) == 200.0);
  CHECK(catalog.scale.score(-9.0) == 0.0);
  CHECK(catalog.scale.score(9.0) == 300.0);
  CHECK(catalog.level_of(-0.6) == 0);
  CHECK(catalog.level_of(-0.5) == 1);
  CHECK(catalog.level_of(1.0) == 2);
  CHECK(catalog.level_name(-0.6) == catalog.levels[0].name);
  CHECK(catalog.level_name(-0.5) == catalog.levels[1].name);
  CHECK(catalog.level_name(9.0) == catalog.levels[2].name);
  CHECK_THROWS_AS(RoleCatalog{}.level_name(0.0), InvalidArgument);
  // Researchers need accomplished mathematics and machine learning; software engineers accomplished coding and
  // software engineering.
  const auto role = [&](const std::string& name) -> const RoleProfile& {
    for (const RoleProfile& r : catalog.roles) {
      if (r.name == name) return r;
    }
    FAIL("no role " << name);
    return catalog.roles.front();
  };
  for (const char* researcher : {"machine_learning_researcher", "deep_learning_researcher"}) {
    CHECK(role(researcher).required_level[catalog.domain_index("mathematics")] == 2);
    CHECK(role(researcher).required_level[catalog.domain_index("machine_learning")] == 2);
  }
  CHECK(role("software_engineer").required_level[catalog.domain_index("algorithmic_coding")] == 2);
  CHECK(role("software_engineer").required_level[catalog.domain_index("software_engineering")] == 2);
  CHECK_THROWS_AS(catalog.domain_index("astrology"), InvalidArgument);
}

TEST_CASE("profiles: probability of meeting a level from the posterior") {
  const GridPosterior posterior = sharp_posterior(1.5);
  CHECK(probability_at_least(posterior, 1.0) > 0.95);
  CHECK(probability_at_least(posterior, 2.5) < 0.05);
  CHECK(probability_at_least(posterior, -std::numeric_limits<double>::infinity()) == 1.0);
  // A flat-ish posterior (no answers) is not a sure fit either way.
  const GridPosterior prior(QuadratureGrid{}, NormalPrior{});
  CHECK(probability_at_least(prior, 0.0) == doctest::Approx(0.5).epsilon(1e-12));
}

TEST_CASE("profiles: role fit multiplies the domains and ranks the demanding roles first") {
  const RoleCatalog catalog = shipped_roles();
  // A profile that meets everything a machine learning engineer needs: ML, coding and SE accomplished, maths and
  // DL developing, data science developing.
  const double theta[] = {0.3, 1.6, 0.3, 0.3, 1.6, 1.6};
  std::vector<GridPosterior> posteriors;
  for (double t : theta) posteriors.push_back(sharp_posterior(t));
  std::vector<const GridPosterior*> pointers;
  for (const GridPosterior& p : posteriors) pointers.push_back(&p);
  const std::vector<RoleFit> fits = role_fit(catalog, pointers);
  REQUIRE(fits.size() == 7);
  CHECK(catalog.roles[fits.front().role].name == "machine_learning_engineer");
  for (const RoleFit& fit : fits) {
    double product = 1;
    for (double p : fit.domain_probability) product *= p;
    CHECK(fit.probability == doctest::Approx(product));
  }
  // The deep learning researcher needs accomplished maths: short there.
  for (const RoleFit& fit : fits) {
    if (catalog.roles[fit.role].name == "deep_learning_researcher") {
      CHECK(fit.probability < 0.05);
      CHECK(std::find(fit.short_domains.begin(), fit.short_domains.end(), catalog.domain_index("mathematics")) !=
            fit.short_domains.end());
    }
  }
  // A wide posterior is not reported as a sure fit.
  std::vector<GridPosterior> wide(6, GridPosterior(QuadratureGrid{}, NormalPrior{1.6, 1.0}));
  std::vector<const GridPosterior*> wide_pointers;
  for (const GridPosterior& p : wide) wide_pointers.push_back(&p);
  for (const RoleFit& fit : role_fit(catalog, wide_pointers)) CHECK(fit.probability < 0.9);
  CHECK_THROWS_AS(role_fit(catalog, {pointers[0]}), InvalidArgument);
}

TEST_CASE("profiles: bad roles files are refused") {
  const auto error_of = [](const std::string& text) -> std::string {
    std::istringstream in(text);
    try {
      read_role_catalog(in, "roles.json");
    } catch (const std::exception& error) {
      return error.what();
    }
    return "no error";
  };
  CHECK(error_of("{").find("not valid JSON") != std::string::npos);
  CHECK(error_of("{\"format\": \"irtcat.roles\"}").find("malformed roles file") != std::string::npos);
  const std::string good = R"({"format": "irtcat.roles", "version": 1,
    "scale": {"intercept": 150, "slope": 50, "min": 0, "max": 300},
    "levels": [{"name": "low", "min_theta": null}, {"name": "high", "min_theta": 0.5}],
    "domains": ["a", "b"],
    "population": {"spread": 0.5, "correlation": [[1, 0.2], [0.2, 1]]},
    "roles": [{"name": "r", "title": "R", "requires": {"a": "high", "b": "low"}, "typical_theta": {"a": 1, "b": 0}}]})";
  CHECK(error_of(good) == "no error");
  std::string unknown_level = good;
  unknown_level.replace(unknown_level.find("\"a\": \"high\""), 11, "\"a\": \"top\"");
  CHECK(error_of(unknown_level).find("unknown level 'top'") != std::string::npos);
  std::string bad_correlation = good;
  bad_correlation.replace(bad_correlation.find("[[1, 0.2], [0.2, 1]]"), 20, "[[1, 1.5], [1.5, 1]]");
  CHECK(error_of(bad_correlation).find("positive-definite") != std::string::npos);
  // Another format, with a line break in it, is named escaped on one line.
  std::string other_format = good;
  other_format.replace(other_format.find("\"irtcat.roles\""), 14, "\"irtcat.\\nx\"");
  CHECK(error_of(other_format) == "roles.json, at format: expected \"irtcat.roles\", got 'irtcat.\\nx'");
}
