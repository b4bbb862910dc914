#include "cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace irtcat::cli {
namespace {

// Digits of a whole number with a comma every three: 1234567 -> "1,234,567".
std::string grouped(unsigned long long value) {
  const std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The terminal's width: the window size of standard error, else $COLUMNS, else 80.
std::size_t terminal_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    const long value = std::strtol(columns, nullptr, 10);
    if (value >= 20 && value <= 1000) return static_cast<std::size_t>(value);
  }
  return 80;
}

}  // namespace

std::string clock_time(double seconds) {
  // Rounded up, so that a job with 0.3 s to go does not claim 0:00; capped where the figure stops meaning anything.
  const double whole = std::isfinite(seconds) ? std::clamp(std::ceil(seconds), 0.0, 359999.0) : 359999.0;
  const auto total = static_cast<long long>(whole);
  const long long hours = total / 3600;
  const long long minutes = (total / 60) % 60;
  const long long secs = total % 60;
  char text[32];
  if (hours > 0) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", hours, minutes, secs);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", minutes, secs);
  }
  return text;
}

std::string rate_text(double per_second) {
  if (!std::isfinite(per_second) || per_second <= 0) return "0";
  if (per_second >= 999.5) return grouped(static_cast<unsigned long long>(std::llround(per_second)));
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", per_second);
  return text;
}

std::string progress_line(const ProgressView& view, std::size_t bar_width) {
  const double fraction = std::isfinite(view.fraction) ? std::clamp(view.fraction, 0.0, 1.0) : 0.0;
  const auto filled = std::min(bar_width, static_cast<std::size_t>(fraction * static_cast<double>(bar_width)));
  std::string line(view.label);
  line += " [";
  line.append(filled, '#');
  line.append(bar_width - filled, '.');
  line += "] ";
  line += grouped(view.done);
  line += '/';
  line += grouped(view.total);
  line += "  ";
  const double elapsed = view.elapsed_seconds;
  line += elapsed > 0 ? rate_text(static_cast<double>(view.done) / elapsed) : std::string("--");
  if (!view.unit.empty()) {
    line += ' ';
    line += view.unit;
  }
  line += "/s  ";
  if (fraction >= 1.0) {
    line += "done in " + clock_time(elapsed);
  } else if (fraction > 0 && elapsed > 0) {
    line += "ETA " + clock_time(elapsed * (1.0 - fraction) / fraction);
  } else {
    line += "ETA --:--";
  }
  if (!view.note.empty()) {
    line += "  ";
    line += view.note;
  }
  return line;
}

TerminalProgress::TerminalProgress(std::string label, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      active_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  if (active_) width_ = terminal_columns();
}

TerminalProgress::~TerminalProgress() { finish(); }

void TerminalProgress::show(double fraction, std::size_t done, std::size_t total, std::string_view note) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool finished = fraction >= 1.0;
  if (drawn_ && !finished && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  ProgressView view{label_, fraction, done, total, unit_,
                    std::chrono::duration<double>(now - start_).count(), note};
  // The bar takes what the rest of the first line leaves of the terminal's width (one column spare, so that the
  // cursor never wraps, and a few for the counts and times to grow), between 10 and 40 characters, and keeps that
  // width; a line still too long loses the end of its note.
  const std::size_t room = width_ - 1;
  if (bar_ == 0) {
    const std::size_t rest = progress_line(view, 0).size() + 6;
    bar_ = rest + 10 <= room ? std::min<std::size_t>(40, room - rest) : 10;
  }
  std::string line = progress_line(view, bar_);
  if (line.size() > room) line.resize(room);
  // \r returns to the line's start; ESC [ K clears what a longer earlier line left behind.
  std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void TerminalProgress::finish() {
  if (!drawn_) return;
  std::fputs("\n", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace irtcat::cli
