#include "detail/bank_grid.hpp"

#include <cmath>
#include <string>

#include "irtcat/error.hpp"

namespace irtcat {

GridTables GridTables::for_rule(SelectionRule rule) noexcept {
  GridTables tables{false, false, false, false};
  switch (rule) {
    case SelectionRule::mlwi:
    case SelectionRule::mpwi: tables.information = true; break;
    case SelectionRule::kl:
    case SelectionRule::klp: tables.log_p_low_rank = true; break;
    case SelectionRule::mepv: tables.probability_panels = tables.probability_low_rank = true; break;
    case SelectionRule::mei: tables.probability_panels = true; break;
    case SelectionRule::mfi:
    case SelectionRule::closest:
    case SelectionRule::a_stratified:
    case SelectionRule::random: break;
  }
  return tables;
}

bool GridTables::covers(SelectionRule rule) const noexcept {
  const GridTables needed = for_rule(rule);
  return (information || !needed.information) && (log_p_low_rank || !needed.log_p_low_rank) &&
         (probability_panels || !needed.probability_panels) && (probability_low_rank || !needed.probability_low_rank);
}

BankGrid::BankGrid(std::shared_ptr<const ItemBank> bank, const QuadratureGrid& grid, GridTables tables)
    : bank_(std::move(bank)), grid_(grid), tables_(tables) {
  if (!bank_) throw InvalidArgument("BankGrid: the bank is null");
  nodes_ = grid_.nodes();
  const std::size_t items = bank_->size();
  first_row_.resize(items + 1, 0);
  for (std::size_t i = 0; i < items; ++i) {
    first_row_[i + 1] = first_row_[i] + static_cast<std::size_t>(bank_->items()[i].category_count());
  }
  const auto rows = static_cast<Eigen::Index>(first_row_.back());
  const Eigen::Index points = nodes_.size();
  if (first_row_.back() * static_cast<std::size_t>(points) > kMaxCells) {
    throw InvalidArgument("BankGrid: " + std::to_string(first_row_.back()) + " item categories on " +
                          std::to_string(points) + " nodes make " +
                          std::to_string(first_row_.back() * static_cast<std::size_t>(points)) +
                          " table cells, more than the " + std::to_string(kMaxCells) +
                          " a bank grid may have (BankGrid::kMaxCells); use fewer grid points");
  }
  log_p_.resize(rows, points);
  const auto padded = (static_cast<Eigen::Index>(items) + kItemBlock - 1) / kItemBlock * kItemBlock;
  if (tables_.information) information_ = Eigen::MatrixXd::Zero(padded, points);
  for (std::size_t i = 0; i < items; ++i) {
    const Item& item = bank_->items()[i];
    for (Eigen::Index q = 0; q < points; ++q) {
      const CategoryTerms terms = category_terms(item, nodes_(q), bank_->scaling());
      for (int k = 0; k < terms.count; ++k) log_p_(static_cast<Eigen::Index>(first_row_[i]) + k, q) = terms.log_p[k];
      if (tables_.information) information_(static_cast<Eigen::Index>(i), q) = irtcat::information(terms);
    }
  }
  // P by std::exp of each log, as GridPosterior::add takes a response's probabilities from their logs.
  p_.resize(rows, points);
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index q = 0; q < points; ++q) p_(r, q) = std::exp(log_p_(r, q));
  }
  if (tables_.probability_panels || tables_.probability_low_rank) {
    const RowMatrix& p = p_;
    if (tables_.probability_panels) {
      const Eigen::Index panels = (rows + kRowPanel - 1) / kRowPanel;
      p_panels_ = Eigen::VectorXd::Zero(panels * kRowPanel * points);
      for (Eigen::Index r = 0; r < rows; ++r) {
        for (Eigen::Index q = 0; q < points; ++q) {
          p_panels_((r / kRowPanel * points + q) * kRowPanel + r % kRowPanel) = p(r, q);
        }
      }
    }
    if (tables_.probability_low_rank) p_low_rank_ = LowRankTable(p);
  }
  if (tables_.log_p_low_rank) log_p_low_rank_ = LowRankTable(log_p_);
  if (tables_.information) {
    information_single_ = information_.cast<float>();
    if (information_.size() > 0) largest_information_ = information_.maxCoeff();
  }
}

}  // namespace irtcat
