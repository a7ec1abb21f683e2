// Copyright 2026 The Candor Authors.
//
// What `candor identify`, `candor verify` and enrolment's duplicate checks
// need to run a search through the search desk (search_desk/search_desk.h),
// the same path as the server's: the store's governance gate
// (search_gate.h), its one sealed record of searches (<store>/searches.db,
// shared with `candor serve`), the thresholds and rates
// (search_desk/thresholds.h), and the probe factory that embeds the probe
// with the gallery's own model. Header-only; used only by the CLI.

#ifndef CANDOR_CLI_CLI_SEARCH_H_
#define CANDOR_CLI_CLI_SEARCH_H_

#include <iostream>
#include <memory>
#include <string>

#include "cli/gallery_flags.h"
#include "cli/pipeline_flags.h"
#include "cli/probe_util.h"
#include "cli/search_gate.h"
#include "search_desk/search_desk.h"

namespace candor::cli {

// The sealed record of the store's searches, opened with the store key.
inline StatusOr<std::unique_ptr<SearchBook>> OpenSearchBook(const StoreFlags& f) {
  CANDOR_ASSIGN_OR_RETURN(std::string dir, DefaultStoreDir(f.store));
  CANDOR_ASSIGN_OR_RETURN(StoreKey key, LoadStoreKey(f.key_file));
  auto book = SearchBook::Open(SearchBookPath(dir), key);
  std::fill(key.begin(), key.end(), 0);
  return book;
}

// Everything a CLI search holds open. `desk` borrows the others.
struct CliDesk {
  std::unique_ptr<Store> store;
  SearchGate gate;
  std::unique_ptr<SearchBook> book;
  std::unique_ptr<SearchDesk> desk;
};

// Opens the desk over an already open store (borrowed when `own` is null).
inline StatusOr<CliDesk> OpenCliDesk(std::unique_ptr<Store> own, const Store& store,
                                     SearchGate gate, const StoreFlags& flags,
                                     SearchCalibrationOptions calibration) {
  CliDesk d;
  d.store = std::move(own);
  d.gate = std::move(gate);
  CANDOR_ASSIGN_OR_RETURN(d.book, OpenSearchBook(flags));
  d.desk = std::make_unique<SearchDesk>(*d.gate.governance, store,
                                        OpenSearchCalibration(store, std::move(calibration)),
                                        d.book.get());
  return d;
}

struct CliSearch {
  CliDesk desk;
  SearchRequest req;  // kind, gallery, authorization and probe hash filled in
};

// Errors: the store's, the gate's (unknown operator, bad audit key), the
// record's and an unreadable probe file's.
inline StatusOr<CliSearch> BeginCliSearch(const StoreFlags& store, const SearchGateFlags& gate,
                                          SearchKind kind, const std::string& gallery,
                                          const std::string& image,
                                          SearchCalibrationOptions calibration) {
  CliSearch s;
  CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<Store> st, OpenStore(store, false, /*read_only=*/true));
  CANDOR_ASSIGN_OR_RETURN(SearchGate g, OpenSearchGate(gate, store));
  const Store& ref = *st;
  CANDOR_ASSIGN_OR_RETURN(s.desk,
                          OpenCliDesk(std::move(st), ref, std::move(g), store, std::move(calibration)));
  s.req.kind = kind;
  s.req.gallery = gallery;
  s.req.authorization_id = gate.authorization;
  CANDOR_ASSIGN_OR_RETURN(s.req.probe_hash, ProbeHash(image));
  return s;
}

// The probe's face, embedded with the gallery's model unless --embedder says
// otherwise. `store` must outlive the result.
inline FaceModality GalleryProbe(const Store& store, const std::string& gallery,
                                 const std::string& image, const PipelineFlags& flags) {
  return FaceModality(store, [&store, gallery, image, flags]() -> StatusOr<Template> {
    CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store.GetGallery(gallery));
    PipelineOptions po = ToPipelineOptions(flags);
    if (po.embedder.empty()) po.embedder = g.model_id;
    return LoadProbe(image, po);
  });
}

// A sealed record that could not be written does not undo the search
// (governance recorded it); the operator is told on stderr.
inline void WarnIfUnrecorded(const CompletedSearch& done) {
  if (!done.recorded.ok()) {
    std::cerr << "candor: warning: search " << done.ticket.search_id
              << " is not in the sealed record: " << done.recorded.message() << std::endl;
  }
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_CLI_SEARCH_H_
