#include "irtcat/workspace.hpp"

#include "detail/workspace.hpp"

namespace irtcat {

Workspace::Workspace() : buffers_(std::make_unique<detail::WorkspaceBuffers>()) {}
Workspace::~Workspace() = default;

}  // namespace irtcat
