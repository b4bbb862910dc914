#include "detail/selection_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "detail/dichotomous_probability.hpp"
#include "irtcat/error.hpp"
#include "simd/kernels.hpp"

namespace irtcat::detail {
namespace {

using Eigen::ArrayXd;
using Eigen::Index;

// A padded partial block goes through the same kernel as a full one; the grid's panels and item blocks are the
// kernels' blocks.
static_assert(BankGrid::kRowPanel == kRowBlock && BankGrid::kItemBlock == kRowBlock);

DichotomousColumns columns_of(const DichotomousArrays& d) {
  return {d.da.data(), d.dab.data(), d.c.data(), d.spread.data(), d.one_minus_d.data()};
}

// The dichotomous block from `start`, with or without the logs.
void dichotomous_block(const DichotomousArrays& d, Index start, double theta, Logs logs, ProbabilityBlock& block) {
  probability_rows(columns_of(d), d.da.size(), start, theta, logs, block);
}

// A polytomous item's P_k and log P_k: the model's log-probabilities, and their exps.
ItemAtTheta polytomous_at(const Item& item, double theta, double scaling) {
  const CategoryTerms terms = category_terms(item, theta, scaling);
  ItemAtTheta out;
  out.count = terms.count;
  for (int k = 0; k < terms.count; ++k) {
    out.p[static_cast<std::size_t>(k)] = std::exp(terms.log_p[k]);
    out.log_p[static_cast<std::size_t>(k)] = terms.log_p[k];
  }
  return out;
}

// kRowBlock rows of a row-major grid table (`nodes` columns) from `start`; a partial last block copied into a
// zero-padded buffer (`padded`, valid until its next use).
const double* table_rows(const BankGrid::RowMatrix& table, Index start, std::vector<double>& padded) {
  const Index nodes = table.cols();
  if (start + kRowBlock <= table.rows()) return table.data() + start * nodes;
  padded.assign(static_cast<std::size_t>(kRowBlock * nodes), 0.0);
  std::copy_n(table.data() + start * nodes, (table.rows() - start) * nodes, padded.begin());
  return padded.data();
}

// kRowBlock entries of `values` from `start`, zero-padded past `count` (into `out`).
void block_values(const double* values, Index count, double* out) {
  std::fill_n(out, kRowBlock, 0.0);
  std::copy_n(values, std::min(count, kRowBlock), out);
}

MomentColumns columns_of(const MomentWeights& weights) {
  return {weights.mass.data(), weights.first.data(), weights.second.data(), weights.mass.size()};
}

}  // namespace

void probability_rows(const DichotomousColumns& rows, Index n, Index start, double theta, Logs logs,
                      ProbabilityBlock& out) {
  if (start + kProbabilityBlock <= n) return simd::probabilities(rows, start, theta, logs, out);
  using Block = Eigen::Array<double, kProbabilityBlock, 1>;
  const Index valid = n - start;
  Block da = Block::Ones(), dab = Block::Zero(), c = Block::Zero(), spread = Block::Ones(), one_minus_d = Block::Zero();
  std::copy_n(rows.da + start, valid, da.data());
  std::copy_n(rows.dab + start, valid, dab.data());
  std::copy_n(rows.c + start, valid, c.data());
  std::copy_n(rows.spread + start, valid, spread.data());
  std::copy_n(rows.one_minus_d + start, valid, one_minus_d.data());
  simd::probabilities({da.data(), dab.data(), c.data(), spread.data(), one_minus_d.data()}, 0, theta, logs, out);
}

const GridPosterior& require_posterior(const SelectionState& state, SelectionRule rule, const BankGrid& grid) {
  if (!grid.tables().covers(rule)) {
    throw InvalidArgument("item_scores: the bank grid was built without the tables of rule " +
                          std::string(to_string(rule)));
  }
  if (state.posterior == nullptr) {
    throw InvalidArgument("item_scores: rule " + std::string(to_string(rule)) + " needs the posterior on the grid");
  }
  if (state.posterior->nodes().size() != grid.nodes().size()) {
    throw InvalidArgument("item_scores: the posterior's grid differs from the bank grid's");
  }
  return *state.posterior;
}

AtTheta probabilities_at(const BankGrid& grid, double theta, Logs logs, WorkspaceBuffers& workspace) {
  const ItemBank& bank = grid.bank();
  const auto rows = static_cast<Index>(grid.first_rows().back());
  ArrayXd& p = scratch(workspace, Scratch::at_theta, rows);
  ArrayXd& log_p = scratch(workspace, Scratch::log_at_theta, rows);
  const DichotomousArrays& d = bank.dichotomous();
  ProbabilityBlock block{};  // zeros: with Logs::skip the logs stay 0, not indeterminate
  for (Index start = 0; start < d.da.size(); start += kProbabilityBlock) {
    dichotomous_block(d, start, theta, logs, block);
    for (Index r = 0; r < std::min(kProbabilityBlock, d.da.size() - start); ++r) {
      const Index row = grid.row(ItemIndex{d.bank_index[static_cast<std::size_t>(start + r)]}, 0);
      p(row) = block.q[r];
      p(row + 1) = block.p[r];
      log_p(row) = block.log_q[r];
      log_p(row + 1) = block.log_p[r];
    }
  }
  for (const PolytomousArrays& arrays : bank.polytomous()) {
    for (std::size_t index : arrays.bank_index) {
      const ItemAtTheta at = polytomous_at(bank.items()[index], theta, bank.scaling());
      const Index row = grid.row(ItemIndex{index}, 0);
      std::copy_n(at.p.begin(), at.count, p.data() + row);
      std::copy_n(at.log_p.begin(), at.count, log_p.data() + row);
    }
  }
  return {p, log_p};
}

ItemAtTheta item_at_theta(const BankGrid& grid, std::size_t item, double theta, Logs logs) {
  const ItemBank& bank = grid.bank();
  const Item& it = bank.items()[item];
  if (!is_dichotomous(it.model())) return polytomous_at(it, theta, bank.scaling());
  // The item's place in the dichotomous arrays (bank order, so the bank's own index when nothing else is there).
  const DichotomousArrays& d = bank.dichotomous();
  const auto place = bank.polytomous().empty()
                         ? static_cast<Index>(item)
                         : static_cast<Index>(std::lower_bound(d.bank_index.begin(), d.bank_index.end(), item) -
                                              d.bank_index.begin());
  ProbabilityBlock block{};
  const Index start = place / kProbabilityBlock * kProbabilityBlock;
  dichotomous_block(d, start, theta, logs, block);
  const Index lane = place - start;
  ItemAtTheta out;
  out.count = 2;
  out.p[0] = block.q[lane];
  out.p[1] = block.p[lane];
  out.log_p[0] = block.log_q[lane];
  out.log_p[1] = block.log_p[lane];
  return out;
}

void kullback_leibler_terms(const BankGrid& grid, const ArrayXd& weights, double total, const AtTheta& at,
                            ArrayXd& per_row, WorkspaceBuffers& workspace) {
  const Index rows = grid.log_p().rows();
  per_row.resize(rows);
  double p[kRowBlock], log_p[kRowBlock], terms[kRowBlock];
  for (Index start = 0; start < rows; start += kRowBlock) {
    block_values(at.p.data() + start, rows - start, p);
    block_values(at.log_p.data() + start, rows - start, log_p);
    simd::kullback_leibler(table_rows(grid.log_p(), start, workspace.table_block), weights.size(), weights.data(), total,
                           p, log_p, terms);
    std::copy_n(terms, std::min(kRowBlock, rows - start), per_row.data() + start);
  }
}

double kullback_leibler(const BankGrid& grid, std::size_t item, const ArrayXd& weights, double total,
                        const ItemAtTheta& at, WorkspaceBuffers& workspace) {
  const Index first = grid.row(ItemIndex{item}, 0);
  double score = 0.0;
  double p[kRowBlock], log_p[kRowBlock], terms[kRowBlock];
  for (Index k = 0; k < at.count; k += kRowBlock) {
    const Index count = at.count - k;
    block_values(at.p.data() + k, count, p);
    block_values(at.log_p.data() + k, count, log_p);
    std::vector<double>& rows = workspace.table_block;
    rows.assign(static_cast<std::size_t>(kRowBlock * weights.size()), 0.0);
    std::copy_n(grid.log_p().data() + (first + k) * weights.size(), std::min(count, kRowBlock) * weights.size(), rows.begin());
    simd::kullback_leibler(rows.data(), weights.size(), weights.data(), total, p, log_p, terms);
    for (Index r = 0; r < std::min(count, kRowBlock); ++r) score += terms[r];
  }
  return score;
}

MomentWeights moment_weights(const ArrayXd& weights, const ArrayXd& nodes) {
  MomentWeights out;
  out.mass = (weights / weights.maxCoeff()).matrix();
  out.mean = (out.mass.array() * nodes).sum() / out.mass.sum();
  const ArrayXd centred = nodes - out.mean;
  out.first = (out.mass.array() * centred).matrix();
  out.second = (out.mass.array() * centred.square()).matrix();
  return out;
}

void posterior_variance_terms(const BankGrid& grid, const MomentWeights& weights, const ArrayXd& at_theta,
                              ArrayXd& per_row) {
  constexpr Index kPanel = BankGrid::kRowPanel;
  const Index rows = at_theta.size();
  const MomentColumns columns = columns_of(weights);
  per_row.resize(rows);
  double p[kPanel], terms[kPanel];
  for (Index start = 0; start < rows; start += kPanel) {
    std::fill_n(p, kPanel, 0.0);
    std::copy_n(at_theta.data() + start, std::min(kPanel, rows - start), p);
    simd::posterior_variance(grid.probability_panels().data() + start * columns.nodes, columns, p, terms);
    std::copy_n(terms, std::min(kPanel, rows - start), per_row.data() + start);
  }
}

double expected_posterior_variance(const BankGrid& grid, std::size_t item, const MomentWeights& weights,
                                   const ItemAtTheta& at) {
  // The item's rows computed in the panels that hold them, as posterior_variance_terms computes them; the other
  // rows of those panels get P(θ̂) = 0 (lanes are independent) and are not added.
  constexpr Index kPanel = BankGrid::kRowPanel;
  const Index first = grid.row(ItemIndex{item}, 0);
  const Index end = first + at.count;
  const MomentColumns columns = columns_of(weights);
  double sum = 0.0;
  double p[kPanel], terms[kPanel];
  for (Index start = first / kPanel * kPanel; start < end; start += kPanel) {
    std::fill_n(p, kPanel, 0.0);
    for (Index row = std::max(start, first); row < std::min(start + kPanel, end); ++row) {
      p[row - start] = at.p[static_cast<std::size_t>(row - first)];
    }
    simd::posterior_variance(grid.probability_panels().data() + start * columns.nodes, columns, p, terms);
    for (Index row = std::max(start, first); row < std::min(start + kPanel, end); ++row) sum += terms[row - start];
  }
  return sum;
}

void posterior_means_after(const BankGrid& grid, const MomentWeights& weights, ArrayXd& out) {
  const Index rows = static_cast<Index>(grid.first_rows().back());
  const MomentColumns columns = columns_of(weights);
  out.resize(rows);
  double means[kRowBlock];
  for (Index start = 0; start < rows; start += kRowBlock) {
    simd::posterior_means(grid.probability_panels().data() + start * columns.nodes, columns, weights.mean, means);
    std::copy_n(means, std::min(kRowBlock, rows - start), out.data() + start);
  }
}

void weighted_information(const BankGrid& grid, const ArrayXd& weights, ArrayXd& out) {
  const Eigen::MatrixXd& table = grid.information();
  out.resize(table.rows());
  for (Index start = 0; start < out.size(); start += kRowBlock) {
    simd::weighted_information(table.data() + start, table.rows(), weights.data(), weights.size(), out.data() + start);
  }
}

double weighted_information(const BankGrid& grid, const ArrayXd& weights, std::size_t item) {
  const Eigen::MatrixXd& table = grid.information();
  const auto index = static_cast<Index>(item);
  double block[kRowBlock];
  simd::weighted_information(table.data() + index / kRowBlock * kRowBlock, table.rows(), weights.data(), weights.size(),
                             block);
  return block[index % kRowBlock];
}

}  // namespace irtcat::detail
