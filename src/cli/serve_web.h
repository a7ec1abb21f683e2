// Copyright 2026 The Candor Authors.
//
// What `candor serve` (and `candor demo`) set up for the browser client and
// the examiner's screens, kept apart from the listener code in serve_runner:
//   - the web client (web/dist) at "/": --web-root DIR, else $CANDOR_WEB_DIR,
//     else web/dist found above the binary (FindWebClient); when none is found
//     the API is served alone and a warning is logged;
//   - the one sealed record of searches <store>/searches.db (searches,
//     candidates and reviews across restarts; sealed with the store key),
//     which the CLI's searches of the same store write too.
// CLI-only.

#ifndef CANDOR_CLI_SERVE_WEB_H_
#define CANDOR_CLI_SERVE_WEB_H_

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "candor/server.h"
#include "cli/gallery_flags.h"
#include "search_desk/search_book.h"

namespace candor::cli {

inline void AddWebRootFlag(CLI::App& sub, std::string* web_root) {
  sub.add_option("--web-root", *web_root,
                 "The browser client's folder served at / (default: $CANDOR_WEB_DIR, else "
                 "web/dist above the candor binary, built by scripts/setup.sh)");
}

inline void ConfigureWebAndReview(const std::string& store_dir, const std::string& web_root,
                                  ServerOptions* so, HttpServerOptions* ho) {
  ho->web_client = true;
  ho->web_root = web_root;
  so->search_book = SearchBookPath(store_dir);
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_SERVE_WEB_H_
