#pragma once
// The options that set a test's design, shared by take, simulate, next and design create: the rule, the
// estimator, exposure control, content, start and stop. On their own they make a configuration from irtcat's
// defaults; with --design they change only what they name in the stored design (or design file).

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_common.hpp"
#include "irtcat/design.hpp"
#include "irtcat/store.hpp"

namespace irtcat::cli {

struct DesignFlags {
  std::string design;  ///< --design: a stored design's name, or a design file (*.json)
  std::string rule = "mfi";
  int strata = 4;
  int length = 20;
  int min_length = 0;
  double se_target = 0.0;
  double information_target = 0.0;
  double classify_cut = 0.0;
  std::string classify_method = "confidence_interval";
  double confidence = 0.95;
  double indifference = 0.2;
  double alpha = 0.05;
  double beta = 0.05;
  std::string combine = "any";
  double start_theta = 0.0;
  int start_random = 0;
  std::string start_select = "rule";
  std::string exposure = "none";
  int randomesque = 3;
  double max_rate = 0.25;
  std::string theta_cuts;
  bool balance_topics = true;
  std::vector<std::string> topics;   ///< "name=min:max"
  std::vector<std::string> enemies;  ///< "id,id,..."
  EstimatorFlags estimation;

  /// Registers the options on `command`; `rules` lists the selection rules it accepts.
  void add_to(CLI::App& command, bool with_design = true);
  /// True when --design was given.
  bool has_design() const { return !design.empty(); }
  /// True when a design file (a path ending in .json) rather than a stored design's name was given.
  bool design_is_file() const;
  /// True when any option of the design (besides --design) was given.
  bool any_given() const;
  /// The design the options make: `base` (a stored design or file) with the options given laid over it, or without
  /// a base irtcat's defaults with every option's value. Throws InvalidArgument naming a bad option.
  DesignDocument design_document(const std::optional<DesignDocument>& base, const std::string& name = "ad-hoc") const;

 private:
  bool given(const char* option) const;
  CLI::App* command_ = nullptr;
  std::vector<CLI::Option*> options_;
};

/// A test's design as a command runs it: the document, its configuration on the bank, and the labels its sessions
/// are stored with.
struct ResolvedDesign {
  DesignDocument document;
  SessionConfig config;
  SessionLabels labels;  ///< the stored design's name and version; empty when options changed it or it is a file
  std::string label;     ///< for reports: "standard v2", "standard v2, changed by options", "file x.json", "ad hoc"
};

/// The design of a test on `bank` from the options: --design NAME (stored for the bank in `store`) or FILE, else
/// the bank's stored design `fallback` when the store holds it and `fallback` is not empty, else the options
/// alone; any option given changes the design it names. Throws StoreError or DataError for a design not found.
ResolvedDesign resolve_design(const DesignFlags& flags, Store* store, const BankDocument& bank,
                              const std::string& fallback);

}  // namespace irtcat::cli
