// Copyright 2026 The Candor Authors.
//
// Self-contained SVG line plots and histograms for evaluation reports (ROC, DET
// with log axes, score histograms, CMC). The output is one <svg> element as a
// string, with no scripts, external fonts or references, ready to inline into
// HTML. Text (titles, labels, series names) is XML-escaped.
//
// On a log axis, values <= 0 or below the axis minimum are drawn at the axis
// minimum (the plot says so in its footnote); NaN points are skipped. Empty
// series are listed in the legend and draw nothing.
//
// Thread safety: pure functions.

#ifndef CANDOR_CALIBRATE_SVG_PLOT_H_
#define CANDOR_CALIBRATE_SVG_PLOT_H_

#include <string>
#include <vector>

namespace candor::plot {

struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;  // same length as x (extra entries ignored)
};

struct Axis {
  std::string label;
  bool log = false;
  double min = 0;  // if min >= max the range is taken from the data
  double max = 0;
};

struct PlotOptions {
  std::string title;
  Axis x;
  Axis y;
  int width = 560;
  int height = 400;
};

// A line plot of every series (polyline per series, legend top right).
std::string LinePlot(const std::vector<Series>& series, const PlotOptions& options);

// Histograms of several samples on shared bins, drawn as step outlines of the
// density (so groups of different sizes compare). `bins` >= 1.
struct Sample {
  std::string name;
  std::vector<double> values;
};
std::string Histogram(const std::vector<Sample>& samples, int bins, const PlotOptions& options);

// XML-escapes &, <, >, " and '.
std::string XmlEscape(const std::string& text);

}  // namespace candor::plot

#endif  // CANDOR_CALIBRATE_SVG_PLOT_H_
