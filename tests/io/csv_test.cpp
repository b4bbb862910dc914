#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "detail/csv.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/responses_csv.hpp"
#include "scratch.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

ItemBank items_from(const std::string& text) {
  std::istringstream in(text);
  return read_items_csv(in, "items.csv");
}

ResponseTable responses_from(const std::string& text) {
  std::istringstream in(text);
  return read_responses_csv(in, "responses.csv");
}

// The DataError's message for `text` read as an items file.
std::string items_error(const std::string& text) {
  try {
    items_from(text);
  } catch (const DataError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("csv: quoting, CRLF, byte-order mark, blank lines") {
  std::istringstream in("\xEF\xBB\xBFid,text\r\n\"a,1\",\"say \"\"hi\"\"\"\r\n\r\nb,\"two\nlines\"\n");
  const auto rows = detail::read_csv(in, "f.csv");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].cells == std::vector<std::string>{"id", "text"});
  CHECK(rows[1].cells == std::vector<std::string>{"a,1", "say \"hi\""});
  CHECK(rows[2].line == 4);
  CHECK(rows[2].cells[1] == "two\nlines");
  std::istringstream open("a,\"never closed\n");
  CHECK_THROWS_AS(detail::read_csv(open, "f.csv"), DataError);
  CHECK(detail::csv_quoted("a,b") == "\"a,b\"");
  CHECK(detail::csv_quoted("plain") == "plain");
  CHECK(detail::format_double(0.1) == "0.1");
  CHECK(detail::parse_double(" 1.5e-3 ") == 1.5e-3);
  CHECK_FALSE(detail::parse_double("nan").has_value());
  CHECK_FALSE(detail::parse_double("1.5x").has_value());
}

TEST_CASE("csv: a cursor reading a stream in 64 KiB blocks gives the rows and line counts of the whole text") {
  // Every construct that looks past one character (a CRLF, a doubled quote, a quoted line break, a run of plain
  // characters) is put across the first block's end by padding the first row, once per offset around it.
  constexpr std::size_t kBlock = std::size_t{1} << 16;
  const std::string tail =
      "x,\"say \"\"hi\"\"\"\r\n\r\n\"two\nlines\",plain text run\r\nlast,row without a break";
  const testing::Scratch scratch;
  for (std::size_t shift = 0; shift <= tail.size() + 1; ++shift) {
    CAPTURE(shift);
    const std::string pad(kBlock - 15 - shift, 'p');  // the first tail starts `shift` characters before the block's end
    std::string text = "\xEF\xBB\xBFid,value\n" + pad + ",1\n";
    for (int row = 0; row < 3; ++row) text += tail + "\n";
    text += std::string(kBlock, 'q') + ",long\n" + tail;
    detail::CsvCursor whole(text, "f.csv");
    const std::string path = (scratch.dir() / "blocks.csv").string();
    std::ofstream(path, std::ios::binary) << text;  // lines_left counts the file's lines
    detail::CsvCursor streamed(std::make_unique<std::ifstream>(path, std::ios::binary), path);
    detail::CsvRow expected, got;
    for (;;) {
      CHECK(streamed.lines_left() == whole.lines_left());
      const bool more = whole.next(expected);
      REQUIRE(streamed.next(got) == more);
      if (!more) break;
      CHECK(got.line == expected.line);
      CHECK(got.cells == expected.cells);
    }
    CHECK(streamed.lines_left() == 0);
  }
  detail::CsvCursor open(std::make_unique<std::istringstream>(std::string(kBlock + 5, 'a') + ",\"never closed\n"),
                         "f.csv");
  detail::CsvRow row;
  CHECK_THROWS_WITH_AS(open.next(row), "f.csv, line 1: a quoted field is never closed", DataError);
}

TEST_CASE("items_csv: every model, defaults for empty cells, metadata") {
  const ItemBank bank = items_from(
      "id,model,a,b,c,d,b1,b2,b3,domain,topic\n"
      "r,rasch,,0.5,,,,,,math,calculus\n"
      "t,3pl,1.2,0.1,0.2,,,,,,\n"
      "f,4PL,1.1,-0.3,0.1,0.95,,,,,\n"
      "g,grm,1.3,,,,-1,0,1,,\n"
      "p,pcm,,,,,-0.5,0.5,,,\n"
      "q,gpcm,0.7,NA,,,0.2,,,,\n");
  REQUIRE(bank.size() == 6);
  CHECK(bank.item(ItemIndex{0}).model() == Model::one_pl);
  CHECK(bank.item(ItemIndex{0}).a() == 1.0);
  CHECK(bank.metadata(ItemIndex{0}).topic == "calculus");
  CHECK(bank.item(ItemIndex{1}).d() == 1.0);
  CHECK(bank.item(ItemIndex{2}).d() == 0.95);
  CHECK(bank.item(ItemIndex{3}).category_count() == 4);
  CHECK(bank.item(ItemIndex{4}).a() == 1.0);
  CHECK(bank.item(ItemIndex{5}).category_count() == 2);

  std::ostringstream out;
  write_items_csv(out, bank);
  const ItemBank again = items_from(out.str());
  REQUIRE(again.size() == bank.size());
  for (std::size_t i = 0; i < bank.size(); ++i) {
    testing::check_same_item(bank.items()[i], again.items()[i]);
  }
}

