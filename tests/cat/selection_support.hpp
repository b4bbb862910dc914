#pragma once
// Scratch memory for the tests that call the selection routines directly: one workspace, as a thread that runs
// many sessions keeps one (these tests run on one thread). A result never depends on what a workspace held.

#include "detail/workspace.hpp"

inline irtcat::detail::WorkspaceBuffers& test_workspace() {
  static irtcat::Workspace workspace;
  return workspace.buffers();
}
