// LowRankTable: every approximated weighted sum within its stated bound of the exact sum (computed in extended
// precision), for smooth bank tables, for tables with no low-rank structure at all, and at the edges (fewer nodes
// than the rank, no rows).
#include <doctest/doctest.h>

#include <random>

#include "detail/bank_grid.hpp"
#include "irtcat/irtcat.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

// The largest of |exact − approximated| / bound over every row and weight vector (at most 1 when the bound holds),
// with the exact sums in long double.
template <int Columns>
double worst_ratio(const LowRankTable::RowMatrix& table, const LowRankTable& low_rank,
                   const Eigen::Matrix<double, Eigen::Dynamic, Columns>& weights) {
  Eigen::Matrix<float, Eigen::Dynamic, Columns> approximated;
  low_rank.approximate(weights, approximated);
  REQUIRE(approximated.rows() >= table.rows());
  double worst = 0.0;
  for (Eigen::Index c = 0; c < weights.cols(); ++c) {
    const double norm = weights.col(c).norm();
    for (Eigen::Index row = 0; row < table.rows(); ++row) {
      long double exact = 0.0L;
      for (Eigen::Index q = 0; q < table.cols(); ++q) {
        exact += static_cast<long double>(table(row, q)) * static_cast<long double>(weights(q, c));
      }
      const auto difference =
          static_cast<double>(std::abs(exact - static_cast<long double>(approximated(row, c))));
      const double bound = static_cast<double>(low_rank.error()(row)) * norm + low_rank.absolute_error();
      worst = std::max(worst, bound > 0.0 ? difference / bound : (difference > 0.0 ? INFINITY : 0.0));
    }
  }
  return worst;
}

// Weight vectors of the kinds the rules pass, each entry at most 1 in magnitude: uniform (a likelihood before any
// answer), a normal posterior, one spiked at a node, one with entries far below single precision's normal range,
// and centred moments (signed).
Eigen::Matrix<double, Eigen::Dynamic, 3> weight_sets(const Eigen::ArrayXd& nodes, int which) {
  const Eigen::Index n = nodes.size();
  Eigen::Matrix<double, Eigen::Dynamic, 3> w(n, 3);
  const Eigen::ArrayXd normal = (-0.5 * (nodes - 0.7).square()).exp();
  switch (which) {
    case 0: w.col(0).setOnes(); w.col(1) = normal.matrix(); w.col(2).setZero(); w(n / 3, 2) = 1.0; break;
    case 1: w.col(0) = (normal * 1e-42).matrix(); w.col(1) = (normal * (nodes - 0.7) / 4.0).matrix();
            w.col(2) = (normal * (nodes - 0.7).square() / 16.0).matrix(); break;
    default: {
      std::mt19937_64 rng(20261129);
      std::uniform_real_distribution<double> u(-1.0, 1.0);
      for (Eigen::Index q = 0; q < n; ++q) w.row(q) << std::abs(u(rng)), u(rng), u(rng) * 1e-30;
    }
  }
  return w;
}

}  // namespace

TEST_CASE("LowRankTable: every sum within its bound, for the log P and P tables of every model") {
  for (Model model : {Model::two_pl, Model::three_pl, Model::four_pl, Model::grm, Model::gpcm}) {
    CAPTURE(to_string(model));
    const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(model, 150, 21).items());
    const BankGrid grid(bank, QuadratureGrid{});
    const LowRankTable::RowMatrix probability = grid.log_p().array().exp().matrix();  // as BankGrid makes it
    for (int which = 0; which < 3; ++which) {
      const auto weights = weight_sets(grid.nodes(), which);
      CHECK(worst_ratio<3>(grid.log_p(), grid.log_p_low_rank(), weights) <= 1.0);
      CHECK(worst_ratio<3>(probability, grid.probability_low_rank(), weights) <= 1.0);
      const Eigen::VectorXd one = weights.col(0);
      CHECK(worst_ratio<1>(grid.log_p(), grid.log_p_low_rank(), one) <= 1.0);
    }
    // The bound is useful, not just true: a smooth bank's rows are carried by the rank-12 basis to within a small
    // fraction of their size (about 1e−3 here; a bound near 1 would let every item through the screens).
    const LowRankTable& table = grid.log_p_low_rank();
    CHECK(table.rank() == LowRankTable::kRank);
    const Eigen::ArrayXd row_norms = grid.log_p().rowwise().norm().array();
    CHECK((table.error().cast<double>().array() / row_norms.max(1e-300)).maxCoeff() < 0.02);
  }
}

TEST_CASE("LowRankTable: a table with no low-rank structure still gets true bounds") {
  // Independent random entries: the rank-12 basis carries little, the residual most; the bound must say so.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 3.0);
  LowRankTable::RowMatrix table(200, 33);
  for (Eigen::Index i = 0; i < table.size(); ++i) table.data()[i] = normal(rng);
  const LowRankTable low_rank(table);
  const Eigen::ArrayXd nodes = Eigen::ArrayXd::LinSpaced(33, -4.0, 4.0);
  for (int which = 0; which < 3; ++which) CHECK(worst_ratio<3>(table, low_rank, weight_sets(nodes, which)) <= 1.0);
  // And the residual is what the bound is made of: it is not small here.
  CHECK(low_rank.error().minCoeff() > 1.0);
}

