#include "irtcat/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>

#include "detail/csv.hpp"

namespace irtcat {
namespace {

using detail::format_double;

std::string escaped(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

/// Escaped, with a line-break opportunity after each underscore (long names such as software_engineering wrap
/// in a narrow table column).
std::string breakable(const std::string& name) {
  std::string out;
  for (char ch : escaped(name)) {
    out += ch;
    if (ch == '_') out += "<wbr>";
  }
  return out;
}

/// `value` with `digits` decimals, for people (never "-0.0").
std::string fixed(double value, int digits) {
  const double unit = std::pow(10.0, -digits);
  if (std::abs(value) < unit / 2) value = 0.0;
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

/// A share in [0, 1] as a percentage with one decimal.
std::string percent(double share) { return fixed(100 * share, 1) + "&nbsp;%"; }

/// At most four significant digits, for settings such as a rate or an SE target.
std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

// ---- axes with round ticks ---------------------------------------------------------------------------------

/// An axis from `low` to `high` with ticks every `step`, the step a "nice number" (1, 2, 2.5 or 5 × 10^k; Heckbert,
/// "Nice numbers for graph labels", Graphics Gems 1990) so that labels read 0, 0.25, 0.5 rather than 0, 0.22, 0.44.
struct Axis {
  double low = 0.0;
  double high = 1.0;
  double step = 0.25;
  int decimals = 2;
  std::string label;

  std::vector<double> ticks() const {
    std::vector<double> out;
    const auto count = static_cast<int>(std::llround((high - low) / step));
    for (int k = 0; k <= count; ++k) {
      const double t = low + k * step;
      out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    }
    return out;
  }
  std::string tick_label(double value) const { return fixed(value, decimals); }
};

/// The nice axis covering [low, high] with about `target` intervals; `integer` keeps steps whole (counts, lengths).
Axis nice_axis(double low, double high, std::string label, int target = 5, bool integer = false) {
  if (!std::isfinite(low) || !std::isfinite(high)) low = 0.0, high = 1.0;
  if (!(high > low)) high = low + (integer ? 1.0 : std::max(1.0, std::abs(low)) * 0.1);
  const double raw = (high - low) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * magnitude;
  for (double mantissa : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    const double candidate = mantissa * magnitude;
    if (candidate + raw * 1e-9 < raw) continue;
    if (integer && (candidate < 1.0 || std::abs(candidate - std::round(candidate)) > 1e-9)) continue;
    step = candidate;
    break;
  }
  if (integer) step = std::max(step, 1.0);
  Axis axis;
  axis.step = step;
  axis.low = std::floor(low / step + 1e-9) * step;
  axis.high = std::ceil(high / step - 1e-9) * step;
  if (!(axis.high > axis.low)) axis.high = axis.low + step;
  axis.decimals = 0;
  while (axis.decimals < 6) {
    const double scaled = step * std::pow(10.0, axis.decimals);
    if (std::abs(scaled - std::round(scaled)) < 1e-6) break;
    ++axis.decimals;
  }
  axis.label = std::move(label);
  return axis;
}

// ---- small SVG charts --------------------------------------------------------------------------------------

const char* const kColours[] = {"#1b6ca8", "#d1495b", "#2e8b57", "#c77c02", "#8d5a97", "#2e4057", "#00798c"};
const char* colour(std::size_t index) { return kColours[index % 7]; }

/// A chart's plot area inside its viewBox; the figure around it is HTML (title above, legend, note).
struct Frame {
  double width = 600;   // viewBox
  double height = 300;
  double left = 56;
  double right = 16;
  double top = 14;
  double bottom = 44;
};

class Chart {
 public:
  Chart(Axis x, Axis y, Frame frame = {}) : x_(std::move(x)), y_(std::move(y)), frame_(frame) {}

  double px(double x) const {
    return frame_.left + (x - x_.low) / (x_.high - x_.low) * (frame_.width - frame_.left - frame_.right);
  }
  double py(double y) const {
    const double plot = frame_.height - frame_.top - frame_.bottom;
    return frame_.top + plot - (std::clamp(y, y_.low, y_.high) - y_.low) / (y_.high - y_.low) * plot;
  }

  void line(const std::vector<double>& x, const std::vector<double>& y, std::size_t colour_index, bool dashed = false,
            double width = 2) {
    std::string points;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::isfinite(y[i])) points += fixed(px(x[i]), 1) + "," + fixed(py(y[i]), 1) + " ";
    }
    body_ << "<polyline fill=\"none\" stroke=\"" << colour(colour_index) << "\" stroke-width=\"" << width << "\""
          << (dashed ? " stroke-dasharray=\"5,4\"" : "") << " points=\"" << points << "\"/>\n";
  }

  /// A shaded band between `lower` and `upper`.
  void band(const std::vector<double>& x, const std::vector<double>& lower, const std::vector<double>& upper,
            std::size_t colour_index) {
    if (x.empty()) return;
    std::string points;
    for (std::size_t i = 0; i < x.size(); ++i) points += fixed(px(x[i]), 1) + "," + fixed(py(upper[i]), 1) + " ";
    for (std::size_t i = x.size(); i-- > 0;) points += fixed(px(x[i]), 1) + "," + fixed(py(lower[i]), 1) + " ";
    body_ << "<polygon fill=\"" << colour(colour_index) << "\" fill-opacity=\"0.18\" stroke=\"none\" points=\""
          << points << "\"/>\n";
  }

  /// A point with a vertical interval (an error bar) from `lower` to `upper`.
  void point(double x, double y, double lower, double upper, std::size_t colour_index) {
    if (upper > lower) {
      const double left = px(x) - 3, right = px(x) + 3;
      body_ << "<path stroke=\"" << colour(colour_index) << "\" stroke-width=\"1.5\" fill=\"none\" d=\"M" << fixed(px(x), 1)
            << ',' << fixed(py(lower), 1) << "V" << fixed(py(upper), 1) << "M" << fixed(left, 1) << ',' << fixed(py(lower), 1)
            << "H" << fixed(right, 1) << "M" << fixed(left, 1) << ',' << fixed(py(upper), 1) << "H" << fixed(right, 1)
            << "\"/>";
    }
    body_ << "<circle cx=\"" << fixed(px(x), 1) << "\" cy=\"" << fixed(py(y), 1) << "\" r=\"3\" fill=\""
          << colour(colour_index) << "\"/>\n";
  }

  void bar(double x0, double x1, double y, std::size_t colour_index, const std::string& label = {}) {
    const double top = py(y);
    body_ << "<rect x=\"" << fixed(px(x0), 1) << "\" y=\"" << fixed(top, 1) << "\" width=\""
          << fixed(std::max(px(x1) - px(x0), 1.0), 1) << "\" height=\"" << fixed(py(y_.low) - top, 1) << "\" fill=\""
          << colour(colour_index) << "\" fill-opacity=\"0.85\"/>\n";
    if (!label.empty()) {
      body_ << "<text x=\"" << fixed((px(x0) + px(x1)) / 2, 1) << "\" y=\"" << fixed(top - 4, 1)
            << "\" text-anchor=\"middle\">" << escaped(label) << "</text>\n";
    }
  }

  /// A grey reference line across the plot at y (horizontal) with an optional label at its right end.
  void horizontal_rule(double y, const std::string& label = {}) {
    body_ << "<line x1=\"" << fixed(px(x_.low), 1) << "\" x2=\"" << fixed(px(x_.high), 1) << "\" y1=\"" << fixed(py(y), 1)
          << "\" y2=\"" << fixed(py(y), 1) << "\" stroke=\"#666\" stroke-dasharray=\"3,3\"/>";
    if (!label.empty()) {
      body_ << "<text x=\"" << fixed(px(x_.high) - 4, 1) << "\" y=\"" << fixed(py(y) - 4, 1) << "\" text-anchor=\"end\">"
            << escaped(label) << "</text>";
    }
    body_ << '\n';
  }

  /// A grey vertical reference line at x with a label at its top.
  void vertical_rule(double x, const std::string& label) {
    if (x < x_.low || x > x_.high) return;
    body_ << "<line x1=\"" << fixed(px(x), 1) << "\" x2=\"" << fixed(px(x), 1) << "\" y1=\"" << fixed(py(y_.high), 1)
          << "\" y2=\"" << fixed(py(y_.low), 1) << "\" stroke=\"#666\" stroke-dasharray=\"3,3\"/><text x=\""
          << fixed(px(x) + 3, 1) << "\" y=\"" << fixed(py(y_.high) + 11, 1) << "\">" << escaped(label) << "</text>\n";
  }

  std::string svg(const std::string& description, const std::string& css_class = "plot") const {
    std::ostringstream out;
    const double bottom = py(y_.low);
    out << "<svg class=\"" << css_class << "\" viewBox=\"0 0 " << frame_.width << ' ' << frame_.height
        << "\" role=\"img\" aria-label=\"" << escaped(description) << "\">\n";
    out << "<rect x=\"" << frame_.left << "\" y=\"" << frame_.top << "\" width=\"" << frame_.width - frame_.left - frame_.right
        << "\" height=\"" << frame_.height - frame_.top - frame_.bottom << "\" fill=\"#fafafa\" stroke=\"#999\"/>\n";
    for (double t : y_.ticks()) {
      out << "<line x1=\"" << frame_.left << "\" x2=\"" << frame_.width - frame_.right << "\" y1=\"" << fixed(py(t), 1)
          << "\" y2=\"" << fixed(py(t), 1) << "\" stroke=\"#e3e3e3\"/><text x=\"" << frame_.left - 6 << "\" y=\""
          << fixed(py(t) + 4, 1) << "\" text-anchor=\"end\">" << y_.tick_label(t) << "</text>\n";
    }
    for (double t : x_.ticks()) {
      out << "<line x1=\"" << fixed(px(t), 1) << "\" x2=\"" << fixed(px(t), 1) << "\" y1=\"" << fixed(bottom, 1)
          << "\" y2=\"" << fixed(bottom + 4, 1) << "\" stroke=\"#999\"/><text x=\"" << fixed(px(t), 1) << "\" y=\""
          << fixed(bottom + 16, 1) << "\" text-anchor=\"middle\">" << x_.tick_label(t) << "</text>\n";
    }
    const double middle_x = (frame_.left + frame_.width - frame_.right) / 2;
    const double middle_y = (frame_.top + bottom) / 2;
    out << "<text x=\"" << fixed(middle_x, 1) << "\" y=\"" << frame_.height - 6 << "\" text-anchor=\"middle\">"
        << escaped(x_.label) << "</text><text x=\"14\" y=\"" << fixed(middle_y, 1) << "\" transform=\"rotate(-90 14 "
        << fixed(middle_y, 1) << ")\" text-anchor=\"middle\">" << escaped(y_.label) << "</text>\n";
    out << body_.str() << "</svg>\n";
    return out.str();
  }

 private:
  Axis x_, y_;
  Frame frame_;
  std::ostringstream body_;
};

struct LegendEntry {
  std::string name;
  std::size_t colour = 0;
  enum class Mark { line, dashed, band, bar, point } mark = Mark::line;
};

/// An HTML legend: it wraps with the page instead of being cut off at the chart's edge.
std::string legend(const std::vector<LegendEntry>& entries) {
  std::string out = "<ul class=\"legend\">";
  for (const LegendEntry& entry : entries) {
    std::string style;
    switch (entry.mark) {
      case LegendEntry::Mark::line: style = "border-top:3px solid " + std::string(colour(entry.colour)); break;
      case LegendEntry::Mark::dashed: style = "border-top:3px dashed " + std::string(colour(entry.colour)); break;
      case LegendEntry::Mark::band:
        style = "height:10px;background:" + std::string(colour(entry.colour)) + ";opacity:0.3";
        break;
      case LegendEntry::Mark::bar: style = "height:10px;background:" + std::string(colour(entry.colour)); break;
      case LegendEntry::Mark::point:
        style = "width:8px;height:8px;border-radius:50%;background:" + std::string(colour(entry.colour));
        break;
    }
    out += "<li><span class=\"swatch\" style=\"" + style + "\"></span>" + escaped(entry.name) + "</li>";
  }
  return out + "</ul>\n";
}

/// A chart with its title above it (a figcaption first), then the legend, the drawing and a note.
std::string figure(const std::string& title, const std::string& svg, const std::string& legend_html = {},
                   const std::string& note = {}) {
  std::string out = "<figure class=\"chart\"><figcaption>" + escaped(title) + "</figcaption>\n" + legend_html + svg;
  if (!note.empty()) out += "<p class=\"note\">" + note + "</p>";
  return out + "</figure>\n";
}

double max_of(const std::vector<double>& values) {
  double best = 0.0;
  for (double v : values) {
    if (std::isfinite(v)) best = std::max(best, v);
  }
  return best;
}

std::string role_name(const StudyReport& report, std::size_t role) {
  return report.catalog ? report.catalog->roles[role].name : std::to_string(role);
}

/// The title of the catalog role named `name`, or the name itself (a population that is not a role).
std::string population_title(const StudyReport& report, const std::string& name) {
  if (report.catalog) {
    for (const RoleProfile& role : report.catalog->roles) {
      if (role.name == name) return role.title;
    }
  }
  return name;
}

std::string setting_text(const SettingValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "not set";
        else if constexpr (std::is_same_v<T, bool>) return v ? "yes" : "no";
        else if constexpr (std::is_same_v<T, std::uint64_t>) return std::to_string(v);
        else if constexpr (std::is_same_v<T, double>) return short_number(v);
        else return escaped(v);
      },
      value);
}

