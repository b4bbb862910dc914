#include "irtcat/design.hpp"

#include <algorithm>
#include <cctype>

#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {

SessionConfig with_balanced_topics(SessionConfig config, const std::vector<std::string>& topics) {
  for (const std::string& topic : topics) {
    config.content.topics[topic].proportion = 1.0 / static_cast<double>(topics.size());
  }
  return config;
}

SessionConfig DesignDocument::config_for(const std::vector<std::string>& topics) const {
  return balance_topics ? with_balanced_topics(config, topics) : config;
}

void check_design_name(std::string_view name) {
  const bool allowed = std::all_of(name.begin(), name.end(), [](unsigned char ch) {
    return std::isalnum(ch) != 0 || ch == '_' || ch == '-' || ch == '.';
  });
  if (name.empty() || name.size() > 64 || !allowed || name.front() == '.') {
    throw InvalidArgument("design name " + detail::quoted_value(name) +
                          ": expected 1 to 64 letters, digits, '_', '-' or '.' (not starting with '.')");
  }
}

}  // namespace irtcat
