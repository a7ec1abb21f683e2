// Copyright 2026 The Candor Authors.
//
// candor-photo-duplicates: one photograph filed more than once in a labelled
// folder (<identity>/<image>), found without any face model
// (calibrate/photo_duplicates.h). Prints one `same-photo` line of a
// truth-corrections file (calibrate/truth_corrections.h) per pair, highest
// correlation first, then a summary on stderr.
//
//   candor-photo-duplicates [--data $CANDOR_DATA/faces/lfw] [--min-correlation 0.97]
//       [--thumbnail 24] [--across-names-only]
//
// Errors: printed; exit 1.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "calibrate/photo_duplicates.h"
#include "common/paths.h"

int main(int argc, char** argv) {
  CLI::App app{"One photograph filed more than once in a labelled face folder"};
  std::string data;
  bool across_only = false;
  candor::eval::PhotoDuplicateOptions o;
  app.add_option("--data", data, "Labelled folder (default $CANDOR_DATA/faces/lfw)");
  app.add_option("--min-correlation", o.min_correlation,
                 "Thumbnail correlation that means one photograph");
  app.add_option("--thumbnail", o.thumbnail_side, "Thumbnail side in pixels");
  app.add_flag("--across-names-only", across_only, "Only pairs filed under two different names");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (data.empty()) {
    auto d = candor::DataDir();
    data = ((d ? *d : std::filesystem::path("../shared/data")) / "faces/lfw").string();
  }
  auto images = candor::eval::ScanLabelledFolder(data);
  if (!images.ok()) {
    std::cerr << images.status().ToString() << "\n";
    return 1;
  }
  auto found = candor::eval::FindPhotoDuplicates(data, *images, o);
  if (!found.ok()) {
    std::cerr << found.status().ToString() << "\n";
    return 1;
  }
  std::size_t printed = 0;
  for (const auto& p : found->pairs) {
    const bool across = p.a.identity != p.b.identity;
    if (across_only && !across) continue;
    std::printf("same-photo\t%s\t%s\tone photograph %s (thumbnail correlation %.3f)\n",
                p.a.path.c_str(), p.b.path.c_str(), across ? "under two names" : "filed twice",
                p.correlation);
    ++printed;
  }
  std::fprintf(stderr, "%zu images compared, %zu unreadable, %zu pairs at correlation >= %.3f\n",
               found->images, found->unreadable, printed, o.min_correlation);
  return 0;
}
