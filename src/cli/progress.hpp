#pragma once
// The progress bar of long jobs (simulate, calibrate) on standard error:
//
//   simulate [###########.........................] 1234/5000  2,310/s  ETA 0:02
//
// drawn only when standard error is a terminal, so that a piped or redirected run stays quiet. The line is formatted
// by a plain function (progress_line) that the tests check without a terminal.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace irtcat::cli {

/// What one progress line shows.
struct ProgressView {
  std::string_view label;       ///< the job: "simulate", "calibrate"
  double fraction = 0.0;        ///< how much is done, 0..1: the bar and the ETA
  std::size_t done = 0;         ///< the count shown as done/total, and the rate's numerator
  std::size_t total = 0;
  std::string_view unit;        ///< what the rate counts: "/s" follows it ("candidates/s"); empty: "/s" alone
  double elapsed_seconds = 0.0;
  std::string_view note;        ///< appended after the ETA (e.g. a calibration's largest change); may be empty
};

/// "label [####......] done/total  R unit/s  ETA m:ss  note", the bar `bar_width` characters between the brackets.
/// The rate is done / elapsed, rounded to 3 significant digits; the ETA is elapsed·(1 − f)/f for the fraction f
/// done, "--:--" until there is something to extrapolate from (no time elapsed or nothing done).
std::string progress_line(const ProgressView& view, std::size_t bar_width);

/// A duration for people: "0:07", "12:34", "1:02:03" (rounded up to whole seconds; negative is 0:00).
std::string clock_time(double seconds);

/// A rate for people: 3 significant digits, thousands separated ("0.412", "41.2", "2,310").
std::string rate_text(double per_second);

/// A progress bar on standard error when it is a terminal (else every call does nothing). Redraws at most every
/// 0.1 s, and always the finished state; the line is fitted to the terminal's width ($COLUMNS, else 80).
class TerminalProgress {
 public:
  TerminalProgress(std::string label, std::string unit);
  ~TerminalProgress();
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  /// True when standard error is a terminal: only then is anything drawn.
  bool active() const noexcept { return active_; }
  /// Shows `fraction` of the job done, with the count done/total and a note.
  void show(double fraction, std::size_t done, std::size_t total, std::string_view note = {});
  /// Ends the line (once), leaving the last state drawn on the screen.
  void finish();

 private:
  std::string label_;
  std::string unit_;
  bool active_ = false;
  bool drawn_ = false;
  std::size_t width_ = 80;
  std::size_t bar_ = 0;  ///< the bar's width, set at the first draw
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace irtcat::cli
