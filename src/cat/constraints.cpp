#include "irtcat/constraints.hpp"

#include <algorithm>

#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {

void ContentConstraints::validate(const ItemBank& bank) const {
  for (const auto& [topic, rule] : topics) {
    if (rule.min < 0 || rule.max < 0 || rule.min > rule.max) {
      throw InvalidArgument("ContentConstraints: topic " + detail::quoted_value(topic) + " needs 0 <= min <= max");
    }
    if (!(rule.proportion >= 0 && rule.proportion <= 1)) {
      throw InvalidArgument("ContentConstraints: topic " + detail::quoted_value(topic) + " needs a proportion in [0, 1]");
    }
  }
  for (const auto& set : enemies) {
    for (const ItemId& id : set) bank.index_of(id);
  }
}

ContentPlan::ContentPlan(const ItemBank& bank, const ContentConstraints& constraints)
    : bank_(&bank), active_(bank.size()), topic_of_(bank.size(), -1), enemy_sets_of_(bank.size()) {
  constraints.validate(bank);
  for (std::size_t i = 0; i < bank.size(); ++i) active_[i] = bank.metadata(ItemIndex{i}).active ? 1 : 0;
  std::map<std::string, int> topic_number;
  for (const auto& [topic, rule] : constraints.topics) {
    topic_number[topic] = static_cast<int>(topics_.size());
    topics_.push_back(rule);
    has_proportions_ = has_proportions_ || rule.proportion > 0;
  }
  for (std::size_t i = 0; i < bank.size(); ++i) {
    const auto found = topic_number.find(bank.metadata(ItemIndex{i}).topic);
    if (found != topic_number.end()) topic_of_[i] = found->second;
  }
  for (const auto& set : constraints.enemies) {
    for (const ItemId& id : set) enemy_sets_of_[bank.index_of(id).value].push_back(enemy_set_count_);
    ++enemy_set_count_;
  }
}

std::vector<char> ContentPlan::eligible(std::span<const ItemIndex> administered, std::span<const char> set_aside,
                                        int remaining) const {
  std::vector<char> ok(bank_->size());
  eligible(administered, set_aside, remaining, ok);
  return ok;
}

bool ContentPlan::owes(std::span<const ItemIndex> administered, std::span<const char> ok) const {
  if (topics_.empty()) return false;
  std::vector<int> short_by(topics_.size());
  for (std::size_t t = 0; t < topics_.size(); ++t) short_by[t] = topics_[t].min;
  for (ItemIndex item : administered) {
    if (topic_of_[item.value] >= 0) --short_by[static_cast<std::size_t>(topic_of_[item.value])];
  }
  for (std::size_t i = 0; i < ok.size(); ++i) {
    if (ok[i] && topic_of_[i] >= 0 && short_by[static_cast<std::size_t>(topic_of_[i])] > 0) return true;
  }
  return false;
}

void ContentPlan::eligible(std::span<const ItemIndex> administered, std::span<const char> set_aside, int remaining,
                           std::span<char> ok) const {
  const std::size_t n = bank_->size();
  if (ok.size() != n) {
    throw InvalidArgument("ContentPlan::eligible: " + std::to_string(ok.size()) + " flags for a bank of " +
                          std::to_string(n) + " items");
  }
  std::copy(active_.begin(), active_.end(), ok.begin());
  for (ItemIndex item : administered) ok[item.value] = 0;
  if (!set_aside.empty()) {
    for (std::size_t i = 0; i < n; ++i) ok[i] = ok[i] && !set_aside[i];
  }
  if (topics_.empty() && enemy_set_count_ == 0) return;

  std::vector<int> given(topics_.size(), 0);
  std::vector<char> enemy_used(static_cast<std::size_t>(enemy_set_count_), 0);
  for (ItemIndex item : administered) {
    if (topic_of_[item.value] >= 0) ++given[static_cast<std::size_t>(topic_of_[item.value])];
    for (int set : enemy_sets_of_[item.value]) enemy_used[static_cast<std::size_t>(set)] = 1;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!ok[i]) continue;
    for (int set : enemy_sets_of_[i]) {
      if (enemy_used[static_cast<std::size_t>(set)]) ok[i] = 0;
    }
    const int topic = topic_of_[i];
    if (topic >= 0 && given[static_cast<std::size_t>(topic)] >= topics_[static_cast<std::size_t>(topic)].max) ok[i] = 0;
  }
  if (topics_.empty()) return;

  // Minimums: once the free slots are no more than the items still owed, only topics still short may come.
  int owed = 0;
  for (std::size_t t = 0; t < topics_.size(); ++t) owed += std::max(0, topics_[t].min - given[t]);
  const auto restrict_to = [&](const std::vector<char>& allowed_topic) {
    const auto allowed = [&](std::size_t i) {
      return ok[i] && topic_of_[i] >= 0 && allowed_topic[static_cast<std::size_t>(topic_of_[i])];
    };
    bool any = false;
    for (std::size_t i = 0; i < n && !any; ++i) any = allowed(i);
    if (!any) return;  // when no item of those topics is left, the others may still serve
    for (std::size_t i = 0; i < n; ++i) ok[i] = allowed(i);
  };
  if (owed > 0 && remaining <= owed) {
    std::vector<char> short_topics(topics_.size(), 0);
    for (std::size_t t = 0; t < topics_.size(); ++t) short_topics[t] = given[t] < topics_[t].min;
    restrict_to(short_topics);
  } else if (has_proportions_) {
    // Kingsbury–Zara: the topic furthest below its target share, among topics that still have an item.
    const double total = static_cast<double>(administered.size());
    std::vector<char> has_item(topics_.size(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      if (ok[i] && topic_of_[i] >= 0) has_item[static_cast<std::size_t>(topic_of_[i])] = 1;
    }
    int best = -1;
    double best_gap = -2.0;
    for (std::size_t t = 0; t < topics_.size(); ++t) {
      if (!has_item[t] || topics_[t].proportion <= 0) continue;
      const double share = total > 0 ? given[t] / total : 0.0;
      const double gap = topics_[t].proportion - share;
      if (gap > best_gap) {
        best_gap = gap;
        best = static_cast<int>(t);
      }
    }
    if (best >= 0) {
      std::vector<char> only(topics_.size(), 0);
      only[static_cast<std::size_t>(best)] = 1;
      restrict_to(only);
    }
  }
}

}  // namespace irtcat
