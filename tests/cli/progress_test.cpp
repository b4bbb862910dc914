// The progress bar of simulate and calibrate: its line (label, bar, count/total, rate, ETA), and that it is drawn
// only on a terminal.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli/cli_support.hpp"
#include "cli/progress.hpp"
#include "scratch.hpp"

using namespace irtcat::testing;
using irtcat::cli::clock_time;
using irtcat::cli::progress_line;
using irtcat::cli::ProgressView;
using irtcat::cli::rate_text;

TEST_CASE("progress: the line shows the label, the bar, count/total, the rate and the time left") {
  SUBCASE("a quarter done in 5 s: 15 s to go") {
    const ProgressView view{"simulate", 0.25, 250, 1000, "candidates", 5.0, ""};
    CHECK(progress_line(view, 8) == "simulate [##......] 250/1,000  50 candidates/s  ETA 0:15");
  }
  SUBCASE("nothing done yet: no rate to extrapolate from") {
    const ProgressView view{"simulate", 0.0, 0, 20, "candidates", 0.0, ""};
    CHECK(progress_line(view, 4) == "simulate [....] 0/20  -- candidates/s  ETA --:--");
  }
  SUBCASE("finished: the time it took") {
    const ProgressView view{"simulate", 1.0, 20, 20, "", 61.2, ""};
    CHECK(progress_line(view, 4) == "simulate [####] 20/20  0.327/s  done in 1:02");
  }
  SUBCASE("a note after the ETA; the fraction need not be done/total") {
    const ProgressView view{"calibrate", 0.5, 40, 2000, "cycles", 2.0, "largest change 1.0e-03"};
    CHECK(progress_line(view, 2) == "calibrate [#.] 40/2,000  20 cycles/s  ETA 0:02  largest change 1.0e-03");
  }
  SUBCASE("out-of-range fractions are held to the bar") {
    CHECK(progress_line({"x", 1.7, 3, 2, "", 1.0, ""}, 2).starts_with("x [##] 3/2"));
    CHECK(progress_line({"x", -1.0, 0, 2, "", 1.0, ""}, 2).starts_with("x [..] 0/2"));
  }
}

TEST_CASE("progress: durations and rates for people") {
  CHECK(clock_time(0) == "0:00");
  CHECK(clock_time(0.2) == "0:01");  // rounded up: a job with a moment to go is not done
  CHECK(clock_time(754) == "12:34");
  CHECK(clock_time(3723) == "1:02:03");
  CHECK(clock_time(-4) == "0:00");
  CHECK(clock_time(1e300) == "99:59:59");
  CHECK(rate_text(0.41234) == "0.412");
  CHECK(rate_text(41.234) == "41.2");
  CHECK(rate_text(412.34) == "412");
  CHECK(rate_text(2310.4) == "2,310");
  CHECK(rate_text(1234567.0) == "1,234,567");
  CHECK(rate_text(0) == "0");
}

TEST_CASE("progress: simulate and calibrate draw nothing on standard error when it is not a terminal") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string thetas = scratch.write("thetas.csv", "id,theta\np1,-1\np2,0.5\n");
  const Run simulated = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --length 2");
  CHECK(simulated.status == 0);
  CHECK(simulated.err.empty());
  const Run battery = scratch.irtcat("simulate --candidates 7 --length 3 --out-dir " + scratch.path("study"));
  CHECK(battery.status == 0);
  CHECK(battery.err.empty());
  const Run calibrated = scratch.irtcat("calibrate --model 2pl --no-se --responses " +
                                        std::string(IRTCAT_EXAMPLE_DATA) + "/calibration_responses_2pl.csv");
  CHECK(calibrated.status == 0);
  CHECK(calibrated.err.starts_with("calibrate: "));  // the summary line, no bar
  CHECK(calibrated.err.find("calibrate [") == std::string::npos);
  CHECK(calibrated.err.find('\r') == std::string::npos);
}

TEST_CASE("progress: on a terminal simulate draws its bar on standard error") {
  // script(1) runs the command on a pseudo-terminal and copies what it writes there to the typescript file.
  if (!std::filesystem::exists("/usr/bin/script")) return;
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string thetas = scratch.write("thetas.csv", "id,theta\np1,-1\np2,0.5\np3,2\n");
  const std::string command = std::string(IRTCAT_CLI) + " simulate --items " + items + " --thetas " + thetas +
                              " --length 2 --out " + scratch.path("out.csv");
  const std::string typescript = scratch.path("typescript");
  const int raw = std::system(("COLUMNS=100 /usr/bin/script -qec '" + command + "' " + typescript +
                               " < /dev/null > /dev/null 2>&1").c_str());
  REQUIRE(WIFEXITED(raw));
  REQUIRE(WEXITSTATUS(raw) == 0);
  const std::string shown = slurp(typescript);
  CAPTURE(shown);
  CHECK(shown.find("simulate [") != std::string::npos);
  CHECK(shown.find("] 3/3  ") != std::string::npos);
  CHECK(shown.find("candidates/s  done in ") != std::string::npos);
  CHECK(lines_in(slurp(scratch.path("out.csv"))) == 4);  // the CSV went to its file, not to the terminal
}
