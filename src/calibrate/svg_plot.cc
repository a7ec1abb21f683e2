// Copyright 2026 The Candor Authors.

#include "calibrate/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace candor::plot {
namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr int kLeft = 64, kRight = 16, kTop = 32, kBottom = 48;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

std::string TickLabel(double v) {
  char buf[32];
  if (v != 0 && (std::fabs(v) < 1e-2 || std::fabs(v) >= 1e5)) {
    std::snprintf(buf, sizeof(buf), "%.0e", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%g", v);
  }
  return buf;
}

struct Scale {
  Axis axis;
  double lo = 0, hi = 1;  // in transformed units (log10 if log)
  double p0 = 0, p1 = 1;  // pixel range
  bool clipped = false;

  double T(double v) const { return axis.log ? std::log10(v) : v; }
  double Px(double v) {
    double t;
    if (axis.log && !(v > 0)) {
      t = lo;
      clipped = true;
    } else {
      t = T(v);
    }
    if (t < lo) { t = lo; if (axis.log) clipped = true; }
    if (t > hi) t = hi;
    return p0 + (t - lo) / (hi - lo) * (p1 - p0);
  }
};

Scale MakeScale(const Axis& axis, const std::vector<double>& data, double p0, double p1) {
  Scale s;
  s.axis = axis;
  s.p0 = p0;
  s.p1 = p1;
  if (axis.min < axis.max && (!axis.log || axis.min > 0)) {
    s.lo = s.T(axis.min);
    s.hi = s.T(axis.max);
    return s;
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : data) {
    if (std::isnan(v) || std::isinf(v) || (axis.log && v <= 0)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(lo <= hi)) { lo = axis.log ? 1e-4 : 0; hi = 1; }
  if (axis.log) {
    s.lo = std::floor(std::log10(lo));
    s.hi = std::ceil(std::log10(hi));
  } else {
    s.lo = lo;
    s.hi = hi;
  }
  if (s.hi <= s.lo) s.hi = s.lo + 1;
  return s;
}

std::vector<double> Ticks(const Scale& s) {
  std::vector<double> out;
  if (s.axis.log) {
    for (double e = std::ceil(s.lo); e <= s.hi + 1e-9; e += 1) out.push_back(std::pow(10.0, e));
    return out;
  }
  const double span = s.hi - s.lo;
  const double raw = span / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) { step = m * mag; break; }
  }
  for (double v = std::ceil(s.lo / step) * step; v <= s.hi + step * 1e-9; v += step) {
    out.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return out;
}

void Frame(std::ostringstream& o, const PlotOptions& opt, Scale& xs, Scale& ys) {
  const int w = opt.width, h = opt.height;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << " " << h << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << w / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">"
    << XmlEscape(opt.title) << "</text>\n";
  for (double t : Ticks(xs)) {
    const double px = xs.Px(t);
    o << "<line x1=\"" << Num(px) << "\" y1=\"" << kTop << "\" x2=\"" << Num(px) << "\" y2=\""
      << h - kBottom << "\" stroke=\"#e0e0e0\"/>";
    o << "<text x=\"" << Num(px) << "\" y=\"" << h - kBottom + 14
      << "\" text-anchor=\"middle\">" << TickLabel(t) << "</text>\n";
  }
  for (double t : Ticks(ys)) {
    const double py = ys.Px(t);
    o << "<line x1=\"" << kLeft << "\" y1=\"" << Num(py) << "\" x2=\"" << w - kRight << "\" y2=\""
      << Num(py) << "\" stroke=\"#e0e0e0\"/>";
    o << "<text x=\"" << kLeft - 4 << "\" y=\"" << Num(py + 4) << "\" text-anchor=\"end\">"
      << TickLabel(t) << "</text>\n";
  }
  xs.clipped = ys.clipped = false;  // ticks do not count as clipped data
  o << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << w - kLeft - kRight
    << "\" height=\"" << h - kTop - kBottom << "\" fill=\"none\" stroke=\"black\"/>\n";
  o << "<text x=\"" << (kLeft + w - kRight) / 2 << "\" y=\"" << h - 8
    << "\" text-anchor=\"middle\">" << XmlEscape(opt.x.label) << "</text>\n";
  o << "<text x=\"14\" y=\"" << (kTop + h - kBottom) / 2 << "\" text-anchor=\"middle\" "
    << "transform=\"rotate(-90 14 " << (kTop + h - kBottom) / 2 << ")\">"
    << XmlEscape(opt.y.label) << "</text>\n";
}

void Legend(std::ostringstream& o, const std::vector<std::string>& names, const PlotOptions& opt) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const int y = kTop + 14 + static_cast<int>(i) * 14;
    const int x = opt.width - kRight - 150;
    o << "<line x1=\"" << x << "\" y1=\"" << y - 4 << "\" x2=\"" << x + 18 << "\" y2=\"" << y - 4
      << "\" stroke=\"" << kColors[i % 10] << "\" stroke-width=\"2\"/>";
    o << "<text x=\"" << x + 22 << "\" y=\"" << y << "\">" << XmlEscape(names[i]) << "</text>\n";
  }
}

