// The latent JSON format (irtcat/latent_json.hpp): written with each matrix row on one line, read strictly.

#include "irtcat/latent_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <istream>
#include <optional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "detail/json_int.hpp"
#include "detail/one_line.hpp"
#include "detail/read_at_most.hpp"
#include "irtcat/error.hpp"
#include "irtcat/text.hpp"

namespace irtcat {
namespace {

using json = nlohmann::json;

constexpr const char* kLatentFormat = "irtcat.latent";
constexpr int kLatentVersion = 1;
// How far the "sd" and "correlation" written in a file may be from those of its covariance: a file irtcat wrote holds
// them exactly; a hand-edited one with rounded figures is refused unless its figures agree to six decimals.
constexpr double kDerivedTolerance = 1e-6;
constexpr const char* kMembers[] = {"format",  "version",  "domains", "mean",   "covariance",    "sd",
                                    "correlation", "persons", "excluded", "cycles", "converged", "log_likelihood"};

std::string quoted_json(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string number_row(const Eigen::Ref<const Eigen::RowVectorXd>& row) {
  std::string text = "[";
  for (Eigen::Index k = 0; k < row.size(); ++k) {
    text += k == 0 ? "" : ", ";
    text += format_double(row(k));
  }
  return text + "]";
}

std::string matrix_rows(const Eigen::MatrixXd& matrix) {
  std::string text = "[\n";
  for (Eigen::Index r = 0; r < matrix.rows(); ++r) {
    text += "    " + number_row(matrix.row(r));
    text += r + 1 < matrix.rows() ? ",\n" : "\n";
  }
  return text + "  ]";
}

// The standard deviations and correlations of a covariance, as estimate_latent forms them.
void derived(const Eigen::MatrixXd& covariance, Eigen::VectorXd& sd, Eigen::MatrixXd& correlation) {
  sd = covariance.diagonal().cwiseSqrt();
  correlation = correlation_matrix(covariance);
}

// The checked members of one document.
class Reader {
 public:
  Reader(const json& document, const std::string& file) : document_(document), file_(file) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw DataError(file_, JsonPath{path}, message);
  }

  const json& at(const char* key) const {
    const auto found = document_.find(key);
    if (found == document_.end()) fail(key, "missing");
    return *found;
  }

  double number(const json& value, const std::string& path) const {
    if (!value.is_number()) fail(path, "expected a finite number, got " + kind(value));
    const double x = value.get<double>();
    if (!std::isfinite(x)) fail(path, "expected a finite number");
    return x;
  }

  Eigen::VectorXd vector(const char* key, std::size_t size) const {
    const json& value = at(key);
    if (!value.is_array() || value.size() != size) {
      fail(key, "expected an array of " + std::to_string(size) + " numbers (one per domain)");
    }
    Eigen::VectorXd out(static_cast<Eigen::Index>(size));
    for (std::size_t k = 0; k < size; ++k) {
      out(static_cast<Eigen::Index>(k)) = number(value[k], std::string(key) + "[" + std::to_string(k) + "]");
    }
    return out;
  }

  Eigen::MatrixXd matrix(const char* key, std::size_t size) const {
    const json& value = at(key);
    const std::string shape = "expected " + std::to_string(size) + " rows of " + std::to_string(size) +
                              " numbers (domains × domains)";
    if (!value.is_array() || value.size() != size) fail(key, shape);
    const auto n = static_cast<Eigen::Index>(size);
    Eigen::MatrixXd out(n, n);
    for (std::size_t r = 0; r < size; ++r) {
      const std::string row = std::string(key) + "[" + std::to_string(r) + "]";
      if (!value[r].is_array() || value[r].size() != size) fail(row, shape);
      for (std::size_t c = 0; c < size; ++c) {
        out(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
            number(value[r][c], row + "[" + std::to_string(c) + "]");
      }
    }
    return out;
  }

  std::uint64_t count(const char* key) const {
    const json& value = at(key);
    if (value.is_number_unsigned()) return value.get<std::uint64_t>();
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0) return value.get<std::uint64_t>();
    fail(key, "expected a whole number >= 0, got " + kind(value));
  }

  static std::string kind(const json& value) {
    if (value.is_number()) return one_line(value.dump());
    return value.type_name();
  }

 private:
  const json& document_;
  const std::string& file_;
};

}  // namespace

void write_latent_json(std::ostream& out, const LatentEstimate& estimate) {
  const std::string fn = "write_latent_json: ";
  const std::size_t size = estimate.domains.size();
  if (size == 0) throw InvalidArgument(fn + "the estimate has no domains");
  for (std::size_t d = 0; d < size; ++d) {
    if (estimate.domains[d].empty()) throw InvalidArgument(fn + "domain " + std::to_string(d) + " has no name");
    for (std::size_t e = 0; e < d; ++e) {
      if (estimate.domains[e] == estimate.domains[d]) {
        throw InvalidArgument(fn + "domain " + quoted_value(estimate.domains[d]) + " is given twice");
      }
    }
  }
  if (estimate.distribution.mean.size() != static_cast<Eigen::Index>(size)) {
    throw InvalidArgument(fn + "a mean of " + std::to_string(estimate.distribution.mean.size()) + " entries for " +
                          std::to_string(size) + " domains");
  }
  try {
    estimate.distribution.validate();
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fn + error.what());
  }
  if (!std::isfinite(estimate.log_likelihood)) throw InvalidArgument(fn + "the log-likelihood is not finite");
  if (estimate.cycles < 0) throw InvalidArgument(fn + "cycles must be >= 0");
  // The derived figures from the covariance itself, so that they agree with it whatever the caller filled in.
  Eigen::VectorXd sd;
  Eigen::MatrixXd correlation;
  derived(estimate.distribution.covariance, sd, correlation);
  std::string domains = "[";
  for (std::size_t d = 0; d < size; ++d) domains += (d == 0 ? "" : ", ") + quoted_json(estimate.domains[d]);
  domains += "]";
  out << "{\n"
      << "  \"format\": \"" << kLatentFormat << "\",\n"
      << "  \"version\": " << kLatentVersion << ",\n"
      << "  \"domains\": " << domains << ",\n"
      << "  \"mean\": " << number_row(estimate.distribution.mean.transpose()) << ",\n"
      << "  \"covariance\": " << matrix_rows(estimate.distribution.covariance) << ",\n"
      << "  \"sd\": " << number_row(sd.transpose()) << ",\n"
      << "  \"correlation\": " << matrix_rows(correlation) << ",\n"
      << "  \"persons\": " << estimate.persons << ",\n"
      << "  \"excluded\": " << estimate.excluded << ",\n"
      << "  \"cycles\": " << estimate.cycles << ",\n"
      << "  \"converged\": " << (estimate.converged ? "true" : "false") << ",\n"
      << "  \"log_likelihood\": " << format_double(estimate.log_likelihood) << "\n"
      << "}\n";
}

