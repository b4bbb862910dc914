// estimate_latent (irtcat/latent.hpp) and its JSON form (irtcat/latent_json.hpp): the EM fixed point against an EM
// whose E-step integrates on a dense grid, the one-domain case against the unidimensional fixed-item calibration,
// recovery of a known population, thread independence, and hostile input.
#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "irtcat/bank_json.hpp"
#include "irtcat/calibration.hpp"
#include "irtcat/error.hpp"
#include "irtcat/latent.hpp"
#include "irtcat/latent_json.hpp"
#include "test_support.hpp"

using namespace irtcat;
using irtcat::testing::replaced_first;

namespace {

// `bank`'s items with `prefix` before every id, so that generated banks of several domains do not share ids.
ItemBank prefixed(const ItemBank& bank, const std::string& prefix) {
  std::vector<Item> items;
  for (const Item& item : bank.items()) {
    const ItemId id(prefix + item.id().str());
    if (is_dichotomous(item.model())) {
      items.push_back(Item::dichotomous(id, item.model(), item.a(), item.b(), item.c(), item.d()));
    } else {
      items.push_back(Item::polytomous(id, item.model(), item.a(),
                                       std::vector<double>(item.thresholds().begin(), item.thresholds().end())));
    }
  }
  return ItemBank(std::move(items), bank.scaling());
}

// A response table over every item of `banks` (columns in bank order) of `persons` simulees drawn from N(mean,
// covariance), each answering `per_domain` items of each domain chosen at random (all when it is the bank's size);
// fixed seed. The true θ go to `thetas` (persons × domains) when given.
ResponseTable simulate_battery(const std::vector<const ItemBank*>& banks, const Eigen::VectorXd& mean,
                               const Eigen::MatrixXd& covariance, int persons, std::size_t per_domain,
                               std::uint64_t seed, Eigen::MatrixXd* thetas = nullptr) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const Eigen::MatrixXd lower = covariance.llt().matrixL();
  ResponseTable table;
  table.file = "simulated";
  std::size_t columns = 0;
  for (const ItemBank* bank : banks) {
    for (const Item& item : bank->items()) table.item_ids.push_back(item.id().str());
    columns += bank->size();
  }
  table.responses.setConstant(persons, static_cast<Eigen::Index>(columns), ResponseTable::kMissingResponse);
  if (thetas) thetas->resize(persons, static_cast<Eigen::Index>(banks.size()));
  for (int p = 0; p < persons; ++p) {
    Eigen::VectorXd z(static_cast<Eigen::Index>(banks.size()));
    for (Eigen::Index d = 0; d < z.size(); ++d) z(d) = normal(rng);
    const Eigen::VectorXd theta = mean + lower * z;
    if (thetas) thetas->row(p) = theta.transpose();
    table.person_ids.push_back(testing::numbered("p", p));
    table.lines.push_back(static_cast<std::size_t>(p + 2));
    std::size_t offset = 0;
    for (std::size_t d = 0; d < banks.size(); ++d) {
      std::vector<std::size_t> order(banks[d]->size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::shuffle(order.begin(), order.end(), rng);
      for (std::size_t k = 0; k < std::min(per_domain, order.size()); ++k) {
        const Item& item = banks[d]->items()[order[k]];
        table.responses(p, static_cast<Eigen::Index>(offset + order[k])) =
            testing::draw_response(item, theta(static_cast<Eigen::Index>(d)), banks[d]->scaling(), rng);
      }
      offset += banks[d]->size();
    }
  }
  return table;
}

Eigen::MatrixXd covariance_of(const Eigen::VectorXd& sd, const Eigen::MatrixXd& correlation) {
  return sd.asDiagonal() * correlation * sd.asDiagonal();
}

double largest_difference(const MultivariateNormal& x, const MultivariateNormal& y) {
  return std::max((x.mean - y.mean).lpNorm<Eigen::Infinity>(), (x.covariance - y.covariance).lpNorm<Eigen::Infinity>());
}

// The EM of the latent distribution in two domains with an E-step coded independently of the library: each person's
// posterior on the product grid `axis` × `axis` (trapezoidal rule; the end points carry no mass), each domain's
// log-likelihood from category_terms at the grid values, computed once (the items are fixed).
class GridEm {
 public:
  GridEm(const std::vector<const ItemBank*>& banks, const ResponseTable& table, const Eigen::ArrayXd& axis)
      : axis_(axis) {
    const auto q = axis.size();
    for (Eigen::Index p = 0; p < table.responses.rows(); ++p) {
      Eigen::ArrayXd ell[2] = {Eigen::ArrayXd::Zero(q), Eigen::ArrayXd::Zero(q)};
      bool any = false;
      Eigen::Index column = 0;
      for (std::size_t d = 0; d < 2; ++d) {
        for (const Item& item : banks[d]->items()) {
          const int x = table.responses(p, column++);
          if (x < 0) continue;
          any = true;
          for (Eigen::Index i = 0; i < q; ++i) {
            ell[d](i) += category_terms(item, axis(i), banks[d]->scaling()).log_p[static_cast<std::size_t>(x)];
          }
        }
      }
      if (!any) continue;
      first_.push_back(ell[0]);
      second_.push_back(ell[1]);
    }
  }

