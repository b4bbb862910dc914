#pragma once
// Scratch memory for the steps of a test: the selection rules' temporaries (a value per item, or per item and
// category) and the posterior's weights. Arrays the size of a bank cost more to allocate (and page in) than to
// fill, so they are kept between steps; whoever runs the steps owns them. A session makes its own on first use; a
// thread that runs many sessions one after another (a study's worker, a server's request thread) makes one and
// lends it to each, so that the memory is paged in once per thread rather than once per session.
//
// A workspace holds no results: a step's outcome does not depend on which workspace it used, or on what was in it.
// It serves one thread at a time.

#include <memory>

namespace irtcat {

namespace detail {
struct WorkspaceBuffers;
}

class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  /// The buffers (private to the library: detail/workspace.hpp).
  detail::WorkspaceBuffers& buffers() noexcept { return *buffers_; }

 private:
  std::unique_ptr<detail::WorkspaceBuffers> buffers_;
};

}  // namespace irtcat
