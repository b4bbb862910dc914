#include <doctest/doctest.h>

#include <sstream>

#include "irtcat/bank_json.hpp"
#include "irtcat/error.hpp"
#include "scratch.hpp"
#include "test_support.hpp"

using namespace irtcat;
using irtcat::testing::Scratch;

namespace {

const std::string kBank = R"({
  "format": "irtcat.bank",
  "version": 1,
  "bank": {"name": "demo", "title": "Demo", "domain": "demo", "version": 3, "scaling": 1.702,
           "provenance": "made up", "topics": ["sums", "products"]},
  "items": [
    {"id": "d-1", "topic": "sums", "difficulty": 2, "stem": "1 + 1 = ?", "options": ["1", "2", "3", "4"],
     "key": "B", "explanation": "One and one make two.",
     "parameters": {"model": "3pl", "a": 1.1, "b": -0.5, "c": 0.2, "source": "provisional"}},
    {"id": "d-2", "topic": "products", "difficulty": 4, "stem": "2 * 3 = ?", "options": ["5", "6", "8", "9"],
     "key": "B", "explanation": "Two threes are six.",
     "parameters": {"model": "grm", "a": 0.9, "thresholds": [-1.0, 0.5], "source": "calibrated"}}
  ]
})";

std::string with(const std::string& from, const std::string& to) { return testing::replaced_first(kBank, from, to); }

std::string error_message_of(const std::string& text) {
  std::istringstream in(text);
  try {
    read_bank_json(in, "demo.json");
  } catch (const DataError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("bank_json: reads info, content and parameters, writes them back") {
  std::istringstream in(kBank);
  const BankDocument document = read_bank_json(in, "demo.json");
  CHECK(document.info.name == "demo");
  CHECK(document.info.version == 3);
  CHECK(document.info.topics.size() == 2);
  CHECK(document.bank.scaling() == 1.702);
  REQUIRE(document.bank.size() == 2);
  const ItemMetadata& first = document.bank.metadata(ItemIndex{0});
  CHECK(first.content.key == 1);
  CHECK(first.content.options[1] == "2");
  CHECK(first.content.difficulty == 2);
  CHECK(first.parameter_source == "provisional");
  CHECK(document.bank.item(ItemIndex{0}).c() == 0.2);
  CHECK(document.bank.item(ItemIndex{1}).category_count() == 3);

  std::ostringstream out;
  write_bank_json(out, document.info, document.bank);
  std::istringstream again_in(out.str());
  const BankDocument again = read_bank_json(again_in, "again.json");
  std::ostringstream twice;
  write_bank_json(twice, again.info, again.bank);
  CHECK(twice.str() == out.str());
  CHECK(again.bank.item(ItemIndex{1}).thresholds()[1] == 0.5);
  CHECK(again.bank.metadata(ItemIndex{1}).content.explanation == "Two threes are six.");
}

TEST_CASE("bank_json: bad documents are refused with the file, item and field") {
  CHECK(error_message_of("{\"format\": ").find("demo.json: not valid JSON") == 0);
  // JSON values are named by their JSON path, never as a table's "column".
  CHECK(error_message_of(with("irtcat.bank", "irtcat.roles")) ==
        "demo.json, at format: expected \"irtcat.bank\", got 'irtcat.roles'");
  // A format holding a line break is shown escaped: the message stays one line (found by fuzz_bank_json).
  CHECK(error_message_of(with("\"irtcat.bank\"", "\"irtcat.9\\n?\"")) ==
        "demo.json, at format: expected \"irtcat.bank\", got 'irtcat.9\\n?'");
  CHECK(error_message_of(with("\"key\": \"B\", \"explanation\": \"One", "\"key\": \"E\", \"explanation\": \"One")) ==
        "demo.json, at items[0].key: expected a letter A..D, got 'E' (item 'd-1')");
  CHECK(error_message_of(with("[\"5\", \"6\", \"8\", \"9\"]", "[\"5\", \"6\", 8, \"9\"]")) ==
        "demo.json, at items[1].options[2]: expected a string (item 'd-2')");
  CHECK(error_message_of(with("[-1.0, 0.5]", "[-1.0, \"high\"]")) ==
        "demo.json, at items[1].parameters.thresholds[1]: expected a number (item 'd-2')");
  CHECK(error_message_of(with("\"title\": \"Demo\"", "\"title\": 7")) == "demo.json, at bank.title: expected a string");
  for (const std::string& text : {with("irtcat.bank", "other"), with("\"d-2\"", "\"\"")}) {
    std::istringstream in(text);
    try {
      read_bank_json(in, "demo.json");
      FAIL("no error");
    } catch (const DataError& error) {
      CHECK(error.column().empty());
      CHECK_FALSE(error.json_path().empty());
      CHECK(std::string(error.what()).find("column") == std::string::npos);
    }
  }
  CHECK(error_message_of(with("\"topic\": \"sums\"", "\"topic\": \"limits\"")).find("not one of the bank's topics") !=
        std::string::npos);
  CHECK(error_message_of(with("\"a\": 1.1", "\"a\": -1.1")).find("a must be > 0") != std::string::npos);
  CHECK(error_message_of(with("[-1.0, 0.5]", "[0.5, -1.0]")).find("strictly increasing") != std::string::npos);
  CHECK(error_message_of(with("\"d-2\"", "\"d-1\"")).find("duplicate item id 'd-1'") != std::string::npos);
  CHECK(error_message_of(with("\"stem\": \"1 + 1 = ?\", ", "")) ==
        "demo.json, at items[0].stem: the field is missing (item 'd-1')");
  CHECK(error_message_of(with("\"difficulty\": 2", "\"difficulty\": \"hard\"")).find("expected a whole number") !=
        std::string::npos);
  CHECK(error_message_of(with("\"model\": \"grm\"", "\"model\": \"nrm\"")).find("unknown model 'nrm'") != std::string::npos);
  CHECK_THROWS_AS(read_bank_json_file("/nonexistent.json"), DataError);
}

TEST_CASE("bank_json: hostile input gets a one-line DataError") {
  SUBCASE("a number beyond double's range") {
    CHECK(error_message_of(with("\"b\": -0.5", "\"b\": 1e400")).find("not valid JSON") != std::string::npos);
  }
  SUBCASE("a version beyond int's range is not wrapped to a version that is read") {
    CHECK(error_message_of(with("\"version\": 1,", "\"version\": 4294967297,")).find("expected a whole number") !=
          std::string::npos);
  }
  SUBCASE("values with line breaks are quoted escaped") {
    const std::string message = error_message_of(with("\"topic\": \"sums\"", "\"topic\": \"su\\nms\""));
    CHECK(message.find("'su\\nms' is not one of the bank's topics") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
    const std::string id = error_message_of(with("\"model\": \"grm\"", "\"model\": \"g\\r\\u0001m\""));
    CHECK(id.find("unknown model 'g\\r\\x01m'") != std::string::npos);
  }
  SUBCASE("a file larger than the limit is refused before it is parsed") {
    // Valid JSON up to the limit and beyond: whitespace after the document.
    std::string huge = kBank;
    huge.append(kMaxBankJsonBytes + 1 - huge.size(), ' ');
    CHECK(error_message_of(huge).find("larger than 64 MiB") != std::string::npos);
    huge.pop_back();
    CHECK(error_message_of(huge) == "no error");
  }
}

TEST_CASE("bank_json: 20,000 topics and 20,000 items") {
  // Each item names the last topic: a linear search per item would make 4e8 comparisons (bench/bank_json_bench.cpp
  // measures the time against the size).
  std::string text = R"({"format": "irtcat.bank", "version": 1, "bank": {"name": "big", "topics": [)";
  constexpr int kCount = 20000;
  for (int t = 0; t < kCount; ++t) text += (t ? ",\"t" : "\"t") + std::to_string(t) + "\"";
  text += "]}, \"items\": [";
  for (int i = 0; i < kCount; ++i) {
    text += (i ? "," : "");
    text += R"({"id": "i)" + std::to_string(i) + R"(", "topic": "t)" + std::to_string(kCount - 1) +
            R"(", "stem": "s", "options": ["a", "b"], "key": "A", "parameters": {"model": "2pl", "a": 1, "b": 0}})";
  }
  text += "]}";
  std::istringstream in(text);
  const BankDocument document = read_bank_json(in, "big.json");
  CHECK(document.bank.size() == kCount);
  CHECK(document.info.topics.size() == kCount);
}