LatentEstimate read_latent_json(std::istream& in, const std::string& file) {
  const std::string text = detail::read_at_most(in, kMaxLatentJsonBytes);
  if (text.size() > kMaxLatentJsonBytes) {
    throw DataError(file, 0, "", "the file is larger than " + std::to_string(kMaxLatentJsonBytes >> 20) +
                                     " MiB, the most a latent JSON file may hold");
  }
  if (in.bad()) throw DataError(file, 0, "", "cannot read the file");
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& error) {  // parse_error (NaN, Infinity), and out_of_range beyond double's range
    throw DataError(file, JsonPath{}, std::string("not valid JSON: ") + error.what());
  }
  if (!document.is_object()) throw DataError(file, JsonPath{}, "expected a JSON object");
  for (const auto& [key, value] : document.items()) {
    if (std::find(std::begin(kMembers), std::end(kMembers), key) == std::end(kMembers)) {
      throw DataError(file, JsonPath{key}, "unknown member");
    }
  }
  const Reader read(document, file);
  const json& format = read.at("format");
  if (!format.is_string() || format.get<std::string>() != kLatentFormat) {
    read.fail("format", std::string("expected \"") + kLatentFormat + "\"");
  }
  const json& version = read.at("version");
  if (!version.is_number_integer() || detail::json_int(version) != kLatentVersion) {
    read.fail("version", "this irtcat reads latent format version " + std::to_string(kLatentVersion));
  }
  LatentEstimate estimate;
  const json& domains = read.at("domains");
  if (!domains.is_array() || domains.empty()) read.fail("domains", "expected a non-empty array of domain names");
  for (std::size_t d = 0; d < domains.size(); ++d) {
    const std::string path = "domains[" + std::to_string(d) + "]";
    if (!domains[d].is_string() || domains[d].get<std::string>().empty()) read.fail(path, "expected a domain name");
    const std::string name = domains[d].get<std::string>();
    if (std::find(estimate.domains.begin(), estimate.domains.end(), name) != estimate.domains.end()) {
      read.fail(path, "domain " + quoted_value(name) + " is named twice");
    }
    estimate.domains.push_back(name);
  }
  const std::size_t size = estimate.domains.size();
  estimate.distribution.mean = read.vector("mean", size);
  estimate.distribution.covariance = read.matrix("covariance", size);
  try {
    estimate.distribution.validate();
  } catch (const InvalidArgument& error) {
    read.fail("covariance", error.what());
  }
  derived(estimate.distribution.covariance, estimate.sd, estimate.correlation);
  const Eigen::VectorXd sd = read.vector("sd", size);
  for (Eigen::Index d = 0; d < sd.size(); ++d) {
    if (!(std::abs(sd(d) - estimate.sd(d)) <= kDerivedTolerance)) {
      read.fail("sd[" + std::to_string(d) + "]", format_double(sd(d)) + " is not the square root of the covariance's " +
                                                    "diagonal entry, " + format_double(estimate.sd(d)));
    }
  }
  const Eigen::MatrixXd correlation = read.matrix("correlation", size);
  for (Eigen::Index r = 0; r < correlation.rows(); ++r) {
    for (Eigen::Index c = 0; c < correlation.cols(); ++c) {
      if (!(std::abs(correlation(r, c) - estimate.correlation(r, c)) <= kDerivedTolerance)) {
        read.fail("correlation[" + std::to_string(r) + "][" + std::to_string(c) + "]",
                  format_double(correlation(r, c)) + " is not the covariance's correlation, " +
                      format_double(estimate.correlation(r, c)));
      }
    }
  }
  estimate.persons = static_cast<std::size_t>(read.count("persons"));
  estimate.excluded = static_cast<std::size_t>(read.count("excluded"));
  const std::optional<int> cycles = detail::json_int(read.at("cycles"));
  if (!cycles || *cycles < 0) read.fail("cycles", "expected a whole number >= 0");
  estimate.cycles = *cycles;
  const json& converged = read.at("converged");
  if (!converged.is_boolean()) read.fail("converged", "expected true or false");
  estimate.converged = converged.get<bool>();
  estimate.log_likelihood = read.number(read.at("log_likelihood"), "log_likelihood");
  return estimate;
}

LatentEstimate read_latent_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  return read_latent_json(in, path);
}

}  // namespace irtcat
