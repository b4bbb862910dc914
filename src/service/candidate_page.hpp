#pragma once
// The candidate's page (GET / and /take/{sectionIdentifier}): one self-contained HTML document, no external
// resources, that takes a section through the service's own calls with a candidate's token (docs/service.md).
// Its source is src/service/candidate_page.html; CMake compiles it in (src/service/candidate_page.cpp.in).

#include <string_view>

namespace irtcat::service {

/// The page, as served.
std::string_view candidate_page() noexcept;

}  // namespace irtcat::service
