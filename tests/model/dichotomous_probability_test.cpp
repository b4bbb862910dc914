// detail::probability_rows (P, Q and their logs for a block of dichotomous items, the per-item values of the KL,
// KLP, MEPV and MEI rules) against the scalar model code, category_terms, across the logit's whole range.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "detail/selection_kernels.hpp"
#include "irtcat/irtcat.hpp"
#include "test_support.hpp"

using namespace irtcat;

using irtcat::testing::ulps;

TEST_CASE("probability_block: P, Q and their logs as the scalar model computes them") {
  for (Model model : {Model::two_pl, Model::three_pl, Model::four_pl}) {
    CAPTURE(to_string(model));
    // 70 items: one full block of 64 and a padded one of 6.
    const ItemBank bank = testing::spread_bank(model, 70, 5);
    const DichotomousArrays& d = bank.dichotomous();
    const detail::DichotomousColumns columns{d.da.data(), d.dab.data(), d.c.data(), d.spread.data(),
                                             d.one_minus_d.data()};
    double worst_p = 0.0, worst_log = 0.0;
    // θ from where every logit is clamped at −700 to where it is clamped at +700, and ordinary values between.
    for (double theta : {-1000.0, -300.0, -40.0, -6.0, -2.0, -0.3, 0.0, 0.7, 3.0, 25.0, 500.0, 1000.0}) {
      for (Eigen::Index start = 0; start < d.da.size(); start += detail::kProbabilityBlock) {
        detail::ProbabilityBlock with_logs, without_logs;
        detail::probability_rows(columns, d.da.size(), start, theta, detail::Logs::compute, with_logs);
        detail::probability_rows(columns, d.da.size(), start, theta, detail::Logs::skip, without_logs);
        for (Eigen::Index r = 0; r < std::min(detail::kProbabilityBlock, d.da.size() - start); ++r) {
          const CategoryTerms terms = category_terms(bank.items()[static_cast<std::size_t>(start + r)], theta, 1.0);
          CAPTURE(theta);
          CAPTURE(start + r);
          REQUIRE(with_logs.p[r] > 0.0);
          REQUIRE(with_logs.q[r] > 0.0);
          CHECK(without_logs.p[r] == with_logs.p[r]);
          CHECK(without_logs.q[r] == with_logs.q[r]);
          // A tiny P is exp of a large negative logit, whose own rounding (|z|·2⁻⁵³) both computations carry into
          // P's relative error: so ulps per unit of |log P|.
          const auto p_error = [](double value, double log_reference) {
            return ulps(value, std::exp(log_reference)) / std::max(std::abs(log_reference), 1.0);
          };
          worst_p = std::max({worst_p, p_error(with_logs.q[r], terms.log_p[0]), p_error(with_logs.p[r], terms.log_p[1])});
          // Absolute for logs near 0 (P near 1), relative elsewhere.
          const auto log_error = [](double value, double reference) {
            return std::abs(value - reference) / std::max(std::abs(reference), 1.0);
          };
          worst_log = std::max({worst_log, log_error(with_logs.log_q[r], terms.log_p[0]),
                                log_error(with_logs.log_p[r], terms.log_p[1])});
        }
      }
    }
    MESSAGE(to_string(model) << ": largest difference in P " << worst_p << " ulp per unit of |log P|, in log P "
                             << worst_log);
    // Two roundings in the scaled P and one in the division here; the scalar code takes a log1p and an exp. A few
    // ulp apart (times |log P| where the logit's rounding dominates) is all either can be from the exact value.
    CHECK(worst_p <= 8.0);
    CHECK(worst_log <= 1e-14);
  }
}