nlohmann::ordered_json setting_json(const SettingValue& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::ordered_json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
        else return v;
      },
      value);
}

/// A number, or null where it is not defined (JSON has no NaN).
nlohmann::ordered_json number_or_null(double value, bool defined = true) {
  if (!defined || !std::isfinite(value)) return nullptr;
  return value;
}

// ---- the report's sections ---------------------------------------------------------------------------------

void write_tables(std::ostream& out, const StudyReport& report) {
  const std::size_t domains = report.designs.size();
  out << "<p>" << report.candidates.size() << " simulated candidates, " << domains << " domain"
      << (domains == 1 ? "" : "s") << ". Terms are explained in the <a href=\"#glossary\">glossary</a> at the end.</p>\n";
  out << "<h2>Settings</h2>\n<div class=\"scroll\"><table class=\"settings\">";
  for (const StudySetting& setting : report.settings) {
    out << "<tr><th>" << breakable(setting.key) << "</th><td>" << setting_text(setting.value) << "</td></tr>";
  }
  out << "</table></div>\n<h2>Precision and exposure by domain</h2>\n<div class=\"scroll\"><table><tr><th>domain</th>"
         "<th>bias</th><th>RMSE</th><th>mean SE</th><th>mean length</th><th>max exposure</th><th>never used</th>"
         "<th>over 20&nbsp;%</th><th>overlap</th>"
      << (report.catalog ? "<th>level accuracy</th>" : "") << "</tr>\n";
  for (const DomainStatistics& s : report.summary.domains) {
    out << "<tr><td>" << breakable(s.domain) << "</td><td>" << fixed(s.bias, 3) << "</td><td>" << fixed(s.rmse, 3)
        << "</td><td>" << fixed(s.mean_se, 3) << "</td><td>" << fixed(s.mean_length, 1) << "</td><td>"
        << percent(s.max_exposure) << "</td><td>" << percent(s.never_used) << "</td><td>" << percent(s.over_20_percent)
        << "</td><td>" << percent(s.overlap) << "</td>" << (report.catalog ? "<td>" + percent(s.level_accuracy) + "</td>" : "")
        << "</tr>\n";
  }
  out << "</table></div>\n";
}