  /// One EM cycle from (mean, covariance): the M-step's new mean and covariance. With x, y the grid values less the
  /// mean, a person's posterior weight at node (i, j) is a_i·E_ij·b_j, where a_i = exp(ℓ₁(x_i) − ½P₁₁x_i²),
  /// b_j = exp(ℓ₂(y_j) − ½P₂₂y_j²) and E_ij = exp(−P₁₂x_i y_j) (P = Σ⁻¹), so each person's sums are two
  /// matrix-vector products with the E of the cycle.
  MultivariateNormal cycle(const MultivariateNormal& at) const {
    const Eigen::Matrix2d precision = at.covariance.inverse();
    const Eigen::ArrayXd x = axis_ - at.mean(0);
    const Eigen::ArrayXd y = axis_ - at.mean(1);
    const Eigen::MatrixXd coupling = (-precision(0, 1) * x.matrix() * y.matrix().transpose()).array().exp().matrix();
    const auto persons = static_cast<double>(first_.size());
    std::vector<Eigen::Vector2d> means;
    Eigen::Matrix2d posterior_variance = Eigen::Matrix2d::Zero();
    for (std::size_t p = 0; p < first_.size(); ++p) {
      Eigen::ArrayXd a = first_[p] - 0.5 * precision(0, 0) * x.square();
      Eigen::ArrayXd b = second_[p] - 0.5 * precision(1, 1) * y.square();
      a = (a - a.maxCoeff()).exp();
      b = (b - b.maxCoeff()).exp();
      const Eigen::ArrayXd by_first = a * (coupling * b.matrix()).array();   // marginal of θ₁ on the axis, unnormalized
      const Eigen::ArrayXd by_second = b * (coupling.transpose() * a.matrix()).array();
      const double total = by_first.sum();
      const Eigen::Vector2d m((by_first * axis_).sum() / total, (by_second * axis_).sum() / total);
      Eigen::Matrix2d v;
      v(0, 0) = (by_first * (axis_ - m(0)).square()).sum() / total;
      v(1, 1) = (by_second * (axis_ - m(1)).square()).sum() / total;
      v(0, 1) = v(1, 0) =
          (a * (axis_ - m(0))).matrix().dot(coupling * (b * (axis_ - m(1))).matrix()) / total;
      means.push_back(m);
      posterior_variance += v;
    }
    Eigen::Vector2d mean = Eigen::Vector2d::Zero();
    for (const Eigen::Vector2d& m : means) mean += m;
    mean /= persons;
    Eigen::Matrix2d covariance = posterior_variance;
    for (const Eigen::Vector2d& m : means) covariance += (m - mean) * (m - mean).transpose();
    covariance /= persons;
    return {mean, covariance};
  }

 private:
  Eigen::ArrayXd axis_;
  std::vector<Eigen::ArrayXd> first_;
  std::vector<Eigen::ArrayXd> second_;
};

}  // namespace

