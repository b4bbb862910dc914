// The README's "One example per command" block, run line by line as a reader would run it: the block is read from
// README.md itself, so the examples and this test cannot drift apart.

#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scratch.hpp"

namespace fs = std::filesystem;
using namespace irtcat::testing;

namespace {

// The lines of the first ```sh block after the marker comment (blank lines and # comments left out).
std::vector<std::string> readme_examples(const std::string& readme) {
  const std::size_t marker = readme.find("<!-- readme-examples:");
  REQUIRE(marker != std::string::npos);
  const std::size_t open = readme.find("```sh\n", marker);
  REQUIRE(open != std::string::npos);
  const std::size_t close = readme.find("\n```", open + 5);
  REQUIRE(close != std::string::npos);
  std::vector<std::string> lines;
  std::istringstream block(readme.substr(open + 6, close - open - 6));
  for (std::string line; std::getline(block, line);) {
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  return lines;
}

// `line` with every command word "irtcat" (at the start or after a pipe) replaced by the built tool.
std::string with_built_tool(const std::string& line) {
  std::string out;
  std::size_t at = 0;
  while (at < line.size()) {
    const bool command_position = at == 0 || (at >= 2 && line.compare(at - 2, 2, "| ") == 0);
    if (command_position && line.compare(at, 7, "irtcat ") == 0) {
      out += IRTCAT_CLI;
      at += 6;
    } else {
      out += line[at++];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("cli: every example command of the README exits 0") {
  const std::vector<std::string> examples = readme_examples(slurp(IRTCAT_README));
  REQUIRE(examples.size() >= 10);

  // Every command but serve (which runs until stopped) has its example.
  std::set<std::string> commands;
  for (const std::string& line : examples) {
    for (std::size_t at = line.find("irtcat "); at != std::string::npos; at = line.find("irtcat ", at + 1)) {
      commands.insert(line.substr(at + 7, line.find(' ', at + 7) - at - 7));
    }
  }
  CHECK(commands == std::set<std::string>{"bank", "calibrate", "design", "info", "next", "score", "simulate", "take"});

  // The reader's folder: the repository's examples/ and item_banks/ (linked, so that what the commands write lands
  // in the scratch folder), and a default database as a build has it (the shipped banks and designs), named by
  // $IRTCAT_DB so that the build's own database is left alone.
  const Scratch scratch;
  const fs::path source = fs::path(IRTCAT_ITEM_BANKS).parent_path();
  fs::create_directory_symlink(source / "examples", scratch.dir() / "examples");
  fs::create_directory_symlink(source / "item_banks", scratch.dir() / "item_banks");
  const std::string db = scratch.database("irtcat.db");
  const std::string designs = std::string(IRTCAT_ITEM_BANKS) + "/designs/";
  REQUIRE(scratch.irtcat("design import --db " + db + " " + designs + "standard.json " + designs + "quick.json")
              .status == 0);

  for (const std::string& line : examples) {
    const std::string command = "cd '" + scratch.dir().string() + "' && export IRTCAT_DB='" + db + "' && (" +
                                with_built_tool(line) + ") > stdout 2> stderr";
    const int raw = std::system(command.c_str());
    const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    CAPTURE(line);
    CAPTURE(slurp(scratch.dir() / "stderr"));
    CHECK(status == 0);
  }
  // The battery's files, where the example says.
  CHECK(fs::exists(scratch.dir() / "study" / "report.html"));
}