void write_conditional(std::ostream& out, const StudyReport& report) {
  // One y axis for every domain so that the panels compare at a glance; the 95 % intervals are ±1.96 SE.
  double low = 0.0, high = 0.0;
  for (const DomainStatistics& s : report.summary.domains) {
    for (const ConditionalStatistics& bin : s.conditional) {
      if (bin.count == 0) continue;
      low = std::min(low, bin.bias - 1.96 * bin.bias_se);
      high = std::max({high, bin.rmse + 1.96 * bin.rmse_se, bin.mean_se, bin.bias + 1.96 * bin.bias_se});
    }
  }
  const Axis y = nice_axis(std::max(low, -2.0), std::min(high, 3.0), "theta units", 5);
  out << "<h2>Conditional precision</h2>\n<p>By true theta, in bins 0.5 wide (the end bins also hold the candidates "
         "beyond &minus;3 and 3). Intervals are 95&nbsp;% (&plusmn;1.96 standard errors over the bin's candidates); "
         "a bin with fewer than two candidates has none, an empty bin no point.</p>\n"
      << legend({{"RMSE", 0, LegendEntry::Mark::line}, {"95 % interval of the RMSE", 0, LegendEntry::Mark::band},
                 {"bias, with its 95 % interval", 1, LegendEntry::Mark::point},
                 {"mean reported SE", 2, LegendEntry::Mark::dashed}})
      << "<div class=\"grid\">\n";
  for (const DomainStatistics& s : report.summary.domains) {
    Chart chart(nice_axis(-3, 3, "true theta", 6), y, Frame{420, 260, 48, 12, 12, 42});
    chart.horizontal_rule(0.0);
    std::vector<double> x, rmse, rmse_low, rmse_high, se;
    for (const ConditionalStatistics& bin : s.conditional) {
      if (bin.count == 0) continue;
      x.push_back((bin.lower + bin.upper) / 2);
      rmse.push_back(bin.rmse);
      const double half = bin.count >= 2 ? 1.96 * bin.rmse_se : 0.0;
      rmse_low.push_back(std::max(0.0, bin.rmse - half));
      rmse_high.push_back(bin.rmse + half);
      se.push_back(bin.mean_se);
    }
    chart.band(x, rmse_low, rmse_high, 0);
    chart.line(x, rmse, 0);
    chart.line(x, se, 2, true);
    for (const ConditionalStatistics& bin : s.conditional) {
      if (bin.count == 0) continue;
      const double half = bin.count >= 2 ? 1.96 * bin.bias_se : 0.0;
      chart.point((bin.lower + bin.upper) / 2, bin.bias, bin.bias - half, bin.bias + half, 1);
    }
    out << figure(s.domain, chart.svg("Conditional bias, RMSE and mean SE by true theta: " + s.domain));
  }
  out << "</div>\n";
}

