// Fuzz target: a roles file (item_banks/roles.json's format).
#include <sstream>

#include "fuzz_target.hpp"
#include "irtcat/roles_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  irtcat::fuzz::run_refusing_only_typed_errors([&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const irtcat::RoleCatalog catalog = irtcat::read_role_catalog(in, "fuzz.json");
    irtcat::fuzz::require(catalog.correlation.rows() == static_cast<Eigen::Index>(catalog.domains.size()),
                          "a domains x domains correlation matrix");
    for (const irtcat::RoleProfile& role : catalog.roles) {
      irtcat::fuzz::require(role.required_level.size() == catalog.domains.size(), "a level per domain");
    }
    for (const double theta : {-3.0, 0.0, 3.0}) static_cast<void>(catalog.level_of(theta) + catalog.scale.score(theta));
  });
  return 0;
}
