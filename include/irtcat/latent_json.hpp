#pragma once
// The latent means and covariance across domains as JSON (`irtcat calibrate --latent --out FILE`), for a battery's
// prior and for scripts (docs/calibrating_item_banks.md):
//
//   {"format": "irtcat.latent", "version": 1, "domains": ["mathematics", ...], "mean": [...],
//    "covariance": [[...], ...], "sd": [...], "correlation": [[...], ...], "persons": N, "excluded": n,
//    "cycles": k, "converged": true, "log_likelihood": x}
//
// Numbers are written in their shortest exact form, so a file reads back as the same doubles.

#include <cstddef>
#include <iosfwd>
#include <string>

#include "irtcat/latent.hpp"

namespace irtcat {

/// The largest latent JSON file irtcat reads: 1 MiB (six domains take about 2 KiB); refused before it is parsed.
inline constexpr std::size_t kMaxLatentJsonBytes = std::size_t{1} << 20;

/// Writes `estimate` as one JSON object (each matrix row on a line of its own, a final newline). Throws
/// InvalidArgument for an estimate that would not read back: no domains, an empty or repeated domain name, sizes
/// that differ from the domains', an invalid distribution (MultivariateNormal::validate) or a log-likelihood that is
/// not finite.
void write_latent_json(std::ostream& out, const LatentEstimate& estimate);

/// Reads a latent JSON document, strictly: every member above present with its type and nothing else, "format"
/// "irtcat.latent", "version" the integer 1, at least one domain, names non-empty and distinct, "mean" and "sd" one
/// finite number per domain, "covariance" and "correlation" one row of one per domain, the covariance symmetric and
/// positive definite (MultivariateNormal::validate), "sd" and "correlation" those of the covariance within 1e−6,
/// "persons", "excluded" and "cycles" whole numbers >= 0, "converged" true or false, "log_likelihood" finite. Throws
/// DataError naming the file and the JSON path of the value for anything else, and for a file larger than
/// kMaxLatentJsonBytes. The result's `message` is empty (the file does not keep it).
LatentEstimate read_latent_json(std::istream& in, const std::string& file);
/// Throws DataError also when the file cannot be opened.
LatentEstimate read_latent_json_file(const std::string& path);

}  // namespace irtcat