void write_information(std::ostream& out, const StudyReport& report) {
  std::vector<double> theta;
  for (int q = 0; q <= 64; ++q) theta.push_back(-4.0 + q * 0.125);
  std::vector<std::vector<double>> curves;
  double top = 0;
  std::vector<LegendEntry> entries;
  for (std::size_t d = 0; d < report.designs.size(); ++d) {
    const ItemBank& bank = report.designs[d].design->bank();
    std::vector<double> curve;
    for (double t : theta) curve.push_back(bank.information(t).sum());
    top = std::max(top, max_of(curve));
    curves.push_back(std::move(curve));
    entries.push_back({report.designs[d].domain, d});
  }
  Chart chart(nice_axis(-4, 4, "theta", 8), nice_axis(0, top, "information", 5));
  for (std::size_t d = 0; d < curves.size(); ++d) chart.line(theta, curves[d], d);
  out << "<h2>Bank information</h2>\n"
      << figure("Test information function of each bank (all items)", chart.svg("Bank information by theta"),
                legend(entries), "The most a test could measure at each theta if it used every item of the bank.");
}

void write_exposure(std::ostream& out, const StudyReport& report) {
  double top = 0.2;
  std::size_t most = 1;
  std::vector<LegendEntry> entries;
  for (std::size_t d = 0; d < report.summary.domains.size(); ++d) {
    top = std::max(top, report.summary.domains[d].max_exposure);
    most = std::max(most, report.summary.domains[d].exposure_rates.size());
    entries.push_back({report.summary.domains[d].domain, d});
  }
  Chart chart(nice_axis(0, static_cast<double>(most), "items, most exposed first", 6, true),
              nice_axis(0, top, "exposure rate", 5));
  for (std::size_t d = 0; d < report.summary.domains.size(); ++d) {
    std::vector<double> rates = report.summary.domains[d].exposure_rates;
    std::sort(rates.rbegin(), rates.rend());
    std::vector<double> x;
    for (std::size_t i = 0; i < rates.size(); ++i) x.push_back(static_cast<double>(i + 1));
    chart.line(x, rates, d);
  }
  chart.horizontal_rule(0.2, "20 %");
  out << "<h2>Exposure</h2>\n"
      << figure("Item exposure rates, most exposed item first", chart.svg("Exposure rates by item rank"), legend(entries),
                "The share of candidates who saw each item. Items right of where a line reaches 0 were never used.");
}

// RMSE against battery length: one line per curve (the domains' mean RMSE), and a table at half, three quarters and
// all of the length the curves share, with the length at which each curve reaches the first curve's final RMSE.
void write_length_curves(std::ostream& out, const StudyReport& report) {
  const std::vector<LengthCurve>& curves = report.length_curves;
  int longest = 0;
  int shared = std::numeric_limits<int>::max();
  double top = 0.0;
  for (const LengthCurve& curve : curves) {
    if (curve.points.empty()) return;
    longest = std::max(longest, curve.points.back().length);
    shared = std::min(shared, curve.points.back().length);
    for (const LengthPoint& point : curve.points) top = std::max(top, point.mean_rmse);
  }
  Chart chart(nice_axis(0, longest, "items in the battery", 6, true), nice_axis(0, top, "mean RMSE of the domains", 5));
  std::vector<LegendEntry> entries;
  for (std::size_t k = 0; k < curves.size(); ++k) {
    std::vector<double> x, y;
    for (const LengthPoint& point : curves[k].points) {
      x.push_back(point.length);
      y.push_back(point.mean_rmse);
    }
    chart.line(x, y, k);
    entries.push_back({curves[k].label, k});
  }
  const double target = curves.front().points.back().mean_rmse;
  chart.horizontal_rule(target, curves.front().label + " at " + std::to_string(curves.front().points.back().length));
  out << "<h2>RMSE by battery length</h2>\n"
      << figure("Mean RMSE of the domains' estimates against the battery's length",
                chart.svg("Mean RMSE against battery length"), legend(entries),
                "Each point is the battery stopped after that many items in all: separate tests after an equal share "
                "of each domain's items, one adaptive battery after its first items, whichever their domains.");
  // The table's lengths: those of the first curve at or just past half, three quarters and all of the shared length.
  const auto at = [](const LengthCurve& curve, int length) -> const LengthPoint* {
    for (const LengthPoint& point : curve.points) {
      if (point.length >= length) return &point;
    }
    return nullptr;
  };
  std::vector<int> lengths;
  for (int share : {2, 3, 4}) {
    const LengthPoint* point = at(curves.front(), (shared * share + 3) / 4);
    if (point && (lengths.empty() || lengths.back() != point->length)) lengths.push_back(point->length);
  }
  out << "<div class=\"scroll\"><table><tr><th>battery</th>";
  for (int length : lengths) out << "<th>RMSE at " << length << "</th>";
  out << "<th>items to reach " << fixed(target, 3) << "</th></tr>\n";
  for (const LengthCurve& curve : curves) {
    out << "<tr><td>" << escaped(curve.label) << "</td>";
    for (int length : lengths) {
      const LengthPoint* point = at(curve, length);
      out << "<td>" << (point && point->length == length ? fixed(point->mean_rmse, 3) : std::string("&ndash;")) << "</td>";
    }
    const std::optional<int> reached = length_reaching(curve.points, target);
    out << "<td>" << (reached ? std::to_string(*reached) : std::string("not reached")) << "</td></tr>\n";
  }
  out << "</table></div>\n";
}