TEST_CASE("latent: the EM fixed point equals that of an EM integrating on a dense 2-D grid") {
  // A 3PL domain (skewed posteriors: the lower asymptote leaves the lower tail to the prior) and a GRM domain, 300
  // persons from N((0.3, −0.2), SD (1.1, 0.8), ρ 0.5), each answering 14 of 20 and 8 of 10 items; with three
  // persons who answered nothing (left out, and counted).
  const ItemBank three_pl = prefixed(testing::spread_bank(Model::three_pl, 20, 11), "a");
  const ItemBank graded = prefixed(testing::spread_bank(Model::grm, 10, 12), "b");
  const std::vector<const ItemBank*> banks = {&three_pl, &graded};
  Eigen::Matrix2d correlation;
  correlation << 1.0, 0.5, 0.5, 1.0;
  ResponseTable table = simulate_battery(banks, Eigen::Vector2d(0.3, -0.2),
                                         covariance_of(Eigen::Vector2d(1.1, 0.8), correlation), 300, 14, 4101);
  table.responses.conservativeResize(303, Eigen::NoChange);
  table.responses.bottomRows(3).setConstant(ResponseTable::kMissingResponse);
  for (int p = 300; p < 303; ++p) {
    table.person_ids.push_back(testing::numbered("p", p));
    table.lines.push_back(static_cast<std::size_t>(p + 2));
  }

  LatentOptions options;
  options.tolerance = 1e-9;
  const std::vector<LatentDomain> domains = {{"first", &three_pl}, {"second", &graded}};
  const LatentEstimate estimate = estimate_latent(domains, table, options);
  REQUIRE(estimate.converged);
  CHECK(estimate.points_per_dimension == 21);  // automatic: 21 points for up to three domains
  CHECK(estimate.persons == 300);
  CHECK(estimate.excluded == 3);
  CHECK(estimate.domains == std::vector<std::string>{"first", "second"});
  CHECK(estimate.sd(0) == std::sqrt(estimate.distribution.covariance(0, 0)));
  CHECK(estimate.correlation(0, 1) == doctest::Approx(estimate.distribution.covariance(0, 1) /
                                                      (estimate.sd(0) * estimate.sd(1))).epsilon(1e-15));

  // The reference EM, from the estimate, until no entry moves more than 1e−11: its fixed point. The grid (step 0.1
  // on [−10, 10]) integrates these posteriors far below 1e−9: the trapezoidal rule's error on an analytic integrand
  // falls as exp(−2πδ/h), δ the distance to the nearest pole (π/(D·a) for a logistic item: e^−98 here), and the
  // range keeps the 3PL domain's lower tails, which follow the prior's (on [−6.5, 6.5] the fixed point moves by
  // 1.6e−5 in that domain's variance).
  const GridEm reference(banks, table, Eigen::ArrayXd::LinSpaced(201, -10.0, 10.0));
  MultivariateNormal fixed_point = estimate.distribution;
  double change = 1.0;
  for (int cycle = 0; cycle < 300 && change > 1e-11; ++cycle) {
    const MultivariateNormal next = reference.cycle(fixed_point);
    change = largest_difference(next, fixed_point);
    fixed_point = next;
  }
  REQUIRE(change <= 1e-11);
  // The automatic 21 points per dimension in two domains (with the interpolated likelihood) and EM's stop at 1e−9
  // leave the estimate within 1e−6 of the grid's fixed point (measured: 5e−8; 31 or 41 points: 4e−10). Fewer points
  // miss the 3PL posteriors' skew: measured 1.1e−4 with 9 points, 3.4e−3 with 5, 3.7e−2 with 3, all in the 3PL
  // domain's variance, too small.
  const double error = largest_difference(estimate.distribution, fixed_point);
  CAPTURE(error);
  CHECK(error < 1e-6);
  options.points_per_dimension = 9;
  const double nine = largest_difference(estimate_latent(domains, table, options).distribution, fixed_point);
  CAPTURE(nine);
  CHECK(nine < 2e-4);
  options.points_per_dimension = 3;
  const double three = largest_difference(estimate_latent(domains, table, options).distribution, fixed_point);
  CAPTURE(three);
  CHECK(three > 1e-2);
}

