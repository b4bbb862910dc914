#include "irtcat/items_csv.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <vector>

#include "detail/ascii.hpp"
#include "detail/csv.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

std::string lowercase(std::string_view text) { return detail::ascii_lower(trim(text)); }

// Column positions by (lower-case) name, for one file.
class Columns {
 public:
  Columns(const detail::CsvRow& header, const std::string& file) {
    for (std::size_t j = 0; j < header.cells.size(); ++j) {
      const std::string name = lowercase(header.cells[j]);
      if (name.empty()) continue;
      if (!positions_.emplace(name, j).second) {
        throw DataError(file, header.line, name, "the column appears twice in the header");
      }
    }
  }
  std::optional<std::size_t> find(const std::string& name) const {
    const auto found = positions_.find(name);
    return found == positions_.end() ? std::nullopt : std::optional<std::size_t>(found->second);
  }

 private:
  std::map<std::string, std::size_t> positions_;
};

class RowReader {
 public:
  RowReader(const detail::CsvRow& row, const Columns& columns, const std::string& file)
      : row_(row), columns_(columns), file_(file) {}

  std::string_view text(const std::string& column) const {
    const auto j = columns_.find(column);
    if (!j || *j >= row_.cells.size()) return {};
    return trim(row_.cells[*j]);
  }
  bool empty(const std::string& column) const { return detail::is_missing(text(column)); }
  /// The cell as a number; `fallback` when it is empty, an error when it is empty and there is no fallback.
  double number(const std::string& column, std::optional<double> fallback = std::nullopt) const {
    if (empty(column)) {
      if (fallback) return *fallback;
      fail(column, "the cell is empty, but this item's model needs it");
    }
    const auto value = detail::parse_double(text(column));
    if (!value) fail(column, detail::quoted_value(text(column)) + " is not a finite number");
    return *value;
  }
  [[noreturn]] void fail(const std::string& column, const std::string& message) const {
    throw DataError(file_, row_.line, column, message);
  }
  std::size_t line() const { return row_.line; }

 private:
  const detail::CsvRow& row_;
  const Columns& columns_;
  const std::string& file_;
};

Item read_item(const RowReader& row) {
  const std::string id(row.text("id"));
  if (id.empty()) row.fail("id", "the item id is empty");
  Model model{};
  try {
    model = model_from_string(row.text("model"));
  } catch (const InvalidArgument&) {
    row.fail("model", "unknown model " + detail::quoted_value(row.text("model")) +
                          " (expected 1pl, 2pl, 3pl, 4pl, rasch, grm, gpcm or pcm)");
  }

  std::vector<double> thresholds;
  for (int k = 1;; ++k) {
    std::string column = "b";
    column += std::to_string(k);
    if (row.empty(column)) break;
    thresholds.push_back(row.number(column));
  }
  try {
    if (is_dichotomous(model)) {
      if (!thresholds.empty()) row.fail("b1", "a dichotomous item has no thresholds b1, b2, ...; leave them empty");
      const std::optional<double> default_a = model == Model::one_pl ? std::optional<double>(1.0) : std::nullopt;
      return Item::dichotomous(ItemId(id), model, row.number("a", default_a), row.number("b"), row.number("c", 0.0),
                               row.number("d", 1.0));
    }
    for (const char* unused : {"b", "c", "d"}) {
      if (!row.empty(unused)) {
        row.fail(unused, "a polytomous item uses a and b1, b2, ...; leave " + std::string(unused) + " empty");
      }
    }
    if (thresholds.empty()) row.fail("b1", "a polytomous item needs thresholds b1, b2, ...");
    const std::optional<double> default_a = model == Model::pcm ? std::optional<double>(1.0) : std::nullopt;
    return Item::polytomous(ItemId(id), model, row.number("a", default_a), std::move(thresholds));
  } catch (const InvalidItem& error) {
    row.fail("", error.what());
  }
}

}  // namespace

ItemBank read_items_csv(std::istream& in, const std::string& file, double scaling) {
  const std::vector<detail::CsvRow> rows = detail::read_csv(in, file);
  if (rows.empty()) throw DataError(file, 0, "", "the file is empty; expected a header and items");
  const Columns columns(rows.front(), file);
  for (const char* required : {"id", "model"}) {
    if (!columns.find(required)) throw DataError(file, rows.front().line, required, "the header has no such column");
  }
  if (!columns.find("b") && !columns.find("b1")) {
    throw DataError(file, rows.front().line, "b", "the header has neither b (dichotomous) nor b1 (polytomous)");
  }
  if (rows.size() == 1) throw DataError(file, 0, "", "the file has a header but no items");

  std::vector<Item> items;
  std::vector<ItemMetadata> metadata;
  std::map<std::string, std::size_t> first_line;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const RowReader row(rows[r], columns, file);
    Item item = read_item(row);
    if (const auto [where, inserted] = first_line.emplace(item.id().str(), row.line()); !inserted) {
      row.fail("id", "item id " + detail::quoted_value(item.id().str()) + " already appears on line " + std::to_string(where->second));
    }
    ItemMetadata meta;
    meta.domain = row.text("domain");
    meta.topic = row.text("topic");
    metadata.push_back(std::move(meta));
    items.push_back(std::move(item));
  }
  return ItemBank(std::move(items), scaling, std::move(metadata));
}

ItemBank read_items_csv_file(const std::string& path, double scaling) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  return read_items_csv(in, path, scaling);
}

void write_items_csv(std::ostream& out, const ItemBank& bank) {
  std::size_t max_thresholds = 0;
  bool has_metadata = false;
  for (std::size_t i = 0; i < bank.size(); ++i) {
    const Item& item = bank.items()[i];
    if (!is_dichotomous(item.model())) max_thresholds = std::max(max_thresholds, item.thresholds().size());
    const ItemMetadata& meta = bank.metadata(ItemIndex{i});
    has_metadata = has_metadata || !meta.domain.empty() || !meta.topic.empty();
  }
  out << "id,model,a,b,c,d";
  for (std::size_t k = 1; k <= max_thresholds; ++k) out << ",b" << k;
  if (has_metadata) out << ",domain,topic";
  out << '\n';
  for (std::size_t i = 0; i < bank.size(); ++i) {
    const Item& item = bank.items()[i];
    out << detail::csv_quoted(item.id().str()) << ',' << to_string(item.model()) << ','
        << detail::format_double(item.a()) << ',';
    if (is_dichotomous(item.model())) {
      out << detail::format_double(item.b()) << ',' << detail::format_double(item.c()) << ','
          << detail::format_double(item.d());
      for (std::size_t k = 0; k < max_thresholds; ++k) out << ',';
    } else {
      out << ",,";
      for (std::size_t k = 0; k < max_thresholds; ++k) {
        out << ',';
        if (k < item.thresholds().size()) out << detail::format_double(item.thresholds()[k]);
      }
    }
    if (has_metadata) {
      const ItemMetadata& meta = bank.metadata(ItemIndex{i});
      out << ',' << detail::csv_quoted(meta.domain) << ',' << detail::csv_quoted(meta.topic);
    }
    out << '\n';
  }
}

}  // namespace irtcat