TEST_CASE("bank_json: json_document_format tells a bank from a roles file and refuses what is not JSON") {
  CHECK(json_document_format(std::string(IRTCAT_ITEM_BANKS) + "/mathematics.json") == "irtcat.bank");
  CHECK(json_document_format(std::string(IRTCAT_ITEM_BANKS) + "/roles.json") == "irtcat.roles");
  CHECK_THROWS_AS(json_document_format("/nonexistent.json"), DataError);
  CHECK_THROWS_WITH_AS(json_document_format(std::string(IRTCAT_ITEM_BANKS) + "/tools/provisional_parameters.py"),
                       doctest::Contains("not valid JSON"), DataError);

  // Only the top level's "format" counts, and reading stops at its value: what follows is left to the reader of
  // that format (here it is not even JSON), so a huge file is told by its first bytes, in no memory.
  Scratch scratch;
  CHECK(json_document_format(scratch.write("first.json", R"({"format": "irtcat.bank", "items": [1, 2,)")) ==
        "irtcat.bank");
  CHECK(json_document_format(scratch.write("later.json", R"({"a": {"format": "no"}, "b": [{"format": "no"}],)"
                                                         R"( "format": "irtcat.roles"})")) == "irtcat.roles");
  CHECK(json_document_format(scratch.write("none.json", R"({"a": 1, "formats": "x"})")).empty());
  CHECK(json_document_format(scratch.write("number.json", R"({"format": 2})")).empty());
  CHECK(json_document_format(scratch.write("array.json", R"(["format", "irtcat.bank"])")).empty());
  CHECK(json_document_format(scratch.write("text.json", R"("irtcat.bank")")).empty());
  CHECK_THROWS_WITH_AS(json_document_format(scratch.write("broken.json", R"({"a": [1, 2}, "format": "irtcat.bank"})")),
                       doctest::Contains("not valid JSON"), DataError);
}
