#include "irtcat/item_bank.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "detail/check.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"
#include "simd/kernels.hpp"

namespace irtcat {
namespace {

using Eigen::ArrayXd;
using Eigen::ArrayXXd;
using Eigen::Index;

// The block of structure of arrays that holds a polytomous model's items: every model names its family here, so
// that a new model is a compile-time question (-Wswitch) and not silently filed under another.
Model polytomous_family(Model model) {
  switch (model) {
    case Model::grm: return Model::grm;
    case Model::gpcm:
    case Model::pcm: return Model::gpcm;  // PCM is GPCM with a = 1
    case Model::one_pl:
    case Model::two_pl:
    case Model::three_pl:
    case Model::four_pl: break;
  }
  throw InvalidArgument("ItemBank: model " + std::string(to_string(model)) + " is not polytomous");
}

detail::DichotomousColumns columns(const DichotomousArrays& arrays) {
  return {arrays.da.data(), arrays.dab.data(), arrays.c.data(), arrays.spread.data(), arrays.one_minus_d.data()};
}

void dichotomous_information(const DichotomousArrays& arrays, double theta, Eigen::Ref<ArrayXd> out) {
  detail::simd::information(columns(arrays), arrays.da.size(), theta, out.data());
}

// Graded response: I = D²a²·Σ_k P_k·g_k² with the stable category forms of model.cpp:
//   P_0 = s̄_1, g_0 = −s_1;   P_K = s_K, g_K = s̄_K;   P_k = s_{k+1}·s̄_k·expm1(Da·(b_{k+1} − b_k)), g_k = s̄_{k+1} − s_k.
void graded_information(const PolytomousArrays& arrays, double theta, ArrayXd& out) {
  const Index n = arrays.da.size();
  const int k_max = arrays.thresholds;
  ArrayXXd s(n, k_max);
  ArrayXXd sb(n, k_max);
  for (int k = 0; k < k_max; ++k) {
    const ArrayXd e = (arrays.da * (arrays.b.col(k) - theta)).max(-kMaxLogit).min(kMaxLogit).exp();
    s.col(k) = (1.0 + e).inverse();
    sb.col(k) = e * s.col(k);
  }
  ArrayXd sum = sb.col(0) * s.col(0).square() + s.col(k_max - 1) * sb.col(k_max - 1).square();
  for (int k = 1; k < k_max; ++k) {
    sum += s.col(k) * sb.col(k - 1) * arrays.expm1_gap.col(k - 1) * (sb.col(k) - s.col(k - 1)).square();
  }
  out = arrays.da.square() * sum;
}

// Generalized partial credit: I = D²a²·Var(category), from η_k = Σ_{v≤k} Da·(θ − b_v) with the row maximum
// subtracted before exponentiating.
void partial_credit_information(const PolytomousArrays& arrays, double theta, ArrayXd& out) {
  const Index n = arrays.da.size();
  const int categories = arrays.thresholds + 1;
  ArrayXXd eta(n, categories);
  eta.col(0).setZero();
  for (int k = 1; k < categories; ++k) {
    eta.col(k) = eta.col(k - 1) + (arrays.da * (theta - arrays.b.col(k - 1))).max(-kMaxLogit).min(kMaxLogit);
  }
  const ArrayXd eta_max = eta.rowwise().maxCoeff();
  const ArrayXXd weight = (eta.colwise() - eta_max).exp();
  const ArrayXd total = weight.rowwise().sum();
  ArrayXd mean = ArrayXd::Zero(n);
  for (int k = 1; k < categories; ++k) mean += k * weight.col(k);
  mean /= total;
  ArrayXd variance = ArrayXd::Zero(n);
  for (int k = 0; k < categories; ++k) variance += (k - mean).square() * weight.col(k);
  out = arrays.da.square() * variance / total;
}

}  // namespace

ItemBank::ItemBank(std::vector<Item> items, double scaling, std::vector<ItemMetadata> metadata, BankIdentity identity)
    : items_(std::move(items)), metadata_(std::move(metadata)), scaling_(scaling), identity_(std::move(identity)) {
  if (!std::isfinite(scaling_) || !(scaling_ > 0)) {
    throw InvalidArgument("ItemBank: the scaling constant D must be finite and > 0, got " + std::to_string(scaling_));
  }
  if (metadata_.empty()) metadata_.resize(items_.size());
  if (metadata_.size() != items_.size()) {
    throw InvalidArgument("ItemBank: " + std::to_string(metadata_.size()) + " metadata entries for " +
                          std::to_string(items_.size()) + " items");
  }
  index_by_id_.reserve(items_.size());
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (!index_by_id_.emplace(items_[i].id(), i).second) {
      throw InvalidArgument("ItemBank: duplicate item id " + detail::quoted_value(items_[i].id().str()));
    }
  }

  // Structure of arrays: one block of dichotomous rows, and one block per (family, K) of polytomous rows.
  std::vector<std::size_t> dichotomous_rows;
  std::map<std::pair<Model, int>, std::vector<std::size_t>> polytomous_rows;
  for (std::size_t i = 0; i < items_.size(); ++i) {
    const Item& item = items_[i];
    if (is_dichotomous(item.model())) {
      dichotomous_rows.push_back(i);
    } else {
      polytomous_rows[{polytomous_family(item.model()), item.category_count() - 1}].push_back(i);
    }
  }
  dichotomous_only_ = polytomous_rows.empty();

