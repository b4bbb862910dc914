#pragma once
// A test design: how every test on a bank runs (rule, estimator, exposure control, content, start and stop), kept
// under a name so that the live test, the simulation study and the service run the same test. The text form is a
// design file (design_json.hpp); the store keeps each bank's designs in versions (store.hpp).

#include <string>
#include <string_view>
#include <vector>

#include "irtcat/session.hpp"

namespace irtcat {

struct DesignDocument {
  std::string name;         ///< letters, digits, '_', '-' and '.'; unique per bank in a store
  std::string description;  ///< for people choosing a design
  SessionConfig config;
  /// Every topic of the bank the design runs on gets the same share of the test (Kingsbury & Zara 1989), besides
  /// the topic rules `config` already has.
  bool balance_topics = false;

  /// The configuration on a bank with `topics`: `config`, with the balanced shares when `balance_topics`.
  SessionConfig config_for(const std::vector<std::string>& topics) const;
};

/// `config` with each of `topics` given the share 1/n of the test; a topic's min and max are kept.
SessionConfig with_balanced_topics(SessionConfig config, const std::vector<std::string>& topics);

/// Throws InvalidArgument naming `name` unless it is 1..64 letters, digits, '_', '-' or '.', not starting with '.'.
void check_design_name(std::string_view name);

}  // namespace irtcat
