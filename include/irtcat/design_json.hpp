#pragma once
// Design files: a test design as JSON (docs/designs.md).
//
//   {"format": "irtcat.design", "version": 1, "name": "standard", "description": "...", "balance_topics": true,
//    "config": {"selection": {"rule": "mfi"}, "stopping": {"max_length": 20}, ...}}
//
// "config" is a session configuration as stored with a session (to_json(SessionConfig)); a design file may give
// only the parts it changes from the defaults, and a key the configuration does not have is an error.

#include <iosfwd>
#include <string>
#include <string_view>

#include "irtcat/design.hpp"

namespace irtcat {

/// Throws DataError naming `file` and the JSON path of a missing, misspelt or ill-typed value, and InvalidArgument
/// for a configuration that is not valid.
DesignDocument read_design_json(std::istream& in, const std::string& file);
DesignDocument read_design_json_file(const std::string& path);
/// `base` with what `partial` (a JSON object: any part of a session configuration, as a design file's "config")
/// gives laid over it, object by object; a prior, classification, topic rules, enemies, strata cuts and
/// Sympson–Hetter parameters given replace the base's whole. Throws DataError naming `source` and the JSON path
/// ("config.selection.rul") of a key the configuration does not have or an ill-typed value.
SessionConfig overlay_config(const SessionConfig& base, std::string_view partial, const std::string& source);
/// The whole configuration is written, every default included, so that the file reads back as the same design.
void write_design_json(std::ostream& out, const DesignDocument& design);

}  // namespace irtcat
