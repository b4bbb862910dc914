#include "service/workspace_pool.hpp"

namespace irtcat::service {

std::shared_ptr<Workspace> WorkspacePool::acquire() {
  std::unique_ptr<Workspace> workspace;
  {
    std::lock_guard lock(idle_->mutex);
    if (!idle_->workspaces.empty()) {
      workspace = std::move(idle_->workspaces.back());
      idle_->workspaces.pop_back();
    }
  }
  if (!workspace) workspace = std::make_unique<Workspace>();
  return {workspace.release(), [idle = idle_](Workspace* returned) noexcept {
            std::unique_ptr<Workspace> owned(returned);
            try {
              std::lock_guard lock(idle->mutex);
              idle->workspaces.push_back(std::move(owned));
            } catch (...) {  // no room to keep it: it is freed instead
            }
          }};
}

}  // namespace irtcat::service
