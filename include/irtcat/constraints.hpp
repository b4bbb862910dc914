#pragma once
// Content balancing and eligibility: which items a test may offer next.
//
//   per topic   at most `max` and at least `min` items (the minimums are enforced by restricting the last
//               free slots to topics still short, and a test that would stop early waits for them), and a
//               target proportion (Kingsbury & Zara 1989: the next item
//               comes from the topic furthest below its target share)
//   enemies     at most one item of each enemy set per test
//   inactive    items marked inactive in the bank are never offered

#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "irtcat/item_bank.hpp"

namespace irtcat {

struct TopicConstraint {
  int min = 0;                                ///< at least this many items of the topic
  int max = std::numeric_limits<int>::max();  ///< at most this many
  double proportion = 0.0;                    ///< target share of the test (Kingsbury–Zara); 0 for none
};

struct ContentConstraints {
  std::map<std::string, TopicConstraint> topics;  ///< keyed by ItemMetadata::topic
  std::vector<std::vector<ItemId>> enemies;       ///< sets of mutually exclusive items
  /// Throws InvalidArgument for min > max, negative counts or shares outside [0, 1], and UnknownItem for an enemy
  /// id the bank does not hold.
  void validate(const ItemBank& bank) const;
};

/// Content constraints compiled against one bank: per-item topic and enemy-set numbers.
class ContentPlan {
 public:
  ContentPlan(const ItemBank& bank, const ContentConstraints& constraints);

  /// The items that may come next, given the administered ones (and any set aside for this test), when
  /// `remaining` slots are left in the test (max length − given). 1 = eligible.
  std::vector<char> eligible(std::span<const ItemIndex> administered, std::span<const char> set_aside,
                             int remaining) const;
  /// The same into `ok`, one per bank item: a session's per-step call allocates nothing. Throws InvalidArgument
  /// when `ok` is not the bank's size.
  void eligible(std::span<const ItemIndex> administered, std::span<const char> set_aside, int remaining,
                std::span<char> ok) const;

  /// True when a topic is still below its minimum after `administered` and `ok` (the eligible items) holds an
  /// item of it. A test that its stopping rule would end before its length goes on while this holds, offering
  /// only the topics still short (eligible with no slot left).
  bool owes(std::span<const ItemIndex> administered, std::span<const char> ok) const;

 private:
  const ItemBank* bank_;
  std::vector<char> active_;   ///< per item: 1 unless marked inactive
  std::vector<int> topic_of_;  ///< index into topics_, −1 for an unconstrained topic
  std::vector<TopicConstraint> topics_;
  std::vector<std::vector<int>> enemy_sets_of_;  ///< per item, the enemy sets it belongs to
  int enemy_set_count_ = 0;
  bool has_proportions_ = false;
};

}  // namespace irtcat