void write_lengths(std::ostream& out, const StudyReport& report) {
  const std::size_t candidates = report.candidates.size();
  std::size_t shortest = SIZE_MAX, longest = 0;
  for (const DomainStatistics& s : report.summary.domains) {
    for (std::size_t length = 0; length < s.length_counts.size(); ++length) {
      if (s.length_counts[length] == 0) continue;
      shortest = std::min(shortest, length);
      longest = std::max(longest, length);
    }
  }
  out << "<h2>Test length</h2>\n";
  if (longest < shortest) return;  // no candidates
  if (shortest == longest) {
    // Every test of every domain had the same length: one labelled bar says it all.
    const double length = static_cast<double>(longest);
    Chart chart(nice_axis(std::max(0.0, length - 3), length + 3, "test length (items)", 6, true),
                nice_axis(0, static_cast<double>(candidates), "candidates", 4, true), Frame{600, 240});
    chart.bar(length - 0.4, length + 0.4, static_cast<double>(candidates), 0,
              std::to_string(longest) + " items: every candidate, every domain");
    out << figure("Test length: all " + std::to_string(candidates) + " candidates took " + std::to_string(longest) +
                      "-item tests in every domain",
                  chart.svg("Test-length histogram: one length"));
    return;
  }
  // Variable length: integer-wide bins (a whole nice step), one panel per domain.
  const Axis bins = nice_axis(static_cast<double>(shortest), static_cast<double>(longest) + 1, "", 12, true);
  const auto width = static_cast<std::size_t>(bins.step);
  out << "<p>Bars are " << width << " item" << (width == 1 ? "" : "s") << " wide"
      << (width == 1 ? "" : " (a bar at n counts the lengths n to n + " + std::to_string(width - 1) + ")") << ".</p>\n"
      << "<div class=\"grid\">\n";
  // Candidates per bin (keyed by the bin's first length) in every domain, then one y axis for all panels.
  std::vector<std::vector<std::pair<std::size_t, int>>> counts(report.summary.domains.size());
  int top = 0;
  for (std::size_t d = 0; d < report.summary.domains.size(); ++d) {
    const std::vector<int>& lengths = report.summary.domains[d].length_counts;
    for (std::size_t start = static_cast<std::size_t>(bins.low); start <= longest; start += width) {
      int count = 0;
      for (std::size_t length = start; length < start + width && length < lengths.size(); ++length) count += lengths[length];
      counts[d].emplace_back(start, count);
      top = std::max(top, count);
    }
  }
  for (std::size_t d = 0; d < report.summary.domains.size(); ++d) {
    const DomainStatistics& s = report.summary.domains[d];
    Chart chart(nice_axis(bins.low - 0.5 * bins.step, static_cast<double>(longest) + 1, "test length (items)", 6, true),
                nice_axis(0, top, "candidates", 4, true), Frame{420, 240, 48, 12, 12, 42});
    for (const auto& [start, count] : counts[d]) {
      if (count == 0) continue;
      const double x0 = static_cast<double>(start) - 0.5;
      chart.bar(x0 + 0.05, x0 + static_cast<double>(width) - 0.05, count, d);
    }
    out << figure(s.domain + ": mean " + fixed(s.mean_length, 1) + " items",
                  chart.svg("Test-length histogram: " + s.domain));
  }
  out << "</div>\n";
}

void write_scores(std::ostream& out, const StudyReport& report) {
  const RoleCatalog* catalog = report.catalog;
  const auto to_scale = [&](double theta) { return catalog ? catalog->scale.score(theta) : theta; };
  // One bin width and one x axis for every domain.
  double low = INFINITY, high = -INFINITY;
  for (std::size_t c = 0; c < report.candidates.size(); ++c) {
    for (std::size_t d = 0; d < report.designs.size(); ++d) {
      for (double value : {to_scale(report.outcomes[c].domains[d].estimate.theta),
                           to_scale(report.candidates[c].theta(static_cast<Eigen::Index>(d)))}) {
        low = std::min(low, value);
        high = std::max(high, value);
      }
    }
  }
  if (!(high >= low)) return;
  const Axis bins = nice_axis(low, high, "", 20);
  const std::size_t bin_count = static_cast<std::size_t>(std::llround((bins.high - bins.low) / bins.step));
  const auto bin_of = [&](double value) {
    return std::min(bin_count - 1, static_cast<std::size_t>(std::max(0.0, std::floor((value - bins.low) / bins.step))));
  };
  const std::string unit = catalog ? "score" : "theta";
  out << "<h2>Score distributions</h2>\n<p>Estimated " << unit << "s (bars, " << bins.tick_label(bins.step)
      << " wide) and true " << unit << "s (outline) of the candidates, by domain"
      << (catalog ? "; dashed lines are the level cut-offs" : "") << ".</p>\n"
      << legend({{"estimated", 0, LegendEntry::Mark::bar}, {"true", 5, LegendEntry::Mark::line}})
      << "<div class=\"grid\">\n";
  // Candidates per bin in every domain, estimated and true, then one y axis for all panels.
  const std::size_t domains = report.designs.size();
  std::vector<std::vector<int>> estimated(domains, std::vector<int>(bin_count, 0)), truth = estimated;
  std::vector<double> mean(domains, 0.0);
  int top = 0;
  for (std::size_t d = 0; d < domains; ++d) {
    for (std::size_t c = 0; c < report.candidates.size(); ++c) {
      const double score = to_scale(report.outcomes[c].domains[d].estimate.theta);
      mean[d] += score / static_cast<double>(report.candidates.size());
      top = std::max(top, ++estimated[d][bin_of(score)]);
      top = std::max(top, ++truth[d][bin_of(to_scale(report.candidates[c].theta(static_cast<Eigen::Index>(d))))]);
    }
  }
  for (std::size_t d = 0; d < domains; ++d) {
    Chart chart(nice_axis(bins.low, bins.high, "estimated " + unit, 5), nice_axis(0, top, "candidates", 4, true),
                Frame{420, 240, 48, 12, 12, 42});
    std::vector<double> step_x, step_y;
    for (std::size_t b = 0; b < bin_count; ++b) {
      const double x0 = bins.low + static_cast<double>(b) * bins.step;
      if (estimated[d][b] > 0) chart.bar(x0, x0 + bins.step, estimated[d][b], 0);
      step_x.insert(step_x.end(), {x0, x0 + bins.step});
      step_y.insert(step_y.end(), {static_cast<double>(truth[d][b]), static_cast<double>(truth[d][b])});
    }
    chart.line(step_x, step_y, 5, false, 1.5);
    if (catalog) {
      for (std::size_t level = 1; level < catalog->levels.size(); ++level) {
        chart.vertical_rule(to_scale(catalog->levels[level].min_theta), catalog->levels[level].name);
      }
    }
    out << figure(report.designs[d].domain + ": mean " + fixed(mean[d], catalog ? 1 : 2),
                  chart.svg("Distribution of estimated and true " + unit + "s: " + report.designs[d].domain));
  }
  out << "</div>\n";
}

