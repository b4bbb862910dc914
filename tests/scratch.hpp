#pragma once
// A scratch folder for one test, removed afterwards, and the irtcat tool (IRTCAT_CLI) run in it: what the
// command-line, store, take and calibrate tests share.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace irtcat::testing {

/// The whole file (empty when it cannot be read).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline int lines_in(const std::string& text) {
  int count = 0;
  for (char ch : text) count += ch == '\n';
  return count;
}

/// A finished run of the tool: exit status (−1 when it did not exit normally) and its output.
struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

class Scratch {
 public:
  Scratch() {
    std::string name = "irtcat_test_";
    name += std::to_string(::getpid());
    name += '_';
    name += std::to_string(counter_++);
    dir_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const std::filesystem::path& dir() const noexcept { return dir_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  /// Writes `text` to the file `name` and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return path(name);
  }
  /// Runs `irtcat <arguments>` with standard input from /dev/null.
  Run irtcat(const std::string& arguments) const { return run_shell(command_line(arguments) + " < /dev/null"); }
  /// Runs `<assignments> irtcat <arguments>`: environment variables for this run ("IRTCAT_SIMD=scalar").
  Run irtcat_with(const std::string& assignments, const std::string& arguments) const {
    return run_shell(assignments + " " + command_line(arguments) + " < /dev/null");
  }
  /// Runs `irtcat <arguments>` with the file `input` piped to its standard input (`cat input | irtcat ...`: a pipe,
  /// which cannot seek, as in a shell pipeline).
  Run irtcat_piped(const std::string& arguments, const std::string& input) const {
    return run_shell("cat '" + input + "' | " + command_line(arguments));
  }
  /// A database `name` in the folder holding the shipped banks named (all six when none are).
  std::string database(const std::string& name, const std::vector<std::string>& banks = {}) const {
    static const std::vector<std::string> kShipped = {"algorithmic_coding", "data_science", "deep_learning",
                                                      "machine_learning", "mathematics", "software_engineering"};
    std::string files;
    for (const std::string& bank : banks.empty() ? kShipped : banks) {
      files += ' ';
      files += IRTCAT_ITEM_BANKS;
      files += '/';
      files += bank;
      files += ".json";
    }
    const std::string db = path(name);
    const Run run = irtcat("bank import --db " + db + files);
    REQUIRE(run.status == 0);
    return db;
  }

 private:
  std::string command_line(const std::string& arguments) const {
    std::string command = IRTCAT_CLI;
    command += ' ';
    command += arguments;
    command += " > " + path("stdout") + " 2> " + path("stderr");
    return command;
  }
  Run run_shell(const std::string& command) const {
    const int raw = std::system(command.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(path("stdout")), slurp(path("stderr"))};
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
};

}  // namespace irtcat::testing
