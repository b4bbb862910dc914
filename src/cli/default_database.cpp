// Where the irtcat tool finds its shipped data (banks, roles, designs) and its default database, so that an installed
// irtcat works without the tree it was built in:
//
//   shipped data  <bindir>/<relative path to datadir>/irtcat (share/irtcat of the install prefix) when it exists,
//                 else the source tree's item_banks/ (a build);
//   database      --db, else $IRTCAT_DB, else the build's irtcat.db when this irtcat is the one in that build
//                 folder, else $XDG_DATA_HOME/irtcat/irtcat.db (~/.local/share/irtcat/irtcat.db without it).
//
// The paths of the build are compiled in (CMakeLists.txt); the install layout is found from the executable's own
// location (/proc/self/exe), so an installed prefix can be moved as a whole.

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "cli/cli_common.hpp"
#include "irtcat/error.hpp"

#ifndef IRTCAT_ITEM_BANKS
#define IRTCAT_ITEM_BANKS "item_banks"
#endif
#ifndef IRTCAT_DEFAULT_DB
#define IRTCAT_DEFAULT_DB "irtcat.db"
#endif
#ifndef IRTCAT_DATA_FROM_BINDIR
#define IRTCAT_DATA_FROM_BINDIR "../share/irtcat"
#endif

namespace irtcat::cli {
namespace {

namespace fs = std::filesystem;

// An environment variable's value; empty when unset.
std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

fs::path executable_directory() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : self.parent_path();
}

std::string shipped_data_directory() {
  const fs::path here = executable_directory();
  if (!here.empty()) {
    std::error_code error;
    const fs::path installed = (here / IRTCAT_DATA_FROM_BINDIR).lexically_normal();
    if (fs::is_directory(installed, error)) return installed.string();
  }
  return IRTCAT_ITEM_BANKS;
}

bool running_from_build_tree() {
  const fs::path here = executable_directory();
  if (here.empty()) return false;
  std::error_code error;
  const bool same = fs::equivalent(here, fs::path(IRTCAT_DEFAULT_DB).parent_path(), error);
  return !error && same;
}

std::string default_database_path() {
  if (running_from_build_tree()) return IRTCAT_DEFAULT_DB;
  // The XDG base directory specification: $XDG_DATA_HOME if set to an absolute path, else ~/.local/share.
  fs::path data_home = environment("XDG_DATA_HOME");
  if (data_home.empty() || !data_home.is_absolute()) {
    const std::string home = environment("HOME");
    if (home.empty()) {
      throw InvalidArgument(
          "no database given and no place for the default one: give --db FILE, or set IRTCAT_DB, XDG_DATA_HOME or "
          "HOME");
    }
    data_home = fs::path(home) / ".local" / "share";
  }
  return (data_home / "irtcat" / "irtcat.db").string();
}

}  // namespace irtcat::cli
