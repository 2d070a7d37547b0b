#include "reports/html_timeline.h"

#include <algorithm>
#include <sstream>

#include "reports/text_escape.h"

namespace crashlab::reports {

namespace {

constexpr int kWidth = 1000;
constexpr int kAxisY = 44;
constexpr int kPad = 28;

const char* Color(const TraceOp& op) {
  if (!op.fault.empty()) return "#dc6803";
  if (op.result != "ok") return "#d92d20";
  if (op.persistence_point) return "#16794c";
  return "#667085";
}

}  // namespace

std::string RenderTimelineSvg(const std::vector<TraceOp>& trace,
                              uint64_t crash_point) {
  std::ostringstream svg;
  svg << "<svg class=\"timeline\" viewBox=\"0 0 " << kWidth
      << " 86\" preserveAspectRatio=\"none\" "
      << "role=\"img\" aria-label=\"operation timeline, crash after op "
      << crash_point << "\">";
  if (trace.empty()) {
    svg << "<text x=\"" << kWidth / 2
        << "\" y=\"48\" text-anchor=\"middle\" fill=\"#98a2b3\" "
        << "font-size=\"13\">no trace recorded</text></svg>";
    return svg.str();
  }
  const size_t n = trace.size();
  const double step = n > 1 ? static_cast<double>(kWidth - 2 * kPad) /
                                  static_cast<double>(n - 1)
                            : 0;
  auto x_of = [&](size_t i) {
    return n > 1 ? kPad + step * static_cast<double>(i) : kWidth / 2.0;
  };

  // Where the power cut goes: after the last op with index <= crash_point.
  double crash_x = kPad / 2.0;
  for (size_t i = 0; i < n; ++i) {
    if (trace[i].index <= crash_point) {
      crash_x = i + 1 < n ? (x_of(i) + x_of(i + 1)) / 2
                          : std::min<double>(x_of(i) + kPad / 2.0, kWidth - 4);
    }
  }
  svg << "<rect x=\"" << crash_x << "\" y=\"6\" width=\"" << (kWidth - crash_x)
      << "\" height=\"62\" "
      << "fill=\"#f2f4f7\" opacity=\".8\"/>";
  svg << "<line x1=\"" << kPad / 2 << "\" y1=\"" << kAxisY << "\" x2=\""
      << kWidth - kPad / 2 << "\" y2=\"" << kAxisY
      << "\" stroke=\"#d0d5dd\" stroke-width=\"2\"/>";
  const size_t label_every = std::max<size_t>(1, n / 12);
  for (size_t i = 0; i < n; ++i) {
    const TraceOp& op = trace[i];
    const double x = x_of(i);
    const bool after = op.index > crash_point;
    svg << "<g opacity=\"" << (after ? ".45" : "1") << "\"><title>#" << op.index
        << " " << HtmlEscape(op.op) << " " << HtmlEscape(op.path)
        << (op.path2.empty() ? "" : " → " + HtmlEscape(op.path2)) << " = "
        << HtmlEscape(op.result)
        << (op.fault.empty() ? "" : " [fault: " + HtmlEscape(op.fault) + "]")
        << "</title>";
    if (op.persistence_point) {
      svg << "<rect x=\"" << x - 6 << "\" y=\"" << kAxisY - 6
          << "\" width=\"12\" height=\"12\" fill=\"" << Color(op)
          << "\" transform=\"rotate(45 " << x << " " << kAxisY << ")\"/>";
    } else {
      svg << "<circle cx=\"" << x << "\" cy=\"" << kAxisY
          << "\" r=\"5\" fill=\"" << Color(op) << "\"/>";
    }
    if (i % label_every == 0 || op.index == crash_point) {
      svg << "<text x=\"" << x << "\" y=\"" << kAxisY + 22
          << "\" text-anchor=\"middle\" font-size=\"11\" "
          << "fill=\"#475467\" font-family=\"monospace\">" << op.index
          << "</text>";
    }
    svg << "</g>";
  }
  svg << "<line x1=\"" << crash_x << "\" y1=\"4\" x2=\"" << crash_x
      << "\" y2=\"70\" stroke=\"#d92d20\" "
      << "stroke-width=\"2.5\" stroke-dasharray=\"5 3\"/>"
      << "<text x=\"" << (crash_x > kWidth - 200 ? crash_x - 6 : crash_x + 6)
      << "\" y=\"18\" text-anchor=\""
      << (crash_x > kWidth - 200 ? "end" : "start")
      << "\" font-size=\"12\" font-weight=\"700\" fill=\"#d92d20\">"
      << "\u26A1 crash after op " << crash_point << "</text></svg>";
  return svg.str();
}

}  // namespace crashlab::reports
