// `irtcat design`: Sympson-Hetter parameters set by calibrate-exposure hold the exposure rate in a fresh simulation
// run with the stored design.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "detail/csv.hpp"
#include "scratch.hpp"

using namespace irtcat::testing;

namespace {

// The value of `column` in the row of a CSV text whose first cell is `key` (the header names the columns).
double csv_value(const std::string& text, const std::string& key, const std::string& column) {
  std::istringstream in(text);
  const auto rows = irtcat::detail::read_csv(in, "output");
  REQUIRE(!rows.empty());
  const auto& header = rows.front().cells;
  const auto at = static_cast<std::size_t>(std::find(header.begin(), header.end(), column) - header.begin());
  REQUIRE(at < header.size());
  for (const auto& row : rows) {
    if (!row.cells.empty() && row.cells[0] == key) return std::stod(row.cells.at(at));
  }
  FAIL("no row " << key);
  return 0;
}

// Role profiles over the one domain the scratch database holds (the battery's domains are the roles file's).
const char* const kMathematicsRoles = R"({
  "format": "irtcat.roles", "version": 1, "source": "test",
  "scale": {"intercept": 150, "slope": 50, "min": 0, "max": 300},
  "levels": [{"name": "beginning", "min_theta": null}, {"name": "developing", "min_theta": -0.5},
             {"name": "accomplished", "min_theta": 1.0}],
  "domains": ["mathematics"],
  "population": {"spread": 0.45, "correlation": [[1.0]]},
  "roles": [{"name": "analyst", "title": "Analyst", "requires": {"mathematics": "developing"},
             "typical_theta": {"mathematics": 0.3}}]
})";

}  // namespace

TEST_CASE("cli: design calibrate-exposure, then a fresh simulate with the stored design keeps the target rate") {
  // Without exposure control this 10-item MFI + EAP test on the 175-item bank gives its first item to every candidate
  // (rate 1); Sympson-Hetter is to hold every item at 0.25, and the issue asks a fresh study to find the highest rate
  // within 0.02 of it.
  //
  // That needs thousands of candidates, not hundreds: a study's highest rate is the largest of the ~30 sampled rates
  // held near 0.25, each with standard error sqrt(0.25 * 0.75 / n), and the largest of them lies about two standard
  // errors above the true value; the K come from samples with the same noise. With 300 candidates the standard error
  // is 0.025 and the highest rate would miss 0.02 by noise alone. Here the K come from samples doubling up to 32,000
  // (standard error 0.0024; the procedure's default tolerance 0.01) and the fresh study has 16,000 candidates
  // (0.0034): the highest rate lands about 0.01 above 0.25. About 1.5 s in a release build. Under the sanitizers,
  // which look for memory errors and not at statistics (and run some ten times slower), the same commands run on a
  // few hundred candidates and the check is only that the rate is held far below 1.
#ifdef IRTCAT_UNDER_SANITIZERS
  const std::string calibration = "--tolerance 0.05 --candidates 200 --max-candidates 800";
  const std::string study_size = "500";
  const double tolerance = 0.15;
#else
  const std::string calibration = "--tolerance 0.01 --candidates 2000 --max-candidates 32000";
  const std::string study_size = "16000";
  const double tolerance = 0.02;
#endif
  const Scratch scratch;
  const std::string db = scratch.database("designs.db", {"mathematics"});
  REQUIRE(scratch.irtcat("design create capped --bank mathematics --length 10 --no-balance --db " + db).status == 0);
  const Run calibrated = scratch.irtcat("design calibrate-exposure capped --bank mathematics --target 0.25 --seed 3 " +
                                        calibration + " --db " + db);
  CAPTURE(calibrated.err);
  REQUIRE(calibrated.status == 0);
  CHECK(csv_value(calibrated.out, "mathematics", "version") == 2);  // stored as the design's next version

  // A fresh study, other candidates (another seed), running the stored design with its parameters as they are.
  const std::string roles = scratch.write("roles.json", kMathematicsRoles);
  const Run study = scratch.irtcat("simulate --db " + db + " --roles " + roles + " --design capped --population normal" +
                                   " --candidates " + study_size + " --seed 11 --out-dir " + scratch.path("study"));
  CAPTURE(study.err);
  REQUIRE(study.status == 0);
  const double max_exposure = csv_value(study.out, "mathematics", "max_exposure");
  CAPTURE(max_exposure);
  CHECK(std::abs(max_exposure - 0.25) <= tolerance);
  CHECK(csv_value(study.out, "mathematics", "mean_length") == 10);
}