void write_role_confusion(std::ostream& out, const StudyReport& report) {
  const auto& roles = report.catalog->roles;
  const auto& matrix = report.summary.role_confusion;
  if (matrix.size() != roles.size()) return;
  out << "<h2>Drawn role and best-fitting role</h2>\n<p>Role fit (P(meets every level) &ge; 0.5, against the truth) "
         "is right for "
      << percent(report.summary.role_fit_accuracy) << " of (candidate, role) pairs; the best-fitting role is the role "
      << "a candidate was drawn from for " << percent(report.summary.best_role_matches)
      << " of candidates. Rows: the role a candidate was drawn from; columns: the role that fits them best; shading: "
         "the share of the row.";
  if (report.summary.candidates_outside_roles > 0) {
    out << " " << report.summary.candidates_outside_roles << " candidates not drawn from a role are not counted.";
  }
  out << "</p>\n<div class=\"scroll\"><table class=\"confusion\"><tr><th>drawn \\ best fit</th>";
  for (const RoleProfile& role : roles) out << "<th>" << escaped(role.title) << "</th>";
  out << "<th>total</th></tr>\n";
  for (std::size_t drawn = 0; drawn < roles.size(); ++drawn) {
    int total = 0;
    for (int count : matrix[drawn]) total += count;
    out << "<tr><th>" << escaped(roles[drawn].title) << "</th>";
    for (std::size_t best = 0; best < roles.size(); ++best) {
      const double share = total > 0 ? static_cast<double>(matrix[drawn][best]) / total : 0.0;
      out << "<td style=\"background:rgba(27,108,168," << fixed(share * 0.85, 2) << ")"
          << (share > 0.5 ? ";color:#fff" : "") << (drawn == best ? ";font-weight:bold" : "") << "\">"
          << matrix[drawn][best] << "</td>";
    }
    out << "<td>" << total << "</td></tr>\n";
  }
  out << "</table></div>\n";
}

/// Horizontal bars, one per role with its name on the axis: P(meets the role) of one candidate.
std::string role_fit_svg(const StudyReport& report, std::size_t c) {
  const auto& roles = report.catalog->roles;
  // Room on the left for the longest role name in bold (about 6.6 user units a character at 11 px).
  std::size_t longest = 0;
  for (const RoleProfile& role : roles) longest = std::max(longest, role.title.size());
  const double left = std::clamp(12 + 6.6 * static_cast<double>(longest), 80.0, 320.0);
  const Frame frame{left + 336, 0, left, 16, 8, 40};
  const double row = 24;
  const double height = frame.top + row * static_cast<double>(roles.size()) + frame.bottom;
  Chart chart(nice_axis(0, 1, "P(meets every level of the role)", 5), nice_axis(0, 1, ""),
              Frame{frame.width, height, frame.left, frame.right, frame.top, frame.bottom});
  std::vector<double> probability(roles.size(), 0.0);
  for (const RoleFit& fit : report.outcomes[c].fit) probability[fit.role] = fit.probability;
  std::ostringstream body;
  const double plot_right = frame.width - frame.right;
  body << "<svg class=\"plot role-fit\" viewBox=\"0 0 " << frame.width << ' ' << fixed(height, 0)
       << "\" role=\"img\" aria-label=\"Role fit of candidate " << escaped(report.candidates[c].id) << "\">\n";
  body << "<rect x=\"" << frame.left << "\" y=\"" << frame.top << "\" width=\"" << plot_right - frame.left
       << "\" height=\"" << row * static_cast<double>(roles.size()) << "\" fill=\"#fafafa\" stroke=\"#999\"/>\n";
  const double bottom = frame.top + row * static_cast<double>(roles.size());
  for (double t : nice_axis(0, 1, "", 5).ticks()) {
    const double x = chart.px(t);
    body << "<line x1=\"" << fixed(x, 1) << "\" x2=\"" << fixed(x, 1) << "\" y1=\"" << frame.top << "\" y2=\""
         << fixed(bottom + 4, 1) << "\" stroke=\"" << (t == 0.5 ? "#666\" stroke-dasharray=\"3,3" : "#e3e3e3")
         << "\"/><text x=\"" << fixed(x, 1) << "\" y=\"" << fixed(bottom + 16, 1) << "\" text-anchor=\"middle\">"
         << fixed(t, 1) << "</text>\n";
  }
  body << "<g class=\"role-axis\">";
  for (std::size_t r = 0; r < roles.size(); ++r) {
    const double y = frame.top + row * static_cast<double>(r);
    const bool drawn = roles[r].name == report.candidates[c].population;
    body << "<text x=\"" << frame.left - 6 << "\" y=\"" << fixed(y + row / 2 + 4, 1) << "\" text-anchor=\"end\""
         << (drawn ? " font-weight=\"bold\"" : "") << ">" << escaped(roles[r].title) << "</text>";
  }
  body << "</g>\n";
  for (std::size_t r = 0; r < roles.size(); ++r) {
    const double y = frame.top + row * static_cast<double>(r);
    const double right = chart.px(probability[r]);
    body << "<rect x=\"" << frame.left << "\" y=\"" << fixed(y + 4, 1) << "\" width=\"" << fixed(std::max(right - frame.left, 0.5), 1)
         << "\" height=\"" << row - 8 << "\" fill=\"" << (probability[r] >= 0.5 ? colour(0) : "#9aa5b1") << "\"/>";
    // The value beside its bar, or inside it (right-aligned, white) where it would run past the plot.
    const std::string value = fixed(probability[r], 2) + (roles[r].name == report.candidates[c].population ? " (drawn)" : "");
    const bool inside = right + 4 + 6.5 * static_cast<double>(value.size()) > plot_right;
    body << "<text x=\"" << fixed(inside ? right - 4 : right + 4, 1) << "\" y=\"" << fixed(y + row / 2 + 4, 1) << "\""
         << (inside ? " text-anchor=\"end\" fill=\"#fff\"" : "") << ">" << value << "</text>\n";
  }
  body << "<text x=\"" << fixed((frame.left + plot_right) / 2, 1) << "\" y=\"" << fixed(height - 6, 1)
       << "\" text-anchor=\"middle\">P(meets every level of the role)</text>\n</svg>\n";
  return body.str();
}

