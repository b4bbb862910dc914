#include "irtcat/bank_json.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <system_error>
#include <unordered_set>

#include "detail/json_int.hpp"
#include "detail/read_at_most.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using nlohmann::json;

constexpr const char* kBankFormat = "irtcat.bank";
constexpr int kFormatVersion = 1;

// Reads fields of one JSON object, naming the file and the JSON path of the value (`items[12].options[2]`) in
// every error, and the item (`item 'math-0013'`) when the object belongs to one.
class Fields {
 public:
  Fields(const json& object, std::string path, const std::string& file, std::string item = "")
      : object_(object), path_(std::move(path)), file_(file), item_(std::move(item)) {
    if (!object_.is_object()) fail("", "expected an object");
  }

  const json& at(const char* name) const {
    const auto found = object_.find(name);
    if (found == object_.end()) fail(name, "the field is missing");
    return *found;
  }
  bool has(const char* name) const { return object_.contains(name) && !object_.at(name).is_null(); }

  std::string text(const char* name) const {
    const json& value = at(name);
    if (!value.is_string()) fail(name, "expected a string");
    return value.get<std::string>();
  }
  std::string text_or(const char* name, const std::string& fallback) const { return has(name) ? text(name) : fallback; }

  double number(const char* name) const {
    const json& value = at(name);
    if (!value.is_number()) fail(name, "expected a number");
    return value.get<double>();
  }
  double number_or(const char* name, double fallback) const { return has(name) ? number(name) : fallback; }

  int whole(const char* name) const {
    const json& value = at(name);
    const auto n = detail::json_int(value);
    if (!n) fail(name, "expected a whole number");
    return *n;
  }

  std::vector<std::string> texts(const char* name) const {
    const json& value = at(name);
    if (!value.is_array()) fail(name, "expected an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string()) fail(element(name, i), "expected a string");
      out.push_back(value[i].get<std::string>());
    }
    return out;
  }

  std::vector<double> numbers(const char* name) const {
    const json& value = at(name);
    if (!value.is_array()) fail(name, "expected an array of numbers");
    std::vector<double> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_number()) fail(element(name, i), "expected a number");
      out.push_back(value[i].get<double>());
    }
    return out;
  }

  // `field` is a member name, or a member's element as element() writes it; empty: the object itself.
  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    const std::string where = field.empty() ? path_ : path_.empty() ? field : path_ + "." + field;
    throw DataError(file_, JsonPath{where}, item_.empty() ? message : message + " (item '" + item_ + "')");
  }

  static std::string element(const std::string& name, std::size_t index) {
    return name + "[" + std::to_string(index) + "]";
  }

 private:
  const json& object_;
  std::string path_;
  const std::string& file_;
  std::string item_;
};

BankInfo read_info(const Fields& bank) {
  BankInfo info;
  info.name = bank.text("name");
  if (info.name.empty()) bank.fail("name", "the bank name is empty");
  info.title = bank.text_or("title", info.name);
  info.domain = bank.text_or("domain", info.name);
  info.version = bank.has("version") ? bank.whole("version") : 1;
  info.provenance = bank.text_or("provenance", "");
  info.topics = bank.texts("topics");
  return info;
}

Item read_parameters(const Fields& parameters, const std::string& id) {
  const std::string model_name = parameters.text("model");
  Model model{};
  try {
    model = model_from_string(model_name);
  } catch (const InvalidArgument&) {
    parameters.fail("model", "unknown model " + detail::quoted_value(model_name));
  }
  try {
    if (is_dichotomous(model)) {
      const double a = model == Model::one_pl ? parameters.number_or("a", 1.0) : parameters.number("a");
      return Item::dichotomous(ItemId(id), model, a, parameters.number("b"), parameters.number_or("c", 0.0),
                               parameters.number_or("d", 1.0));
    }
    const double a = model == Model::pcm ? parameters.number_or("a", 1.0) : parameters.number("a");
    return Item::polytomous(ItemId(id), model, a, parameters.numbers("thresholds"));
  } catch (const InvalidItem& error) {
    parameters.fail("", error.what());
  }
}

ItemContent read_content(const Fields& item) {
  ItemContent content;
  content.stem = item.text("stem");
  if (content.stem.empty()) item.fail("stem", "the stem is empty");
  content.options = item.texts("options");
  if (content.options.size() < 2 || content.options.size() > 26) {
    item.fail("options", "expected 2 to 26 options, got " + std::to_string(content.options.size()));
  }
  const std::string key = item.text("key");
  if (key.size() != 1 || key[0] < 'A' || key[0] >= 'A' + static_cast<int>(content.options.size())) {
    item.fail("key", "expected a letter A.." + std::string(1, static_cast<char>('A' + content.options.size() - 1)) +
                         ", got " + detail::quoted_value(key));
  }
  content.key = key[0] - 'A';
  content.explanation = item.text_or("explanation", "");
  content.difficulty = item.has("difficulty") ? item.whole("difficulty") : 0;
  if (content.difficulty < 0 || content.difficulty > 5) item.fail("difficulty", "expected 1 to 5");
  return content;
}

nlohmann::ordered_json parameters_json(const Item& item, const std::string& source) {
  nlohmann::ordered_json out;
  out["model"] = std::string(to_string(item.model()));
  out["a"] = item.a();
  if (is_dichotomous(item.model())) {
    out["b"] = item.b();
    if (item.model() == Model::three_pl || item.model() == Model::four_pl) out["c"] = item.c();
    if (item.model() == Model::four_pl) out["d"] = item.d();
  } else {
    out["thresholds"] = std::vector<double>(item.thresholds().begin(), item.thresholds().end());
  }
  out["source"] = source;
  return out;
}