TEST_CASE("latent: one domain gives the unidimensional fixed-item calibration's latent mean and variance") {
  // 800 persons from N(0.4, 1.3²) answer 18 of 25 fixed 3PL items. calibrate() estimates the latent distribution only
  // beside an item it estimates, so its table has one more column, a Rasch item that 200 more persons answered and
  // nobody else: whatever μ and σ², its intercept can match their proportion correct, so at the maximum their
  // likelihood does not depend on μ and σ² and the latent estimates are those of the fixed items' persons alone.
  const ItemBank bank = testing::spread_bank(Model::three_pl, 25, 31);
  ResponseTable table = simulate_battery({&bank}, Eigen::VectorXd::Constant(1, 0.4),
                                         Eigen::MatrixXd::Constant(1, 1, 1.69), 800, 18, 4102);
  ResponseTable with_decoy = table;
  with_decoy.item_ids.push_back("decoy");
  with_decoy.responses.conservativeResize(1000, table.responses.cols() + 1);
  with_decoy.responses.col(table.responses.cols()).setConstant(ResponseTable::kMissingResponse);
  with_decoy.responses.bottomRows(200).setConstant(ResponseTable::kMissingResponse);
  std::mt19937_64 rng(4103);
  std::bernoulli_distribution correct(0.6);
  for (Eigen::Index p = 800; p < 1000; ++p) {
    with_decoy.responses(p, table.responses.cols()) = correct(rng) ? 1 : 0;
    with_decoy.person_ids.push_back(testing::numbered("d", static_cast<int>(p)));
    with_decoy.lines.push_back(static_cast<std::size_t>(p + 2));
  }
  CalibrationOptions calibration;
  calibration.tolerance = 1e-10;
  calibration.gradient_tolerance = 1e-8;
  calibration.standard_errors = false;
  calibration.fit_statistics = false;
  calibration.quadrature_lower = -8.0;
  calibration.quadrature_upper = 8.0;
  calibration.quadrature_points = 121;
  const CalibrationResult unidimensional = calibrate(with_decoy, {CalibrationModel::rasch}, calibration, &bank);
  REQUIRE(unidimensional.status == CalibrationStatus::converged);
  REQUIRE(unidimensional.items.back().status == ItemCalibrationStatus::estimated);

  // The same table without the decoy column: its 200 persons have no response left and are counted as excluded.
  ResponseTable without = with_decoy;
  without.item_ids.pop_back();
  without.responses.conservativeResize(Eigen::NoChange, table.responses.cols());
  LatentOptions options;
  options.tolerance = 1e-10;
  const LatentEstimate estimate = estimate_latent({{"only", &bank}}, without, options);
  REQUIRE(estimate.converged);
  CHECK(estimate.persons == 800);
  CHECK(estimate.excluded == 200);
  // Two quadratures of the same integral: calibrate() on 121 equally spaced nodes over [−8, 8] with normal weights
  // normalized on them (mirt's rule, over a range that keeps the 3PL posteriors' lower tails, which follow the
  // prior's: on mirt's [−6, 6] the variance comes out 1.1e−4 larger), estimate_latent by 21-point adaptive
  // Gauss–Hermite (automatic in one domain), whose error in σ² on these steep 3PL items (a up to 2) is about 4e−6
  // (against 41 points); both stopped at 1e−10. Measured: within 5e−6.
  const double mean_difference = estimate.distribution.mean(0) - unidimensional.latent_mean;
  const double variance_difference = estimate.distribution.covariance(0, 0) - unidimensional.latent_variance;
  CAPTURE(mean_difference);
  CAPTURE(variance_difference);
  CHECK(std::abs(mean_difference) < 1e-5);
  CHECK(std::abs(variance_difference) < 1e-5);
}