void Finish(std::ostringstream& o, const PlotOptions& opt, const Scale& xs, const Scale& ys) {
  if (xs.clipped || ys.clipped) {
    o << "<text x=\"" << kLeft << "\" y=\"" << opt.height - 8
      << "\" font-size=\"9\" fill=\"#555\">values at or below the log-axis minimum drawn on "
         "the axis</text>\n";
  }
  o << "</svg>\n";
}

}  // namespace

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string LinePlot(const std::vector<Series>& series, const PlotOptions& opt) {
  std::vector<double> all_x, all_y;
  for (const Series& s : series) {
    all_x.insert(all_x.end(), s.x.begin(), s.x.end());
    all_y.insert(all_y.end(), s.y.begin(), s.y.end());
  }
  Scale xs = MakeScale(opt.x, all_x, kLeft, opt.width - kRight);
  Scale ys = MakeScale(opt.y, all_y, opt.height - kBottom, kTop);
  std::ostringstream o;
  Frame(o, opt, xs, ys);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    names.push_back(s.name);
    const std::size_t n = std::min(s.x.size(), s.y.size());
    std::ostringstream pts;
    std::size_t drawn = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (std::isnan(s.x[j]) || std::isnan(s.y[j])) continue;
      pts << Num(xs.Px(s.x[j])) << "," << Num(ys.Px(s.y[j])) << " ";
      ++drawn;
    }
    if (drawn == 0) continue;
    o << "<polyline fill=\"none\" stroke=\"" << kColors[i % 10] << "\" stroke-width=\"1.5\" points=\""
      << pts.str() << "\"/>\n";
  }
  Legend(o, names, opt);
  Finish(o, opt, xs, ys);
  return o.str();
}

std::string Histogram(const std::vector<Sample>& samples, int bins, const PlotOptions& opt) {
  bins = std::max(bins, 1);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Sample& s : samples) {
    for (double v : s.values) {
      if (std::isnan(v) || std::isinf(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (opt.x.min < opt.x.max) { lo = opt.x.min; hi = opt.x.max; }
  if (!(lo <= hi)) { lo = 0; hi = 1; }
  if (hi <= lo) hi = lo + 1;
  const double width = (hi - lo) / bins;
  std::vector<Series> series;
  for (const Sample& s : samples) {
    Series out;
    out.name = s.name + " (n=" + std::to_string(s.values.size()) + ")";
    std::vector<double> counts(bins, 0);
    std::size_t n = 0;
    for (double v : s.values) {
      if (std::isnan(v) || std::isinf(v) || v < lo || v > hi) continue;
      int b = static_cast<int>((v - lo) / width);
      counts[std::min(b, bins - 1)] += 1;
      ++n;
    }
    for (int b = 0; b < bins; ++b) {
      const double density = n ? counts[b] / (n * width) : 0;
      out.x.push_back(lo + b * width);
      out.y.push_back(density);
      out.x.push_back(lo + (b + 1) * width);
      out.y.push_back(density);
    }
    series.push_back(std::move(out));
  }
  PlotOptions o = opt;
  o.x.min = lo;
  o.x.max = hi;
  o.x.log = false;
  if (o.y.label.empty()) o.y.label = "density";
  return LinePlot(series, o);
}

}  // namespace candor::plot