void write_role_fits(std::ostream& out, const StudyReport& report) {
  const auto& roles = report.catalog->roles;
  out << "<h2>Role fit of the first candidates</h2>\n<p>The probability, from the posterior of each domain, that a "
         "candidate meets every level a role requires; blue bars are more likely than not. The role the candidate was "
         "drawn from is in bold and marked (drawn).</p>\n<div class=\"grid wide-cells\">\n";
  const std::size_t shown = std::min<std::size_t>(4, report.outcomes.size());
  for (std::size_t c = 0; c < shown; ++c) {
    std::string title = "Candidate " + report.candidates[c].id + ", drawn as " +
                        population_title(report, report.candidates[c].population);
    if (!report.outcomes[c].fit.empty()) {
      const RoleFit& best = report.outcomes[c].fit.front();
      title += ": best fit " + roles[best.role].title + " (P = " + fixed(best.probability, 2) + ")";
    }
    out << figure(title, role_fit_svg(report, c));
  }
  out << "</div>\n";
}

void write_glossary(std::ostream& out, const StudyReport& report) {
  out << "<h2 id=\"glossary\">Glossary</h2>\n<dl class=\"glossary\">"
         "<dt>bias</dt><dd>The mean of estimated minus true theta: above 0, the test overestimates on average.</dd>"
         "<dt>RMSE</dt><dd>Root mean squared error of the estimates against the true thetas, in theta units.</dd>"
         "<dt>mean SE</dt><dd>The mean of the standard errors the tests reported; close to the RMSE when the "
         "reported SEs are honest.</dd>"
         "<dt>conditional</dt><dd>The same statistics for candidates whose true theta lies in a bin; the 95&nbsp;% "
         "intervals show how much a bin's value could move with other simulated candidates.</dd>"
         "<dt>max exposure</dt><dd>The largest share of candidates who saw any one item.</dd>"
         "<dt>never used</dt><dd>The share of the bank's items no candidate saw.</dd>"
         "<dt>over 20&nbsp;%</dt><dd>The share of items seen by more than one candidate in five.</dd>"
         "<dt>overlap</dt><dd>For two candidates taken at random, the share of one's test that the other also saw "
         "(the mean number of items they share over the mean test length).</dd>";
  if (report.catalog) {
    out << "<dt>level accuracy</dt><dd>The share of candidates whose estimated proficiency level (";
    for (std::size_t level = 0; level < report.catalog->levels.size(); ++level) {
      out << (level ? ", " : "") << escaped(report.catalog->levels[level].name);
    }
    out << ") is the level of their true theta.</dd>"
           "<dt>role fit</dt><dd>The probability that a candidate meets every level a role requires, from each "
           "domain's posterior: a candidate measured loosely is not reported as a sure fit.</dd>"
           "<dt>best-fitting role</dt><dd>Among the roles a candidate more likely meets than not, the most "
           "demanding; otherwise the most probable.</dd>";
  }
  out << "<dt>test information</dt><dd>The sum of the items' Fisher information at a theta; one over its square "
         "root is about the SE (of maximum likelihood) a test of all those items would reach there.</dd></dl>\n";
}

}  // namespace

std::vector<StudySetting> study_settings(const std::string& design, const SessionConfig& config, std::uint64_t seed,
                                         std::size_t candidates, const std::string& population, bool topics_balanced) {
  const ExposureMethod method = config.exposure.method;
  const bool rate_limited = method != ExposureMethod::none && method != ExposureMethod::randomesque;
  return {
      {"design", design},
      {"candidates", static_cast<std::uint64_t>(candidates)},
      {"population", population},
      {"rule", std::string(to_string(config.selection.rule))},
      {"estimator", std::string(to_string(config.estimation.estimator))},
      {"max_length", static_cast<std::uint64_t>(config.stopping.max_length)},
      {"min_length", static_cast<std::uint64_t>(config.stopping.min_length)},
      {"se_target", config.stopping.se_target ? SettingValue(*config.stopping.se_target) : SettingValue()},
      {"exposure", std::string(to_string(method))},
      {"randomesque_count", method == ExposureMethod::randomesque
                                ? SettingValue(static_cast<std::uint64_t>(config.exposure.randomesque_count))
                                : SettingValue()},
      {"max_rate", rate_limited ? SettingValue(config.exposure.max_rate) : SettingValue()},
      {"topics_balanced", topics_balanced},
      {"seed", seed},
  };
}

void write_candidates_csv(std::ostream& out, const StudyReport& report) {
  out << "id,population";
  for (const DomainDesign& design : report.designs) {
    for (const char* field : {"_theta_true", "_theta", "_se", "_length"}) out << ',' << design.domain << field;
    if (report.catalog) out << ',' << design.domain << "_score," << design.domain << "_level";
  }
  if (report.catalog) {
    for (const RoleProfile& role : report.catalog->roles) out << ",fit_" << role.name;
    out << ",best_role";
  }
  out << '\n';
  for (std::size_t c = 0; c < report.candidates.size(); ++c) {
    const SimulatedCandidate& candidate = report.candidates[c];
    const CandidateOutcome& outcome = report.outcomes[c];
    out << detail::csv_quoted(candidate.id) << ',' << detail::csv_quoted(candidate.population);
    for (std::size_t d = 0; d < report.designs.size(); ++d) {
      const DomainOutcome& domain = outcome.domains[d];
      out << ',' << format_double(candidate.theta(static_cast<Eigen::Index>(d))) << ',' << format_double(domain.estimate.theta)
          << ',' << format_double(domain.estimate.se) << ',' << domain.items.size();
      if (report.catalog) {
        out << ',' << format_double(report.catalog->scale.score(domain.estimate.theta)) << ','
            << report.catalog->level_name(domain.estimate.theta);
      }
    }
    if (report.catalog) {
      std::vector<double> probability(report.catalog->roles.size(), 0.0);
      for (const RoleFit& fit : outcome.fit) probability[fit.role] = fit.probability;
      for (double p : probability) out << ',' << format_double(p);
      out << ',' << (outcome.fit.empty() ? std::string() : role_name(report, outcome.fit.front().role));
    }
    out << '\n';
  }
}

