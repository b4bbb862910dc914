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

TEST_CASE("text: words wrapped at blanks, never inside a word") {
  CHECK(wrap_words("the quick brown fox", 10) == "the quick\nbrown fox");
  CHECK(wrap_words("the quick brown fox", 9) == "the quick\nbrown fox");
  CHECK(wrap_words("the quick brown fox", 8) == "the\nquick\nbrown\nfox");
  CHECK(wrap_words("a  b\tc", 80) == "a b c");
  CHECK(wrap_words("first\nsecond line", 7, "  ") == "first\n  second\n  line");
  CHECK(wrap_words("an extraordinarily long word", 6) == "an\nextraordinarily\nlong\nword");
  // Characters, not bytes: "θ̂ ≤ 0.5" is 7 code points though 12 bytes.
  CHECK(wrap_words("\xce\xb8\xcc\x82 \xe2\x89\xa4 0.5 x", 9) == "\xce\xb8\xcc\x82 \xe2\x89\xa4 0.5\nx");
  CHECK(wrap_words("", 5).empty());
}
