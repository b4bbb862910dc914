#include <doctest/doctest.h>

#include "irtcat/text.hpp"

using namespace irtcat;

TEST_CASE("text: trim, split and join") {
  CHECK(trim("  a b \t\r\n") == "a b");
  CHECK(trim(" \t ").empty());
  CHECK(split("a, ,b", ',') == std::vector<std::string>{"a", "", "b"});
  CHECK(split("-4:4:33", ':') == std::vector<std::string>{"-4", "4", "33"});
  CHECK(split("a,", ',') == std::vector<std::string>{"a", ""});
  CHECK(split("", ',').empty());
  CHECK(join({"2pl", "3pl"}, ", ") == "2pl, 3pl");
  CHECK(join({}, "; ").empty());
}

TEST_CASE("text: numbers read back exactly, cells quoted when they need it") {
  CHECK(parse_double(" +1.5 ") == 1.5);
  CHECK_FALSE(parse_double("1.5x"));
  CHECK_FALSE(parse_double("inf"));
  CHECK(parse_double(format_double(0.1 + 0.2)) == 0.1 + 0.2);
  CHECK(csv_quoted("plain") == "plain");
  CHECK(csv_quoted("a,\"b\"") == "\"a,\"\"b\"\"\"");
}
