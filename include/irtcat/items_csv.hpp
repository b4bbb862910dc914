#pragma once
// The items CSV format (docs/conventions.md): a header, then one item per row.
//
//   id,model,a,b,c,d[,b1,b2,...][,domain,topic]
//
// `model` is 1pl, 2pl, 3pl, 4pl (rasch reads as 1pl), grm, gpcm or pcm. Dichotomous rows use a, b, c, d (empty c
// means 0, empty d means 1, empty a means 1 for 1pl); polytomous rows use a and b1..bK (empty a means 1 for pcm).
// Unused cells are empty; NA reads as empty. Header names are matched case-insensitively; other columns
// (standard errors, fit statistics) are ignored.

#include <iosfwd>
#include <string>

#include "irtcat/item_bank.hpp"

namespace irtcat {

/// Reads an items CSV into a bank with scaling constant `scaling`. `file` names the source in errors.
/// Throws DataError (with file, line and column) for a missing column, a cell that is not a number, an unknown
/// model, an invalid parameter, a duplicate id or a file without items.
ItemBank read_items_csv(std::istream& in, const std::string& file, double scaling = kLogisticScaling);
ItemBank read_items_csv_file(const std::string& path, double scaling = kLogisticScaling);

/// Writes the bank in the same format (numbers in the shortest text that reads back exactly).
void write_items_csv(std::ostream& out, const ItemBank& bank);

}  // namespace irtcat
