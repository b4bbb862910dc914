#include "irtcat/design_json.hpp"

#include <fstream>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "detail/json_int.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr const char* kDesignFormat = "irtcat.design";
constexpr int kDesignVersion = 1;

// Values a configuration may name that the defaults leave out or hold as a whole (a prior of another type, a
// classification rule, topic rules, the conditional method's strata).
bool replaced_whole(const std::string& key) {
  return key == "prior" || key == "classification" || key == "topics" || key == "enemies" || key == "theta_cuts" ||
         key == "sympson_hetter";
}

// `patch` laid over `base`, object by object; a key `base` does not know is an error naming its path.
void overlay(json& base, const json& patch, const std::string& path, const std::string& file) {
  if (!patch.is_object()) throw DataError(file, JsonPath{path}, "expected an object");
  for (const auto& [key, value] : patch.items()) {
    const std::string where = path + "." + key;
    if (!base.contains(key) && !replaced_whole(key)) throw DataError(file, JsonPath{where}, "unknown setting");
    if (base.contains(key) && base[key].is_object() && !replaced_whole(key)) {
      overlay(base[key], value, where, file);
    } else {
      base[key] = value;
    }
  }
}

}  // namespace

DesignDocument read_design_json(std::istream& in, const std::string& file) {
  json document;
  try {
    document = json::parse(in);
  } catch (const json::exception& error) {
    throw DataError(file, JsonPath{}, std::string("not valid JSON: ") + error.what());
  }
  if (!document.is_object()) throw DataError(file, JsonPath{}, "expected a JSON object");
  const auto member = [&](const char* key) -> const json& {
    if (!document.contains(key)) throw DataError(file, JsonPath{key}, "missing");
    return document[key];
  };
  for (const auto& [key, value] : document.items()) {
    if (key != "format" && key != "version" && key != "name" && key != "description" && key != "balance_topics" &&
        key != "config") {
      throw DataError(file, JsonPath{key}, "unknown member");
    }
  }
  if (member("format") != kDesignFormat) {
    throw DataError(file, JsonPath{"format"}, std::string("expected \"") + kDesignFormat + "\"");
  }
  const json& version = member("version");
  if (!version.is_number_integer() || detail::json_int(version) != kDesignVersion) {
    throw DataError(file, JsonPath{"version"}, "this irtcat reads design format version " + std::to_string(kDesignVersion));
  }
  DesignDocument design;
  if (!member("name").is_string()) throw DataError(file, JsonPath{"name"}, "expected a string");
  design.name = document["name"].get<std::string>();
  try {
    check_design_name(design.name);
  } catch (const InvalidArgument& error) {
    throw DataError(file, JsonPath{"name"}, error.what());
  }
  if (document.contains("description")) {
    if (!document["description"].is_string()) throw DataError(file, JsonPath{"description"}, "expected a string");
    design.description = document["description"].get<std::string>();
  }
  if (document.contains("balance_topics")) {
    if (!document["balance_topics"].is_boolean()) throw DataError(file, JsonPath{"balance_topics"}, "expected true or false");
    design.balance_topics = document["balance_topics"].get<bool>();
  }
  design.config = overlay_config(SessionConfig{}, member("config").dump(), file);
  // What holds on any bank; the rest (topic names, enemy ids, K per item) is checked against the bank it runs on.
  design.config.stopping.validate();
  return design;
}

SessionConfig overlay_config(const SessionConfig& base, std::string_view partial, const std::string& source) {
  json patch;
  try {
    patch = json::parse(partial);
  } catch (const json::exception& error) {
    throw DataError(source, JsonPath{"config"}, std::string("not valid JSON: ") + error.what());
  }
  json config = json::parse(to_json(base));
  overlay(config, patch, "config", source);
  try {
    return session_config_from_json(config.dump());
  } catch (const DataError& error) {
    throw DataError(source, JsonPath{"config"}, error.what());
  }
}

DesignDocument read_design_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  return read_design_json(in, path);
}

void write_design_json(std::ostream& out, const DesignDocument& design) {
  const ordered document{{"format", kDesignFormat},
                      {"version", kDesignVersion},
                      {"name", design.name},
                      {"description", design.description},
                      {"balance_topics", design.balance_topics},
                      {"config", ordered::parse(to_json(design.config))}};
  out << document.dump(2) << '\n';
}

}  // namespace irtcat