  const auto n = static_cast<Index>(dichotomous_rows.size());
  dichotomous_.bank_index = dichotomous_rows;
  dichotomous_.da.resize(n);
  dichotomous_.dab.resize(n);
  dichotomous_.c.resize(n);
  dichotomous_.spread.resize(n);
  dichotomous_.one_minus_d.resize(n);
  for (Index row = 0; row < n; ++row) {
    const Item& item = items_[dichotomous_rows[static_cast<std::size_t>(row)]];
    dichotomous_.da(row) = scaling_ * item.a();
    dichotomous_.dab(row) = scaling_ * item.a() * item.b();
    dichotomous_.c(row) = item.c();
    dichotomous_.spread(row) = item.d() - item.c();
    dichotomous_.one_minus_d(row) = 1.0 - item.d();
  }

  for (const auto& [key, rows] : polytomous_rows) {
    PolytomousArrays block;
    block.model = key.first;
    block.thresholds = key.second;
    block.bank_index = rows;
    block.da.resize(static_cast<Index>(rows.size()));
    block.b.resize(static_cast<Index>(rows.size()), key.second);
    for (std::size_t row = 0; row < rows.size(); ++row) {
      const Item& item = items_[rows[row]];
      block.da(static_cast<Index>(row)) = scaling_ * item.a();
      for (int k = 0; k < key.second; ++k) block.b(static_cast<Index>(row), k) = item.thresholds()[static_cast<std::size_t>(k)];
    }
    if (block.model == Model::grm) {
      block.expm1_gap.resize(block.b.rows(), key.second - 1);
      for (int k = 1; k < key.second; ++k) {
        block.expm1_gap.col(k - 1) = (block.da * (block.b.col(k) - block.b.col(k - 1))).min(kMaxLogit).expm1();
      }
    }
    polytomous_.push_back(std::move(block));
  }
}

const Item& ItemBank::item(ItemIndex index) const {
  if (index.value >= items_.size()) {
    throw UnknownItem("ItemBank::item: index " + std::to_string(index.value) + " is outside a bank of " +
                      std::to_string(items_.size()) + " items");
  }
  return items_[index.value];
}

const ItemMetadata& ItemBank::metadata(ItemIndex index) const {
  item(index);  // bounds check
  return metadata_[index.value];
}

std::optional<ItemIndex> ItemBank::find(const ItemId& id) const noexcept {
  const auto found = index_by_id_.find(id);
  if (found == index_by_id_.end()) return std::nullopt;
  return ItemIndex{found->second};
}

ItemIndex ItemBank::index_of(const ItemId& id) const {
  if (auto index = find(id)) return *index;
  throw UnknownItem("ItemBank::index_of: no item with id " + detail::quoted_value(id.str()) + " in the bank");
}

void ItemBank::information(double theta, Eigen::Ref<ArrayXd> out) const {
  detail::check_finite("ItemBank::information", "theta", theta);
  if (out.size() != static_cast<Index>(items_.size())) {
    throw InvalidArgument("ItemBank::information: output has " + std::to_string(out.size()) + " entries for " +
                          std::to_string(items_.size()) + " items");
  }
  if (dichotomous_only_) {
    dichotomous_information(dichotomous_, theta, out);
    return;
  }
  ArrayXd block(dichotomous_.da.size());
  dichotomous_information(dichotomous_, theta, block);
  for (std::size_t row = 0; row < dichotomous_.bank_index.size(); ++row) {
    out(static_cast<Index>(dichotomous_.bank_index[row])) = block(static_cast<Index>(row));
  }
  for (const PolytomousArrays& arrays : polytomous_) {
    switch (arrays.model) {
      case Model::grm: graded_information(arrays, theta, block); break;
      case Model::gpcm: partial_credit_information(arrays, theta, block); break;
      default: throw InvalidArgument("ItemBank::information: no information kernel for a block of model " +
                                     std::string(to_string(arrays.model)));
    }
    for (std::size_t row = 0; row < arrays.bank_index.size(); ++row) {
      out(static_cast<Index>(arrays.bank_index[row])) = block(static_cast<Index>(row));
    }
  }
}

ArrayXd ItemBank::information(double theta) const {
  ArrayXd out(static_cast<Index>(items_.size()));
  information(theta, out);
  return out;
}

std::optional<int> option_category(const Item& item, const ItemContent& content, std::size_t option) noexcept {
  if (option >= content.options.size()) return std::nullopt;
  const int position = static_cast<int>(option);
  if (!is_dichotomous(item.model())) {
    if (position >= item.category_count()) return std::nullopt;
    return position;
  }
  if (content.key < 0) return std::nullopt;  // no key: the choice cannot be scored
  return position == content.key ? 1 : 0;
}

std::string option_letter(std::size_t option) { return std::string(1, static_cast<char>('A' + option)); }

std::optional<int> option_from_letter(std::string_view text) noexcept {
  if (text.size() != 1) return std::nullopt;
  const char ch = text[0];
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a';
  return std::nullopt;
}

double test_information(const ItemBank& bank, std::span<const ItemIndex> items, double theta) {
  double sum = 0.0;
  for (ItemIndex index : items) sum += information(bank.item(index), theta, bank.scaling());
  return sum;
}

}  // namespace irtcat
