#pragma once
// What every fuzz target shares. A target feeds one input to a reader and then uses what it read; the input may
// be refused only with one of irtcat's exception types (irtcat/error.hpp), with a one-line message. Anything else
// escaping (a standard exception from a dependency, a crash, a sanitizer report, a multi-line message) is a bug:
// the target aborts, which libFuzzer records as a crash and the replay program as a failed test.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "irtcat/error.hpp"

namespace irtcat::fuzz {

[[noreturn]] inline void fail(const char* what, const char* message) {
  std::fprintf(stderr, "fuzz target: %s: %s\n", what, message);
  std::abort();
}

// A refusal: one of irtcat's exception types with a one-line, non-empty message.
inline void check_refusal(const std::exception& error) {
  const char* message = error.what();
  if (message[0] == '\0') fail("refusal", "empty message");
  if (std::strchr(message, '\n') != nullptr || std::strchr(message, '\r') != nullptr) fail("multi-line message", message);
}

// Runs `body` and accepts only irtcat's exceptions from it.
template <class Body>
void run_refusing_only_typed_errors(Body&& body) {
  try {
    body();
  } catch (const DataError& error) {
    check_refusal(error);
  } catch (const InvalidArgument& error) {
    check_refusal(error);
  } catch (const InvalidItem& error) {
    check_refusal(error);
  } catch (const InvalidResponse& error) {
    check_refusal(error);
  } catch (const UnknownItem& error) {
    check_refusal(error);
  } catch (const SessionError& error) {
    check_refusal(error);
  } catch (const StoreError& error) {
    check_refusal(error);
  } catch (const std::exception& error) {
    fail("an exception that is not irtcat's", error.what());
  }
}

// A property that must hold of what was read.
inline void require(bool condition, const char* what) {
  if (!condition) fail("property violated", what);
}

}  // namespace irtcat::fuzz

/// Each target defines this (libFuzzer's entry point; replay_main.cpp calls it in the plain build).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
