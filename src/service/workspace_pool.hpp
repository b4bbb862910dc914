#pragma once
// Workspaces for the calls a server runs at once. A call borrows one for its length and the last copy of the
// pointer gives it back, so that a server keeps as many as it has run calls at the same time, not one for each
// session it remembers.

#include <memory>
#include <mutex>
#include <vector>

#include "irtcat/workspace.hpp"

namespace irtcat::service {

class WorkspacePool {
 public:
  /// A workspace no other call holds; it goes back to the pool (which may be gone by then) when released.
  std::shared_ptr<Workspace> acquire();

 private:
  struct Idle {
    std::mutex mutex;
    std::vector<std::unique_ptr<Workspace>> workspaces;
  };
  std::shared_ptr<Idle> idle_ = std::make_shared<Idle>();
};

}  // namespace irtcat::service
