// The whole `irtcat simulate` process on one thread and on two, timed as a user would time it: the README's speed
// table and issue 17's check that two threads run at least 1.8 times as fast as one. It writes a 200-item 3PL bank
// (a ~ U(0.6, 2.2), b ~ U(−3, 3), c ~ U(0.05, 0.3): the session benchmarks' ranges; seed 7) and N θ ~ N(0, 1)
// (seed 1) to a scratch folder, then runs `irtcat simulate --items --thetas --threads T --out` (20-item MFI + EAP
// CATs, the default design) for T = 1 and 2 in turn, round after round, so that both see the same minutes of a
// noisy machine. Each run is wall time from spawn to exit and the CPU time the process used (wait4's rusage).
// Run from a Release build:
//   build/bench/irtcat_simulate_timing [--rounds 9] [--candidates 100000] [--irtcat build/irtcat]
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "irtcat/irtcat.hpp"
#include "random_bank.hpp"

extern char** environ;

using namespace irtcat;

namespace {

void write_thetas(const std::filesystem::path& path, int count) {
  const auto candidates = draw_candidates(Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1),
                                          Eigen::MatrixXd::Identity(1, 1), count, 1);
  std::ofstream out(path, std::ios::binary);
  out << "id,theta\n";
  char number[32];
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto end = std::to_chars(number, number + sizeof number, candidates[i].theta(0)).ptr;
    out << 's' << i << ',' << std::string_view(number, static_cast<std::size_t>(end - number)) << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

struct Run {
  double wall = 0;  ///< seconds
  double cpu = 0;   ///< seconds, user + system
};

Run run_once(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot run " + arguments[0]);
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(arguments[0] + " simulate failed");
  }
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  return {wall.count(), seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double fastest(const std::vector<double>& values) { return *std::min_element(values.begin(), values.end()); }

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* kUsage = "usage: irtcat_simulate_timing [--rounds N] [--candidates N] [--irtcat PATH]\n";
  int rounds = 9;
  int candidates = 100000;
  std::string irtcat = IRTCAT_CLI;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (i + 1 == argc || (flag != "--rounds" && flag != "--candidates" && flag != "--irtcat")) {
      std::cerr << kUsage;
      return 2;
    }
    const std::string_view value = argv[i + 1];
    if (flag == "--irtcat") {
      irtcat = value;
      continue;
    }
    int& count = flag == "--rounds" ? rounds : candidates;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
    if (error != std::errc() || end != value.data() + value.size() || count < 1) {
      std::cerr << "irtcat_simulate_timing: " << flag << " takes a whole number >= 1, got '" << value << "'\n";
      return 2;
    }
  }
  std::filesystem::path dir;
  int status = 0;
  try {
    dir = std::filesystem::temp_directory_path() / ("irtcat-simulate-timing." + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    {
      std::ofstream items(dir / "items.csv", std::ios::binary);
      write_items_csv(items, bench::random_3pl_bank(200, 7, {.a = {0.6, 2.2}, .b = {-3.0, 3.0}, .c = {0.05, 0.3}}));
      if (!items) throw std::runtime_error("cannot write " + (dir / "items.csv").string());
    }
    write_thetas(dir / "thetas.csv", candidates);
    const std::string out = (dir / "out.csv").string();
    std::vector<Run> runs[2];
    for (int round = 0; round < rounds; ++round) {
      for (int threads : {1, 2}) {
        // A new file each time: replacing one makes ext4 write the new one out at the rename (8 ms here).
        std::filesystem::remove(out);
        runs[threads - 1].push_back(run_once({irtcat, "simulate", "--items", (dir / "items.csv").string(), "--thetas",
                                              (dir / "thetas.csv").string(), "--threads", std::to_string(threads),
                                              "--out", out}));
      }
    }
    std::printf("irtcat simulate: %d candidates, 20-item MFI + EAP CATs, 200-item 3PL bank, %d interleaved rounds\n",
                candidates, rounds);
    std::printf("threads  wall fastest  wall median  CPU median  us per CAT (wall median)\n");
    double walls[2][2];
    for (int t = 0; t < 2; ++t) {
      std::vector<double> wall, cpu;
      for (const Run& run : runs[t]) {
        wall.push_back(run.wall);
        cpu.push_back(run.cpu);
      }
      walls[t][0] = fastest(wall);
      walls[t][1] = median(wall);
      std::printf("%7d  %10.3f s  %9.3f s  %8.3f s  %5.2f\n", t + 1, walls[t][0], walls[t][1], median(cpu),
                  1e6 * walls[t][1] / candidates);
    }
    std::printf("--threads 2 runs %.2f times as fast as --threads 1 (medians; fastest runs: %.2f)\n",
                walls[0][1] / walls[1][1], walls[0][0] / walls[1][0]);
  } catch (const std::exception& error) {
    std::cerr << "irtcat_simulate_timing: " << error.what() << '\n';
    status = 1;
  }
  std::error_code ignored;
  if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  return status;
}