TEST_CASE("latent: recovers a known population from four shipped banks (2,500 persons, 20 items per domain)") {
  const std::vector<std::string> names = {"mathematics", "machine_learning", "deep_learning", "data_science"};
  std::vector<BankDocument> documents;
  for (const std::string& name : names) {
    documents.push_back(read_bank_json_file(std::string(IRTCAT_ITEM_BANKS) + "/" + name + ".json"));
  }
  std::vector<const ItemBank*> banks;
  std::vector<LatentDomain> domains;
  for (std::size_t d = 0; d < names.size(); ++d) {
    banks.push_back(&documents[d].bank);
    domains.push_back({names[d], &documents[d].bank});
  }
  // Correlations 0.42 to 0.72 (one factor with loadings 0.6 to 0.85), means and SDs unlike N(0, I).
  const Eigen::Vector4d mean(0.3, -0.2, 0.1, 0.5);
  const Eigen::Vector4d sd(1.0, 0.8, 1.2, 0.9);
  const Eigen::Vector4d loading(0.7, 0.6, 0.85, 0.75);
  Eigen::Matrix4d correlation = loading * loading.transpose();
  correlation.diagonal().setOnes();
  const int persons = 2500;
  const ResponseTable table = simulate_battery(banks, mean, covariance_of(sd, correlation), persons, 20, 4104);
  LatentOptions options;
  options.points_per_dimension = 5;  // 625 nodes: its error (about 1e−3 in a variance) is a thirtieth of a SE here
  const LatentEstimate estimate = estimate_latent(domains, table, options);
  REQUIRE(estimate.converged);
  CHECK(estimate.persons == static_cast<std::size_t>(persons));
  // Sampling standard errors of a normal sample of θ measured with error: a 20-item test of these banks (3PL, a
  // about 1, c = 0.2, items at random) has a posterior variance e² of about 0.4, so the observed scores spread as
  // σ² + e². Mean: √((σ² + e²)/N); variance: (σ² + e²)·√(2/N); correlation: (1 − ρ²)/√N · (σ² + e²)/σ² for the
  // attenuation. Each estimate must lie within 4 of them (the check can fail for another seed, rarely).
  constexpr double kError = 0.4;
  const double n = persons;
  for (Eigen::Index d = 0; d < 4; ++d) {
    CAPTURE(d);
    const double variance = sd(d) * sd(d);
    CHECK(std::abs(estimate.distribution.mean(d) - mean(d)) < 4 * std::sqrt((variance + kError) / n));
    CHECK(std::abs(estimate.distribution.covariance(d, d) - variance) < 4 * (variance + kError) * std::sqrt(2 / n));
    for (Eigen::Index e = d + 1; e < 4; ++e) {
      CAPTURE(e);
      const double rho = correlation(d, e);
      const double inflation =
          std::max((sd(d) * sd(d) + kError) / (sd(d) * sd(d)), (sd(e) * sd(e) + kError) / (sd(e) * sd(e)));
      CHECK(std::abs(estimate.correlation(d, e) - rho) < 4 * (1 - rho * rho) / std::sqrt(n) * inflation);
    }
  }
}

TEST_CASE("latent: the same estimate on 1 and 2 threads, with or without persons who answered nothing") {
  // Six domains of 2PL, 3PL, GRM, GPCM, 4PL and PCM items, 150 persons answering 6 of 8 items per domain; one answers
  // in one domain only.
  const Model models[] = {Model::two_pl, Model::three_pl, Model::grm, Model::gpcm, Model::four_pl, Model::pcm};
  std::vector<ItemBank> owned;
  for (int d = 0; d < 6; ++d) {
    const ItemBank bank = testing::spread_bank(models[d], 8, 50 + static_cast<std::uint64_t>(d));
    owned.push_back(prefixed(bank, testing::numbered("d", d) + "_"));
  }
  std::vector<const ItemBank*> banks;
  std::vector<LatentDomain> domains;
  for (int d = 0; d < 6; ++d) {
    banks.push_back(&owned[static_cast<std::size_t>(d)]);
    domains.push_back({testing::numbered("domain", d), &owned[static_cast<std::size_t>(d)]});
  }
  Eigen::MatrixXd correlation = Eigen::MatrixXd::Constant(6, 6, 0.4);
  correlation.diagonal().setOnes();
  ResponseTable table = simulate_battery(banks, Eigen::VectorXd::LinSpaced(6, -0.3, 0.3), correlation, 150, 6, 4105);
  table.responses.row(7).setConstant(ResponseTable::kMissingResponse);
  table.responses(7, 0) = 1;
  LatentOptions options;
  options.points_per_dimension = 3;
  options.max_cycles = 30;
  options.threads = 1;
  const LatentEstimate one = estimate_latent(domains, table, options);
  options.threads = 2;
  const LatentEstimate two = estimate_latent(domains, table, options);
  CHECK(one.cycles == two.cycles);
  CHECK(one.log_likelihood == two.log_likelihood);
  CHECK(one.distribution.mean == two.distribution.mean);
  CHECK(one.distribution.covariance == two.distribution.covariance);

  // Persons with no response add nothing: interleaved among the others, they leave every bit as it was.
  ResponseTable padded = table;
  padded.responses.resize(table.responses.rows() + 3, table.responses.cols());
  padded.person_ids.clear();
  padded.lines.clear();
  Eigen::Index row = 0;
  for (Eigen::Index p = 0; p < table.responses.rows(); ++p) {
    if (p % 50 == 0) {
      padded.responses.row(row).setConstant(ResponseTable::kMissingResponse);
      padded.person_ids.push_back("empty");
      padded.lines.push_back(0);
      ++row;
    }
    padded.responses.row(row++) = table.responses.row(p);
    padded.person_ids.push_back(table.person_ids[static_cast<std::size_t>(p)]);
    padded.lines.push_back(table.lines[static_cast<std::size_t>(p)]);
  }
  const LatentEstimate with_empty = estimate_latent(domains, padded, options);
  CHECK(with_empty.excluded == 3);
  CHECK(with_empty.persons == one.persons);
  CHECK(with_empty.log_likelihood == two.log_likelihood);
  CHECK(with_empty.distribution.covariance == two.distribution.covariance);
}

