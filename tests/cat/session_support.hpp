#pragma once
// What the tests of the adaptive loop share (session, stopping, constraints, exposure, session JSON).

#include <memory>
#include <random>
#include <vector>

#include "irtcat/session.hpp"
#include "test_support.hpp"

namespace irtcat::testing {

inline std::shared_ptr<const ItemBank> bank_of(Model model, int n, std::uint64_t seed, BankIdentity identity = {}) {
  const ItemBank plain = testing::spread_bank(model, n, seed);
  std::vector<ItemMetadata> metadata(plain.size());
  const char* topics[] = {"algebra", "geometry", "statistics"};
  for (std::size_t i = 0; i < metadata.size(); ++i) metadata[i].topic = topics[i % 3];
  return std::make_shared<const ItemBank>(plain.items(), plain.scaling(), metadata, identity);
}

// Runs a session to its end with answers drawn at `theta` (own stream), returning the items given.
inline std::vector<std::size_t> run_to_end(Session& session, double theta, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> items;
  while (const auto item = session.next_item()) {
    items.push_back(item->value);
    session.record(*item, testing::draw_response(session.design().bank().item(*item), theta, 1.0, rng));
  }
  return items;
}

inline SessionConfig config_with(SelectionRule rule, Estimator estimator = Estimator::eap, int length = 12) {
  SessionConfig config;
  config.selection.rule = rule;
  config.estimation.estimator = estimator;
  config.stopping.max_length = length;
  return config;
}

}  // namespace irtcat::testing