void write_study_json(std::ostream& out, const StudyReport& report) {
  nlohmann::ordered_json document;
  document["format"] = "irtcat.study";
  document["version"] = 2;
  document["title"] = report.title;
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (const StudySetting& setting : report.settings) settings[setting.key] = setting_json(setting.value);
  document["settings"] = settings;
  document["candidates"] = report.candidates.size();
  document["domains"] = nlohmann::ordered_json::array();
  for (std::size_t d = 0; d < report.summary.domains.size(); ++d) {
    const DomainStatistics& stats = report.summary.domains[d];
    nlohmann::ordered_json conditional = nlohmann::ordered_json::array();
    for (const ConditionalStatistics& bin : stats.conditional) {
      const bool any = bin.count > 0;
      const bool spread = bin.count > 1;
      conditional.push_back({{"lower", bin.lower},
                             {"upper", bin.upper},
                             {"count", bin.count},
                             {"bias", number_or_null(bin.bias, any)},
                             {"bias_se", number_or_null(bin.bias_se, spread)},
                             {"rmse", number_or_null(bin.rmse, any)},
                             {"rmse_se", number_or_null(bin.rmse_se, spread)},
                             {"mean_se", number_or_null(bin.mean_se, any)}});
    }
    nlohmann::ordered_json rates = nlohmann::ordered_json::object();
    if (d < report.designs.size()) {
      const ItemBank& bank = report.designs[d].design->bank();
      for (std::size_t i = 0; i < stats.exposure_rates.size() && i < bank.size(); ++i) {
        rates[bank.items()[i].id().str()] = stats.exposure_rates[i];
      }
    }
    document["domains"].push_back({{"domain", stats.domain},
                                   {"bias", number_or_null(stats.bias)},
                                   {"rmse", number_or_null(stats.rmse)},
                                   {"mean_se", number_or_null(stats.mean_se)},
                                   {"mean_length", stats.mean_length},
                                   {"length_counts", stats.length_counts},
                                   {"conditional", conditional},
                                   {"max_exposure", stats.max_exposure},
                                   {"never_used", stats.never_used},
                                   {"over_20_percent", stats.over_20_percent},
                                   {"overlap", stats.overlap},
                                   {"level_accuracy", number_or_null(stats.level_accuracy, report.catalog != nullptr)},
                                   {"exposure_rates", rates}});
  }
  if (report.catalog) {
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    for (const RoleProfile& role : report.catalog->roles) names.push_back(role.name);
    document["roles"] = {{"role_fit_accuracy", report.summary.role_fit_accuracy},
                         {"best_role_matches", report.summary.best_role_matches},
                         {"confusion", {{"roles", names},
                                        {"drawn_by_best_fit", report.summary.role_confusion},
                                        {"candidates_outside_roles", report.summary.candidates_outside_roles}}}};
  } else {
    document["roles"] = nullptr;
  }
  if (!report.length_curves.empty()) {
    document["length_curves"] = nlohmann::ordered_json::array();
    for (const LengthCurve& curve : report.length_curves) {
      nlohmann::ordered_json points = nlohmann::ordered_json::array();
      for (const LengthPoint& point : curve.points) {
        points.push_back({{"length", point.length}, {"rmse", point.rmse}, {"mean_rmse", point.mean_rmse}});
      }
      document["length_curves"].push_back({{"label", curve.label}, {"points", points}});
    }
  }
  out << document.dump(2) << '\n';
}

void write_study_html(std::ostream& out, const StudyReport& report) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
      << escaped(report.title)
      << "</title>\n<style>"
         "*{box-sizing:border-box}"
         "body{font-family:sans-serif;margin:0 auto;padding:1em 1.5em;max-width:1240px;color:#222;line-height:1.4}"
         "h2{margin-top:1.6em;border-bottom:1px solid #ddd}"
         ".scroll{overflow-x:auto;max-width:100%}"
         "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
         "td,th{border:1px solid #ccc;padding:3px 5px;text-align:right}"
         "th{background:#eee;font-weight:600}td:first-child,th:first-child{text-align:left}"
         "table.confusion{font-size:.85em}table.confusion th{text-align:left;vertical-align:bottom;max-width:7em}"
         "figure{margin:.8em 0;min-width:0}figcaption{font-weight:bold;margin-bottom:.3em}"
         "svg.plot{display:block;width:100%;height:auto;font-size:11px}"
         "figure.chart>svg.plot{max-width:760px}.grid figure.chart>svg.plot{max-width:none}"
         ".grid figure.chart>svg.plot:not(.role-fit){font-size:13px}"
         ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:.5em 1.5em}"
         ".grid.wide-cells{grid-template-columns:repeat(auto-fill,minmax(520px,1fr))}"
         "@media (max-width:600px){.grid,.grid.wide-cells{grid-template-columns:minmax(0,1fr)}}"
         ".legend{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:.2em 1.4em;font-size:.9em}"
         ".swatch{display:inline-block;width:22px;margin-right:6px;vertical-align:middle}"
         ".note{font-size:.9em;color:#555;margin:.3em 0}"
         "dl.glossary dt{font-weight:bold}dl.glossary dd{margin:0 0 .6em 1.5em}"
         "</style></head><body>\n<h1>"
      << escaped(report.title) << "</h1>\n";
  write_tables(out, report);
  write_conditional(out, report);
  write_scores(out, report);
  write_information(out, report);
  write_exposure(out, report);
  write_lengths(out, report);
  if (!report.length_curves.empty()) write_length_curves(out, report);
  if (report.catalog && !report.outcomes.empty()) {
    write_role_confusion(out, report);
    write_role_fits(out, report);
  }
  write_glossary(out, report);
  out << "</body></html>\n";
}

}  // namespace irtcat