TEST_CASE("latent: latent_distribution_over picks and orders the domains a battery names") {
  LatentEstimate estimate;
  estimate.domains = {"a", "b", "c"};
  estimate.distribution.mean = Eigen::Vector3d(1, 2, 3);
  estimate.distribution.covariance = Eigen::Matrix3d{{1.0, 0.1, 0.2}, {0.1, 2.0, 0.3}, {0.2, 0.3, 3.0}};
  const MultivariateNormal picked = latent_distribution_over(estimate, {"c", "a"});
  CHECK(picked.mean == Eigen::Vector2d(3, 1));
  CHECK(picked.covariance == Eigen::Matrix2d{{3.0, 0.2}, {0.2, 1.0}});
  CHECK_THROWS_AS(latent_distribution_over(estimate, {"a", "z"}), InvalidArgument);
  CHECK_THROWS_AS(latent_distribution_over(estimate, {"a", "a"}), InvalidArgument);
  CHECK_THROWS_AS(latent_distribution_over(estimate, {}), InvalidArgument);
}

TEST_CASE("latent: bad data and bad options are refused with the documented exceptions") {
  const ItemBank first = prefixed(testing::spread_bank(Model::two_pl, 5, 61), "f");
  const ItemBank second = prefixed(testing::spread_bank(Model::grm, 5, 62), "s");
  const std::vector<LatentDomain> domains = {{"first", &first}, {"second", &second}};
  Eigen::Matrix2d identity = Eigen::Matrix2d::Identity();
  const ResponseTable table = simulate_battery({&first, &second}, Eigen::Vector2d::Zero(), identity, 40, 5, 4106);
  LatentOptions quick;
  quick.points_per_dimension = 3;
  quick.max_cycles = 3;
  REQUIRE_NOTHROW(estimate_latent(domains, table, quick));

  SUBCASE("an item no domain's bank holds is a DataError naming it") {
    ResponseTable unknown = table;
    unknown.item_ids[3] = "nowhere";
    try {
      estimate_latent(domains, unknown, quick);
      FAIL("no exception");
    } catch (const DataError& error) {
      CHECK(error.column() == "nowhere");
      CHECK(std::string(error.what()).find("'nowhere'") != std::string::npos);
    }
  }
  SUBCASE("a domain nobody answered is a DataError naming it") {
    ResponseTable silent = table;
    silent.responses.rightCols(5).setConstant(ResponseTable::kMissingResponse);
    try {
      estimate_latent(domains, silent, quick);
      FAIL("no exception");
    } catch (const DataError& error) {
      CHECK(std::string(error.what()).find("domain 'second'") != std::string::npos);
    }
  }
  SUBCASE("a category outside the item's is a DataError naming its line and column") {
    ResponseTable wrong = table;
    wrong.responses(4, 1) = 2;  // a 2PL item
    try {
      estimate_latent(domains, wrong, quick);
      FAIL("no exception");
    } catch (const DataError& error) {
      CHECK(error.line() == 6);
      CHECK(error.column() == table.item_ids[1]);
    }
    wrong.responses(4, 1) = -3;
    CHECK_THROWS_AS(estimate_latent(domains, wrong, quick), DataError);
  }
  SUBCASE("misuse is an InvalidArgument") {
    CHECK_THROWS_AS(estimate_latent({}, table, quick), InvalidArgument);
    CHECK_THROWS_AS(estimate_latent({{"first", &first}, {"second", nullptr}}, table, quick), InvalidArgument);
    CHECK_THROWS_AS(estimate_latent({{"first", &first}, {"first", &second}}, table, quick), InvalidArgument);
    CHECK_THROWS_AS(estimate_latent({{"first", &first}, {"", &second}}, table, quick), InvalidArgument);
    CHECK_THROWS_AS(estimate_latent({{"first", &first}, {"again", &first}}, table, quick), InvalidArgument);
    LatentOptions options = quick;
    options.start = MultivariateNormal{Eigen::Vector3d::Zero(), Eigen::Matrix3d::Identity()};
    CHECK_THROWS_AS(estimate_latent(domains, table, options), InvalidArgument);
    options.start = MultivariateNormal{Eigen::Vector2d::Zero(), Eigen::Matrix2d{{1.0, 2.0}, {2.0, 1.0}}};
    CHECK_THROWS_AS(options.validate(), InvalidArgument);
    options = quick;
    for (int points : {-1, 1, 51}) {
      options.points_per_dimension = points;
      CHECK_THROWS_AS(options.validate(), InvalidArgument);
    }
    options = quick;
    options.tolerance = 0.0;
    CHECK_THROWS_AS(options.validate(), InvalidArgument);
    options = quick;
    options.max_cycles = 0;
    CHECK_THROWS_AS(options.validate(), InvalidArgument);
    options = quick;
    options.points_per_dimension = 50;  // 2,500 nodes: fine in two domains; 50⁶ would not be
    CHECK_NOTHROW(options.validate());
  }
  SUBCASE("a cycle limit is a status, not an error") {
    LatentOptions options = quick;
    options.max_cycles = 1;
    const LatentEstimate stopped = estimate_latent(domains, table, options);
    CHECK_FALSE(stopped.converged);
    CHECK(stopped.cycles == 1);
    CHECK(stopped.message.find("no convergence") != std::string::npos);
  }
}