TEST_CASE("items_csv: bad files name the file, line and column") {
  CHECK(items_error("") == "items.csv: the file is empty; expected a header and items");
  CHECK(items_error("id,model,a,b\n") == "items.csv: the file has a header but no items");
  CHECK(items_error("id,a,b\nx,1,0\n") == "items.csv, line 1, column 'model': the header has no such column");
  CHECK(items_error("id,model,a\nx,2pl,1\n").find("neither b") != std::string::npos);
  CHECK(items_error("id,model,a,b\nx,2pl,1,0\ny,2pl,abc,0\n") ==
        "items.csv, line 3, column 'a': 'abc' is not a finite number");
  CHECK(items_error("id,model,a,b\nx,2pl,1,inf\n") == "items.csv, line 2, column 'b': 'inf' is not a finite number");
  CHECK(items_error("id,model,a,b\nx,5pl,1,0\n").find("line 2, column 'model': unknown model '5pl'") !=
        std::string::npos);
  CHECK(items_error("id,model,a,b\nx,2pl,-1,0\n").find("line 2: Item::dichotomous: item 'x': a must be > 0") !=
        std::string::npos);
  CHECK(items_error("id,model,a,b\nx,2pl,,0\n").find("column 'a': the cell is empty") != std::string::npos);
  CHECK(items_error("id,model,a,b\nx,2pl,1,0\nx,2pl,1,1\n").find("line 3, column 'id': item id 'x' already appears on line 2") !=
        std::string::npos);
  CHECK(items_error("id,model,a,b,c\nx,3pl,1,0,1.5\n").find("c must be in [0, 1)") != std::string::npos);
  CHECK(items_error("id,model,a,b,b1,b2\nx,grm,1,,1,0\n").find("strictly increasing") != std::string::npos);
  CHECK(items_error("id,model,a,b,b1\nx,grm,1,0,1\n").find("leave b empty") != std::string::npos);
  CHECK(items_error("id,model,a,b,b1\nx,2pl,1,0,1\n").find("no thresholds") != std::string::npos);
  CHECK(items_error("id,model,a,b,b1\nx,grm,1,,\n").find("needs thresholds") != std::string::npos);
  CHECK(items_error("id,model,A,b,a\nx,2pl,1,0,1\n").find("appears twice") != std::string::npos);
  CHECK_THROWS_AS(read_items_csv_file("/nonexistent/items.csv"), DataError);
}

TEST_CASE("responses_csv: person ids, plain matrices, missing cells") {
  const ResponseTable table = responses_from("person_id,x,y\np1,1,\np2,NA,0\n");
  CHECK(table.person_ids == std::vector<std::string>{"p1", "p2"});
  CHECK(table.item_ids == std::vector<std::string>{"x", "y"});
  CHECK(table.responses(0, 1) == ResponseTable::kMissingResponse);
  CHECK(table.responses(1, 0) == ResponseTable::kMissingResponse);
  CHECK(table.responses(1, 1) == 0);
  const ResponseTable plain = responses_from("x,y\n1,0\n0,1\n");
  CHECK(plain.person_ids == std::vector<std::string>{"1", "2"});
  CHECK(plain.responses(1, 1) == 1);

  const ItemBank bank = items_from("id,model,a,b,b1,b2\nx,2pl,1,0,,\ny,grm,1,,0,1\n");
  const auto patterns = response_patterns(table, bank);
  REQUIRE(patterns.size() == 2);
  CHECK(patterns[0].size() == 1);
  CHECK(patterns[1][0].item.value == 1);
}

TEST_CASE("responses_csv: bad files name the file, line and column") {
  const auto error_of = [](const std::string& text, const std::string& items = "") -> std::string {
    try {
      const ResponseTable table = responses_from(text);
      if (!items.empty()) response_patterns(table, items_from(items));
    } catch (const DataError& error) {
      return error.what();
    }
    return "no error";
  };
  CHECK(error_of("").find("the file is empty") != std::string::npos);
  CHECK(error_of("person_id\np1\n").find("names no items") != std::string::npos);
  CHECK(error_of("person_id,x\n").find("no responses") != std::string::npos);
  CHECK(error_of("person_id,x,x\np,1,1\n").find("column 'x': the item appears twice") != std::string::npos);
  CHECK(error_of("person_id,x\np,yes\n") ==
        "responses.csv, line 2, column 'x': 'yes' is not a response (a whole number 0, 1, ...)");
  CHECK(error_of("person_id,x\np,-1\n").find("not a response") != std::string::npos);
  CHECK(error_of("person_id,x\np,0.5\n").find("not a response") != std::string::npos);
  CHECK(error_of("person_id,x\np,1,1\n").find("the header only 2") != std::string::npos);
  CHECK(error_of("person_id,x\n,1\n").find("person id is empty") != std::string::npos);
  const std::string items = "id,model,a,b\nx,2pl,1,0\n";
  CHECK(error_of("person_id,z\np,1\n", items) ==
        "responses.csv, line 1, column 'z': unknown item id 'z': the items file has no such item");
  CHECK(error_of("person_id,x\np,2\n", items) ==
        "responses.csv, line 2, column 'x': response 2 is outside the item's categories 0..1");
}
