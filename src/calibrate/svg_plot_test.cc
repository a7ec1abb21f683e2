// Copyright 2026 The Candor Authors.

#include "calibrate/svg_plot.h"

#include <gtest/gtest.h>

#include <limits>

namespace candor::plot {
namespace {

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(SvgPlotTest, LinePlotIsOneSelfContainedSvgWithOnePolylinePerSeries) {
  PlotOptions o;
  o.title = "DET <model & co>";
  o.x = {"FPIR", true, 1e-4, 1};
  o.y = {"FNIR", true, 1e-3, 1};
  std::string svg = LinePlot({{"a", {1e-3, 1e-2, 1e-1}, {0.5, 0.1, 0.01}},
                              {"b", {1e-3, 1e-1}, {0.2, 0.02}},
                              {"empty", {}, {}}},
                             o);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(Count(svg, "<polyline"), 2);
  EXPECT_NE(svg.find("DET &lt;model &amp; co&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<model"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos);
  EXPECT_NE(svg.find(">empty<"), std::string::npos);  // listed in the legend
  EXPECT_NE(svg.find("1e-04"), std::string::npos);    // decade ticks on log axes
}

TEST(SvgPlotTest, LogAxisClipsZerosAndSaysSo) {
  PlotOptions o;
  o.x = {"FMR", true, 1e-3, 1};
  o.y = {"FNMR", false, 0, 1};
  std::string svg = LinePlot({{"s", {0.0, 0.01, 0.1}, {1, 0.5, 0.1}}}, o);
  EXPECT_NE(svg.find("log-axis minimum"), std::string::npos);
  std::string clean = LinePlot({{"s", {0.01, 0.1}, {0.5, 0.1}}}, o);
  EXPECT_EQ(clean.find("log-axis minimum"), std::string::npos);
}

TEST(SvgPlotTest, NanPointsAreSkipped) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::string svg = LinePlot({{"s", {0, nan, 1}, {0, 1, 1}}}, PlotOptions{});
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(Count(svg, "<polyline"), 1);
}

TEST(SvgPlotTest, HistogramDrawsOneOutlinePerSampleWithCounts) {
  PlotOptions o;
  o.title = "scores";
  std::string svg = Histogram({{"genuine", {0.7, 0.8, 0.75}}, {"impostor", {0.0, 0.1}}}, 10, o);
  EXPECT_EQ(Count(svg, "<polyline"), 2);
  EXPECT_NE(svg.find("genuine (n=3)"), std::string::npos);
  EXPECT_NE(svg.find("impostor (n=2)"), std::string::npos);
  // No data at all still gives a valid (empty) plot.
  std::string empty = Histogram({}, 0, o);
  EXPECT_NE(empty.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace candor::plot