TEST_CASE("latent: automatic points keep the product rule within 20,000 nodes") {
  CHECK(automatic_latent_points(1) == 21);
  CHECK(automatic_latent_points(3) == 21);
  CHECK(automatic_latent_points(4) == 11);
  CHECK(automatic_latent_points(5) == 7);
  CHECK(automatic_latent_points(6) == 5);
  CHECK(automatic_latent_points(7) == 4);
  CHECK(automatic_latent_points(8) == 3);
  CHECK(automatic_latent_points(9) == 3);
  CHECK(automatic_latent_points(10) == 2);
}

namespace {

LatentEstimate two_domain_estimate() {
  LatentEstimate estimate;
  estimate.domains = {"mathematics", "data_science"};
  estimate.distribution.mean = Eigen::Vector2d(0.1234567890123, -0.3);
  estimate.distribution.covariance = Eigen::Matrix2d{{0.8, 0.31}, {0.31, 1.21}};
  estimate.sd = estimate.distribution.covariance.diagonal().cwiseSqrt();
  estimate.correlation = correlation_matrix(estimate.distribution.covariance);
  estimate.log_likelihood = -1234.5678901234;
  estimate.cycles = 17;
  estimate.converged = true;
  estimate.persons = 2000;
  estimate.excluded = 3;
  return estimate;
}

std::string written(const LatentEstimate& estimate) {
  std::ostringstream out;
  write_latent_json(out, estimate);
  return out.str();
}

LatentEstimate read(const std::string& text) {
  std::istringstream in(text);
  return read_latent_json(in, "latent.json");
}

}  // namespace

TEST_CASE("latent JSON: a written estimate reads back as the same doubles") {
  const LatentEstimate estimate = two_domain_estimate();
  const std::string text = written(estimate);
  CHECK(text.find("\"format\": \"irtcat.latent\"") != std::string::npos);
  CHECK(text.find("\"covariance\": [\n    [0.8, 0.31],\n    [0.31, 1.21]\n  ]") != std::string::npos);
  const LatentEstimate back = read(text);
  CHECK(back.domains == estimate.domains);
  CHECK(back.distribution.mean == estimate.distribution.mean);
  CHECK(back.distribution.covariance == estimate.distribution.covariance);
  CHECK(back.sd == estimate.sd);
  CHECK(back.correlation == estimate.correlation);
  CHECK(back.log_likelihood == estimate.log_likelihood);
  CHECK(back.cycles == 17);
  CHECK(back.converged);
  CHECK(back.persons == 2000);
  CHECK(back.excluded == 3);
  CHECK(written(back) == text);
}