TEST_CASE("LowRankTable: exact when the table is of low rank, and at the edges") {
  SUBCASE("rows spanned by three vectors: bounds at single precision's rounding") {
    const Eigen::ArrayXd nodes = Eigen::ArrayXd::LinSpaced(33, -4.0, 4.0);
    LowRankTable::RowMatrix table(50, 33);
    for (Eigen::Index r = 0; r < 50; ++r) {
      const double x = 0.1 * static_cast<double>(r);
      table.row(r) = (x + nodes * (1.0 - x) + nodes.square() * x * x).matrix().transpose();
    }
    const LowRankTable low_rank(table);
    CHECK(worst_ratio<3>(table, low_rank, weight_sets(nodes, 0)) <= 1.0);
    // (kRank + 2)·2⁻²⁴ ≈ 8e−7 of the row's size, and no residual to speak of.
    const Eigen::ArrayXd row_norms = table.rowwise().norm().array();
    CHECK((low_rank.error().cast<double>().array() / row_norms).maxCoeff() < 1e-6);
  }
  SUBCASE("fewer nodes than the rank: the basis has one vector per node") {
    LowRankTable::RowMatrix table = LowRankTable::RowMatrix::Random(20, 5);
    const LowRankTable low_rank(table);
    CHECK(low_rank.rank() == 5);
    CHECK(worst_ratio<3>(table, low_rank, weight_sets(Eigen::ArrayXd::LinSpaced(5, -1.0, 1.0), 2)) <= 1.0);
  }
  SUBCASE("no rows") {
    const LowRankTable low_rank(LowRankTable::RowMatrix(0, 33));
    CHECK(low_rank.rows() == 0);
    Eigen::VectorXf sums;
    low_rank.approximate(Eigen::VectorXd::Ones(33).eval(), sums);
    CHECK(sums.size() == 0);
  }
}

TEST_CASE("LowRankTable: grids beyond 1,024 nodes take the subspace basis, with true and useful bounds") {
  // Above 1,024 nodes no nodes x nodes matrix is formed; the basis comes from subspace iteration. The bounds must
  // hold as before, and a smooth bank's rows must still be carried to a small fraction of their size.
  for (Model model : {Model::three_pl, Model::grm}) {
    CAPTURE(to_string(model));
    const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(model, 60, 5).items());
    const BankGrid grid(bank, QuadratureGrid{-4.0, 4.0, 2001});
    const LowRankTable& table = grid.log_p_low_rank();
    CHECK(table.rank() == LowRankTable::kRank);
    for (int which = 0; which < 3; ++which) {
      CHECK(worst_ratio<3>(grid.log_p(), table, weight_sets(grid.nodes(), which)) <= 1.0);
    }
    const Eigen::ArrayXd row_norms = grid.log_p().rowwise().norm().array();
    CHECK((table.error().cast<double>().array() / row_norms.max(1e-300)).maxCoeff() < 0.02);
  }
}

TEST_CASE("LowRankTable: a 100,000-node grid on a small bank") {
  // The largest grid QuadratureGrid allows, on five items. The nodes x nodes Gram matrix would be 80 GB: the
  // allocation fails (bad_alloc in a release build, an abort under AddressSanitizer) if it is ever formed.
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::two_pl, 5, 3).items());
  const BankGrid grid(bank, QuadratureGrid{-4.0, 4.0, 100000});
  CHECK(grid.log_p().cols() == 100000);
  const LowRankTable& table = grid.log_p_low_rank();
  CHECK(table.rows() == grid.log_p().rows());
  CHECK(worst_ratio<3>(grid.log_p(), table, weight_sets(grid.nodes(), 0)) <= 1.0);
  CHECK(worst_ratio<3>(grid.log_p(), table, weight_sets(grid.nodes(), 2)) <= 1.0);
  // Ten rows of rank at most ten: the basis carries them to rounding.
  const Eigen::ArrayXd row_norms = grid.log_p().rowwise().norm().array();
  CHECK((table.error().cast<double>().array() / row_norms).maxCoeff() < 1e-5);
}

TEST_CASE("BankGrid: more cells than kMaxCells is a validation error, not an allocation failure") {
  // 400 dichotomous items (800 rows) on 100,000 nodes: 8e7 cells, about 2.9 GB of tables.
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::two_pl, 400, 3).items());
  CHECK_THROWS_AS(BankGrid(bank, QuadratureGrid{-4.0, 4.0, 100000}), InvalidArgument);
  // 300 items on the same grid fit.
  CHECK(800 * 100000 > static_cast<long>(BankGrid::kMaxCells));
  CHECK(600 * 100001 <= static_cast<long>(BankGrid::kMaxCells));
}
