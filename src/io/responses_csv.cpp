#include "irtcat/responses_csv.hpp"

#include <cmath>
#include <fstream>
#include <set>

#include "detail/csv.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {

ResponseTable read_responses_csv(std::istream& in, const std::string& file) {
  const std::vector<detail::CsvRow> rows = detail::read_csv(in, file);
  if (rows.empty()) throw DataError(file, 0, "", "the file is empty; expected a header of item ids and responses");
  const detail::CsvRow& header = rows.front();
  const bool has_person_ids = !header.cells.empty() && trim(header.cells.front()) == "person_id";
  const std::size_t first_item = has_person_ids ? 1 : 0;

  ResponseTable table;
  table.file = file;
  table.header_line = header.line;
  std::set<std::string> seen;
  for (std::size_t j = first_item; j < header.cells.size(); ++j) {
    std::string id(trim(header.cells[j]));
    if (id.empty()) throw DataError(file, header.line, "", "header cell " + std::to_string(j + 1) + " is empty");
    if (!seen.insert(id).second) throw DataError(file, header.line, id, "the item appears twice in the header");
    table.item_ids.push_back(std::move(id));
  }
  if (table.item_ids.empty()) throw DataError(file, header.line, "", "the header names no items");
  if (rows.size() == 1) throw DataError(file, 0, "", "the file has a header but no responses");

  const auto persons = static_cast<Eigen::Index>(rows.size() - 1);
  const auto items = static_cast<Eigen::Index>(table.item_ids.size());
  table.responses.resize(persons, items);
  for (Eigen::Index i = 0; i < persons; ++i) {
    const detail::CsvRow& row = rows[static_cast<std::size_t>(i) + 1];
    if (row.cells.size() > header.cells.size()) {
      throw DataError(file, row.line, "", "the row has " + std::to_string(row.cells.size()) +
                                              " cells but the header only " + std::to_string(header.cells.size()));
    }
    table.lines.push_back(row.line);
    table.person_ids.push_back(has_person_ids ? std::string(trim(row.cells.front()))
                                              : std::to_string(i + 1));
    if (has_person_ids && table.person_ids.back().empty()) {
      throw DataError(file, row.line, "person_id", "the person id is empty");
    }
    for (Eigen::Index j = 0; j < items; ++j) {
      const std::size_t cell_index = first_item + static_cast<std::size_t>(j);
      const std::string_view cell = cell_index < row.cells.size() ? std::string_view(row.cells[cell_index]) : "";
      if (detail::is_missing(cell)) {
        table.responses(i, j) = ResponseTable::kMissingResponse;
        continue;
      }
      const auto value = detail::parse_double(cell);
      if (!value || *value < 0 || *value != std::floor(*value) || *value > 1e6) {
        throw DataError(file, row.line, table.item_ids[static_cast<std::size_t>(j)],
                        detail::quoted_value(trim(cell)) + " is not a response (a whole number 0, 1, ...)");
      }
      table.responses(i, j) = static_cast<int>(*value);
    }
  }
  return table;
}

ResponseTable read_responses_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  return read_responses_csv(in, path);
}

std::vector<std::vector<Response>> response_patterns(const ResponseTable& table, const ItemBank& bank) {
  std::vector<ItemIndex> columns;
  for (const std::string& id : table.item_ids) {
    const auto index = bank.find(ItemId(id));
    if (!index) throw DataError(table.file, table.header_line, id, "unknown item id " + detail::quoted_value(id) + ": the items file has no such item");
    columns.push_back(*index);
  }
  std::vector<std::vector<Response>> patterns(static_cast<std::size_t>(table.responses.rows()));
  for (Eigen::Index i = 0; i < table.responses.rows(); ++i) {
    auto& pattern = patterns[static_cast<std::size_t>(i)];
    for (Eigen::Index j = 0; j < table.responses.cols(); ++j) {
      const int category = table.responses(i, j);
      if (category == ResponseTable::kMissingResponse) continue;
      const ItemIndex item = columns[static_cast<std::size_t>(j)];
      const int categories = bank.item(item).category_count();
      if (category >= categories) {
        throw DataError(table.file, table.lines[static_cast<std::size_t>(i)], table.item_ids[static_cast<std::size_t>(j)],
                        "response " + std::to_string(category) + " is outside the item's categories 0.." +
                            std::to_string(categories - 1));
      }
      pattern.push_back({item, category});
    }
  }
  return patterns;
}

}  // namespace irtcat