TEST_CASE("latent JSON: anything malformed is a DataError naming the value") {
  const std::string text = written(two_domain_estimate());
  const auto refused = [](const std::string& document, const std::string& path) {
    CAPTURE(document);
    try {
      read(document);
      FAIL("no exception");
    } catch (const DataError& error) {
      CHECK(error.file() == "latent.json");
      CHECK(error.json_path() == path);
      CHECK(std::string(error.what()).find('\n') == std::string::npos);
    }
  };
  refused("", "");
  refused("[1, 2]", "");
  refused(replaced_first(text, "0.8, 0.31]", "NaN, 0.31]"), "");           // not JSON
  refused(replaced_first(text, "0.8, 0.31]", "1e400, 0.31]"), "");         // beyond double's range
  refused(replaced_first(text, "0.8, 0.31]", "null, 0.31]"), "covariance[0][0]");
  refused(replaced_first(text, "0.8, 0.31]", "\"0.8\", 0.31]"), "covariance[0][0]");
  refused(replaced_first(text, "[0.8, 0.31]", "[0.05, 0.31]"), "covariance");  // not positive definite
  refused(replaced_first(text, "[0.8, 0.31]", "[0.8, 0.3]"), "covariance");   // not symmetric
  refused(replaced_first(text, "[0.8, 0.31]", "[0.8, 0.31, 0.2]"), "covariance[0]");
  refused(replaced_first(text, "\"mean\": [", "\"mean\": [0, "), "mean");
  refused(replaced_first(text, "\"data_science\"]", "\"data_science\", \"coding\"]"), "mean");
  refused(replaced_first(text, "\"data_science\"]", "\"mathematics\"]"), "domains[1]");
  refused(replaced_first(text, "\"domains\": [\"mathematics\", \"data_science\"]", "\"domains\": []"), "domains");
  refused(replaced_first(text, "\"irtcat.latent\"", "\"irtcat.roles\""), "format");
  refused(replaced_first(text, "\"version\": 1", "\"version\": 1.0"), "version");
  refused(replaced_first(text, "\"version\": 1", "\"version\": 2"), "version");
  refused(replaced_first(text, "\"persons\": 2000", "\"persons\": -1"), "persons");
  refused(replaced_first(text, "\"cycles\": 17", "\"cycles\": 17.5"), "cycles");
  refused(replaced_first(text, "\"converged\": true", "\"converged\": 1"), "converged");
  refused(replaced_first(text, "\"log_likelihood\": -1234.5678901234", "\"log_likelihood\": null"), "log_likelihood");
  refused(replaced_first(text, "\"excluded\": 3,\n", ""), "excluded");
  refused(replaced_first(text, "\"cycles\": 17", "\"cycles\": 17, \"note\": \"\""), "note");
  refused(replaced_first(text, "\"sd\": [", "\"sd\": [0.9, "), "sd");
  refused(replaced_first(text, "\"sd\": [0.8944", "\"sd\": [0.8945"), "sd[0]");  // not √0.8
  refused(replaced_first(text, "[1, 0.3", "[1, 0.4"), "correlation[0][1]");
  // A hostile size is refused before it is parsed.
  refused(std::string(kMaxLatentJsonBytes + 1, ' '), "");
  CHECK_THROWS_AS(read_latent_json_file("/nonexistent/latent.json"), DataError);
}

TEST_CASE("latent JSON: an estimate that would not read back is not written") {
  LatentEstimate estimate = two_domain_estimate();
  estimate.log_likelihood = std::nan("");
  CHECK_THROWS_AS(written(estimate), InvalidArgument);
  estimate = two_domain_estimate();
  estimate.domains = {"mathematics", "mathematics"};
  CHECK_THROWS_AS(written(estimate), InvalidArgument);
  estimate = two_domain_estimate();
  estimate.distribution.covariance(0, 0) = -1.0;
  CHECK_THROWS_AS(written(estimate), InvalidArgument);
  estimate = two_domain_estimate();
  estimate.domains.pop_back();
  CHECK_THROWS_AS(written(estimate), InvalidArgument);
}
