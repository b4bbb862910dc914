#pragma once
// The wide responses CSV (docs/conventions.md), as R users keep it: `person_id,<item id>,<item id>,...`, one person per
// row; a cell is 0/1 or a category 0..K, empty (or NA) where the item was not administered. A file whose first
// column is not `person_id` is read as a plain matrix: every column is an item and persons are numbered 1, 2, ...

#include <iosfwd>
#include <string>
#include <vector>

#include "irtcat/ability.hpp"
#include "irtcat/response_table.hpp"

namespace irtcat {

/// Reads a responses CSV. Throws DataError (file, line, column) for an empty file, a header without items, a
/// repeated item column, or a cell that is not a whole number >= 0.
ResponseTable read_responses_csv(std::istream& in, const std::string& file);
ResponseTable read_responses_csv_file(const std::string& path);

/// Each person's responses as (item index, category) pairs in column order, missing cells left out.
/// Throws DataError naming the file, line and column for an item id the bank does not hold and for a category
/// outside the item's 0..K.
std::vector<std::vector<Response>> response_patterns(const ResponseTable& table, const ItemBank& bank);

}  // namespace irtcat
