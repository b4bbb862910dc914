#pragma once
// The roles file (item_banks/roles.json: {"format": "irtcat.roles", scale, levels, domains, population, roles})
// read into a RoleCatalog.

#include <iosfwd>
#include <string>

#include "irtcat/profiles.hpp"

namespace irtcat {

/// Reads the roles file. Throws DataError for malformed JSON or a missing field, InvalidArgument for levels out of
/// order, an unknown level or domain name, or a correlation matrix that is not a valid correlation matrix.
RoleCatalog read_role_catalog(std::istream& in, const std::string& file);
RoleCatalog read_role_catalog_file(const std::string& path);

}  // namespace irtcat