[[noreturn]] void refuse_size(const std::string& file) {
  throw DataError(file, 0, "", "the file is larger than " + std::to_string(kMaxBankJsonBytes >> 20) +
                                   " MiB, the most a bank JSON file may hold (kMaxBankJsonBytes)");
}

}  // namespace

BankDocument read_bank_json(std::istream& in, const std::string& file) {
  std::string text = detail::read_at_most(in, kMaxBankJsonBytes);
  if (text.size() > kMaxBankJsonBytes) refuse_size(file);
  if (in.bad()) throw DataError(file, 0, "", "cannot read the file");
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& error) {  // parse_error, and out_of_range for a number beyond double's range
    throw DataError(file, JsonPath{}, std::string("not valid JSON: ") + error.what());
  }
  text = std::string();  // the parsed document holds it now: free the text before building the bank
  const Fields top(document, "", file);
  if (const std::string format = top.text("format"); format != kBankFormat) {
    top.fail("format", std::string("expected \"") + kBankFormat + "\", got " + detail::quoted_value(format));
  }
  if (top.whole("version") != kFormatVersion) {
    top.fail("version", "this irtcat reads bank format version " + std::to_string(kFormatVersion));
  }
  const Fields bank_fields(top.at("bank"), "bank", file);
  BankInfo info = read_info(bank_fields);
  const double scaling = bank_fields.number_or("scaling", kLogisticScaling);

  // A hash set, so that checking every item's topic stays linear in the file's size whatever the topic list's length.
  const std::unordered_set<std::string> topics(info.topics.begin(), info.topics.end());
  const json& items_json = top.at("items");
  if (!items_json.is_array() || items_json.empty()) top.fail("items", "expected a non-empty array of items");
  std::vector<Item> items;
  std::vector<ItemMetadata> metadata;
  for (std::size_t i = 0; i < items_json.size(); ++i) {
    const std::string path = Fields::element("items", i);
    const Fields item(items_json[i], path, file);
    const std::string id = item.text("id");
    if (id.empty()) item.fail("id", "the item id is empty");
    const Fields item_named(items_json[i], path, file, id);
    ItemMetadata meta;
    meta.domain = info.domain;
    meta.topic = item_named.text("topic");
    if (!topics.empty() && !topics.contains(meta.topic)) {
      item_named.fail("topic", detail::quoted_value(meta.topic) + " is not one of the bank's topics");
    }
    meta.content = read_content(item_named);
    const Fields parameters(item_named.at("parameters"), path + ".parameters", file, id);
    meta.parameter_source = parameters.text_or("source", "");
    items.push_back(read_parameters(parameters, id));
    metadata.push_back(std::move(meta));
  }
  try {
    BankIdentity identity{info.name, info.version};
    return {std::move(info), ItemBank(std::move(items), scaling, std::move(metadata), std::move(identity))};
  } catch (const InvalidArgument& error) {
    throw DataError(file, JsonPath{}, error.what());
  }
}

BankDocument read_bank_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxBankJsonBytes) refuse_size(path);  // before reading any of it
  return read_bank_json(in, path);
}

namespace {

// A SAX reader that keeps nothing but the top-level "format" member's value, and stops there: telling a file's
// format costs no memory and, as "format" comes first in irtcat's documents, hardly any reading.
class FormatFinder : public nlohmann::json_sax<json> {
 public:
  std::string format;
  std::string error;

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool string(string_t& text) override {
    if (depth_ == 1 && at_format_) {
      format = text;
      return false;  // found: stop reading
    }
    return value();
  }
  bool start_object(std::size_t) override { return open(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    at_format_ = depth_ == 1 && name == "format";
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& failure) override {
    error = failure.what();
    return false;
  }

 private:
  bool value() {
    if (depth_ == 0) return false;  // a document that is not an object has no format
    if (depth_ == 1) at_format_ = false;
    return true;
  }
  bool open() {
    if (depth_ == 0 && !top_) return false;  // the same
    top_ = false;
    if (depth_ == 1) at_format_ = false;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::size_t depth_ = 0;
  bool top_ = true;
  bool at_format_ = false;
};

}  // namespace

std::string json_document_format(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  FormatFinder finder;
  json::sax_parse(in, &finder);
  if (!finder.error.empty()) throw DataError(path, JsonPath{}, "not valid JSON: " + finder.error);
  return finder.format;
}

void write_bank_json(std::ostream& out, const BankInfo& info, const ItemBank& bank) {
  nlohmann::ordered_json document;
  document["format"] = kBankFormat;
  document["version"] = kFormatVersion;
  document["bank"] = {{"name", info.name},         {"title", info.title},         {"domain", info.domain},
                      {"version", info.version},   {"scaling", bank.scaling()}, {"provenance", info.provenance},
                      {"topics", info.topics}};
  document["items"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < bank.size(); ++i) {
    const Item& item = bank.items()[i];
    const ItemMetadata& meta = bank.metadata(ItemIndex{i});
    nlohmann::ordered_json entry;
    entry["id"] = item.id().str();
    entry["topic"] = meta.topic;
    entry["difficulty"] = meta.content.difficulty;
    entry["stem"] = meta.content.stem;
    entry["options"] = meta.content.options;
    entry["key"] = std::string(1, static_cast<char>('A' + std::max(meta.content.key, 0)));
    entry["explanation"] = meta.content.explanation;
    entry["parameters"] = parameters_json(item, meta.parameter_source);
    document["items"].push_back(std::move(entry));
  }
  out << document.dump(2, ' ', false) << '\n';
}

}  // namespace irtcat
